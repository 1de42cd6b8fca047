/**
 * The commits a (non-dry-run) vacuum records, as Spark's `VacuumCommandImpl.logVacuumStart` /
 * `logVacuumEnd` write them: commits holding only a commitInfo.
 *
 * - `VACUUM START`, before the first delete. operationParameters `retentionCheckEnabled`,
 *   `defaultRetentionMillis` (the table's `delta.deletedFileRetentionDuration`) and, only when
 *   the caller chose a retention, `specifiedRetentionMillis`; operationMetrics
 *   `numFilesToDelete`, `sizeOfDataToDelete`.
 * - `VACUUM END`, after deleting. operationParameters `status`: `COMPLETED`, or `FAILED` when
 *   deleting threw (then without metrics); operationMetrics `numDeletedFiles`,
 *   `numVacuumedDirectories`.
 *
 * Values are strings, as Spark's commitInfo maps are `Map[String, String]`. Neither commit reads
 * or writes a file, so both are blind: a concurrent append never conflicts with them (the
 * transaction retries past it); only a concurrent protocol or metadata change does, which for
 * START aborts the vacuum before anything is deleted — the plan was made for the old metadata.
 */
import type { Snapshot } from '../snapshot/snapshot.js'
import { Transaction, type CommitResult } from '../transaction/transaction.js'
import type { Clock } from '../util/clock.js'

export interface VacuumStartFacts {
  readonly retentionCheckEnabled: boolean
  /** Set only when the caller gave a retention. */
  readonly specifiedRetentionMs: number | undefined
  readonly defaultRetentionMs: number
  readonly numFilesToDelete: number
  readonly sizeOfDataToDelete: number
}

export type VacuumEndFacts =
  | {
      readonly status: 'COMPLETED'
      readonly numDeletedFiles: number
      readonly numVacuumedDirectories: number
    }
  | { readonly status: 'FAILED' }

export interface RecordOptions {
  readonly clock: Clock
  readonly signal?: AbortSignal | undefined
}

export function recordVacuumStart(
  snapshot: Snapshot,
  facts: VacuumStartFacts,
  options: RecordOptions,
): Promise<CommitResult> {
  const operationParameters: Record<string, string> = {
    retentionCheckEnabled: String(facts.retentionCheckEnabled),
    defaultRetentionMillis: String(facts.defaultRetentionMs),
  }
  if (facts.specifiedRetentionMs !== undefined) {
    operationParameters.specifiedRetentionMillis = String(facts.specifiedRetentionMs)
  }
  return Transaction.on(snapshot, {
    operation: 'VACUUM START',
    operationParameters,
    ...transactionOptions(options),
  })
    .setMetrics({
      numFilesToDelete: String(facts.numFilesToDelete),
      sizeOfDataToDelete: String(facts.sizeOfDataToDelete),
    })
    .commit()
}

export function recordVacuumEnd(
  snapshot: Snapshot,
  facts: VacuumEndFacts,
  options: RecordOptions,
): Promise<CommitResult> {
  const transaction = Transaction.on(snapshot, {
    operation: 'VACUUM END',
    operationParameters: { status: facts.status },
    ...transactionOptions(options),
  })
  if (facts.status === 'COMPLETED') {
    transaction.setMetrics({
      numDeletedFiles: String(facts.numDeletedFiles),
      numVacuumedDirectories: String(facts.numVacuumedDirectories),
    })
  }
  return transaction.commit()
}

function transactionOptions(options: RecordOptions): { clock: Clock; signal?: AbortSignal } {
  return options.signal === undefined
    ? { clock: options.clock }
    : { clock: options.clock, signal: options.signal }
}
