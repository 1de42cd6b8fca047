/**
 * Parquet reading and writing on parquet-wasm 0.8 + apache-arrow, with the traps avoided:
 *
 * - Reads go through the synchronous `readParquet` one row group at a time, on a file sliced
 *   down to the projected column chunks (`parquet-slice.ts`). The async `ParquetFile` reader
 *   would project too, but it `unwrap()`s decode errors: a corrupt page kills the process.
 *   Reading per row group also bounds memory: the wasm heap (32-bit, never shrinks) only ever
 *   holds one row group's projected chunks and their decoded batches.
 * - A large `batchSize` by default (the upstream 1024 makes arrow-js slow).
 * - Arrow types come from the Parquet schema alone (the `ARROW:schema` hint is dropped), so a
 *   file reads the same whichever writer made it and whichever columns are projected. Parquet
 *   field ids appear as the field metadata `PARQUET:field_id`.
 * - Writes honour `PARQUET:field_id` field metadata (arrow-rs does); streaming writes go through
 *   `transformParquetStream`, whose write errors are swallowed by parquet-wasm, so we check the
 *   row count in the written footer ourselves.
 *
 * Errors from wasm or from a malformed file become `CorruptDataError` naming `options.path`;
 * callers reading the log rethrow them as `CorruptLogError`.
 */
import * as arrow from 'apache-arrow'
import { CorruptDataError, DeltaError, InvalidArgumentError } from '../errors.js'
import { concatBytes } from '../util/bytes.js'
import {
  ParquetFormatError,
  findColumn,
  footerOnlyFile,
  parseFooter,
  sliceParquet,
  type ParquetFooter,
} from './parquet-slice.js'
import { typeName } from './arrow-read.js'
import { parquetWasm, type ParquetWasm } from './parquet-wasm.js'

/** A column to project: a dotted path (`'add.path'`) or its segments (`['add', 'path']`). */
export type ParquetColumnPath = string | readonly string[]

export interface ParquetReadOptions {
  /**
   * Columns to read, as paths through struct fields; a path selects the whole subtree below it
   * (`'add'`, `'add.deletionVector'`). Paths that are not in the file are skipped (the result
   * simply lacks them); a path that goes inside a map or list is an `InvalidArgumentError`.
   * Default: every column.
   */
  readonly columns?: readonly ParquetColumnPath[]
  /** Row groups to read, by index. Default: all. */
  readonly rowGroups?: readonly number[]
  /** Rows per record batch. Default 131072. */
  readonly batchSize?: number
  /** Where the bytes came from, for error messages. */
  readonly path?: string
}

export interface ParquetFileInfo {
  readonly numRows: number
  readonly rowGroups: readonly { readonly numRows: number; readonly compressedSize: number }[]
  readonly createdBy: string | undefined
  readonly keyValueMetadata: ReadonlyMap<string, string>
}

export interface ParquetColumnWriteOptions {
  readonly dictionary?: boolean
  readonly statistics?: 'none' | 'chunk' | 'page'
}

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'lz4' | 'uncompressed'

export interface ParquetWriteOptions {
  /** Default `'snappy'`. `'lz4'` writes LZ4_RAW, the codec current readers agree on. */
  readonly compression?: ParquetCompression
  /** Maximum rows per row group. Default 131072. */
  readonly rowGroupSize?: number
  /** Column statistics: per chunk, per page (adds page indexes) or none. Default `'chunk'`. */
  readonly statistics?: 'none' | 'chunk' | 'page'
  /** Dictionary encoding (falls back to plain per page when a dictionary grows). Default on. */
  readonly dictionary?: boolean
  /**
   * Per-column overrides by dotted leaf path (`'add.stats'`), e.g. no dictionary for columns
   * whose values are all distinct, where building one is wasted work.
   */
  readonly columns?: ReadonlyMap<string, ParquetColumnWriteOptions>
  /** Key-value metadata stored in the footer. */
  readonly keyValueMetadata?: ReadonlyMap<string, string>
  /** The `created_by` string in the footer. Default `deltalake-ts`. */
  readonly createdBy?: string
  /** Where the bytes will go, for error messages. */
  readonly path?: string
}

const DEFAULT_BATCH_SIZE = 131_072
const DEFAULT_ROW_GROUP_SIZE = 131_072
const IN_MEMORY = '<in-memory parquet>'

// ---------------------------------------------------------------------------------------------
// Errors

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    // A Rust panic surfaces as a bare "unreachable" trap; say what it means.
    if (error.message === 'unreachable')
      return 'parquet-wasm aborted while decoding (corrupt data?)'
    return error.message
  }
  return String(error)
}

/** Runs `fn`, turning anything thrown by wasm or the footer parser into a typed error. */
function guarded<T>(path: string | undefined, fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof DeltaError) throw error
    if (error instanceof ParquetFormatError && error.message.startsWith('column path ')) {
      throw new InvalidArgumentError(`${error.message} (in ${path ?? IN_MEMORY})`)
    }
    throw new CorruptDataError(path ?? IN_MEMORY, reasonOf(error), { cause: error })
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

function toSegments(column: ParquetColumnPath): readonly string[] {
  return typeof column === 'string' ? column.split('.') : column
}

/** Leaf indices selected by `columns`, or `undefined` for all. */
function selectLeaves(
  footer: ParquetFooter,
  columns: readonly ParquetColumnPath[] | undefined,
): Set<number> | undefined {
  if (columns === undefined) return undefined
  const leaves = new Set<number>()
  for (const column of columns) {
    const node = findColumn(footer, toSegments(column))
    if (node === undefined) continue
    for (let i = node.leafStart; i < node.leafEnd; i++) leaves.add(i)
  }
  return leaves
}

/** Parses the footer only (no wasm): row counts, row groups, key-value metadata. */
export function readParquetInfo(
  bytes: Uint8Array,
  options: { readonly path?: string } = {},
): ParquetFileInfo {
  const footer = guarded(options.path, () => parseFooter(bytes))
  return {
    numRows: footer.numRows,
    rowGroups: footer.rowGroups,
    createdBy: footer.createdBy,
    keyValueMetadata: footer.keyValueMetadata,
  }
}

/** The Arrow schema of a Parquet file, with Parquet field ids as `PARQUET:field_id` metadata. */
export function readParquetSchema(
  bytes: Uint8Array,
  options: { readonly path?: string } = {},
): arrow.Schema {
  return guarded(options.path, () => {
    const footer = parseFooter(bytes)
    const ipc = parquetWasm().readSchema(footerOnlyFile(footer)).intoIPCStream()
    return arrow.tableFromIPC(ipc).schema
  })
}

/**
 * Reads a Parquet file as a stream of record batches, one row group at a time, so memory is
 * bounded by the largest row group's projected columns. All batches share one schema. A file
 * with no row groups, or a projection that matches no column, yields nothing.
 */
export async function* readParquetBatches(
  bytes: Uint8Array,
  options: ParquetReadOptions = {},
): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  const path = options.path
  const footer = guarded(path, () => parseFooter(bytes))
  const leaves = guarded(path, () => selectLeaves(footer, options.columns))
  if (leaves !== undefined && leaves.size === 0) return
  const groups = options.rowGroups ?? footer.rowGroups.map((_, i) => i)
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`)
  }
  for (const g of groups) {
    const info = footer.rowGroups[g]
    if (info === undefined) {
      throw new InvalidArgumentError(`row group ${g} does not exist in ${path ?? IN_MEMORY}`)
    }
    if (info.numRows === 0) continue
    const table = guarded(path, () => {
      const sliced = sliceParquet(bytes, footer, { leaves, rowGroups: [g] })
      const wasmTable = parquetWasm().readParquet(sliced, { batchSize })
      return arrow.tableFromIPC(wasmTable.intoIPCStream())
    })
    for (const batch of table.batches) yield batch
    // Let other work run between row groups of a large file.
    await Promise.resolve()
  }
}

/** Reads a whole (projected) Parquet file into one Arrow table. See `readParquetBatches`. */
export async function readParquet(
  bytes: Uint8Array,
  options: ParquetReadOptions = {},
): Promise<arrow.Table> {
  const batches: arrow.RecordBatch[] = []
  for await (const batch of readParquetBatches(bytes, options)) batches.push(batch)
  if (batches.length > 0) return new arrow.Table(batches)
  // No rows: still return the (projected) schema so callers can inspect it.
  const schema = readParquetSchema(bytes, options.path === undefined ? {} : { path: options.path })
  const keep = options.columns?.map((c) => toSegments(c)[0])
  return new arrow.Table(
    keep === undefined
      ? schema
      : new arrow.Schema(schema.fields.filter((f) => keep.includes(f.name))),
  )
}

// ---------------------------------------------------------------------------------------------
// Writing

type WriterProperties = ReturnType<InstanceType<ParquetWasm['WriterPropertiesBuilder']>['build']>
type ParquetWasmEnabledStatistics =
  ParquetWasm['EnabledStatistics'][keyof ParquetWasm['EnabledStatistics']]

function writerProperties(options: ParquetWriteOptions): WriterProperties {
  const pw = parquetWasm()
  const codec = {
    zstd: pw.Compression.ZSTD,
    snappy: pw.Compression.SNAPPY,
    gzip: pw.Compression.GZIP,
    lz4: pw.Compression.LZ4_RAW,
    uncompressed: pw.Compression.UNCOMPRESSED,
  }[options.compression ?? 'snappy']
  const statsLevel = (s: 'none' | 'chunk' | 'page'): ParquetWasmEnabledStatistics =>
    ({
      none: pw.EnabledStatistics.None,
      chunk: pw.EnabledStatistics.Chunk,
      page: pw.EnabledStatistics.Page,
    })[s]
  const stats = statsLevel(options.statistics ?? 'chunk')
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE
  if (!Number.isInteger(rowGroupSize) || rowGroupSize <= 0) {
    throw new InvalidArgumentError(`rowGroupSize must be a positive integer, got ${rowGroupSize}`)
  }
  let builder = new pw.WriterPropertiesBuilder()
    .setCompression(codec)
    .setStatisticsEnabled(stats)
    .setMaxRowGroupSize(rowGroupSize)
    .setDictionaryEnabled(options.dictionary ?? true)
    .setCreatedBy(options.createdBy ?? 'deltalake-ts')
  for (const [column, o] of options.columns ?? []) {
    if (o.dictionary !== undefined)
      builder = builder.setColumnDictionaryEnabled(column, o.dictionary)
    if (o.statistics !== undefined)
      builder = builder.setColumnStatisticsEnabled(column, statsLevel(o.statistics))
  }
  if (options.keyValueMetadata !== undefined && options.keyValueMetadata.size > 0) {
    builder = builder.setKeyValueMetadata(new Map(options.keyValueMetadata))
  }
  return builder.build()
}

/** Writes an Arrow table as one Parquet file in memory. */
export function writeParquet(table: arrow.Table, options: ParquetWriteOptions = {}): Uint8Array {
  const props = writerProperties(options)
  const out = guarded(options.path, () => {
    const wasmTable = parquetWasm().Table.fromIPCStream(arrow.tableToIPC(table, 'stream'))
    return parquetWasm().writeParquet(wasmTable, props)
  })
  checkRowCount(out, table.numRows, options.path)
  return out
}

/** A structural fingerprint of a schema: names, types, nullability, field metadata. */
function schemaSignature(schema: arrow.Schema): string {
  const field = (f: arrow.Field): string =>
    `${f.name}:${f.nullable ? '?' : '!'}${typeName(f.type as arrow.DataType)}[${[...f.metadata].join(';')}]` +
    `(${((f.type as arrow.DataType).children ?? []).map(field).join(',')})`
  return schema.fields.map(field).join('|')
}

function checkRowCount(parquet: Uint8Array, expected: number, path: string | undefined): void {
  const written = guarded(path, () => parseFooter(parquet).numRows)
  if (written !== expected) {
    throw new CorruptDataError(
      path ?? IN_MEMORY,
      `parquet-wasm wrote ${written} rows instead of ${expected}`,
    )
  }
}

/**
 * Writes record batches (pulled lazily from `batches`) as one Parquet file, yielding its bytes
 * in chunks as row groups complete, so neither the Arrow input nor the wasm heap ever holds
 * more than about one row group. All batches must share one schema; `schema` is needed only
 * to write a file when `batches` is empty.
 */
export async function* writeParquetStream(
  batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
  options: ParquetWriteOptions & { readonly schema?: arrow.Schema } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const pw = parquetWasm()
  const path = options.path
  const iterator =
    Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]()
  const first = await iterator.next()
  if (first.done === true) {
    if (options.schema === undefined) {
      throw new InvalidArgumentError(
        'writeParquetStream got no batches and no schema to write an empty file',
      )
    }
    yield writeParquet(new arrow.Table(options.schema), options)
    return
  }
  const signature = schemaSignature(first.value.schema)
  let rows = 0
  let pending: arrow.RecordBatch | undefined = first.value
  let inputError: unknown
  const source = new ReadableStream<unknown>({
    // Called by the wasm writer whenever it wants the next batch: this is the backpressure.
    pull: async (controller) => {
      try {
        const next = pending ?? (await nextBatch())
        pending = undefined
        if (next === undefined) {
          controller.close()
          return
        }
        if (schemaSignature(next.schema) !== signature) {
          throw new InvalidArgumentError(
            'writeParquetStream: every batch must have the schema of the first',
          )
        }
        rows += next.numRows
        const wasmTable = pw.Table.fromIPCStream(
          arrow.tableToIPC(new arrow.Table([next]), 'stream'),
        )
        for (const rb of wasmTable.recordBatches()) controller.enqueue(rb)
        wasmTable.free()
      } catch (error) {
        // parquet-wasm ignores a failing source; remember the error and end the input.
        inputError = error
        controller.close()
      }
    },
  })
  const nextBatch = async (): Promise<arrow.RecordBatch | undefined> => {
    const r = await iterator.next()
    return r.done === true ? undefined : r.value
  }

  const output = await pw
    .transformParquetStream(source, writerProperties(options))
    .catch((error: unknown) => {
      throw new CorruptDataError(path ?? IN_MEMORY, reasonOf(error), { cause: error })
    })
  // Keep the tail of the output to check the footer's row count at the end.
  const tail: Uint8Array[] = []
  let tailBytes = 0
  const reader = (output as ReadableStream<Uint8Array>).getReader()
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done || inputError !== undefined) break
      tail.push(value)
      tailBytes += value.length
      while (tail.length > 1 && tailBytes - tail[0]!.length >= TAIL_LIMIT) {
        tailBytes -= tail.shift()!.length
      }
      yield value
    }
    finished = inputError === undefined
  } finally {
    // On an input error, or when the consumer stops early, release the wasm writer.
    if (!finished) await reader.cancel().catch(() => undefined)
  }
  if (inputError !== undefined) {
    if (inputError instanceof DeltaError) throw inputError
    throw new CorruptDataError(path ?? IN_MEMORY, reasonOf(inputError), { cause: inputError })
  }
  checkTail(concatBytes(tail), rows, path)
}

// Footers are KBs; a tail this long always holds one unless a file has thousands of columns.
const TAIL_LIMIT = 16 << 20

function checkTail(tail: Uint8Array, expected: number, path: string | undefined): void {
  const n = tail.length
  if (n < 8) throw new CorruptDataError(path ?? IN_MEMORY, 'parquet-wasm wrote an incomplete file')
  const len = new DataView(tail.buffer, tail.byteOffset + n - 8, 4).getUint32(0, true)
  if (len + 8 > n) return // footer longer than what we kept: cannot check, trust it
  const footerFile = new Uint8Array(len + 12)
  footerFile.set([0x50, 0x41, 0x52, 0x31])
  footerFile.set(tail.subarray(n - 8 - len), 4)
  checkRowCount(footerFile, expected, path)
}
