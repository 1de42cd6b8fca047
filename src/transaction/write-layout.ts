/**
 * What the data writer derives once per write from the table it writes to: which columns are
 * partition columns, which go into the files, under which physical names and Arrow types, and
 * the table properties that shape the files (codec, stats, file prefixes).
 *
 * Void columns (PROTOCOL.md "Void Type") are part of the schema but never of a data file; a
 * schema where they would leave nothing to write, or that hides them inside an array or a map,
 * cannot take new files at all.
 */
import * as arrow from 'apache-arrow'
import { InvalidArgumentError } from '../errors.js'
import type { Metadata, Protocol } from '../protocol/actions.js'
import { type ColumnMappingMode, physicalName, physicalSchema } from '../protocol/column-mapping.js'
import type { AtomicType, DataType, StructField, StructType } from '../protocol/schema.js'
import { fileArrowField } from './arrow-schema.js'

/** What the writer needs to know about a table; a `Snapshot` is one. */
export interface WriteTarget {
  /** The logical schema. */
  readonly schema: StructType
  readonly metadata: Metadata
  readonly protocol: Protocol
  /** Logical names, as in `metaData.partitionColumns`. */
  readonly partitionColumns: readonly string[]
  readonly columnMappingMode: ColumnMappingMode
}

export interface PartitionColumn {
  /** The logical field. */
  readonly field: StructField
  readonly type: AtomicType
  /** Key in `add.partitionValues` and name of the directory level. */
  readonly physicalName: string
}

/** A data column: the logical field and its physical counterpart (same shape, physical names). */
export interface DataColumn {
  readonly field: StructField
  readonly physical: StructField
  /** Whether it is written to files (false for void columns). */
  readonly written: boolean
}

export interface WriteLayout {
  readonly schema: StructType
  readonly mode: ColumnMappingMode
  /** In `partitionColumns` order. */
  readonly partitions: readonly PartitionColumn[]
  /** Every non-partition column, in schema order (void ones included). */
  readonly data: readonly DataColumn[]
  /** The Arrow schema of the data files: written columns, physical names, all nullable. */
  readonly fileSchema: arrow.Schema
}

function isAtomic(type: DataType): type is AtomicType {
  return type.type !== 'struct' && type.type !== 'array' && type.type !== 'map'
}

/** Drops void fields from structs; refuses void where it cannot be dropped. */
function withoutVoid(type: DataType, path: string): DataType {
  switch (type.type) {
    case 'struct': {
      const fields = type.fields
        .filter((f) => f.type.type !== 'void')
        .map((f) => ({ ...f, type: withoutVoid(f.type, `${path}.${f.name}`) }))
      if (fields.length === 0) {
        throw new InvalidArgumentError(
          `Cannot write data files: struct column ${path} has only void fields (PROTOCOL.md "Void Type")`,
        )
      }
      return { type: 'struct', fields }
    }
    case 'array':
    case 'map': {
      const inner = type.type === 'array' ? [type.elementType] : [type.keyType, type.valueType]
      if (inner.some((t) => t.type === 'void')) {
        throw new InvalidArgumentError(
          `Cannot write data files: column ${path} has void inside an ${type.type} (PROTOCOL.md "Void Type")`,
        )
      }
      return type.type === 'array'
        ? { ...type, elementType: withoutVoid(type.elementType, `${path}.element`) }
        : {
            ...type,
            keyType: withoutVoid(type.keyType, `${path}.key`),
            valueType: withoutVoid(type.valueType, `${path}.value`),
          }
    }
    case 'variant':
      throw new InvalidArgumentError(
        `Cannot write data files: column ${path} is a variant, which this writer cannot encode`,
      )
    default:
      return type
  }
}

/**
 * The layout of `target`'s data files. Throws `InvalidArgumentError` when a partition column is
 * missing from the schema or not atomic, or when the schema cannot be written (void rules,
 * variants, nothing left to write).
 */
export function writeLayout(target: WriteTarget): WriteLayout {
  const { schema, columnMappingMode: mode } = target
  const physical = physicalSchema(schema, mode)
  const partitionSet = new Set(target.partitionColumns)
  const partitions = target.partitionColumns.map((name): PartitionColumn => {
    const field = schema.fields.find((f) => f.name === name)
    if (field === undefined) {
      throw new InvalidArgumentError(`Partition column ${name} is not in the table schema`)
    }
    if (!isAtomic(field.type) || field.type.type === 'void' || field.type.type === 'variant') {
      throw new InvalidArgumentError(
        `Partition column ${name} has type ${field.type.type}; partition columns must be of a primitive type`,
      )
    }
    return { field, type: field.type, physicalName: physicalName(field, mode) }
  })
  const data: DataColumn[] = []
  schema.fields.forEach((field, i) => {
    if (partitionSet.has(field.name)) return
    data.push({ field, physical: physical.fields[i]!, written: field.type.type !== 'void' })
  })
  const written = data.filter((c) => c.written)
  if (written.length === 0) {
    throw new InvalidArgumentError(
      'Cannot write data files: the table has no non-partition, non-void column to write',
    )
  }
  const fileSchema = new arrow.Schema(
    written.map((c) =>
      fileArrowField({ ...c.physical, type: withoutVoid(c.physical.type, c.field.name) }),
    ),
  )
  return { schema, mode, partitions, data, fileSchema }
}
