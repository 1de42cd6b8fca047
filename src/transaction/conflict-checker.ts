/**
 * The conflict checker: decides whether a transaction that read version `r` can still commit
 * after other writers committed versions `r+1..n`, following Spark's ConflictChecker.
 *
 * Pure: it sees a summary of our transaction and the actions of one winning commit at a
 * time. Rules, in Spark's order (each cites the Spark check it mirrors):
 *
 * 1. protocol change in the winner                      -> `protocol-changed`
 *    (checkProtocolCompatibility)
 * 2. metadata change in the winner                      -> `metadata-changed`
 *    (checkNoMetadataUpdates)
 * 3. files the winner added that our reads would have seen -> `concurrent-append`
 *    (checkForAddedFilesThatShouldHaveBeenReadByCurrentTxn). Which added files count
 *    depends on our isolation level:
 *      Serializable:      every added file with dataChange=true;
 *      WriteSerializable: only files added by commits that were not blind appends
 *                         (a concurrent blind append cannot change what we read);
 *      SnapshotIsolation: none. A transaction that changes no data (compaction, stats
 *                         backfill) runs at SnapshotIsolation, as in Spark.
 * 4. files the winner removed that we read              -> `concurrent-delete-read`
 *    (checkForDeletedFilesAgainstCurrentTxnReadFiles); if we read the whole table, any
 *    removal conflicts.
 * 5. files the winner removed that we remove too         -> `concurrent-delete-delete`
 *    (checkForDeletedFilesAgainstCurrentTxnDeletedFiles)
 * 6. an app id whose txn version we set                  -> `concurrent-transaction`
 *    (checkForUpdatedApplicationTransactionIdsThatCurrentTxnDependsOn)
 * 7. a metadata domain we also write                     -> `concurrent-domain-metadata`
 *    (checkIfDomainMetadataConflict)
 *
 * Consequences: blind appends (no reads, no removes) never conflict with each other, nor
 * with `dataChange=false` rearrangements, at any isolation level; only protocol and
 * metadata changes stop them.
 */
import type { ConflictKind } from '../errors.js'
import type { Action, Add } from '../protocol/actions.js'

export type IsolationLevel = 'Serializable' | 'WriteSerializable' | 'SnapshotIsolation'

/** What our transaction read and wrote, in the terms the rules need. */
export interface TransactionSummary {
  readonly isolationLevel: IsolationLevel
  /** We read every file of the table (e.g. an unpartitioned delete or overwrite). */
  readonly readWholeTable: boolean
  /**
   * Whether a file added by a concurrent commit would have been part of our reads
   * (evaluated on its partition values, as Spark does). Unused when `readWholeTable`.
   */
  readonly readMatches: (add: Add) => boolean
  /** Canonical keys (path) of the files we read. */
  readonly readFiles: ReadonlySet<string>
  /** Canonical keys (path) of the files we remove. */
  readonly removedFiles: ReadonlySet<string>
  /** App ids whose `txn` we write. */
  readonly appIds: ReadonlySet<string>
  /** Metadata domains we write (or remove). */
  readonly domains: ReadonlySet<string>
}

export type ConflictVerdict =
  | { readonly conflict: false }
  | { readonly conflict: true; readonly kind: ConflictKind; readonly detail: string }

const NO_CONFLICT: ConflictVerdict = { conflict: false }

/** Checks our transaction against one winning commit. */
export function checkConflict(
  ours: TransactionSummary,
  winner: readonly Action[],
  canonicalPath: (path: string) => string,
): ConflictVerdict {
  let blindAppend = false
  const added: Add[] = []
  const removed: string[] = []
  for (const action of winner) {
    if ('protocol' in action) {
      return verdict('protocol-changed', 'the protocol was changed (table features upgraded)')
    }
    if ('metaData' in action) {
      return verdict(
        'metadata-changed',
        'the table metadata (schema, partitioning or properties) was changed',
      )
    }
    if ('commitInfo' in action) blindAppend = action.commitInfo.isBlindAppend === true
    else if ('add' in action) added.push(action.add)
    else if ('remove' in action) removed.push(canonicalPath(action.remove.path))
  }

  const checkedAdds =
    ours.isolationLevel === 'SnapshotIsolation' ? [] : added.filter((a) => a.dataChange)
  const relevantAdds = ours.isolationLevel === 'WriteSerializable' && blindAppend ? [] : checkedAdds
  if (relevantAdds.length > 0) {
    const seen = ours.readWholeTable
      ? relevantAdds[0]
      : relevantAdds.find((a) => ours.readMatches(a))
    if (seen !== undefined) {
      return verdict(
        'concurrent-append',
        `a concurrent commit added ${seen.path}, which this transaction's read would have included`,
      )
    }
  }

  if (removed.length > 0) {
    const read = removed.find((p) => ours.readFiles.has(p))
    if (read !== undefined) {
      return verdict(
        'concurrent-delete-read',
        `a concurrent commit removed ${read}, which this transaction read`,
      )
    }
    if (ours.readWholeTable) {
      return verdict(
        'concurrent-delete-read',
        `a concurrent commit removed ${removed[0]!} while this transaction read the whole table`,
      )
    }
    const both = removed.find((p) => ours.removedFiles.has(p))
    if (both !== undefined) {
      return verdict('concurrent-delete-delete', `a concurrent commit also removed ${both}`)
    }
  }

  for (const action of winner) {
    if ('txn' in action && ours.appIds.has(action.txn.appId)) {
      return verdict(
        'concurrent-transaction',
        `a concurrent commit set the transaction version of application ${action.txn.appId}`,
      )
    }
    if ('domainMetadata' in action && ours.domains.has(action.domainMetadata.domain)) {
      return verdict(
        'concurrent-domain-metadata',
        `a concurrent commit changed domain ${action.domainMetadata.domain}`,
      )
    }
  }
  return NO_CONFLICT
}

function verdict(kind: ConflictKind, detail: string): ConflictVerdict {
  return { conflict: true, kind, detail }
}

/** What to tell the user after each kind of conflict. */
export function conflictHint(kind: ConflictKind): string {
  switch (kind) {
    case 'protocol-changed':
    case 'metadata-changed':
      return 'Reload the table and run the operation again against its new schema and properties.'
    case 'concurrent-append':
      return 'Run the operation again; to let concurrent blind appends through, use isolationLevel WriteSerializable or narrow the read with a partition predicate.'
    case 'concurrent-delete-read':
    case 'concurrent-delete-delete':
      return 'The files this operation depends on were changed concurrently; reload the table and run it again.'
    case 'concurrent-transaction':
      return 'Another writer committed for the same application id; check that only one writer per appId runs at a time.'
    case 'concurrent-domain-metadata':
      return 'Another writer changed the same metadata domain; reload and retry.'
    case 'table-created-concurrently':
      return 'Another writer created the table first; open it instead of creating it.'
  }
}
