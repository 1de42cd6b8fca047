/**
 * Test helpers for the write path: Arrow batches from plain values, and a table target without
 * a log.
 */
import * as arrow from 'apache-arrow'
import { CommitConflictError, DeltaError } from '../errors.js'
import type { Metadata, Protocol } from '../protocol/actions.js'
import type { ColumnMappingMode } from '../protocol/column-mapping.js'
import { parseSchema, serializeSchema, type StructType } from '../protocol/schema.js'
import { dataOf } from '../scan/data-reader.test-util.js'
import type { WriteTarget } from './write-layout.js'

export interface Column {
  readonly name: string
  readonly type: arrow.DataType
  /** Plain values; dates as days, 64-bit integers and timestamps as bigints, decimals unscaled. */
  readonly values: readonly unknown[]
  readonly nullable?: boolean
}

/** Arrow data of `type` from plain values (see `Column`). */
export function columnData(type: arrow.DataType, values: readonly unknown[]): arrow.Data {
  if (type instanceof arrow.Date_ && type.unit === arrow.DateUnit.DAY) {
    const data = new Int32Array(values.length)
    const valid = new Uint8Array((values.length + 7) >> 3)
    values.forEach((v, i) => {
      if (v === null) return
      valid[i >> 3]! |= 1 << (i & 7)
      data[i] = v as number
    })
    return arrow.makeData({ type, length: values.length, nullBitmap: valid, data })
  }
  return dataOf(type, values)
}

/** One record batch of the given columns. */
export function batchOf(columns: readonly Column[]): arrow.RecordBatch {
  const fields = columns.map((c) => new arrow.Field(c.name, c.type, c.nullable ?? true))
  const length = columns[0]?.values.length ?? 0
  const children = columns.map((c) => columnData(c.type, c.values))
  return new arrow.RecordBatch(
    new arrow.Schema(fields),
    arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children }),
  )
}

/** A write target for a schema (JSON text or parsed), without a log behind it. */
export function targetOf(
  schema: StructType | string,
  options: {
    readonly partitionColumns?: readonly string[]
    readonly configuration?: Readonly<Record<string, string>>
    readonly protocol?: Protocol
    readonly mode?: ColumnMappingMode
  } = {},
): WriteTarget {
  const parsed = typeof schema === 'string' ? parseSchema(schema) : schema
  const metadata: Metadata = {
    id: 'test',
    format: { provider: 'parquet', options: {} },
    schemaString: serializeSchema(parsed),
    partitionColumns: options.partitionColumns ?? [],
    configuration: options.configuration ?? {},
  }
  return {
    schema: parsed,
    metadata,
    protocol: options.protocol ?? { minReaderVersion: 1, minWriterVersion: 2 },
    partitionColumns: options.partitionColumns ?? [],
    columnMappingMode: options.mode ?? 'none',
  }
}

/** A schema from `[name, type, nullable?]` entries (types in their JSON form). */
export function schemaOf(...fields: readonly (readonly [string, unknown, boolean?])[]): StructType {
  return parseSchema(
    JSON.stringify({
      type: 'struct',
      fields: fields.map(([name, type, nullable]) => ({
        name,
        type,
        nullable: nullable ?? true,
        metadata: {},
      })),
    }),
  )
}

/** A map type with Spark's layout (`entries` of non-null `key` and nullable `value`). */
export function mapOf(key: arrow.DataType, value: arrow.DataType): arrow.Map_ {
  const entries = new arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>([
    new arrow.Field('key', key, false),
    new arrow.Field('value', value, true),
  ])
  return new arrow.Map_(new arrow.Field('entries', entries, false), false)
}

/** The rows of a table as plain objects (apache-arrow's `toJSON`). */
export function rowsOfTable(table: arrow.Table): Record<string, unknown>[] {
  return (table.toArray() as { toJSON(): Record<string, unknown> }[]).map((r) => r.toJSON())
}

/** The DeltaError a promise rejects with (fails the test when it resolves or throws else). */
export async function rejection(promise: Promise<unknown>): Promise<DeltaError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof DeltaError) return error
    throw error
  }
  throw new Error('expected the promise to reject')
}

/** The CommitConflictError a promise rejects with. */
export async function conflict(promise: Promise<unknown>): Promise<CommitConflictError> {
  const error = await rejection(promise)
  if (error instanceof CommitConflictError) return error
  throw error
}
