/**
 * Post-commit hooks: the version checksum after every commit, a checkpoint every
 * `delta.checkpointInterval` versions, and then metadata cleanup when
 * `delta.enableExpiredLogCleanup` is on (Spark's `postCommit` -> `checkpointAndCleanUpDeltaLog`).
 *
 * A hook runs after the commit has landed, so it must never fail that commit: every error is
 * caught and handed to `onWarning` (default: dropped), and the table stays readable whatever
 * went wrong — a missing `.crc` is allowed, a half-written checkpoint is ignored by readers,
 * and cleanup deletes nothing a retained version needs. Spark does the same
 * (`withCheckpointExceptionHandling`).
 */
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { TABLE_PROPERTIES, tableProperty } from '../protocol/table-properties.js'
import type { CommitResult, PostCommitHook, Transaction } from '../transaction/transaction.js'
import { writeCheckpoint, type CheckpointOptions, type CheckpointResult } from './checkpoint.js'
import { cleanupExpiredLogs, type CleanupOptions, type CleanupResult } from './log-cleanup.js'
import {
  checksumAfterCommit,
  computeVersionChecksum,
  writeVersionChecksum,
} from './version-checksum-write.js'

export type MaintenanceTask = 'checksum' | 'checkpoint' | 'cleanup'

/** A post-commit task that failed; the commit itself succeeded. */
export interface MaintenanceWarning {
  readonly task: MaintenanceTask
  readonly version: number
  readonly error: unknown
}

/** What a post-commit task did, for callers that want to observe it. */
export type MaintenanceEvent =
  | { readonly task: 'checksum'; readonly version: number; readonly created: boolean }
  | { readonly task: 'checkpoint'; readonly version: number; readonly result: CheckpointResult }
  | { readonly task: 'cleanup'; readonly version: number; readonly result: CleanupResult }

export interface PostCommitHookOptions {
  /** Called with every failure of a post-commit task. Default: ignore. */
  readonly onWarning?: (warning: MaintenanceWarning) => void
  /** Called after every task that ran. */
  readonly onEvent?: (event: MaintenanceEvent) => void
  /** Options for the checkpoints the hook writes (kind, part size, ...). */
  readonly checkpoint?: Omit<CheckpointOptions, 'signal' | 'now'>
  /** Options for cleanup after a checkpoint (`now`, retention, ...); `false` never cleans. */
  readonly cleanup?: Omit<CleanupOptions, 'signal'> | false
}

function report(
  options: PostCommitHookOptions,
  task: MaintenanceTask,
  version: number,
  error: unknown,
): void {
  try {
    options.onWarning?.({ task, version, error })
  } catch {
    // A throwing callback must not turn into a failed commit either.
  }
}

function emit(options: PostCommitHookOptions, event: MaintenanceEvent): void {
  try {
    options.onEvent?.(event)
  } catch {
    // As above.
  }
}

/**
 * Writes `<version>.crc` after each commit (never over an existing one). Runs before the
 * checkpoint hook, as Spark orders them, so a checkpoint's snapshot can be checked against it.
 */
export function versionChecksumHook(options: PostCommitHookOptions = {}): PostCommitHook {
  return async (result, transaction) => {
    try {
      const base = transaction.snapshot
      const signal = transaction.options.signal
      const direct = base === undefined ? result.version === 0 : base.version === result.version - 1
      // Usually the commit sits right on its read snapshot: an exact incremental computation.
      // After a retry past other writers, compute it from the committed version itself.
      const checksum = direct
        ? await checksumAfterCommit(transaction.log, base, result.actions, { signal })
        : computeVersionChecksum(
            await loadSnapshot(transaction.log, {
              version: result.version,
              stats: 'skip',
              signal,
              ...(base === undefined ? {} : { clock: base.context.clock }),
            }),
          )
      const { created } = await writeVersionChecksum(transaction.log, result.version, checksum, {
        signal,
      })
      emit(options, { task: 'checksum', version: result.version, created })
    } catch (error) {
      report(options, 'checksum', result.version, error)
    }
  }
}

/** Checkpoints every `delta.checkpointInterval` versions, then cleans up expired log files. */
export function checkpointHook(options: PostCommitHookOptions = {}): PostCommitHook {
  return async (result, transaction) => {
    const metadata = transaction.metadata
    if (metadata === undefined || result.version === 0) return
    let interval: number
    try {
      interval = tableProperty(metadata.configuration, TABLE_PROPERTIES.checkpointInterval)
    } catch (error) {
      report(options, 'checkpoint', result.version, error)
      return
    }
    // Spark's rule: a checkpoint at every multiple of the interval (never at version 0, whose
    // commit is already as small as a checkpoint would be).
    if (result.version % interval !== 0) return
    const signal = transaction.options.signal
    let snapshot: Snapshot
    try {
      snapshot = await snapshotAt(result, transaction)
      const written = await writeCheckpoint(snapshot, { ...options.checkpoint, signal })
      emit(options, { task: 'checkpoint', version: result.version, result: written })
    } catch (error) {
      report(options, 'checkpoint', result.version, error)
      return
    }
    // Cleanup only after a successful checkpoint: it is what gives cleanup a new, newer
    // checkpoint to cut the log at.
    if (options.cleanup === false) return
    try {
      if (!snapshot.property(TABLE_PROPERTIES.enableExpiredLogCleanup)) return
      const cleaned = await cleanupExpiredLogs(snapshot, { ...options.cleanup, signal })
      emit(options, { task: 'cleanup', version: result.version, result: cleaned })
    } catch (error) {
      report(options, 'cleanup', result.version, error)
    }
  }
}

/** The hooks a table facade attaches to every transaction: checksum first, then checkpoint. */
export function defaultPostCommitHooks(options: PostCommitHookOptions = {}): PostCommitHook[] {
  return [versionChecksumHook(options), checkpointHook(options)]
}

/** The snapshot at the committed version, reading as little as possible. */
async function snapshotAt(result: CommitResult, transaction: Transaction): Promise<Snapshot> {
  const base = transaction.snapshot
  const signal = transaction.options.signal
  if (base !== undefined) {
    // Replays just the new commit(s) on top of the read snapshot, unless others have
    // committed past our version meanwhile.
    const next = await base.update({ signal })
    if (next.version === result.version) return next
  }
  return loadSnapshot(transaction.log, {
    version: result.version,
    signal,
    ...(base === undefined ? {} : { clock: base.context.clock }),
  })
}
