/**
 * Which columns of a data file get statistics, as Spark's `StatisticsCollection` decides:
 *
 * - `delta.dataSkippingStatsColumns` (when set) names the columns, matched ignoring case; naming a
 *   struct selects everything inside it. It takes precedence over the column count.
 * - Otherwise the first `delta.dataSkippingNumIndexedCols` leaf columns (default 32, `-1` for
 *   all), counted in schema order through nested structs; an array, a map or any other
 *   non-struct column counts as one leaf (`truncateSchema`).
 * - Partition columns never get statistics: their value is in `partitionValues`, and they are
 *   not counted against the limit (Spark counts over the schema without them).
 *
 * The tree keeps schema order, which is the order of keys in the `stats` JSON.
 */
import { InvalidArgumentError } from '../errors.js'
import { type ColumnMappingMode, physicalName } from '../protocol/column-mapping.js'
import type { DataType, StructField } from '../protocol/schema.js'
import { TABLE_PROPERTIES, parseColumnPath, tableProperty } from '../protocol/table-properties.js'
import type { WriteLayout } from './write-layout.js'

export interface StatsColumn {
  /** The logical field. */
  readonly field: StructField
  /** Its key in the stats JSON. */
  readonly physicalName: string
  /**
   * Where its data is: the index among the written file columns (top level) or among the
   * written children of the parent struct; undefined for void columns, which are never written.
   */
  readonly fileIndex: number | undefined
  /** For structs: the selected fields inside. */
  readonly children?: readonly StatsColumn[]
}

/** Types Spark keeps min/max for (`SkippingEligibleDataType`); the rest get only nullCount. */
export function hasMinMax(type: DataType): boolean {
  switch (type.type) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
    case 'date':
    case 'timestamp':
    case 'timestamp_ntz':
    case 'string':
    case 'decimal':
      return true
    default:
      return false
  }
}

/** A selection of lower-cased column paths, grouped by their first segment. */
type Selection = ReadonlyMap<string, readonly (readonly string[])[]>

function groupPaths(paths: readonly (readonly string[])[]): Selection {
  const out = new Map<string, (readonly string[])[]>()
  for (const path of paths) {
    const [head, ...tail] = path
    if (head === undefined) continue
    const key = head.toLowerCase()
    out.set(key, [...(out.get(key) ?? []), tail])
  }
  return out
}

interface Builder {
  readonly mode: ColumnMappingMode
  /** Leaves still allowed under the column count (Infinity when unlimited). */
  remaining: number
}

/**
 * Selects among `fields`. `selection` is the named-columns filter (undefined: count leaves;
 * a field whose remaining path is empty is taken whole).
 */
function select(
  fields: readonly StructField[],
  selection: Selection | undefined,
  b: Builder,
): StatsColumn[] {
  const out: StatsColumn[] = []
  let fileIndex = 0
  for (const field of fields) {
    const index = field.type.type === 'void' ? undefined : fileIndex++
    const column = (children?: StatsColumn[]): StatsColumn => ({
      field,
      physicalName: physicalName(field, b.mode),
      fileIndex: index,
      ...(children === undefined ? {} : { children }),
    })
    if (selection !== undefined) {
      const tails = selection.get(field.name.toLowerCase())
      if (tails === undefined) continue
      if (tails.some((t) => t.length === 0)) out.push(whole(field, index, b.mode))
      else if (field.type.type === 'struct') {
        const children = select(field.type.fields, groupPaths(tails), b)
        if (children.length > 0) out.push(column(children))
      }
      continue
    }
    if (b.remaining <= 0) break
    if (field.type.type === 'struct') {
      const children = select(field.type.fields, undefined, b)
      out.push(column(children))
    } else {
      b.remaining--
      out.push(column())
    }
  }
  return out
}

function whole(
  field: StructField,
  fileIndex: number | undefined,
  mode: ColumnMappingMode,
): StatsColumn {
  const b: Builder = { mode, remaining: Infinity }
  return {
    field,
    physicalName: physicalName(field, mode),
    fileIndex,
    ...(field.type.type === 'struct' ? { children: select(field.type.fields, undefined, b) } : {}),
  }
}

/** The statistics columns of a table's data files (see the file comment). */
export function statsColumns(
  layout: WriteLayout,
  configuration: Readonly<Record<string, string>>,
): readonly StatsColumn[] {
  const fields = layout.data.map((c) => c.field)
  const named = tableProperty(configuration, TABLE_PROPERTIES.dataSkippingStatsColumns)
  if (named !== undefined) {
    return select(fields, groupPaths(named.map((n) => parseColumnPath(n))), {
      mode: layout.mode,
      remaining: Infinity,
    })
  }
  const count = tableProperty(configuration, TABLE_PROPERTIES.dataSkippingNumIndexedCols)
  return select(fields, undefined, { mode: layout.mode, remaining: count < 0 ? Infinity : count })
}

/**
 * Checks a `delta.dataSkippingStatsColumns` value against a new table, as Spark does when the
 * property is set: every named column exists (ignoring case), is not a partition column, and is
 * of a type with min/max statistics (or a struct of such). Throws `InvalidArgumentError`.
 */
export function validateStatsColumns(
  fields: readonly StructField[],
  partitionColumns: readonly string[],
  value: readonly string[],
): void {
  const partitions = new Set(partitionColumns.map((c) => c.toLowerCase()))
  for (const name of value) {
    const path = parseColumnPath(name)
    if (path.length === 1 && partitions.has(path[0]!.toLowerCase())) {
      throw new InvalidArgumentError(
        `delta.dataSkippingStatsColumns names partition column ${name}; partition columns have no statistics`,
      )
    }
    let level: readonly StructField[] | undefined = fields
    let field: StructField | undefined
    for (const segment of path) {
      field = level?.find((f) => f.name.toLowerCase() === segment.toLowerCase())
      level = field?.type.type === 'struct' ? field.type.fields : undefined
    }
    if (field === undefined) {
      throw new InvalidArgumentError(
        `delta.dataSkippingStatsColumns names ${name}, which is not a column of the table`,
      )
    }
    const unsupported = (type: DataType): boolean =>
      type.type === 'struct' ? type.fields.some((f) => unsupported(f.type)) : !hasMinMax(type)
    if (unsupported(field.type)) {
      throw new InvalidArgumentError(
        `delta.dataSkippingStatsColumns names ${name}, whose type has no min/max statistics ` +
          '(only numbers, dates, timestamps, strings and decimals, or structs of them)',
      )
    }
  }
}
