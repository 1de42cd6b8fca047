/**
 * Scanning a snapshot into Arrow: plan the files (`plan.ts`: partition pruning and stats
 * skipping), read each (`data-reader.ts`: DVs, partition values, column mapping, widening),
 * and keep exactly the rows for which the filter is TRUE (`evaluate.ts`), so that the result is
 * the same as Spark's `SELECT <columns> FROM t WHERE <filter>`, in no particular order.
 *
 * Skipping is only a shortcut: it drops files that cannot hold a matching row, and the row
 * filter then decides every row, with the very predicate that planned the files. The filter's
 * columns are read even when not requested and dropped from the output.
 *
 * Files are read one at a time, in plan order, with the next file's bytes (and DV) fetched while
 * the current one decodes: memory holds at most two files' bytes, one row group's decoded
 * columns and one output batch.
 */
import * as arrow from 'apache-arrow'
import { throwIfAborted } from '../errors.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { Signalled } from '../storage/object-store.js'
import type { StorageOptions } from '../storage/url.js'
import { DataReader, type OpenedFile, type RowFilter } from './data-reader.js'
import { evaluatePredicate } from './evaluate.js'
import type { Expression } from './expression.js'
import { planScan, resolveFilter } from './plan.js'
import { referencedColumns } from './predicate-bind.js'

export interface ReadScanOptions extends Signalled {
  /** Top-level columns to return, in this order. Default: every column of the schema. */
  readonly columns?: readonly string[] | undefined
  /** Rows to keep: an expression, or predicate text parsed against the schema. */
  readonly filter?: Expression | string | undefined
  /** Most rows per batch (batches may be smaller after filtering). Default 65536. */
  readonly batchSize?: number | undefined
  /** Options for stores opened for files outside the table root. */
  readonly storage?: StorageOptions | undefined
  /**
   * Data files up to this size are fetched whole (one GET); larger ones by ranges, only the
   * needed columns, one row group at a time. Default 8 MiB.
   */
  readonly wholeFileBytes?: number | undefined
}

/** The batches of a scan, with their schema known before the first one arrives. */
export interface ScanBatches extends AsyncIterable<arrow.RecordBatch> {
  readonly schema: arrow.Schema
}

/**
 * The rows of `snapshot` (or of its `columns`) for which `filter` is TRUE, as record batches.
 * Bad options (an unknown column, a filter that does not parse or bind) throw
 * `InvalidArgumentError` here, before any I/O; read errors (`NotFoundError` for a missing data
 * file, `CorruptDataError`) surface while iterating.
 */
export function readScan(snapshot: Snapshot, options: ReadScanOptions = {}): ScanBatches {
  const predicate = resolveFilter(snapshot, options.filter)
  const filter: RowFilter | undefined =
    predicate === undefined
      ? undefined
      : {
          columns: referencedColumns(predicate).map((path) => path[0]!),
          evaluate: (batch) => evaluatePredicate(batch, predicate),
        }
  const reader = new DataReader(snapshot, {
    columns: options.columns,
    filter,
    batchSize: options.batchSize,
    storage: options.storage,
    wholeFileBytes: options.wholeFileBytes,
  })
  const signal = options.signal
  return {
    schema: reader.schema,
    [Symbol.asyncIterator]: () => scanBatches(snapshot, reader, predicate, signal),
  }
}

async function* scanBatches(
  snapshot: Snapshot,
  reader: DataReader,
  predicate: Expression | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<arrow.RecordBatch> {
  const files = planScan(snapshot, { filter: predicate })
  const openNext = (): Promise<OpenedFile> | undefined => {
    throwIfAborted(signal)
    const next = files.next()
    return next.done === true ? undefined : reader.open(next.value, { signal })
  }
  let pending = openNext()
  try {
    while (pending !== undefined) {
      const current = await pending
      pending = openNext()
      yield* reader.read(current, { signal })
    }
  } finally {
    // Stopped early (or failed): the prefetch's outcome no longer matters, but must not be an
    // unhandled rejection.
    pending?.catch(() => undefined)
  }
}

/** The whole result of `readScan` as one Arrow table (empty, with the schema, for no rows). */
export async function scanToTable(
  snapshot: Snapshot,
  options: ReadScanOptions = {},
): Promise<arrow.Table> {
  const scan = readScan(snapshot, options)
  const batches: arrow.RecordBatch[] = []
  for await (const batch of scan) batches.push(batch)
  return batches.length === 0 ? new arrow.Table(scan.schema) : new arrow.Table(batches)
}
