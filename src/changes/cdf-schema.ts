/**
 * The shape of change data feed rows, and which table schemas a feed can be read with.
 *
 * A feed's rows have the table's columns followed by three more (PROTOCOL.md "Reader
 * Requirements for AddCDCFile"; names and types as Spark's `CDCReader.cdcReadSchema`):
 * `_change_type` (string), `_commit_version` (long) and `_commit_timestamp` (timestamp, UTC,
 * microseconds). None of them is ever null, so their Arrow fields are not nullable.
 *
 * A range is read with one schema (the end version's). Every schema in force during the range
 * must be readable as it, which is Spark's `SchemaUtils.isReadCompatible(existing, read,
 * forbidTightenNullability = true)` plus its column-mapping check: columns may be added, but
 * not dropped, renamed, retyped or made NOT NULL, and under column mapping a column must keep
 * its physical name (a drop and re-add under the same name is another column). Partition
 * columns must not change either.
 */
import * as arrow from 'apache-arrow'
import type { Metadata } from '../protocol/actions.js'
import { type ColumnMappingMode, physicalName } from '../protocol/column-mapping.js'
import type { DataType, StructType } from '../protocol/schema.js'
import { arrowField, timestampType } from '../scan/arrow-types.js'
import { ChangeDataFeedError } from './cdf-errors.js'

export const CHANGE_TYPE_COLUMN = '_change_type'
export const COMMIT_VERSION_COLUMN = '_commit_version'
export const COMMIT_TIMESTAMP_COLUMN = '_commit_timestamp'
export const CHANGE_FEED_COLUMNS: readonly string[] = [
  CHANGE_TYPE_COLUMN,
  COMMIT_VERSION_COLUMN,
  COMMIT_TIMESTAMP_COLUMN,
]

/** The Arrow field of a change feed column. */
export function changeFeedField(name: string): arrow.Field {
  switch (name) {
    case CHANGE_TYPE_COLUMN:
      return new arrow.Field(name, new arrow.Utf8(), false)
    case COMMIT_VERSION_COLUMN:
      return new arrow.Field(name, new arrow.Int64(), false)
    default:
      return new arrow.Field(name, timestampType(true), false)
  }
}

/** The full feed schema of a table schema: its columns, then the three change columns. */
export function changeFeedSchema(schema: StructType): arrow.Schema {
  return new arrow.Schema([
    ...schema.fields.map(arrowField),
    ...CHANGE_FEED_COLUMNS.map(changeFeedField),
  ])
}

/** Throws `ChangeDataFeedError` (`reserved-column`) when the table uses a change column name. */
export function checkNoReservedColumns(schema: StructType): void {
  // Compared ignoring case: Delta column names are case-insensitive, so `_Change_Type` would
  // collide in every engine that resolves names as Spark does.
  const taken = schema.fields.filter((f) => CHANGE_FEED_COLUMNS.includes(f.name.toLowerCase()))
  if (taken.length > 0) {
    throw new ChangeDataFeedError(
      'reserved-column',
      undefined,
      `the table has columns named ${taken.map((f) => f.name).join(', ')}, which the change data feed adds itself`,
      'Rename them; Spark refuses to enable the feed on such a table.',
    )
  }
}

/**
 * Why data written under `existing` cannot be read as `read` (undefined when it can). Both
 * metadata are of the same table, `existing` from a version at or before `read`'s.
 */
export function readIncompatibility(
  existing: Metadata,
  existingSchema: StructType,
  read: Metadata,
  readSchema: StructType,
  mode: ColumnMappingMode,
): string | undefined {
  // Spark's isReadCompatible also checks partitioning: a file's partition values are typed
  // and placed by the read schema's partition columns.
  const before = existing.partitionColumns.join(', ')
  const after = read.partitionColumns.join(', ')
  if (before !== after) return `the partition columns changed from [${before}] to [${after}]`
  return structIncompatibility(existingSchema, readSchema, mode, '')
}

function structIncompatibility(
  existing: StructType,
  read: StructType,
  mode: ColumnMappingMode,
  prefix: string,
): string | undefined {
  // Delta column names are unique ignoring case; a case-only change is a rename.
  const byName = new Map(read.fields.map((f) => [f.name.toLowerCase(), f]))
  for (const field of existing.fields) {
    const path = `${prefix}${field.name}`
    const match = byName.get(field.name.toLowerCase())
    if (match === undefined) return `column ${path} was dropped or renamed`
    if (match.name !== field.name) return `column ${path} was renamed to ${prefix}${match.name}`
    if (field.nullable && !match.nullable) return `column ${path} became NOT NULL`
    // Data files name columns physically: a new physical name means the old files hold other
    // data under it (DeltaColumnMapping.hasNoColumnMappingSchemaChanges).
    if (mode !== 'none' && physicalName(field, mode) !== physicalName(match, mode)) {
      return `column ${path} was dropped and added again (its physical name changed)`
    }
    const why = typeIncompatibility(field.type, match.type, mode, path)
    if (why !== undefined) return why
  }
  return undefined
}

function typeIncompatibility(
  existing: DataType,
  read: DataType,
  mode: ColumnMappingMode,
  path: string,
): string | undefined {
  if (existing.type === 'struct' && read.type === 'struct') {
    return structIncompatibility(existing, read, mode, `${path}.`)
  }
  if (existing.type === 'array' && read.type === 'array') {
    if (existing.containsNull && !read.containsNull)
      return `the elements of ${path} became NOT NULL`
    return typeIncompatibility(existing.elementType, read.elementType, mode, `${path}.element`)
  }
  if (existing.type === 'map' && read.type === 'map') {
    if (existing.valueContainsNull && !read.valueContainsNull)
      return `the values of ${path} became NOT NULL`
    return (
      typeIncompatibility(existing.keyType, read.keyType, mode, `${path}.key`) ??
      typeIncompatibility(existing.valueType, read.valueType, mode, `${path}.value`)
    )
  }
  // Atomic types must be equal: Spark's CDF check allows no widening either.
  if (JSON.stringify(existing) !== JSON.stringify(read)) {
    return `column ${path} changed type from ${typeLabel(existing)} to ${typeLabel(read)}`
  }
  return undefined
}

function typeLabel(type: DataType): string {
  return type.type === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.type
}
