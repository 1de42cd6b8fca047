/**
 * DELETE: removes the rows of a table for which a predicate is TRUE, as Spark's
 * `DeleteCommand` does, committing operation `DELETE` with `predicate` (a JSON array of the
 * predicate's text; `[]` for no predicate) and Spark's metrics (`delete-metrics.ts`).
 *
 * Three strategies (`delete-plan.ts` picks `metadata` from the predicate alone):
 * - `metadata`: no predicate, or one over partition columns only. Whole files are removed and
 *   no data is read. No change data files are written even when the change data feed is on:
 *   the removes alone say which rows went (PROTOCOL.md "Change Data Files": an operation that
 *   only removes data needs none), which is what Spark does.
 * - `deletion-vectors`: a row-level delete on a table where deletion vectors are enabled (the
 *   feature supported and `delta.enableDeletionVectors=true`, Spark's `deletionVectorsWritable`).
 *   The candidate files are scanned (`delete-scan.ts`); a file that loses every visible row is
 *   removed, every other touched file is re-added with a new DV (`delete-dv.ts`). As in Spark,
 *   no change data files are written here either: change data feed readers derive the deleted
 *   rows from the DV difference of each remove/add pair and from the whole-file removes, as our
 *   own reader does (`changes/cdf-plan.ts`). Writing them would mean reading every column of
 *   every touched file, which is the cost deletion vectors exist to avoid.
 * - `rewrite`: a row-level delete otherwise. The touched files are removed and their remaining
 *   rows written to new files (`delete-rewrite.ts`). With the change data feed on, the deleted
 *   rows also go to change data files (`cdc-writer.ts`): the rewrite re-adds rows that did not
 *   change, so its adds and removes alone would misreport them.
 *
 * Conflict detection follows Spark: a delete of everything reads the whole table; otherwise it
 * declares what it read by a predicate on partition values (`DeletePlan`) and, for a row-level
 * delete, every candidate file it scanned, matched or not (a concurrent change to any of them
 * could change the outcome). Removed files count as read too.
 *
 * Nothing is committed when nothing matches (`status: 'unchanged'`; Spark's `commitIfNeeded`).
 * Files written for a commit that certainly did not land (a conflict, attempts exhausted, or a
 * failure before committing) are deleted again: the DV file, rewritten data, change data.
 */
import { OperationNotAllowedError, throwIfAborted } from '../errors.js'
import type { Add } from '../protocol/actions.js'
import { checkWriteSupport } from '../protocol/protocol-check.js'
import { fileStats } from '../protocol/stats.js'
import { TABLE_PROPERTIES, tableProperty } from '../protocol/table-properties.js'
import type { Expression } from '../scan/expression.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { StorageOptions } from '../storage/url.js'
import { systemIds } from '../util/clock.js'
import type { WriteDataFilesOptions } from './data-writer.js'
import { applyDeletionVectors, dvMetrics } from './delete-dv.js'
import { type DeleteMetrics, deleteOperationMetrics, NO_DELETE_METRICS } from './delete-metrics.js'
import { type DeletePlan, planDelete } from './delete-plan.js'
import { discardRewrite, rewriteMetrics, rewriteTouchedFiles } from './delete-rewrite.js'
import { candidateFiles, findTouchedFiles } from './delete-scan.js'
import { discardDeletionVectors } from './deletion-vector-writer.js'
import { type CommitResult, Transaction, type TransactionOptions } from './transaction.js'
import { nothingCommitted, operationFileOptions, operationTransaction } from './write-commit.js'
import type { WriteOptions } from './write-data.js'

export type DeleteStrategy = 'metadata' | 'deletion-vectors' | 'rewrite'

export interface DeleteOptions extends Pick<
  WriteOptions,
  | 'targetFileSize'
  | 'maxRowsPerFile'
  | 'maxBufferedBytes'
  | 'rowGroupSize'
  | 'isolationLevel'
  | 'maxAttempts'
  | 'engineInfo'
  | 'clock'
  | 'ids'
  | 'signal'
  | 'postCommitHooks'
> {
  /**
   * Use deletion vectors where the table enables them. Default true; false rewrites files
   * instead (Spark's `spark.databricks.delta.delete.deletionVectors.persistent`).
   */
  readonly deletionVectors?: boolean
  /** Deletion vectors whose bitmap is at most this many bytes are inlined in the log. Default 64; 0 never. */
  readonly inlineDeletionVectorMaxBytes?: number
  /** Options for stores opened for data files outside the table root. */
  readonly storage?: StorageOptions
}

export type DeleteResult =
  | {
      readonly status: 'committed'
      readonly strategy: DeleteStrategy
      readonly commit: CommitResult
      readonly metrics: DeleteMetrics
    }
  /** Nothing matched: nothing was written or committed. */
  | {
      readonly status: 'unchanged'
      readonly strategy: DeleteStrategy
      readonly metrics: DeleteMetrics
    }

/**
 * Deletes the rows of the table read as `snapshot` where `predicate` is TRUE (NULL and FALSE
 * rows stay); with no predicate, every row. Text is parsed against the table schema.
 *
 * Throws `InvalidArgumentError` (the scan layer's predicate errors) for a bad predicate,
 * `OperationNotAllowedError` on an append-only table, `ProtocolUnsupportedError` for a table this
 * library cannot write, `NotFoundError` / `CorruptDataError` for missing or damaged data files,
 * and the transaction's errors (`CommitConflictError`, `MaxCommitAttemptsError`).
 */
export async function deleteRows(
  snapshot: Snapshot,
  predicate: Expression | string | undefined,
  options: DeleteOptions = {},
): Promise<DeleteResult> {
  checkWriteSupport(snapshot.protocol, snapshot.metadata, undefined, snapshot.schema)
  const plan = planDelete(snapshot, predicate)
  // Refused before anything is read, whatever would match (Spark's `assertRemovable`).
  if (snapshot.isFeatureActive('appendOnly')) {
    throw new OperationNotAllowedError(
      'This table is append-only (delta.appendOnly=true): rows cannot be deleted. Unset the property to allow it.',
    )
  }
  // Statistics are needed for skipping, for the stats of re-added files and for metrics.
  const table =
    snapshot.context.stats === 'json'
      ? snapshot
      : await loadSnapshot(snapshot.context.log, {
          version: snapshot.version,
          clock: snapshot.context.clock,
          signal: options.signal,
        })
  const clock = options.clock ?? table.context.clock
  const started = clock.now()
  const elapsed = (): number => clock.now() - started
  return plan.kind === 'rows'
    ? deleteByRows(table, plan, options, elapsed)
    : deleteFiles(table, plan, options, elapsed)
}

/** The `metadata` strategy: whole files by partition values (or all of them). */
async function deleteFiles(
  snapshot: Snapshot,
  plan: Exclude<DeletePlan, { kind: 'rows' }>,
  options: DeleteOptions,
  elapsed: () => number,
): Promise<DeleteResult> {
  const all = [...snapshot.files()]
  const removed = plan.kind === 'all' ? all : all.filter((f) => plan.predicate.matchesFile(f))
  const scanTimeMs = elapsed()
  const metrics: DeleteMetrics = {
    ...NO_DELETE_METRICS,
    numDeletedRows: visibleRows(removed),
    numRemovedFiles: removed.length,
    numRemovedBytes: removed.reduce((sum, f) => sum + f.size, 0),
    numDeletionVectorsRemoved: removed.filter((f) => f.deletionVector !== undefined).length,
    numFilesBeforeSkipping: all.length,
    numFilesAfterSkipping: removed.length,
    scanTimeMs,
    executionTimeMs: scanTimeMs,
  }
  if (removed.length === 0) return { status: 'unchanged', strategy: 'metadata', metrics }
  const transaction = Transaction.on(
    snapshot,
    transactionOptions(options, plan.kind === 'all' ? [] : [plan.predicate.text]),
  )
  if (plan.kind === 'all') transaction.readWholeTable()
  else transaction.readWhere((add) => plan.predicate.matchesFile(add))
  const now = (options.clock ?? snapshot.context.clock).now()
  for (const file of removed) transaction.removeFile(file, { deletionTimestamp: now })
  transaction.setMetrics(deleteOperationMetrics(metrics))
  const commit = await transaction.commit()
  return { status: 'committed', strategy: 'metadata', commit, metrics }
}

/**
 * Rows visible in `files` by their statistics (physical `numRecords` minus DV cardinality), or
 * undefined when a file has no row count (Spark then records no row metrics).
 */
function visibleRows(files: readonly Add[]): number | undefined {
  let total = 0
  for (const file of files) {
    let records: number | undefined
    try {
      records = fileStats(file)?.numRecords
    } catch {
      records = undefined // malformed statistics: unknown, like missing ones
    }
    if (records === undefined) return undefined
    total += records - (file.deletionVector?.cardinality ?? 0)
  }
  return total
}

/** The `deletion-vectors` and `rewrite` strategies: rows found by reading candidate files. */
async function deleteByRows(
  snapshot: Snapshot,
  plan: Extract<DeletePlan, { kind: 'rows' }>,
  options: DeleteOptions,
  elapsed: () => number,
): Promise<DeleteResult> {
  const signal = options.signal
  const store = snapshot.context.log.store
  const ids = options.ids ?? systemIds
  const useDvs = options.deletionVectors !== false && snapshot.isFeatureActive('deletionVectors')
  const strategy: DeleteStrategy = useDvs ? 'deletion-vectors' : 'rewrite'
  const candidates = candidateFiles(snapshot, plan.expression)
  const scan = { storage: options.storage, signal }
  const touched = await findTouchedFiles(snapshot, candidates, plan.expression, plan.columns, scan)
  const scanTimeMs = elapsed()
  const base: DeleteMetrics = {
    ...NO_DELETE_METRICS,
    numFilesBeforeSkipping: snapshot.numFiles,
    numFilesAfterSkipping: candidates.length,
    scanTimeMs,
  }
  if (touched.length === 0) {
    return { status: 'unchanged', strategy, metrics: { ...base, executionTimeMs: scanTimeMs } }
  }

  const transaction = Transaction.on(snapshot, transactionOptions(options, [plan.text]))
  transaction.readWhere(plan.readMatches).readFiles(candidates.map((c) => c.add))
  const deletionTimestamp = (options.clock ?? snapshot.context.clock).now()
  let discard: () => Promise<void>
  let metrics: DeleteMetrics
  if (useDvs) {
    const config = snapshot.metadata.configuration
    const outcome = await applyDeletionVectors(store, touched, {
      ...(options.inlineDeletionVectorMaxBytes === undefined
        ? {}
        : { inlineMaxBytes: options.inlineDeletionVectorMaxBytes }),
      randomPrefixLength: tableProperty(config, TABLE_PROPERTIES.randomizeFilePrefixes)
        ? tableProperty(config, TABLE_PROPERTIES.randomPrefixLength)
        : 0,
      ids,
      signal,
    })
    discard = () => discardDeletionVectors(store, outcome.written)
    for (const file of outcome.removed) transaction.removeFile(file, { deletionTimestamp })
    for (const { old, add } of outcome.updated) {
      transaction.removeFile(old, { deletionTimestamp }).addFile(add)
    }
    metrics = { ...base, ...dvMetrics(outcome, touched) }
  } else {
    const outcome = await rewriteTouchedFiles(snapshot, touched, {
      changeData: tableProperty(
        snapshot.metadata.configuration,
        TABLE_PROPERTIES.enableChangeDataFeed,
      ),
      write: writeFileOptions(options),
      changeFiles: {
        ...(options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize }),
        ids,
        ...(signal === undefined ? {} : { signal }),
      },
      scan,
    })
    discard = () => discardRewrite(snapshot.context.log, outcome)
    for (const file of outcome.removed) transaction.removeFile(file, { deletionTimestamp })
    for (const add of outcome.files.adds) transaction.addFile(add)
    for (const cdc of outcome.changes?.cdcs ?? []) transaction.addCdcFile(cdc)
    metrics = { ...base, ...rewriteMetrics(outcome, touched) }
  }
  const executionTimeMs = elapsed()
  metrics = { ...metrics, rewriteTimeMs: executionTimeMs - scanTimeMs, executionTimeMs }
  transaction.setMetrics(deleteOperationMetrics(metrics))
  try {
    throwIfAborted(signal)
  } catch (error) {
    await discard()
    throw error
  }
  try {
    const commit = await transaction.commit()
    return { status: 'committed', strategy, commit, metrics }
  } catch (error) {
    // A conflict or attempts exhausted: certainly not committed. Anything else (a storage error
    // while putting the commit) may hide a commit that landed, whose files must stay.
    if (nothingCommitted(error)) await discard()
    throw error
  }
}

/** The transaction of a DELETE, recorded as Spark records it. */
function transactionOptions(
  options: DeleteOptions,
  predicates: readonly string[],
): TransactionOptions {
  return operationTransaction(options, 'DELETE', { predicate: JSON.stringify(predicates) })
}

/** The data writer's options for the rewritten files. */
function writeFileOptions(options: DeleteOptions): WriteDataFilesOptions {
  return operationFileOptions(options, true)
}
