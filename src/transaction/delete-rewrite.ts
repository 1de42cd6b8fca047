/**
 * The second pass of a DELETE without deletion vectors: the rows that stay, as a stream of
 * batches for the data writer, and the rows that go, handed to the change data writer when the
 * change data feed is on.
 *
 * Only files the first pass touched are read again, now with every column, and the split is by
 * the physical row indexes the first pass matched (not by evaluating the predicate again), so
 * the rows removed are exactly the rows counted. A file that loses every row has nothing to
 * keep: it is read only when its rows must go to change data files.
 *
 * Rows of all touched files flow into one data writer, which groups them by partition and sizes
 * the new files: like Spark, several small touched files in a partition become one new file.
 */
import * as arrow from 'apache-arrow'
import type { LogStore } from '../log/log-store.js'
import type { Add } from '../protocol/actions.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { takeRows } from '../scan/arrow-take.js'
import { DataReader } from '../scan/data-reader.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import {
  ChangeDataWriter,
  type ChangeDataWriterOptions,
  type WrittenChangeFiles,
} from './cdc-writer.js'
import { type WriteDataFilesOptions, type WrittenFiles, writeDataFiles } from './data-writer.js'
import type { DeleteMetrics } from './delete-metrics.js'
import { prefetched, type ScanOptions, type TouchedFile } from './delete-scan.js'
import { discardFiles } from './write-commit.js'

export interface RewriteOutcome {
  /** The touched files, all removed. */
  readonly removed: readonly Add[]
  /** The new data files holding their remaining rows. */
  readonly files: WrittenFiles
  /** The change data files of the deleted rows, when the change data feed is on. */
  readonly changes: WrittenChangeFiles | undefined
}

export interface RewriteOptions {
  /** Write the deleted rows to change data files. */
  readonly changeData: boolean
  readonly write: WriteDataFilesOptions
  readonly changeFiles: ChangeDataWriterOptions
  readonly scan: ScanOptions
}

/**
 * Rewrites the remaining rows of `touched` into new data files (and the deleted ones into change
 * data files when asked). On failure nothing written is left behind (best effort).
 */
export async function rewriteTouchedFiles(
  snapshot: Snapshot,
  touched: readonly TouchedFile[],
  options: RewriteOptions,
): Promise<RewriteOutcome> {
  const store = snapshot.context.log.store
  const changes = options.changeData
    ? new ChangeDataWriter(store, snapshot, options.changeFiles)
    : undefined
  try {
    // The data writer deletes its own files when its input (this pass) fails.
    const rows = remainingRows(snapshot, touched, changes, options.scan)
    const files = await writeDataFiles(store, snapshot, rows, options.write)
    let written: WrittenChangeFiles | undefined
    try {
      written = await changes?.finish()
    } catch (error) {
      await discardFiles(snapshot.context.log, files)
      throw error
    }
    return { removed: touched.map((f) => f.add), files, changes: written }
  } catch (error) {
    await changes?.discard()
    throw error
  }
}

/** Deletes the files of a rewrite whose commit did not land (best effort). */
export async function discardRewrite(log: LogStore, outcome: RewriteOutcome): Promise<void> {
  await discardFiles(log, outcome.files)
  const keys: string[] = []
  for (const cdc of outcome.changes?.cdcs ?? []) {
    const target = decodeLogPath(cdc.path)
    if (target.kind === 'relative') keys.push(target.key)
  }
  if (keys.length > 0) await log.store.deleteMany(keys).catch(() => undefined)
}

/** The metrics of a rewrite. */
export function rewriteMetrics(
  outcome: RewriteOutcome,
  touched: readonly TouchedFile[],
): Omit<
  DeleteMetrics,
  | 'numFilesBeforeSkipping'
  | 'numFilesAfterSkipping'
  | 'scanTimeMs'
  | 'rewriteTimeMs'
  | 'executionTimeMs'
> {
  return {
    numDeletedRows: touched.reduce((sum, f) => sum + f.matched.cardinality, 0),
    numCopiedRows: outcome.files.numRecords,
    numRemovedFiles: outcome.removed.length,
    numRemovedBytes: outcome.removed.reduce((sum, a) => sum + a.size, 0),
    numAddedFiles: outcome.files.adds.length,
    numAddedBytes: outcome.files.numBytes,
    numAddedChangeFiles: outcome.changes?.cdcs.length ?? 0,
    changeFileBytes: outcome.changes?.numBytes ?? 0,
    numDeletionVectorsAdded: 0,
    numDeletionVectorsRemoved: outcome.removed.filter((a) => a.deletionVector !== undefined).length,
    numDeletionVectorsUpdated: 0,
  }
}

/** Whether a touched file must be read again by `remainingRows`. */
export function needsRewrite(file: TouchedFile, changeData: boolean): boolean {
  return changeData || file.matched.cardinality < file.liveRows
}

/**
 * The rows of `touched` files that the first pass did not match, as logical batches of the table;
 * the matched rows go to `changes` (as `delete`) when it is given. Throws the reader's errors
 * (`NotFoundError`, `CorruptDataError`) and the change data writer's.
 */
export async function* remainingRows(
  snapshot: Snapshot,
  touched: readonly TouchedFile[],
  changes: ChangeDataWriter | undefined,
  options: ScanOptions = {},
): AsyncGenerator<arrow.RecordBatch> {
  const signal = options.signal
  const reader = new DataReader(snapshot, { storage: options.storage })
  const files = touched.filter((f) => needsRewrite(f, changes !== undefined))
  for await (const { item, opened } of prefetched(reader, files, signal)) {
    for await (const { batch, rowIndexes } of reader.readWithRowIndexes(opened, { signal })) {
      const { keep, drop } = split(item, rowIndexes)
      if (drop.length > 0 && changes !== undefined) {
        await changes.write(drop.length === batch.numRows ? batch : rowsOf(batch, drop), 'delete')
      }
      if (keep.length === batch.numRows) yield batch
      else if (keep.length > 0) yield rowsOf(batch, keep)
    }
  }
}

/** Positions in the batch of the rows to keep and of the rows matched (to drop). */
function split(
  file: TouchedFile,
  rowIndexes: Float64Array,
): { keep: Int32Array; drop: Int32Array } {
  const n = rowIndexes.length
  if (n === 0) return { keep: new Int32Array(0), drop: new Int32Array(0) }
  // Row indexes ascend: one mask over their span answers every membership test.
  const first = rowIndexes[0]!
  const mask = file.matched.maskRange(first, rowIndexes[n - 1]! - first + 1)
  let dropped = 0
  for (let i = 0; i < n; i++) dropped += mask[rowIndexes[i]! - first]!
  const keep = new Int32Array(n - dropped)
  const drop = new Int32Array(dropped)
  let k = 0
  let d = 0
  for (let i = 0; i < n; i++) {
    if (mask[rowIndexes[i]! - first] === 1) drop[d++] = i
    else keep[k++] = i
  }
  return { keep, drop }
}

/** The rows of `batch` at `indices`. */
function rowsOf(batch: arrow.RecordBatch, indices: Int32Array): arrow.RecordBatch {
  const children = batch.data.children.map((c) => takeRows(c, indices))
  const struct = arrow.makeData({
    type: new arrow.Struct(batch.schema.fields),
    length: indices.length,
    nullCount: 0,
    children,
  })
  return new arrow.RecordBatch(batch.schema, struct)
}
