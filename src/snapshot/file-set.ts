/**
 * The active files of a snapshot, held compactly.
 *
 * A table can have millions of live files, so they are not kept as one object each: the
 * fields every file has live in parallel arrays (path, size, modification time, stats
 * string), partition-value maps are interned (files of one partition share one frozen
 * object), and the rare fields (deletion vector, tags, row tracking) sit in a sparse side
 * table. `Add` objects are rebuilt on iteration. Removing a file leaves a hole that
 * iteration skips; holes are compacted away when they outnumber the live files.
 *
 * Files are keyed by `(canonical path, deletion vector uniqueId)`, the protocol's primary
 * key for file actions.
 */
import type { Add, DeletionVectorDescriptor } from '../protocol/actions.js'
import { dvUniqueId } from '../protocol/deletion-vector.js'

type PartitionValues = Readonly<Record<string, string | null>>

/** Fields most files lack, kept out of the hot arrays. */
interface Rare {
  readonly deletionVector?: DeletionVectorDescriptor
  readonly tags?: Readonly<Record<string, string | null>>
  readonly baseRowId?: number
  readonly defaultRowCommitVersion?: number
  readonly clusteringProvider?: string
}

const EMPTY_PARTITION: PartitionValues = Object.freeze({})

/** The primary key of a file action: canonical path, plus the DV's uniqueId when it has one. */
export function fileKey(canonicalPath: string, dv: DeletionVectorDescriptor | undefined): string {
  return dv === undefined ? canonicalPath : `${canonicalPath}\u0000${dvUniqueId(dv)}`
}

export class FileSet {
  private readonly slots = new Map<string, number>()
  private paths: (string | undefined)[] = []
  private sizes: number[] = []
  private modificationTimes: number[] = []
  private dataChanges: boolean[] = []
  private stats: (string | undefined)[] = []
  private partitions: PartitionValues[] = []
  private rare = new Map<number, Rare>()
  private readonly interned = new Map<string, PartitionValues>()
  private holes = 0
  private bytes = 0

  /** Number of live files. */
  get size(): number {
    return this.slots.size
  }

  /** Sum of the live files' sizes in bytes. */
  get totalBytes(): number {
    return this.bytes
  }

  has(key: string): boolean {
    return this.slots.has(key)
  }

  /** Adds (or replaces) the file under `key`. */
  add(key: string, add: Add): void {
    const existing = this.slots.get(key)
    if (existing !== undefined) this.drop(existing)
    const slot = this.paths.length
    this.slots.set(key, slot)
    this.paths.push(add.path)
    this.sizes.push(add.size)
    this.modificationTimes.push(add.modificationTime)
    this.dataChanges.push(add.dataChange)
    this.stats.push(add.stats)
    this.partitions.push(this.intern(add.partitionValues))
    this.bytes += add.size
    if (
      add.deletionVector !== undefined ||
      add.tags !== undefined ||
      add.baseRowId !== undefined ||
      add.defaultRowCommitVersion !== undefined ||
      add.clusteringProvider !== undefined
    ) {
      this.rare.set(slot, rareOf(add))
    }
  }

  /** Removes the file under `key`; returns whether it was live. */
  remove(key: string): boolean {
    const slot = this.slots.get(key)
    if (slot === undefined) return false
    this.slots.delete(key)
    this.drop(slot)
    if (this.holes > 1024 && this.holes > this.slots.size) this.compact()
    return true
  }

  get(key: string): Add | undefined {
    const slot = this.slots.get(key)
    return slot === undefined ? undefined : this.at(slot)
  }

  /** Live files in insertion order (oldest add first). */
  *[Symbol.iterator](): IterableIterator<Add> {
    const n = this.paths.length
    for (let slot = 0; slot < n; slot++) {
      if (this.paths[slot] !== undefined) yield this.at(slot)
    }
  }

  /** Live keys and files. */
  *entries(): IterableIterator<[string, Add]> {
    for (const [key, slot] of this.slots) yield [key, this.at(slot)]
  }

  /** A copy that can be changed without touching this one (for incremental updates). */
  clone(): FileSet {
    const copy = new FileSet()
    this.compactInto(copy)
    return copy
  }

  private at(slot: number): Add {
    const rare = this.rare.get(slot)
    const stats = this.stats[slot]
    const base = {
      path: this.paths[slot]!,
      partitionValues: this.partitions[slot]!,
      size: this.sizes[slot]!,
      modificationTime: this.modificationTimes[slot]!,
      dataChange: this.dataChanges[slot]!,
    }
    if (rare === undefined) return stats === undefined ? base : { ...base, stats }
    return { ...base, ...(stats === undefined ? {} : { stats }), ...rare }
  }

  private drop(slot: number): void {
    this.bytes -= this.sizes[slot]!
    this.paths[slot] = undefined
    this.stats[slot] = undefined
    this.rare.delete(slot)
    this.holes++
  }

  private intern(values: PartitionValues): PartitionValues {
    // An identity string cheaper than JSON.stringify: each name and value prefixed by its
    // length, so no content can be mistaken for a separator (a NULL value has no length).
    let id = ''
    for (const name in values) {
      const value = values[name]
      id += `${name.length}:${name}${value === null || value === undefined ? '!' : `${value.length}:${value}`}`
    }
    if (id === '') return EMPTY_PARTITION
    let shared = this.interned.get(id)
    if (shared === undefined) {
      shared = Object.freeze({ ...values })
      this.interned.set(id, shared)
    }
    return shared
  }

  private compact(): void {
    const fresh = new FileSet()
    this.compactInto(fresh)
    this.slots.clear()
    for (const [key, slot] of fresh.slots) this.slots.set(key, slot)
    this.paths = fresh.paths
    this.sizes = fresh.sizes
    this.modificationTimes = fresh.modificationTimes
    this.dataChanges = fresh.dataChanges
    this.stats = fresh.stats
    this.partitions = fresh.partitions
    this.rare = fresh.rare
    this.holes = 0
  }

  /** Copies the live files into `target` in slot order, sharing interned partitions. */
  private compactInto(target: FileSet): void {
    for (const [id, values] of this.interned) target.interned.set(id, values)
    const bySlot = [...this.slots].sort((a, b) => a[1] - b[1])
    for (const [key, slot] of bySlot) {
      const next = target.paths.length
      target.slots.set(key, next)
      target.paths.push(this.paths[slot])
      target.sizes.push(this.sizes[slot]!)
      target.modificationTimes.push(this.modificationTimes[slot]!)
      target.dataChanges.push(this.dataChanges[slot]!)
      target.stats.push(this.stats[slot])
      target.partitions.push(this.partitions[slot]!)
      const rare = this.rare.get(slot)
      if (rare !== undefined) target.rare.set(next, rare)
    }
    target.bytes = this.bytes
  }
}

function rareOf(add: Add): Rare {
  return {
    ...(add.deletionVector === undefined ? {} : { deletionVector: add.deletionVector }),
    ...(add.tags === undefined ? {} : { tags: add.tags }),
    ...(add.baseRowId === undefined ? {} : { baseRowId: add.baseRowId }),
    ...(add.defaultRowCommitVersion === undefined
      ? {}
      : { defaultRowCommitVersion: add.defaultRowCommitVersion }),
    ...(add.clusteringProvider === undefined ? {} : { clusteringProvider: add.clusteringProvider }),
  }
}
