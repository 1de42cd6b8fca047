/**
 * Column mapping (PROTOCOL.md "Column Mapping"): logical column names in the schema, physical
 * names (and 32-bit field ids) in data files, partition values and statistics.
 *
 * Each field carries `delta.columnMapping.id` and `delta.columnMapping.physicalName` in its
 * metadata. In `name` mode readers resolve data columns by physical name; in `id` mode by Parquet
 * field id. In both modes partition values and stats are keyed by physical name. The mode is only
 * honoured when the protocol supports the feature; otherwise `delta.columnMapping.mode` is inert.
 */

import { InvalidArgumentError } from '../errors.js'
import type { Metadata, Protocol } from './actions.js'
import { isFeatureSupported } from './features.js'
import type { JsonValue } from './json-tree.js'
import type { DataType, StructField, StructType } from './schema.js'
import { type ColumnMappingMode, TABLE_PROPERTIES, tableProperty } from './table-properties.js'

export const COLUMN_MAPPING_ID_KEY = 'delta.columnMapping.id'
export const COLUMN_MAPPING_PHYSICAL_NAME_KEY = 'delta.columnMapping.physicalName'
export const COLUMN_MAPPING_MAX_ID_KEY = 'delta.columnMapping.maxColumnId'
/** Where Parquet readers and writers find the field id in a physical schema. */
export const PARQUET_FIELD_ID_KEY = 'parquet.field.id'

export type { ColumnMappingMode } from './table-properties.js'

/**
 * The effective mode: `delta.columnMapping.mode` when the protocol supports column mapping
 * (reader 2, or the feature listed), else `none`.
 */
export function columnMappingMode(protocol: Protocol, metadata: Metadata): ColumnMappingMode {
  if (!isFeatureSupported(protocol, 'columnMapping')) return 'none'
  return tableProperty(metadata.configuration, TABLE_PROPERTIES.columnMappingMode)
}

/**
 * The physical name of a field: its display name in `none` mode; otherwise
 * `delta.columnMapping.physicalName`, falling back to the display name when absent (columns that
 * existed before mapping was enabled keep their names, as Kernel Java also assumes).
 */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name
  const name = field.metadata[COLUMN_MAPPING_PHYSICAL_NAME_KEY]
  return typeof name === 'string' ? name : field.name
}

/** The column-mapping field id, or undefined when the field has none. */
export function fieldId(field: StructField): number | undefined {
  const id = field.metadata[COLUMN_MAPPING_ID_KEY]
  if (typeof id === 'number' && Number.isInteger(id)) return id
  if (typeof id === 'bigint') return Number(id)
  return undefined
}

/**
 * The schema data files use: every field (nested ones too) renamed to its physical name, with
 * its id copied to `parquet.field.id` so a Parquet writer emits `field_id`s and an id-mode reader
 * can match them. The identity function in `none` mode.
 */
export function physicalSchema(schema: StructType, mode: ColumnMappingMode): StructType {
  if (mode === 'none') return schema
  const mapType = (type: DataType): DataType => {
    switch (type.type) {
      case 'struct':
        return { type: 'struct', fields: type.fields.map(mapField) }
      case 'array':
        return { ...type, elementType: mapType(type.elementType) }
      case 'map':
        return { ...type, keyType: mapType(type.keyType), valueType: mapType(type.valueType) }
      default:
        return type
    }
  }
  const mapField = (field: StructField): StructField => {
    const id = fieldId(field)
    return {
      name: physicalName(field, mode),
      type: mapType(field.type),
      nullable: field.nullable,
      metadata:
        id === undefined ? field.metadata : { ...field.metadata, [PARQUET_FIELD_ID_KEY]: id },
    }
  }
  return mapType(schema) as StructType
}

/**
 * The physical path of a column given by logical names through nested structs
 * (`['a', 'b']` for `a.b`), or undefined when no such column exists.
 */
export function physicalPath(
  schema: StructType,
  logicalPath: readonly string[],
  mode: ColumnMappingMode,
): string[] | undefined {
  const out: string[] = []
  let struct: StructType | undefined = schema
  for (const name of logicalPath) {
    const field: StructField | undefined = struct?.fields.find((f) => f.name === name)
    if (field === undefined) return undefined
    out.push(physicalName(field, mode))
    struct = field.type.type === 'struct' ? field.type : undefined
  }
  return out
}

/**
 * Top-level logical name to physical name, e.g. to read `add.partitionValues` (keyed by physical
 * name) for the logical `partitionColumns`.
 */
export function physicalNamesByLogical(
  schema: StructType,
  mode: ColumnMappingMode,
): ReadonlyMap<string, string> {
  return new Map(schema.fields.map((f) => [f.name, physicalName(f, mode)]))
}

export interface ColumnMappingAssignment {
  readonly schema: StructType
  /** The new `delta.columnMapping.maxColumnId` (unchanged when nothing was assigned). */
  readonly maxColumnId: number
}

/**
 * For writers enabling column mapping or adding columns: gives every field (nested ones too,
 * including structs inside arrays and maps) that lacks them an id above `maxColumnId` (in schema
 * order) and a physical name `col-<uuid>`. Existing ids and names are kept, so this is safe to
 * call on an evolved schema. `uuid` is injected for deterministic tests.
 */
export function assignColumnMapping(
  schema: StructType,
  options: { readonly maxColumnId: number; readonly uuid: () => string },
): ColumnMappingAssignment {
  let next = options.maxColumnId
  if (!Number.isInteger(next) || next < 0) {
    throw new InvalidArgumentError(`maxColumnId must be a non-negative integer, got ${next}`)
  }
  // Ids already in use must never be handed out again, even when above maxColumnId.
  const visitIds = (type: DataType): void => {
    if (type.type === 'struct') {
      for (const f of type.fields) {
        const id = fieldId(f)
        if (id !== undefined) next = Math.max(next, id)
        visitIds(f.type)
      }
    } else if (type.type === 'array') visitIds(type.elementType)
    else if (type.type === 'map') {
      visitIds(type.keyType)
      visitIds(type.valueType)
    }
  }
  visitIds(schema)

  const mapType = (type: DataType): DataType => {
    switch (type.type) {
      case 'struct':
        return { type: 'struct', fields: type.fields.map(mapField) }
      case 'array':
        return { ...type, elementType: mapType(type.elementType) }
      case 'map':
        return { ...type, keyType: mapType(type.keyType), valueType: mapType(type.valueType) }
      default:
        return type
    }
  }
  const mapField = (field: StructField): StructField => {
    const metadata: Record<string, JsonValue> = { ...field.metadata }
    if (fieldId(field) === undefined) metadata[COLUMN_MAPPING_ID_KEY] = ++next
    if (typeof metadata[COLUMN_MAPPING_PHYSICAL_NAME_KEY] !== 'string') {
      metadata[COLUMN_MAPPING_PHYSICAL_NAME_KEY] = `col-${options.uuid()}`
    }
    return { name: field.name, type: mapType(field.type), nullable: field.nullable, metadata }
  }
  const mapped = mapType(schema) as StructType
  return { schema: mapped, maxColumnId: next }
}
