/**
 * Which files hold the row-level changes of one commit (PROTOCOL.md "Reader Requirements for
 * AddCDCFile"), decided from its actions alone: no I/O, so a stream can plan each commit it
 * tails and a batch read can plan a whole range before reading any data.
 *
 * The rules, with what the spec leaves open settled as Spark's CDCReader.changesToDF and
 * delta-kernel-rs `table_changes` settle it:
 * 1. A commit with `cdc` actions is read from those files only; their rows carry their own
 *    `_change_type`. Its adds and removes are ignored.
 * 2. Otherwise adds and removes with dataChange=true are read: an add's rows are `insert`, a
 *    removed file's rows (as they were visible before the remove, i.e. minus its own deletion
 *    vector) are `delete`. dataChange=false actions (OPTIMIZE, stats re-adds) change no data and
 *    are ignored.
 * 3. A remove and an add of the same path in one commit (Spark's DELETE/UPDATE with deletion
 *    vectors: the file stays, with a new DV) are paired: rows in the new DV but not the old are
 *    `delete`, rows in the old DV but not the new are `insert` (RESTORE, and kernel-rs'
 *    cdf-table-with-dv, produce those). A pair where neither has a DV hides and shows the same
 *    rows, so it yields nothing (Spark throws on it; kernel-rs yields nothing; the visible
 *    rows did not change, so nothing is the exact answer).
 * 4. A MERGE whose commitInfo reports 0 rows inserted, updated and deleted yields nothing even
 *    though it rewrote files with dataChange=true (Spark's `shouldSkipFileActionsInCommit`).
 * 5. A metaData action that turns the feed off fails the read at that version, whatever else
 *    the commit holds: changes after it were not recorded (Spark checks every version).
 */
import type { Add, AddCdcFile, CommitInfo, Metadata, Remove } from '../protocol/actions.js'
import { TABLE_PROPERTIES, tableProperty } from '../protocol/table-properties.js'
import { ChangeDataFeedError } from './cdf-errors.js'
import type { CommitRecord } from './tail.js'

/** The values of `_change_type` (PROTOCOL.md "Change Data Files"). */
export type ChangeType = 'insert' | 'delete' | 'update_preimage' | 'update_postimage'

/** One file to read for a commit's changes. */
export type ChangeFile =
  /** A change data file: rows with their own `_change_type`. */
  | { readonly kind: 'cdc'; readonly cdc: AddCdcFile }
  /** An added file: its visible rows are `insert`. */
  | { readonly kind: 'add'; readonly add: Add }
  /** A removed file: the rows it showed until this commit are `delete`. */
  | { readonly kind: 'remove'; readonly remove: Remove }
  /** The same file removed and re-added with another deletion vector: the DV difference. */
  | { readonly kind: 'dv-update'; readonly add: Add; readonly remove: Remove }

/** The change files of one commit, with the values of its `_commit_*` columns. */
export interface VersionChanges {
  readonly version: number
  /** Commit time in epoch ms, as the tail reports it (the in-commit timestamp when present). */
  readonly timestamp: number
  /** In log order (a dv-update sits where its add was). */
  readonly files: readonly ChangeFile[]
}

/** Whether `delta.enableChangeDataFeed` (or its legacy alias) is true in this metadata. */
export function isChangeDataFeedEnabled(metadata: Metadata): boolean {
  return tableProperty(metadata.configuration, TABLE_PROPERTIES.enableChangeDataFeed)
}

/**
 * The change files of one commit. Throws `ChangeDataFeedError` (`not-enabled`) when the
 * commit's own metaData turns the feed off. It cannot know whether the feed was on *before*
 * the commit: a caller starting at this commit checks the metadata in force there.
 */
export function planVersionChanges(
  commit: Pick<CommitRecord, 'version' | 'timestamp' | 'actions' | 'commitInfo'>,
): VersionChanges {
  const { version, timestamp, actions } = commit
  const cdc: ChangeFile[] = []
  const removes = new Map<string, Remove>()
  const addPaths = new Set<string>()
  for (const action of actions) {
    if ('metaData' in action && !isChangeDataFeedEnabled(action.metaData)) {
      throw notRecorded(version)
    } else if ('cdc' in action) {
      cdc.push({ kind: 'cdc', cdc: action.cdc })
    } else if ('remove' in action && action.remove.dataChange) {
      removes.set(action.remove.path, action.remove)
    } else if ('add' in action && action.add.dataChange) {
      addPaths.add(action.add.path)
    }
  }
  if (cdc.length > 0) return { version, timestamp, files: cdc }
  if (isNoOpMerge(commit.commitInfo)) return { version, timestamp, files: [] }

  // Pairs are matched by path, as Spark and kernel-rs do: a commit never holds two adds or two
  // removes of one path (PROTOCOL.md "Add File and Remove File"), so a path names one pair.
  const files: ChangeFile[] = []
  for (const action of actions) {
    if ('add' in action && action.add.dataChange) {
      const remove = removes.get(action.add.path)
      if (remove === undefined) files.push({ kind: 'add', add: action.add })
      else if (remove.deletionVector !== undefined || action.add.deletionVector !== undefined)
        files.push({ kind: 'dv-update', add: action.add, remove })
    } else if ('remove' in action && action.remove.dataChange) {
      if (!addPaths.has(action.remove.path)) files.push({ kind: 'remove', remove: action.remove })
    }
  }
  return { version, timestamp, files }
}

/** The error for a version whose metadata has the feed off. */
export function notRecorded(version: number): ChangeDataFeedError {
  return new ChangeDataFeedError(
    'not-enabled',
    version,
    `delta.enableChangeDataFeed is not true at version ${version}, so its changes were not recorded`,
    'Read a range of versions during which the change data feed was enabled throughout.',
  )
}

/**
 * A MERGE that reports no target row inserted, updated or deleted: it may still rewrite files
 * with dataChange=true, but no row changed (Spark `CDCReader.shouldSkipFileActionsInCommit`).
 * A missing metric means we cannot know, so the files are read.
 */
function isNoOpMerge(commitInfo: CommitInfo | undefined): boolean {
  if (commitInfo?.operation !== 'MERGE') return false
  const metrics = commitInfo.operationMetrics
  if (typeof metrics !== 'object' || metrics === null) return false
  const values = metrics as Readonly<Record<string, unknown>>
  return ['numTargetRowsInserted', 'numTargetRowsUpdated', 'numTargetRowsDeleted'].every(
    (key) => values[key] === '0',
  )
}
