/**
 * Hand-built change data feed tables in a MemoryStore for the CDF tests: Parquet data and
 * change files written from Arrow tables with the engine's own writer, commits written with the
 * file times (or in-commit timestamps) a test chooses, and rows in one comparable form.
 *
 * The tables have the schema `id long, name string, part string` partitioned by `part` (data
 * files hold `id` and `name`; `part` lives in the log), unless a test gives another schema.
 */
import * as arrow from 'apache-arrow'
import { writeParquet } from '../engine/parquet.js'
import { commitKey, LogStore } from '../log/log-store.js'
import { serializeActions } from '../protocol/action-parser.js'
import type { Action, Add, AddCdcFile, Metadata, Protocol, Remove } from '../protocol/actions.js'
import { MemoryStore } from '../storage/memory.js'
import { utf8Encode } from '../util/utf8.js'
import { changesToTable, type ChangesOptions } from './cdf.js'

export const SCHEMA = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'name', type: 'string', nullable: true, metadata: {} },
    { name: 'part', type: 'string', nullable: true, metadata: {} },
  ],
}

export const CDF_ON = { 'delta.enableChangeDataFeed': 'true' }

export type Row = readonly [id: number, name: string | null]
export type ChangeRow = readonly [id: number, name: string | null, changeType: string]

export class CdfTable {
  /** The modification time the next write gets (epoch ms). */
  time = 10_000
  readonly memory = new MemoryStore({ now: () => this.time })
  readonly log = new LogStore(this.memory)
  private readonly sizes = new Map<string, number>()
  private nextVersion = 0

  /** A table whose version 0 (at time 10 000) holds protocol and metadata. */
  static async create(
    options: {
      readonly configuration?: Record<string, string>
      readonly protocol?: Protocol
      readonly schema?: object
      readonly partitionColumns?: readonly string[]
      /** The in-commit timestamp of version 0, for tables created with them on. */
      readonly inCommitTimestamp?: number
    } = {},
  ): Promise<CdfTable> {
    const t = new CdfTable()
    await t.commit(
      [
        { protocol: options.protocol ?? { minReaderVersion: 1, minWriterVersion: 4 } },
        { metaData: metadata(options.configuration ?? CDF_ON, options) },
      ],
      options.inCommitTimestamp === undefined
        ? { at: 10_000 }
        : { at: 10_000, inCommitTimestamp: options.inCommitTimestamp },
    )
    return t
  }

  get latest(): number {
    return this.nextVersion - 1
  }

  /** Writes the next commit; its file time is `at`, or 10 s after the previous write. */
  async commit(
    actions: readonly Action[],
    options: { readonly at?: number; readonly inCommitTimestamp?: number } = {},
  ): Promise<number> {
    this.time = options.at ?? this.time + 10_000
    const info: Action[] =
      options.inCommitTimestamp === undefined
        ? []
        : [{ commitInfo: { inCommitTimestamp: options.inCommitTimestamp, operation: 'WRITE' } }]
    const version = this.nextVersion++
    await this.memory.put(commitKey(version), utf8Encode(serializeActions([...info, ...actions])))
    return version
  }

  /** A Parquet data file with columns `id` and `name`. */
  async dataFile(key: string, rows: readonly Row[]): Promise<void> {
    await this.put(key, table(rows.map(([id, name]) => ({ id, name }))))
  }

  /** A change data file: `id`, `name` and `_change_type`. */
  async cdcFile(key: string, rows: readonly ChangeRow[]): Promise<void> {
    const values = rows.map(([id, name, type]) => ({ id, name, _change_type: type }))
    await this.put(key, table(values))
  }

  /** Any Parquet file from an Arrow table. */
  async put(key: string, data: arrow.Table): Promise<void> {
    const bytes = writeParquet(data)
    this.sizes.set(key, bytes.length)
    await this.memory.put(key, bytes)
  }

  add(path: string, part: string | null, extra: Partial<Add> = {}): Action {
    const size = this.sizes.get(decodeURIComponent(path)) ?? 0
    const partitionValues = { part }
    return {
      add: { path, partitionValues, size, modificationTime: 1, dataChange: true, ...extra },
    }
  }

  remove(path: string, part: string | null, extra: Partial<Remove> = {}): Action {
    const size = this.sizes.get(decodeURIComponent(path)) ?? 0
    const remove: Remove = {
      path,
      deletionTimestamp: this.time,
      dataChange: true,
      extendedFileMetadata: true,
      partitionValues: { part },
      size,
      ...extra,
    }
    return { remove }
  }

  cdc(path: string, part: string | null, extra: Partial<AddCdcFile> = {}): Action {
    const size = this.sizes.get(decodeURIComponent(path)) ?? 0
    return { cdc: { path, partitionValues: { part }, size, dataChange: false, ...extra } }
  }
}

export function metadata(
  configuration: Record<string, string>,
  options: { readonly schema?: object; readonly partitionColumns?: readonly string[] } = {},
): Metadata {
  return {
    id: 'cdf-test',
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify(options.schema ?? SCHEMA),
    partitionColumns: [...(options.partitionColumns ?? ['part'])],
    configuration,
    createdTime: 0,
  }
}

/** An Arrow table from row objects: integers as Int64, strings as Utf8 (nulls allowed). */
function table(rows: readonly Record<string, number | string | null>[]): arrow.Table {
  const names = Object.keys(rows[0] ?? { id: 0 })
  const columns: Record<string, arrow.Vector> = {}
  for (const name of names) {
    const values = rows.map((r) => r[name] ?? null)
    const numeric = values.some((v) => typeof v === 'number')
    columns[name] = numeric
      ? arrow.vectorFromArray(
          values.map((v) => (v === null ? null : BigInt(v as number))),
          new arrow.Int64(),
        )
      : arrow.vectorFromArray(values as (string | null)[], new arrow.Utf8())
  }
  return new arrow.Table(columns)
}

/**
 * The rows of change batches as sorted JSON strings, every value as text: integers and floats
 * in decimal, timestamps as their microseconds, dates as `YYYY-MM-DD`, structs as JSON.
 */
export function rowsOf(batches: Iterable<arrow.RecordBatch>): string[] {
  const out: string[] = []
  for (const batch of batches) {
    const columns = batch.schema.fields.map((field, c) => ({
      name: field.name,
      data: batch.data.children[c]!,
      vector: batch.getChildAt(c)!,
    }))
    for (let i = 0; i < batch.numRows; i++) {
      const values: Record<string, string | null> = {}
      for (const { name, data, vector } of columns) values[name] = text(data, vector, i)
      out.push(canonical(values))
    }
  }
  return out.sort()
}

function text(data: arrow.Data, vector: arrow.Vector, i: number): string | null {
  if (!data.getValid(i)) return null
  const type: arrow.DataType = data.type
  if (type instanceof arrow.Timestamp) {
    return String((data.values as BigInt64Array)[data.offset + i])
  }
  if (type instanceof arrow.DateDay) {
    const days = (data.values as Int32Array)[data.offset + i]!
    return new Date(days * 86_400_000).toISOString().slice(0, 10)
  }
  const value: unknown = vector.get(i)
  if (type instanceof arrow.Struct) {
    return JSON.stringify((value as { toJSON(): unknown }).toJSON(), (_k, v: unknown) =>
      typeof v === 'bigint' ? Number(v) : v,
    )
  }
  return String(value)
}

/** The sorted JSON strings of expected rows (numbers and bigints as text). */
export function expected(
  rows: readonly Record<string, string | number | bigint | null>[],
): string[] {
  return rows
    .map((r) => {
      const values: Record<string, string | null> = {}
      for (const [k, v] of Object.entries(r)) values[k] = v === null ? null : String(v)
      return canonical(values)
    })
    .sort()
}

function canonical(values: Record<string, string | null>): string {
  const keys = Object.keys(values).sort()
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, values[k] ?? null])))
}

/** The change rows of a table's feed (see `rowsOf`). */
export async function feedRows(t: CdfTable, options: ChangesOptions): Promise<string[]> {
  return rowsOf((await changesToTable(t, options)).batches)
}

/** What a promise rejects with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
