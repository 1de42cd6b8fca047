/**
 * The data writer: Arrow batches in, Parquet data files with Delta statistics out, one `add`
 * action per file (not yet committed: the caller adds them to a transaction).
 *
 * Per batch: conform it to the table (`arrow-conform.ts`), split its rows by partition
 * (`partitioning.ts`), and append each part to its partition's open file. A file is written
 * when it is full, when too much is buffered overall, or at the end.
 *
 * File sizing is an estimate, stated plainly: `targetFileSize` bounds the *Arrow in-memory
 * size* of a file's rows (values, offsets and validity bytes: `arrowBytes`), not the Parquet size.
 * Parquet encodes and compresses, so files come out smaller than the target, often by 2-10x
 * depending on the data. A file's row capacity is fixed when its first chunk arrives (bytes per
 * row of that chunk), so sizes are predictable. `maxRowsPerFile` caps rows exactly, like Spark's
 * `maxRecordsPerFile`. `maxBufferedBytes` bounds memory across partitions: when exceeded, the
 * fullest open file is written early (small files beat running out of memory).
 *
 * Files are streamed through the Parquet writer (wasm memory stays about one row group), put
 * with put-if-absent (a data file is never overwritten), and the next file is encoded while the
 * previous one uploads. If anything fails, the files already written are deleted (best effort)
 * before the error is rethrown: nothing refers to them yet.
 */
import * as arrow from 'apache-arrow'
import { InvalidArgumentError, throwIfAborted } from '../errors.js'
import { writeParquetStream } from '../engine/parquet.js'
import type { Add } from '../protocol/actions.js'
import { encodeLogPath } from '../protocol/file-paths.js'
import { isFeatureSupported } from '../protocol/features.js'
import type { PartitionValue } from '../protocol/partition-values.js'
import { TABLE_PROPERTIES, tableProperty } from '../protocol/table-properties.js'
import { takeRows } from '../scan/arrow-take.js'
import type { ObjectStore } from '../storage/object-store.js'
import { concatBytes } from '../util/bytes.js'
import { systemClock, systemIds, type Clock, type Ids } from '../util/clock.js'
import { conformBatch } from './arrow-conform.js'
import { dataFileKey, dataFileName, parquetCompression, randomPrefix } from './data-file-name.js'
import { dictionaryChoices } from './dictionary-choice.js'
import { type PartitionGroup, splitByPartition } from './partitioning.js'
import { FileStatsCollector } from './stats-collector.js'
import { statsColumns } from './stats-columns.js'
import { type WriteTarget, writeLayout } from './write-layout.js'

/** Data to write: a table, one batch, or batches (possibly produced lazily). */
export type WriteInput =
  arrow.Table | arrow.RecordBatch | Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch>

export interface WriteDataFilesOptions {
  /** `add.dataChange`. Default true; false for files that only rearrange existing rows. */
  readonly dataChange?: boolean
  /** Estimated Arrow bytes per file (see the file comment). Default 128 MiB. */
  readonly targetFileSize?: number
  /** Most rows per file. Default unlimited. */
  readonly maxRowsPerFile?: number
  /** Most estimated bytes buffered across all partitions. Default 512 MiB. */
  readonly maxBufferedBytes?: number
  /** Rows per Parquet row group. Default 131072. */
  readonly rowGroupSize?: number
  /**
   * Called once per partition the data touches, before any of its rows are written; throw to
   * refuse them (an overwrite checks its `replaceWhere` here).
   */
  readonly checkPartition?: (values: Readonly<Record<string, PartitionValue>>) => void
  readonly clock?: Clock
  readonly ids?: Ids
  readonly signal?: AbortSignal
}

export interface WrittenFiles {
  /** One per file, in the order written. */
  readonly adds: readonly Add[]
  /** Rows written. */
  readonly numRecords: number
  /** Bytes written (sum of the file sizes). */
  readonly numBytes: number
}

const MIB = 1 << 20

/** An open (not yet written) file of one partition. */
interface OpenFile {
  readonly group: PartitionGroup
  readonly chunks: { readonly columns: readonly arrow.Data[]; readonly length: number }[]
  rows: number
  bytes: number
  /** Rows this file takes in all. */
  capacity: number
}

async function* batchesOf(data: WriteInput): AsyncGenerator<arrow.RecordBatch> {
  if (data instanceof arrow.Table) yield* data.batches
  else if (data instanceof arrow.RecordBatch) yield data
  else yield* data
}

/** Bytes per row of a fixed-width Arrow type; 0 for the others. */
function fixedWidth(type: arrow.DataType): number {
  if (type instanceof arrow.Int) return type.bitWidth / 8
  if (type instanceof arrow.Float) return [2, 4, 8][type.precision] ?? 8
  if (type instanceof arrow.Date_) return type.unit === arrow.DateUnit.DAY ? 4 : 8
  if (type instanceof arrow.Timestamp) return 8
  if (type instanceof arrow.Decimal) return type.bitWidth / 8
  return 0
}

/**
 * Bytes the rows of `data` take in Arrow buffers: values, offsets and validity of exactly these
 * rows (not the capacity of the buffers, which builders over-allocate).
 */
export function arrowBytes(data: arrow.Data): number {
  const n = data.length
  const type = data.type
  let bytes = data.nullCount > 0 ? Math.ceil(n / 8) : 0
  if (type instanceof arrow.Bool) bytes += Math.ceil(n / 8)
  else bytes += n * fixedWidth(type)
  const offsets = data.valueOffsets as Int32Array | undefined
  if (offsets !== undefined && n > 0) {
    bytes += 4 * (n + 1)
    if (type instanceof arrow.Utf8 || type instanceof arrow.Binary)
      bytes += offsets[n]! - offsets[0]!
  }
  for (const child of data.children) bytes += arrowBytes(child)
  return bytes
}

function rowRange(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, i) => start + i)
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive number, got ${value}`)
  }
  return value
}

/**
 * Writes `data` as Parquet data files of the table described by `target` into `store` (the
 * table's root), and returns their `add` actions with statistics. Nothing is committed.
 *
 * Throws `InvalidArgumentError` when the data does not fit the table (see `arrow-conform.ts`),
 * or from `checkPartition`; storage errors as the store raises them.
 */
export async function writeDataFiles(
  store: ObjectStore,
  target: WriteTarget,
  data: WriteInput,
  options: WriteDataFilesOptions = {},
): Promise<WrittenFiles> {
  const layout = writeLayout(target)
  const config = target.metadata.configuration
  const codec = tableProperty(config, TABLE_PROPERTIES.parquetCompressionCodec)
  const randomize = tableProperty(config, TABLE_PROPERTIES.randomizeFilePrefixes)
  const prefixLength = tableProperty(config, TABLE_PROPERTIES.randomPrefixLength)
  const stats = statsColumns(layout, config)
  const statsOptions = {
    stringPrefixLength: tableProperty(config, TABLE_PROPERTIES.dataSkippingStringPrefixLength),
    // Spark writes tightBounds exactly when the table supports deletion vectors.
    tightBounds: isFeatureSupported(target.protocol, 'deletionVectors'),
  }
  const clock = options.clock ?? systemClock
  const ids = options.ids ?? systemIds
  const signal = options.signal
  const targetBytes = positive('targetFileSize', options.targetFileSize, 128 * MIB)
  const maxRows = positive('maxRowsPerFile', options.maxRowsPerFile, Infinity)
  const maxBuffered = positive('maxBufferedBytes', options.maxBufferedBytes, 512 * MIB)
  const dataChange = options.dataChange ?? true

  const open = new Map<string, OpenFile>()
  const checked = new Set<string>()
  const adds: Add[] = []
  const written: string[] = []
  let numRecords = 0
  let numBytes = 0
  let buffered = 0
  // The upload in flight. Its failure is caught at once (an unobserved rejection would crash
  // Node while the next file encodes) and rethrown by `settleUpload`.
  let upload: Promise<void> = Promise.resolve()
  let uploadFailure: { readonly error: unknown } | undefined
  const settleUpload = async (): Promise<void> => {
    await upload
    if (uploadFailure !== undefined) throw uploadFailure.error
  }

  const writeFile = async (file: OpenFile): Promise<void> => {
    open.delete(file.group.key)
    buffered -= file.bytes
    const collector = new FileStatsCollector(stats, statsOptions)
    const batches = file.chunks.map((chunk) => {
      collector.add(chunk.columns, chunk.length)
      const struct = arrow.makeData({
        type: new arrow.Struct(layout.fileSchema.fields),
        length: chunk.length,
        nullCount: 0,
        children: [...chunk.columns],
      })
      return new arrow.RecordBatch(layout.fileSchema, struct)
    })
    const name = dataFileName(adds.length, ids.uuid(), codec)
    const directory = randomize ? randomPrefix(prefixLength, ids) : file.group.directory
    const key = dataFileKey(directory, name)
    const parts: Uint8Array[] = []
    for await (const part of writeParquetStream(batches, {
      compression: parquetCompression(codec),
      schema: layout.fileSchema,
      columns: dictionaryChoices(layout.fileSchema, file.chunks[0]?.columns ?? []),
      path: key,
      ...(options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize }),
    })) {
      parts.push(part)
    }
    const bytes = concatBytes(parts)
    adds.push({
      path: encodeLogPath(key),
      partitionValues: file.group.partitionValues,
      size: bytes.length,
      modificationTime: clock.now(),
      dataChange,
      stats: collector.toJson(),
    })
    numRecords += file.rows
    numBytes += bytes.length
    // Upload while the next file is encoded; one upload in flight at a time.
    await settleUpload()
    throwIfAborted(signal)
    written.push(key)
    upload = store.put(key, bytes, { mode: 'create', signal }).then(
      () => undefined,
      (error: unknown) => {
        uploadFailure = { error }
      },
    )
  }

  /** Appends a partition's rows to its open file, writing (and reopening) it when full. */
  const append = async (
    group: PartitionGroup,
    columns: readonly arrow.Data[],
    length: number,
  ): Promise<void> => {
    const bytesPerRow = columns.reduce((sum, c) => sum + arrowBytes(c), 0) / Math.max(length, 1)
    let start = 0
    while (start < length) {
      let file = open.get(group.key)
      if (file === undefined) {
        const capacity = Math.min(maxRows, Math.max(1, Math.floor(targetBytes / bytesPerRow)))
        file = { group, chunks: [], rows: 0, bytes: 0, capacity }
        open.set(group.key, file)
      }
      const take = Math.min(length - start, file.capacity - file.rows)
      const part =
        start === 0 && take === length
          ? columns
          : columns.map((c) => takeRows(c, rowRange(start, start + take)))
      const bytes = take * bytesPerRow
      file.chunks.push({ columns: part, length: take })
      file.rows += take
      file.bytes += bytes
      buffered += bytes
      start += take
      if (file.rows >= file.capacity) await writeFile(file)
    }
    // Over the memory budget: write the fullest open files until back under it.
    while (buffered > maxBuffered && open.size > 0) {
      const fullest = [...open.values()].reduce((a, b) => (b.bytes > a.bytes ? b : a))
      await writeFile(fullest)
    }
  }

  try {
    for await (const batch of batchesOf(data)) {
      throwIfAborted(signal)
      if (batch.numRows === 0) continue
      const conformed = conformBatch(batch, layout)
      for (const split of splitByPartition(
        layout.partitions,
        conformed.partitions,
        batch.numRows,
      )) {
        if (!checked.has(split.group.key)) {
          options.checkPartition?.(split.group.values)
          checked.add(split.group.key)
        }
        const rows = split.rows
        const columns =
          rows === undefined ? conformed.columns : conformed.columns.map((c) => takeRows(c, rows))
        await append(split.group, columns, rows?.length ?? batch.numRows)
      }
    }
    for (const file of [...open.values()]) await writeFile(file)
    await settleUpload()
  } catch (error) {
    // Nothing refers to these files yet; leave no orphans behind (best effort).
    await upload
    if (written.length > 0) await store.deleteMany(written).catch(() => undefined)
    throw error
  }
  return { adds, numRecords, numBytes }
}
