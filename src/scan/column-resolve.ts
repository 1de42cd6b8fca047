/**
 * Resolving the table's logical columns against one data file's physical columns, and turning
 * the file's Arrow data into the table's Arrow types.
 *
 * Which file column holds a logical field (PROTOCOL.md "Column Mapping"):
 * - mode `none`: the field's own name. Spark resolves Parquet columns ignoring case by default,
 *   so an exact match is tried first, then the one field that matches ignoring case;
 * - mode `name`: `delta.columnMapping.physicalName`, at every nesting level;
 * - mode `id`: the Parquet field id (`PARQUET:field_id`) equal to `delta.columnMapping.id`.
 *   The spec lets a reader either refuse a file without field ids or read its columns as null.
 *   We take a third, safe path: a file field that has *no* id may still match by physical name.
 *   Physical names are unique across the table's whole history (`col-<uuid>`), so that never
 *   picks the wrong column, and files from writers that dropped ids stay readable. A file field
 *   whose id differs never matches.
 * A name matching several file columns ignoring case (and no column exactly) is an error, as in
 * Spark. A field with no match is a column the file predates (schema evolution): it reads as nulls.
 * File columns the schema does not name (`_change_type` in ordinary data files, which
 * non-CDF readers must ignore, partition columns some writers also store) are never read.
 *
 * Array elements and map keys/values have no names of their own: they match by position.
 */
import * as arrow from 'apache-arrow'
import type { DataProps } from 'apache-arrow/data'
import { type ColumnMappingMode, fieldId, physicalName } from '../protocol/column-mapping.js'
import type { DataType, StructField } from '../protocol/schema.js'
import { typeName } from '../engine/arrow-read.js'
import { leafConverter } from './arrow-cast.js'
import { nullData } from './arrow-constant.js'
import { arrowType, mapType, structType, typeOf, variantType } from './arrow-types.js'

/** Turns one batch's file column into the table's type. */
export type ColumnConverter = (data: arrow.Data) => arrow.Data

/**
 * A file whose columns cannot be read as the table's: a type that is no allowed widening, or a
 * column name that matches two file columns. The reader turns it into a `CorruptDataError`
 * naming the file.
 */
export class ColumnResolveError extends Error {
  override readonly name = 'ColumnResolveError'
}

const FIELD_ID_KEY = 'PARQUET:field_id'

function fileFieldId(field: arrow.Field): number | undefined {
  const raw = field.metadata.get(FIELD_ID_KEY)
  if (raw === undefined) return undefined
  const id = Number(raw)
  return Number.isInteger(id) ? id : undefined
}

/**
 * The index among `candidates` (a file struct's fields) of the column holding `field`, or -1
 * when the file does not have it.
 */
export function matchField(
  field: StructField,
  candidates: readonly arrow.Field[],
  mode: ColumnMappingMode,
): number {
  if (mode === 'id') {
    const id = fieldId(field)
    if (id !== undefined) {
      const byId = candidates.findIndex((c) => fileFieldId(c) === id)
      if (byId >= 0) return byId
    }
    const name = physicalName(field, mode)
    return candidates.findIndex((c) => c.name === name && fileFieldId(c) === undefined)
  }
  const name = physicalName(field, mode)
  const exact = candidates.findIndex((c) => c.name === name)
  if (exact >= 0 || mode === 'name') return exact
  const lower = name.toLowerCase()
  const loose = candidates.filter((c) => c.name.toLowerCase() === lower)
  // Two candidates: guessing could return the wrong column's values; Spark refuses too.
  if (loose.length > 1) {
    throw new ColumnResolveError(`column ${name} matches several file columns ignoring case`)
  }
  return loose.length === 1 ? candidates.indexOf(loose[0]!) : -1
}

function typeLabel(type: DataType): string {
  return type.type === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.type
}

/** Builds a struct/list/map result with the validity (and offsets) of `source`. */
function nestedLike(
  source: arrow.Data,
  type: arrow.DataType,
  props: { children?: arrow.Data[]; child?: arrow.Data },
): arrow.Data {
  return arrow.makeData({
    type,
    offset: source.offset,
    length: source.length,
    nullCount: source.nullCount,
    nullBitmap: source.nullBitmap,
    ...(source.valueOffsets === undefined
      ? {}
      : { valueOffsets: source.valueOffsets as Int32Array }),
    ...props,
  } as DataProps<arrow.DataType>)
}

function structConverter(
  fields: readonly StructField[],
  file: arrow.Struct,
  mode: ColumnMappingMode,
  column: string,
): ColumnConverter {
  const out = structType(fields)
  const children = fields.map((f, i): ((parent: arrow.Data) => arrow.Data) => {
    const index = matchField(f, file.children, mode)
    const childType = typeOf(out.children[i]!)
    if (index < 0) return (parent) => nullData(childType, parent.length)
    const convert = columnConverter(
      f.type,
      typeOf(file.children[index]!),
      mode,
      `${column}.${f.name}`,
    )
    return (parent) => convert(parent.children[index]!)
  })
  return (data) => nestedLike(data, out, { children: children.map((c) => c(data)) })
}

/**
 * How to read a file column of Arrow type `file` as the Delta type `target`. Throws
 * `ColumnTypeMismatch` when it cannot be read as that type.
 */
export function columnConverter(
  target: DataType,
  file: arrow.DataType,
  mode: ColumnMappingMode,
  column: string,
): ColumnConverter {
  const mismatch = (): never => {
    throw new ColumnResolveError(
      `column ${column} has type ${typeName(file)} in the file, which cannot be read as ${typeLabel(target)}`,
    )
  }
  switch (target.type) {
    case 'struct': {
      if (!(file instanceof arrow.Struct)) return mismatch()
      return structConverter(target.fields, file, mode, column)
    }
    case 'variant': {
      // Unshredded variant: a group of two binaries with fixed names (never column-mapped).
      if (!(file instanceof arrow.Struct)) return mismatch()
      const names = file.children.map((c) => c.name)
      const value = names.indexOf('value')
      const metadata = names.indexOf('metadata')
      // A shredded variant (`typed_value`) needs the variantShredding feature, which
      // loading the snapshot already refused.
      const binary = (i: number): boolean => file.children[i]?.type instanceof arrow.Binary
      if (!binary(value) || !binary(metadata) || names.includes('typed_value')) return mismatch()
      const type = variantType()
      return (data) =>
        nestedLike(data, type, {
          children: [data.children[value]!, data.children[metadata]!].map((c) =>
            c.clone(new arrow.Binary()),
          ),
        })
    }
    case 'array': {
      if (!(file instanceof arrow.List)) return mismatch()
      const element = columnConverter(
        target.elementType,
        typeOf(file.children[0]!),
        mode,
        `${column}.element`,
      )
      const type = arrowType(target)
      return (data) => nestedLike(data, type, { child: element(data.children[0]!) })
    }
    case 'map': {
      // Maps decode as Map_; a legacy writer's list of key/value structs reads the same.
      const first = file.children[0]
      const entries = first === undefined ? undefined : typeOf(first)
      const isMapLike =
        (file instanceof arrow.Map_ || file instanceof arrow.List) &&
        entries instanceof arrow.Struct &&
        entries.children.length === 2
      if (!isMapLike) return mismatch()
      const key = columnConverter(
        target.keyType,
        typeOf(entries.children[0]!),
        mode,
        `${column}.key`,
      )
      const value = columnConverter(
        target.valueType,
        typeOf(entries.children[1]!),
        mode,
        `${column}.value`,
      )
      const type = mapType(target)
      const entriesType = typeOf(type.children[0]!)
      return (data) => {
        const e = data.children[0]!
        const child = nestedLike(e, entriesType, {
          children: [key(e.children[0]!), value(e.children[1]!)],
        })
        return nestedLike(data, type, { child })
      }
    }
    default:
      return leafConverter(file, target) ?? mismatch()
  }
}
