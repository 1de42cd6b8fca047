/**
 * What a checkpoint of a snapshot holds (PROTOCOL.md "Checkpoints" under Requirements for
 * Writers), as lazy action streams so that a table of millions of files is never copied:
 *
 * - protocol, metaData, the live domainMetadata (tombstoned domains are not in the snapshot),
 *   and the txns — minus those older than `delta.setTransactionRetentionDuration` when that is
 *   set (Spark's `InMemoryLogReplay.getTransactions`: a txn without `lastUpdated` goes too);
 * - every live add, and the tombstones younger than `delta.deletedFileRetentionDuration`
 *   (`deletionTimestamp > now - retention`, the same strict test Spark applies);
 * - never commitInfo or cdc (the snapshot holds neither).
 *
 * Like Spark's state reconstruction, file actions are written with `dataChange = false`: a
 * checkpoint records state, not a change, and readers must not take its rows as new data.
 * Removes lose `stats` and `tags`; the checkpoint schema has no column for them.
 */
import type { Action, Add, Remove, Txn } from '../protocol/actions.js'
import { TABLE_PROPERTIES } from '../protocol/table-properties.js'
import type { Snapshot } from '../snapshot/snapshot.js'

/** The checkpoint's view of a snapshot at one instant (`now`). */
export interface CheckpointContent {
  readonly snapshot: Snapshot
  /** protocol, metaData, txn and domainMetadata actions (a handful, held in memory). */
  readonly nonFileActions: readonly Action[]
  /** The unexpired tombstones (usually few; Spark materializes them too). */
  readonly tombstones: readonly Remove[]
  /** Live adds plus kept tombstones: the number of file actions the checkpoint will hold. */
  readonly numFileActions: number
}

/** Gathers everything but the adds, which stay in the snapshot until they are streamed. */
export function checkpointContent(snapshot: Snapshot, now: number): CheckpointContent {
  const tombstones = snapshot.unexpiredTombstones(now)
  return {
    snapshot,
    nonFileActions: nonFileActions(snapshot, now),
    tombstones,
    numFileActions: snapshot.numFiles + tombstones.length,
  }
}

function nonFileActions(snapshot: Snapshot, now: number): Action[] {
  const actions: Action[] = [{ protocol: snapshot.protocol }, { metaData: snapshot.metadata }]
  const retention = snapshot.property(TABLE_PROPERTIES.setTransactionRetentionDuration)
  for (const txn of snapshot.appTransactions().values()) {
    if (retention === undefined || keepTxn(txn, now - retention)) actions.push({ txn })
  }
  for (const domainMetadata of snapshot.domains().values()) actions.push({ domainMetadata })
  return actions
}

function keepTxn(txn: Txn, cutoff: number): boolean {
  return txn.lastUpdated !== undefined && txn.lastUpdated > cutoff
}

/**
 * The file actions, adds first, built one at a time from the snapshot's compact file set: the
 * caller (the Parquet writer) holds at most one batch of them.
 */
export function* fileActions(content: CheckpointContent): Generator<Action, void, undefined> {
  for (const add of content.snapshot.files()) yield { add: checkpointAdd(add) }
  for (const remove of content.tombstones) yield { remove: checkpointRemove(remove) }
}

/** A live file as checkpoints record it: dataChange false. */
export function checkpointAdd(add: Add): Add {
  return { ...add, dataChange: false }
}

/** A tombstone as checkpoints keep it: no stats, no tags, dataChange false. */
export function checkpointRemove(remove: Remove): Remove {
  const { stats: _stats, tags: _tags, ...rest } = remove
  return { ...rest, dataChange: false }
}

/** Every action of a single-file V1 checkpoint: non-file actions first, then file actions. */
export function* allActions(content: CheckpointContent): Generator<Action, void, undefined> {
  yield* content.nonFileActions
  yield* fileActions(content)
}

/** Takes up to `limit` items from a shared iterator (for splitting one stream into files). */
export function* take<T>(iterator: Iterator<T>, limit: number): Generator<T, void, undefined> {
  for (let i = 0; i < limit; i++) {
    const next = iterator.next()
    if (next.done === true) return
    yield next.value
  }
}
