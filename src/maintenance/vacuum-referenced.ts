/**
 * The files vacuum must keep because the log still points at them ("valid files" in Spark's
 * `VacuumCommand`), as a set of store keys.
 *
 * Spark's set is: every live file and every tombstone whose `deletionTimestamp` is not older
 * than the cutoff, each with its deletion-vector file. That keeps time travel inside the window
 * working as long as a remove's `deletionTimestamp` is the time it was committed: a file that
 * some version inside the window references is either still live, or was removed by a later
 * commit — which lies inside the window, so its tombstone has not expired (checkpoints must keep
 * unexpired tombstones, delta-rs#3644).
 *
 * `deletionTimestamp` is written by the removing writer, though: it may be absent (optional in
 * the protocol; Spark then counts it as 0, i.e. long expired) or skewed by that writer's clock.
 * So the removes of every commit after the boundary version (see `vacuum-window.ts`) are added
 * whatever their timestamps say: those commits are inside the window by the same commit times
 * time travel uses, and together with the live files they cover every file any version a reader
 * can still reach refers to.
 *
 * Only keys under the table root enter the set (files elsewhere are never candidates). Keys
 * are held as file names grouped by directory: a name is a slice of the path the snapshot
 * already holds, so the set costs a hash entry and a small slice object per file.
 */
import type { Action, DeletionVectorDescriptor } from '../protocol/actions.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { KeyResolver } from './vacuum-paths.js'

export class ReferenceSet {
  /**
   * Names by directory key (`a/b/`, or '' at the root). A listing asks about one directory's
   * files after another, so each lookup probes a small set that stays in cache; one set of a
   * million keys made every lookup a cache miss (about 2.5 µs each on a 1M-file table).
   */
  private readonly byDir = new Map<string, Set<string>>()
  private count = 0
  private lastDir: string | undefined
  private lastNames: Set<string> | undefined

  constructor(private readonly resolver: KeyResolver) {}

  get size(): number {
    return this.count
  }

  has(key: string): boolean {
    const slash = key.lastIndexOf('/') + 1
    const names = this.namesIn(key.slice(0, slash))
    return names !== undefined && names.has(key.slice(slash))
  }

  /** The referenced keys, in no particular order. */
  *values(): IterableIterator<string> {
    for (const [dir, names] of this.byDir) for (const name of names) yield dir + name
  }

  private namesIn(dir: string): Set<string> | undefined {
    if (dir !== this.lastDir) {
      this.lastDir = dir
      this.lastNames = this.byDir.get(dir)
    }
    return this.lastNames
  }

  private add(key: string): void {
    const slash = key.lastIndexOf('/') + 1
    const dir = key.slice(0, slash)
    let names = this.byDir.get(dir)
    if (names === undefined) {
      this.byDir.set(dir, (names = new Set()))
      if (dir === this.lastDir) this.lastNames = names
    }
    const before = names.size
    names.add(key.slice(slash))
    this.count += names.size - before
  }

  /** Keeps a file named by a log `path` and, when it has one, its deletion vector's file. */
  addFile(path: string, dv?: DeletionVectorDescriptor): void {
    const key = this.resolver.fileKey(path)
    if (key !== undefined) this.add(key)
    const dvKey = this.resolver.dvKey(dv)
    if (dvKey !== undefined) this.add(dvKey)
  }

  /** Spark's valid files: live files, and tombstones deleted at or after `cutoff`. */
  addSnapshot(snapshot: Snapshot, cutoff: number): void {
    for (const add of snapshot.files()) this.addFile(add.path, add.deletionVector)
    for (const remove of snapshot.tombstones()) {
      // Spark drops a tombstone when `delTimestamp < deleteBeforeTimestamp`; keep the rest.
      if ((remove.deletionTimestamp ?? 0) >= cutoff)
        this.addFile(remove.path, remove.deletionVector)
    }
  }

  /**
   * The removes (and, for concurrent commits, the adds) of a commit inside the window: kept
   * regardless of the timestamps they carry.
   */
  addCommit(actions: readonly Action[]): void {
    for (const action of actions) {
      if ('remove' in action) this.addFile(action.remove.path, action.remove.deletionVector)
      else if ('add' in action) this.addFile(action.add.path, action.add.deletionVector)
    }
  }
}
