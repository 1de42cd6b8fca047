/**
 * Test helpers for the scan reader: rows of Arrow data and of DuckDB results normalised to one
 * comparable form, so that our reader can be checked against an independent Parquet reader.
 *
 * The canonical form of a value (exact, whatever the physical encoding):
 * integers and floats as their decimal string (`String(n)`); decimals as exact text with their
 * scale (`dec:1.50`); dates as `date:<days>`; timestamps of any unit as `ts:<microseconds>`
 * (floored, as Spark reads INT96); binary as `hex:..`; strings, booleans and null as themselves;
 * structs as objects; lists as arrays; maps as `{ map: [[key, value], ...] }` sorted by key.
 * A row is the JSON of its columns sorted by name; a table is its sorted list of rows.
 */
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api'
import * as arrow from 'apache-arrow'
import type { DataProps } from 'apache-arrow/data'
import { duckdb, sqlString } from '../engine/engine.test-util.js'
import { writeParquet } from '../engine/parquet.js'
import { commitKey, LogStore } from '../log/log-store.js'
import { serializeActions } from '../protocol/action-parser.js'
import type { Action, Add, Protocol } from '../protocol/actions.js'
import { formatDecimal } from '../protocol/decimal.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { CountingStore } from '../storage/counting.js'
import { MemoryStore } from '../storage/memory.js'
import { utf8Encode } from '../util/utf8.js'
import { readInt128, writeInt128 } from './int-words.js'

export type Canonical = null | string | boolean | Canonical[] | { [k: string]: Canonical }

function hex(bytes: Uint8Array): string {
  return `hex:${Buffer.from(bytes).toString('hex')}`
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n ? q - 1n : q
}

function sortMap(entries: [Canonical, Canonical][]): Canonical {
  const key = (e: [Canonical, Canonical]): string => JSON.stringify(e[0])
  return { map: entries.sort((x, y) => (key(x) < key(y) ? -1 : 1)) }
}

/** The canonical value of row `i` of Arrow data, read from its buffers. */
export function arrowValue(data: arrow.Data, i: number): Canonical {
  const type: arrow.DataType = data.type
  if (type instanceof arrow.Null || !data.getValid(i)) return null
  if (type instanceof arrow.Struct) {
    const out: Record<string, Canonical> = {}
    type.children.forEach((f, c) => (out[f.name] = arrowValue(data.children[c]!, i)))
    return out
  }
  if (type instanceof arrow.List || type instanceof arrow.Map_) {
    const offsets = data.valueOffsets as Int32Array
    const child = data.children[0]!
    const items: Canonical[] = []
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) items.push(arrowValue(child, k))
    if (type instanceof arrow.List) return items
    return sortMap(
      items.map((e) => {
        const o = e as Record<string, Canonical>
        return [o.key ?? null, o.value ?? null]
      }),
    )
  }
  if (type instanceof arrow.Utf8 || type instanceof arrow.Binary) {
    const offsets = data.valueOffsets as Int32Array
    const bytes = (data.values as Uint8Array).subarray(offsets[i], offsets[i + 1])
    return type instanceof arrow.Utf8 ? new TextDecoder().decode(bytes) : hex(bytes)
  }
  if (type instanceof arrow.Bool) {
    const pos = data.offset + i
    return (((data.values as Uint8Array)[pos >> 3]! >> (pos & 7)) & 1) === 1
  }
  if (type instanceof arrow.Decimal) {
    const unscaled = readInt128(data.values as Uint32Array, i)
    return `dec:${formatDecimal({ unscaled, scale: type.scale })}`
  }
  const value = (data.values as ArrayLike<number | bigint>)[i]!
  if (type instanceof arrow.Date_) {
    return type.unit === arrow.DateUnit.DAY
      ? `date:${value}`
      : `date:${floorDiv(BigInt(value), 86_400_000n)}`
  }
  if (type instanceof arrow.Timestamp) {
    const v = BigInt(value)
    const micros = [v * 1_000_000n, v * 1000n, v, floorDiv(v, 1000n)][type.unit]!
    return `ts:${micros}`
  }
  return String(value)
}

/** Canonical rows (JSON strings, columns sorted by name) of record batches, sorted. */
export function arrowRows(batches: Iterable<arrow.RecordBatch>): string[] {
  const rows: string[] = []
  for (const batch of batches) {
    const names = batch.schema.fields.map((f) => f.name)
    const order = names.map((_, c) => c).sort((a, b) => (names[a]! < names[b]! ? -1 : 1))
    for (let i = 0; i < batch.numRows; i++) {
      const row: Record<string, Canonical> = {}
      for (const c of order) row[names[c]!] = arrowValue(batch.data.children[c]!, i)
      rows.push(JSON.stringify(row))
    }
  }
  return rows.sort()
}

/** The canonical form of a DuckDB value. */
export function duckValue(value: DuckDBValue): Canonical {
  if (value === null) return null
  if (typeof value === 'boolean' || typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (value instanceof DuckDBDecimalValue) {
    return `dec:${formatDecimal({ unscaled: value.value, scale: value.scale })}`
  }
  if (value instanceof DuckDBDateValue) return `date:${value.days}`
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return `ts:${value.micros}`
  }
  if (value instanceof DuckDBTimestampNanosecondsValue) return `ts:${floorDiv(value.nanos, 1000n)}`
  if (value instanceof DuckDBTimestampMillisecondsValue) return `ts:${value.millis * 1000n}`
  if (value instanceof DuckDBTimestampSecondsValue) return `ts:${value.seconds * 1_000_000n}`
  if (value instanceof DuckDBBlobValue) return hex(value.bytes)
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    return value.items.map(duckValue)
  }
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, Canonical> = {}
    for (const [k, v] of Object.entries(value.entries)) out[k] = duckValue(v)
    return out
  }
  if (value instanceof DuckDBMapValue) {
    return sortMap(value.entries.map((e) => [duckValue(e.key), duckValue(e.value)]))
  }
  throw new Error(`unexpected DuckDB value of type ${typeof value}`)
}

/** Top-level column names of Parquet files as DuckDB sees them (the union over all files). */
export async function duckColumns(files: readonly string[]): Promise<string[]> {
  const c = await duckdb()
  const list = files.map(sqlString).join(', ')
  const result = await c.runAndReadAll(
    `describe select * from read_parquet([${list}], union_by_name = true)`,
  )
  return result.getRowObjectsJS().map((r) => r.column_name as string)
}

/**
 * Canonical rows of Parquet files as DuckDB reads them (the independent oracle), sorted.
 * `sql` shapes the query: `select` list, `where` condition, `read_parquet` options.
 */
export async function duckRowsOf(
  files: readonly string[],
  sql: { readonly select?: string; readonly where?: string; readonly options?: string } = {},
): Promise<string[]> {
  if (files.length === 0) return []
  const c = await duckdb()
  const list = files.map(sqlString).join(', ')
  const options = sql.options === undefined ? '' : `, ${sql.options}`
  const where = sql.where === undefined ? '' : ` where ${sql.where}`
  const result = await c.runAndReadAll(
    `select ${sql.select ?? '*'} from read_parquet([${list}]${options})${where}`,
  )
  const names = result.columnNames()
  const order = names.map((_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : 1))
  return result
    .getRows()
    .map((row) => {
      const out: Record<string, Canonical> = {}
      for (const i of order) out[names[i]!] = duckValue(row[i]!)
      return JSON.stringify(out)
    })
    .sort()
}

// ---------------------------------------------------------------------------------------------
// Hand-built tables in a MemoryStore

/** One column of a test Parquet file: values as apache-arrow's `vectorFromArray` takes them. */
export interface TestColumn {
  readonly name: string
  readonly type: arrow.DataType
  readonly values: readonly unknown[]
  /** Written as the Parquet field id (`PARQUET:field_id`). */
  readonly fieldId?: number
}

/** Arrow data of `type` from JS values, with Decimal128 from `{ unscaled }` or bigints. */
export function dataOf(type: arrow.DataType, values: readonly unknown[]): arrow.Data {
  if (type instanceof arrow.Decimal) {
    const words = new Uint32Array(4 * values.length)
    const valid = new Uint8Array((values.length + 7) >> 3)
    values.forEach((v, i) => {
      if (v === null) return
      valid[i >> 3]! |= 1 << (i & 7)
      writeInt128(words, i, typeof v === 'bigint' ? v : (v as { unscaled: bigint }).unscaled)
    })
    return arrow.makeData({ type, length: values.length, nullBitmap: valid, data: words })
  }
  if (type instanceof arrow.Timestamp || (type instanceof arrow.Int && type.bitWidth === 64)) {
    // apache-arrow's builders take timestamps as epoch milliseconds; build 64-bit values as is.
    const data = new BigInt64Array(values.length)
    const valid = new Uint8Array((values.length + 7) >> 3)
    values.forEach((v, i) => {
      if (v === null) return
      valid[i >> 3]! |= 1 << (i & 7)
      data[i] = v as bigint
    })
    const props = { type, length: values.length, nullBitmap: valid, data }
    return arrow.makeData(props as DataProps<arrow.DataType>)
  }
  return arrow.vectorFromArray(values as unknown[], type).data[0]!
}

/** A Parquet file of the given columns (nullable fields, as Spark writes them). */
export function parquetOf(
  columns: readonly TestColumn[],
  options: { readonly rowGroupSize?: number } = {},
): Uint8Array {
  const fields = columns.map(
    (c) =>
      new arrow.Field(
        c.name,
        c.type,
        true,
        c.fieldId === undefined ? undefined : new Map([['PARQUET:field_id', String(c.fieldId)]]),
      ),
  )
  const schema = new arrow.Schema(fields)
  const length = columns[0]?.values.length ?? 0
  const children = columns.map((c) => dataOf(c.type, c.values))
  const batch = new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children }),
  )
  return writeParquet(new arrow.Table([batch]), options)
}

export interface TestField {
  readonly name: string
  readonly type: unknown
  readonly nullable?: boolean
  readonly metadata?: Record<string, unknown>
}

/** A table in a MemoryStore: commit 0 holds protocol and metadata; `append` adds files. */
export class MemoryTable {
  readonly memory = new MemoryStore()
  readonly store = new CountingStore(this.memory)
  readonly log = new LogStore(this.store)
  private version = 0

  static async create(
    fields: readonly TestField[],
    options: {
      readonly partitionColumns?: readonly string[]
      readonly configuration?: Record<string, string>
      readonly protocol?: Protocol
    } = {},
  ): Promise<MemoryTable> {
    const t = new MemoryTable()
    const schemaString = JSON.stringify({
      type: 'struct',
      fields: fields.map((f) => ({
        name: f.name,
        type: f.type,
        nullable: f.nullable ?? true,
        metadata: f.metadata ?? {},
      })),
    })
    await t.commit([
      { protocol: options.protocol ?? { minReaderVersion: 1, minWriterVersion: 2 } },
      {
        metaData: {
          id: 'test-table',
          format: { provider: 'parquet', options: {} },
          schemaString,
          partitionColumns: [...(options.partitionColumns ?? [])],
          configuration: options.configuration ?? {},
          createdTime: 0,
        },
      },
    ])
    return t
  }

  async commit(actions: readonly Action[]): Promise<void> {
    await this.memory.put(commitKey(this.version++), utf8Encode(serializeActions(actions)))
  }

  /** Stores `bytes` at `key` (unless `key` is undefined) and commits an add for `path`. */
  async append(
    path: string,
    bytes: Uint8Array | undefined,
    add: Partial<Add> = {},
    key: string | undefined = decodeURIComponent(path),
  ): Promise<void> {
    if (bytes !== undefined && key !== undefined) await this.memory.put(key, bytes)
    await this.commit([
      {
        add: {
          path,
          partitionValues: {},
          size: bytes?.length ?? 0,
          modificationTime: 0,
          dataChange: true,
          ...add,
        },
      },
    ])
  }

  snapshot(): Promise<Snapshot> {
    return loadSnapshot(this.log)
  }
}
