/**
 * An exactly-once streaming sink with the semantics of Spark's Delta sink: each micro-batch
 * is committed together with the app transaction `(appId, batchId)`, so a batch replayed
 * after a crash or a restart finds its id already recorded and is skipped, never written
 * twice.
 *
 * Batch ids must increase. Two sink instances with the same appId conflict at commit time
 * (`concurrent-transaction`); the loser re-reads the table and skips the batch if the winner
 * already wrote it.
 */
import { CommitConflictError, InvalidArgumentError } from '../errors.js'
import type { LogStore } from '../log/log-store.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { WriteInput } from '../transaction/data-writer.js'
import type { PostCommitHook } from '../transaction/transaction.js'
import { appendData, type WriteOptions } from '../transaction/write-data.js'
import type { Clock, Ids } from '../util/clock.js'

export interface SinkOptions {
  /** The application id recorded in `txn` actions; one per logical stream. */
  readonly appId: string
  readonly clock?: Clock
  readonly ids?: Ids
  readonly postCommitHooks?: readonly PostCommitHook[]
  readonly maxAttempts?: number
  /** Passed to the data writer. */
  readonly write?: Pick<WriteOptions, 'targetFileSize' | 'maxRowsPerFile' | 'rowGroupSize'>
}

export type SinkResult =
  | {
      readonly status: 'committed'
      readonly batchId: number
      readonly version: number
      readonly numFiles: number
    }
  /** The table already holds this batch (or a later one) for the app. */
  | { readonly status: 'skipped'; readonly batchId: number; readonly committedBatchId: number }

export class DeltaSink {
  private snapshot: Snapshot | undefined

  constructor(
    readonly log: LogStore,
    readonly options: SinkOptions,
  ) {
    if (options.appId === '') throw new InvalidArgumentError('A sink needs a non-empty appId')
  }

  /** The last batch id the table holds for this app, or undefined before the first. */
  async lastBatchId(): Promise<number | undefined> {
    return (await this.latest()).appTransactionVersion(this.options.appId)
  }

  /** Writes batch `batchId` exactly once. */
  async write(batchId: number, data: WriteInput, signal?: AbortSignal): Promise<SinkResult> {
    if (!Number.isSafeInteger(batchId) || batchId < 0) {
      throw new InvalidArgumentError(`A batch id must be a non-negative integer, got ${batchId}`)
    }
    for (let attempt = 0; ; attempt++) {
      const snapshot = await this.latest()
      const committed = snapshot.appTransactionVersion(this.options.appId)
      if (committed !== undefined && committed >= batchId) {
        return { status: 'skipped', batchId, committedBatchId: committed }
      }
      try {
        const result = await appendData(snapshot, data, {
          appTransaction: { appId: this.options.appId, version: batchId },
          ...this.options.write,
          ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
          ...(this.options.ids === undefined ? {} : { ids: this.options.ids }),
          ...(this.options.postCommitHooks === undefined
            ? {}
            : { postCommitHooks: this.options.postCommitHooks }),
          ...(this.options.maxAttempts === undefined
            ? {}
            : { maxAttempts: this.options.maxAttempts }),
          ...(signal === undefined ? {} : { signal }),
        })
        if (result.status === 'skipped') {
          return { status: 'skipped', batchId, committedBatchId: result.committedVersion }
        }
        return {
          status: 'committed',
          batchId,
          version: result.commit.version,
          numFiles: result.files.adds.length,
        }
      } catch (error) {
        // Another instance of this app committed concurrently: look again; if it wrote this
        // batch, skip it, otherwise the table moved on and we write on top of it.
        if (
          error instanceof CommitConflictError &&
          error.kind === 'concurrent-transaction' &&
          attempt < 3
        )
          continue
        throw error
      }
    }
  }

  /** The latest snapshot, advanced incrementally from the last one this sink saw. */
  private async latest(): Promise<Snapshot> {
    this.snapshot =
      this.snapshot === undefined
        ? await loadSnapshot(this.log, {
            stats: 'skip',
            // The snapshot's clock is what post-commit cleanup measures log retention by.
            ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
          })
        : await this.snapshot.update()
    return this.snapshot
  }
}
