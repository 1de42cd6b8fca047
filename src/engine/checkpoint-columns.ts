/**
 * From a table schema (`protocol/schema.ts`) to the column descriptions `checkpoint-schema.ts`
 * takes for `add.stats_parsed` and `add.partitionValues_parsed`, under column mapping: the
 * checkpoint structs are keyed by physical names, like `partitionValues` and the stats JSON.
 *
 * Which columns carry stats (Spark: the first `delta.dataSkippingNumIndexedCols` leaves, or
 * `delta.dataSkippingStatsColumns`, never partition columns) is the caller's choice: pass the
 * schema already narrowed to them.
 */
import { InvalidArgumentError } from '../errors.js'
import { physicalName, type ColumnMappingMode } from '../protocol/column-mapping.js'
import type { DataType, StructType } from '../protocol/schema.js'
import type { DeltaPrimitive, PartitionColumn, StatsColumn } from './checkpoint-schema.js'

/** The checkpoint form of an atomic type, or undefined for nested and stat-less types. */
function primitiveOf(type: DataType): DeltaPrimitive | undefined {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`
    case 'array':
    case 'map':
    case 'struct':
    case 'void':
    case 'variant':
      return undefined
    default:
      return type.type
  }
}

function columnOf(name: string, type: DataType, mode: ColumnMappingMode): StatsColumn {
  if (type.type === 'struct') {
    return {
      name,
      type: { fields: type.fields.map((f) => columnOf(physicalName(f, mode), f.type, mode)) },
    }
  }
  return { name, type: primitiveOf(type) ?? 'other' }
}

/** Stats columns (physical names) of `schema`, nested structs included. */
export function statsColumnsOf(schema: StructType, mode: ColumnMappingMode): StatsColumn[] {
  return schema.fields.map((f) => columnOf(physicalName(f, mode), f.type, mode))
}

/** Partition columns (by logical name, as in `metaData.partitionColumns`) with physical names. */
export function partitionColumnsOf(
  schema: StructType,
  partitionColumns: readonly string[],
  mode: ColumnMappingMode,
): PartitionColumn[] {
  return partitionColumns.map((logical) => {
    const field = schema.fields.find((f) => f.name === logical)
    if (field === undefined) {
      throw new InvalidArgumentError(`Partition column ${logical} is not in the table schema`)
    }
    const type = primitiveOf(field.type)
    if (type === undefined) {
      throw new InvalidArgumentError(
        `Partition column ${logical} has a non-atomic type ${field.type.type}`,
      )
    }
    return { name: physicalName(field, mode), type }
  })
}
