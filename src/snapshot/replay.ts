/**
 * The replay reducer: folds checkpoint rows and commits, oldest first, into table state
 * (PROTOCOL.md "Action Reconciliation").
 *
 * - protocol and metaData: the latest wins;
 * - txn: the latest per appId; domainMetadata: the latest per domain, `removed` deletes it;
 * - add / remove: keyed by (canonical path, DV uniqueId); an add makes the key live and
 *   clears its tombstone, a remove makes it a tombstone. Dedup happens here, before any
 *   scan predicate sees a file, so skipping can never resurrect an older add.
 *
 * Pure: no I/O. The loader feeds it what it read, in order.
 */
import { CorruptLogError } from '../errors.js'
import type {
  Action,
  DomainMetadata,
  Metadata,
  Protocol,
  Remove,
  Txn,
} from '../protocol/actions.js'
import type { AddColumns } from '../engine/checkpoint-read.js'
import { FileSet, fileKey } from './file-set.js'

export interface ReplayState {
  readonly protocol: Protocol | undefined
  readonly metadata: Metadata | undefined
  readonly files: FileSet
  /** Removed files by key; includes expired ones (filter by `deletionTimestamp`). */
  readonly tombstones: Map<string, Remove>
  readonly txns: Map<string, Txn>
  /** Live (not removed) domains. */
  readonly domains: Map<string, DomainMetadata>
}

/** Where the actions came from, for errors. */
export interface Source {
  readonly path: string
}

export class Replay {
  protocol: Protocol | undefined
  metadata: Metadata | undefined
  private filesNow: FileSet
  /** Shared with `from` until the first change (see `ownTombstones`). */
  private tombstones: Map<string, Remove>
  private tombstonesOwned: boolean
  readonly txns: Map<string, Txn>
  readonly domains: Map<string, DomainMetadata>
  private prefilter: KeyPrefilter | undefined

  /**
   * @param canonicalPath maps an action's `path` to the key it is reconciled by (decoded,
   *   and relative to the table root when it points inside it).
   * @param from state to continue from (copied, never changed).
   */
  constructor(
    private readonly canonicalPath: (path: string, source: Source) => string,
    from?: ReplayState,
  ) {
    this.protocol = from?.protocol
    this.metadata = from?.metadata
    this.filesNow = from === undefined ? FileSet.forUniqueKeys() : from.files.clone()
    // Tombstones can number as many as the files (after a rewrite of the table): copy them
    // only when a commit changes them, so an update by blind appends stays O(new actions).
    this.tombstones = from?.tombstones ?? new Map<string, Remove>()
    this.tombstonesOwned = from === undefined
    this.txns = new Map(from?.txns)
    this.domains = new Map(from?.domains)
  }

  get files(): FileSet {
    return this.filesNow
  }

  /**
   * Applies one batch of checkpoint (or sidecar) rows, before any commit. They are already
   * reconciled: each file key appears once, as an add or a remove, so adds are appended
   * without a lookup. Adds under `supersededKeys` (the keys the commits after the checkpoint
   * touch) are left out: those commits decide those files. commitInfo and cdc rows are not
   * allowed in checkpoints and are ignored.
   */
  applyCheckpoint(
    actions: readonly Action[],
    source: Source,
    supersededKeys?: ReadonlySet<string>,
  ): void {
    const skip =
      supersededKeys !== undefined && supersededKeys.size > 0 ? supersededKeys : undefined
    for (const action of actions) {
      if ('add' in action) {
        const add = action.add
        const path = this.canonicalPath(add.path, source)
        const key = fileKey(path, add.deletionVector)
        if (skip?.has(key) === true) continue
        // Rows are trusted not to repeat a path (as delta-kernel-rs trusts them), but a path
        // spelled otherwise than its key (escaped, or absolute inside the table) may name a
        // file another row names as well: from such a row on, rows are deduplicated.
        if (path === add.path) this.filesNow.append(key, add)
        else this.filesNow.add(key, add)
        if (this.tombstones.size > 0 && this.tombstones.has(key)) this.ownTombstones().delete(key)
      } else if ('remove' in action) {
        const remove = action.remove
        const key = fileKey(this.canonicalPath(remove.path, source), remove.deletionVector)
        this.ownTombstones().set(key, remove)
      } else {
        this.apply(action, source)
      }
    }
  }

  /**
   * `applyCheckpoint` for adds in their columns: the same keys, the same rows left out; the
   * files are appended field by field, without an `Add` each, and their stats decoded when
   * first read. A slice with a path spelled otherwise than its key is decoded now and applied
   * row by row (those rows are deduplicated, see `applyCheckpoint`).
   */
  applyCheckpointAdds(
    columns: AddColumns,
    source: Source,
    supersededKeys?: ReadonlySet<string>,
  ): void {
    const skip =
      supersededKeys !== undefined && supersededKeys.size > 0
        ? this.prefilterOf(supersededKeys)
        : undefined
    const { paths, deletionVectors } = columns
    const kept: number[] = []
    const keys: string[] = []
    for (let j = 0; j < paths.length; j++) {
      const raw = paths[j]!
      const path = this.canonicalPath(raw, source)
      if (path !== raw) {
        const adds = columns.decode().map((add) => ({ add }))
        this.applyCheckpoint(adds, source, supersededKeys)
        return
      }
      const key = deletionVectors === undefined ? path : fileKey(path, deletionVectors[j])
      if (skip !== undefined && skip.mayHave(key) && supersededKeys!.has(key)) continue
      kept.push(j)
      keys.push(key)
    }
    if (this.tombstones.size > 0) {
      for (const key of keys) if (this.tombstones.has(key)) this.ownTombstones().delete(key)
    }
    this.filesNow.appendColumns(columns, kept, keys)
  }

  /** The prefilter of `keys`, made once per set. */
  private prefilterOf(keys: ReadonlySet<string>): KeyPrefilter {
    if (this.prefilter?.keys !== keys) this.prefilter = new KeyPrefilter(keys)
    return this.prefilter
  }

  /**
   * Ends the checkpoint: the commits that follow go into a layer over the checkpoint's
   * files that never looks up `supersededKeys` there (they were left out), so replaying
   * them builds no index of the checkpoint's files.
   */
  endCheckpoint(supersededKeys: ReadonlySet<string>): void {
    this.filesNow = this.filesNow.cloneLacking(supersededKeys)
  }

  /** The keys of the add and remove actions of `commits`. */
  fileKeysOf(commits: readonly { actions: readonly Action[]; source: Source }[]): Set<string> {
    const keys = new Set<string>()
    for (const { actions, source } of commits) {
      for (const action of actions) {
        const file = 'add' in action ? action.add : 'remove' in action ? action.remove : undefined
        if (file !== undefined)
          keys.add(fileKey(this.canonicalPath(file.path, source), file.deletionVector))
      }
    }
    return keys
  }

  /** Applies the actions of one commit (or one compaction file). */
  applyCommit(actions: readonly Action[], source: Source): void {
    let protocols = 0
    let metadatas = 0
    // Removes first: a commit that replaces a file's deletion vector removes the old
    // (path, dv) and adds the new one; different keys, so the order is only for clarity.
    for (const action of actions) {
      if ('remove' in action) this.apply(action, source)
      else if ('protocol' in action) protocols++
      else if ('metaData' in action) metadatas++
    }
    if (protocols > 1 || metadatas > 1) {
      throw new CorruptLogError(
        `a commit may hold at most one protocol and one metaData action; found ${protocols} and ${metadatas}`,
        source,
      )
    }
    for (const action of actions) if (!('remove' in action)) this.apply(action, source)
  }

  /** The reconciled state; protocol and metadata must have been seen. */
  finish(source: Source): ReplayState & { protocol: Protocol; metadata: Metadata } {
    if (this.protocol === undefined) {
      throw new CorruptLogError(
        'no protocol action in the log segment: the table is unreadable',
        source,
      )
    }
    if (this.metadata === undefined) {
      throw new CorruptLogError(
        'no metaData action in the log segment: the table is unreadable',
        source,
      )
    }
    return {
      protocol: this.protocol,
      metadata: this.metadata,
      files: this.filesNow,
      tombstones: this.tombstones,
      txns: this.txns,
      domains: this.domains,
    }
  }

  /** The tombstones, copied first if they are still the previous state's. */
  private ownTombstones(): Map<string, Remove> {
    if (!this.tombstonesOwned) {
      this.tombstones = new Map(this.tombstones)
      this.tombstonesOwned = true
    }
    return this.tombstones
  }

  private apply(action: Action, source: Source): void {
    if ('add' in action) {
      const add = action.add
      const key = fileKey(this.canonicalPath(add.path, source), add.deletionVector)
      this.filesNow.add(key, add)
      if (this.tombstones.has(key)) this.ownTombstones().delete(key)
    } else if ('remove' in action) {
      const remove = action.remove
      const key = fileKey(this.canonicalPath(remove.path, source), remove.deletionVector)
      this.filesNow.remove(key)
      this.ownTombstones().set(key, remove)
    } else if ('metaData' in action) {
      this.metadata = action.metaData
    } else if ('protocol' in action) {
      this.protocol = action.protocol
    } else if ('txn' in action) {
      this.txns.set(action.txn.appId, action.txn)
    } else if ('domainMetadata' in action) {
      const domain = action.domainMetadata
      if (domain.removed) this.domains.delete(domain.domain)
      else this.domains.set(domain.domain, domain)
    }
    // commitInfo, cdc, sidecar and checkpointMetadata do not change table state.
  }
}

/**
 * A cheap pre-test for membership in a set of file keys (the few thousand a checkpoint's later
 * commits touch, tested against each of its possibly millions of files): a fingerprint of a
 * key's length and a dozen of its characters, spread over it, is looked up among the keys'
 * fingerprints. Most non-members are turned away without hashing the whole string; a match is
 * then checked against the set itself, so the pre-test can only cost time, never a file.
 */
export class KeyPrefilter {
  private readonly prints: Set<number>
  constructor(readonly keys: ReadonlySet<string>) {
    this.prints = new Set<number>()
    for (const key of keys) this.prints.add(fingerprint(key))
  }
  mayHave(key: string): boolean {
    return this.prints.has(fingerprint(key))
  }
}

const FINGERPRINT_POINTS = 12

function fingerprint(key: string): number {
  const n = key.length
  let h = n
  for (let k = 0; k < FINGERPRINT_POINTS; k++) {
    h = (Math.imul(h, 31) + key.charCodeAt(((n * k) / FINGERPRINT_POINTS) | 0)) | 0
  }
  return h
}
