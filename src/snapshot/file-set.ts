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
 * Files from a Parquet checkpoint arrive in their columns (`appendColumns`): each field is
 * taken from its column without an `Add` per file, and the stats JSON stays UTF-8 bytes (about
 * the memory of the strings) until a file of the chunk is first read. Decoding a million stats
 * strings is then the first scan's work, and only if one runs.
 *
 * Files are keyed by `(canonical path, deletion vector uniqueId)`, the protocol's primary
 * key for file actions. The key index (a Map of a million keys costs about a second to
 * build) is made on the first lookup, not at load: files appended from a checkpoint, whose
 * keys are unique by the protocol, are only pushed, and a snapshot that is only scanned
 * never builds it.
 */
import type { AddColumns, PendingStats } from '../engine/checkpoint-read.js'
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

/** A node of the partition-value interning trie (see `FlatFiles.intern`). */
class InternNode {
  readonly next = new Map<string, Map<string | null, InternNode>>()
  values: PartitionValues | undefined
}

/** Files appended by `appendColumns`: slots `start` to `end` (exclusive). */
interface ColumnChunk {
  readonly start: number
  readonly end: number
  /** The index in `stats` of each slot's add. */
  readonly kept: readonly number[]
  /** Until the chunk's stats are decoded. */
  stats: PendingStats | undefined
}

/** The primary key of a file action: canonical path, plus the DV's uniqueId when it has one. */
export function fileKey(canonicalPath: string, dv: DeletionVectorDescriptor | undefined): string {
  return dv === undefined ? canonicalPath : `${canonicalPath}\u0000${dvUniqueId(dv)}`
}

/** The files of one layer, in flat parallel arrays (see the file comment). */
class FlatFiles {
  /** Slot by key; built on first use (see `index`), kept up to date from then on. */
  private slots: Map<string, number> | undefined = new Map<string, number>()
  private live = 0
  /**
   * The key of each slot whose key is not its path (a deletion vector, or a path that decodes
   * to another key). Nearly every key is the path itself, so a full array of keys would be one
   * more million-entry array to fill for nothing.
   */
  private otherKeys = new Map<number, string>()
  private paths: (string | undefined)[] = []
  private sizes: number[] = []
  private modificationTimes: number[] = []
  private dataChanges: boolean[] = []
  private stats: (string | undefined)[] = []
  private partitions: PartitionValues[] = []
  private rare = new Map<number, Rare>()
  private interned = new InternNode()
  private holes = 0
  private bytes = 0
  /** Files appended in their columns, in slot order; see `appendColumns`. */
  private chunks: ColumnChunk[] = []
  /** How many of `chunks` are still to be decoded. */
  private pending = 0

  get size(): number {
    return this.live
  }

  get totalBytes(): number {
    return this.bytes
  }

  has(key: string): boolean {
    return this.index().has(key)
  }

  slotOf(key: string): number | undefined {
    return this.index().get(key)
  }

  sizeOf(key: string): number | undefined {
    const slot = this.index().get(key)
    return slot === undefined ? undefined : this.sizes[slot]
  }

  /** Adds (or replaces) the file under `key`. */
  add(key: string, add: Add): void {
    const index = this.index()
    const existing = index.get(key)
    if (existing !== undefined) this.drop(existing)
    index.set(key, this.paths.length)
    this.push(key, add)
  }

  /**
   * Adds a file whose key the caller knows is not live here (a checkpoint's keys are unique),
   * without touching the key index. Should the promise be broken, the index, when built,
   * keeps the later file, as `add` would have.
   */
  append(key: string, add: Add): void {
    if (this.slots !== undefined) {
      this.add(key, add)
      return
    }
    this.push(key, add)
  }

  /**
   * Appends the adds `kept` (indexes into `columns`) under `keys`, as `append` would, taking
   * each field from its column without an `Add` per file; their stats stay UTF-8 bytes in
   * `columns` until a file of the chunk is first read (`at`).
   */
  appendColumns(columns: AddColumns, kept: readonly number[], keys: readonly string[]): void {
    if (kept.length === 0) return
    const start = this.paths.length
    const { paths, sizes, modificationTimes } = columns
    for (let k = 0; k < kept.length; k++) {
      const j = kept[k]!
      const key = keys[k]!
      const path = paths[j]!
      if (this.slots !== undefined) {
        const existing = this.slots.get(key)
        if (existing !== undefined) this.drop(existing)
        this.slots.set(key, this.paths.length)
      }
      const slot = this.paths.length
      this.live++
      if (key !== path) this.otherKeys.set(slot, key)
      this.paths.push(path)
      this.sizes.push(sizes[j]!)
      this.modificationTimes.push(modificationTimes[j]!)
      this.dataChanges.push(columns.dataChangeAt(j))
      this.stats.push(undefined) // until the chunk's stats are decoded
      this.partitions.push(this.intern(columns.partitionValuesAt(j)))
      this.bytes += sizes[j]!
      const rare = columns.rareAt(j)
      if (rare !== undefined) this.rare.set(slot, rare)
    }
    const stats = columns.pendingStats
    if (stats === undefined) return
    this.chunks.push({ start, end: start + kept.length, kept, stats })
    this.pending++
  }

  get indexed(): boolean {
    return this.slots !== undefined
  }

  /** Starts appending without an index (an empty layer only). */
  deferIndex(): void {
    if (this.paths.length === 0) this.slots = undefined
  }

  private push(key: string, add: Add): void {
    const slot = this.paths.length
    this.live++
    if (key !== add.path) this.otherKeys.set(slot, key)
    this.paths.push(add.path)
    this.sizes.push(add.size)
    this.modificationTimes.push(add.modificationTime)
    this.dataChanges.push(add.dataChange)
    this.stats.push(add.stats)
    this.partitions.push(this.intern(add.partitionValues))
    this.bytes += add.size
    if (hasRare(add)) this.rare.set(slot, rareOf(add))
  }

  /** Removes the file under `key`; returns whether it was live. */
  remove(key: string): boolean {
    const index = this.index()
    const slot = index.get(key)
    if (slot === undefined) return false
    index.delete(key)
    this.drop(slot)
    if (this.holes > 1024 && this.holes > this.live) this.compact()
    return true
  }

  get(key: string): Add | undefined {
    const slot = this.index().get(key)
    return slot === undefined ? undefined : this.at(slot)
  }

  /** The key index, built now if files were appended without it. */
  private index(): Map<string, number> {
    if (this.slots !== undefined) return this.slots
    const index = new Map<string, number>()
    const n = this.paths.length
    for (let slot = 0; slot < n; slot++) {
      if (this.paths[slot] === undefined) continue
      const key = this.keyAt(slot)
      const earlier = index.get(key)
      if (earlier !== undefined) this.drop(earlier)
      index.set(key, slot)
    }
    return (this.slots = index)
  }

  /** Live files in insertion order (oldest add first). */
  *[Symbol.iterator](): IterableIterator<Add> {
    const n = this.paths.length
    for (let slot = 0; slot < n; slot++) {
      if (this.paths[slot] !== undefined) yield this.at(slot)
    }
  }

  /** Live keys and files, in insertion order. */
  *entries(): IterableIterator<[string, Add]> {
    const n = this.paths.length
    for (let slot = 0; slot < n; slot++) {
      if (this.paths[slot] !== undefined) yield [this.keyAt(slot), this.at(slot)]
    }
  }

  /** The file at a slot (which must be live). */
  at(slot: number): Add {
    if (this.pending > 0) this.decodeChunkOf(slot)
    const rare = this.rare.size === 0 ? undefined : this.rare.get(slot)
    const stats = this.stats[slot]
    // Two literal shapes rather than a spread: this runs once per file per iteration, and a
    // spread into a literal is a runtime call where a literal is one allocation.
    const add: Add =
      stats === undefined
        ? {
            path: this.paths[slot]!,
            partitionValues: this.partitions[slot]!,
            size: this.sizes[slot]!,
            modificationTime: this.modificationTimes[slot]!,
            dataChange: this.dataChanges[slot]!,
          }
        : {
            path: this.paths[slot]!,
            partitionValues: this.partitions[slot]!,
            size: this.sizes[slot]!,
            modificationTime: this.modificationTimes[slot]!,
            dataChange: this.dataChanges[slot]!,
            stats,
          }
    return rare === undefined ? add : { ...add, ...rare }
  }

  /** Decodes the column chunk holding `slot`, if it is still pending. */
  private decodeChunkOf(slot: number): void {
    const chunks = this.chunks
    let lo = 0
    let hi = chunks.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const chunk = chunks[mid]!
      if (slot < chunk.start) hi = mid - 1
      else if (slot >= chunk.end) lo = mid + 1
      else {
        if (chunk.stats !== undefined) this.decodeChunk(chunk)
        return
      }
    }
  }

  /** Fills in the stats of a chunk's files, which `appendColumns` left in the columns. */
  private decodeChunk(chunk: ColumnChunk): void {
    const stats = chunk.stats!.decode()
    for (let slot = chunk.start; slot < chunk.end; slot++) {
      if (this.paths[slot] !== undefined) this.stats[slot] = stats[chunk.kept[slot - chunk.start]!]
    }
    chunk.stats = undefined
    if (--this.pending === 0) this.chunks = []
  }

  private decodeAll(): void {
    for (const chunk of this.chunks) if (chunk.stats !== undefined) this.decodeChunk(chunk)
  }

  private keyAt(slot: number): string {
    return (this.otherKeys.size === 0 ? undefined : this.otherKeys.get(slot)) ?? this.paths[slot]!
  }

  private drop(slot: number): void {
    this.live--
    this.bytes -= this.sizes[slot]!
    this.paths[slot] = undefined
    this.stats[slot] = undefined
    this.rare.delete(slot)
    this.otherKeys.delete(slot)
    this.holes++
  }

  private intern(values: PartitionValues): PartitionValues {
    // Walk a trie keyed by name, then value: no string is built per file (building and then
    // hashing an identity string was a measurable share of checkpoint replay). Maps of the
    // same entries in another order get another node, which is only a lost sharing.
    let node = this.interned
    for (const name in values) {
      const value = values[name] ?? null
      let byValue = node.next.get(name)
      if (byValue === undefined)
        node.next.set(name, (byValue = new Map<string | null, InternNode>()))
      let child = byValue.get(value)
      if (child === undefined) byValue.set(value, (child = new InternNode()))
      node = child
    }
    if (node === this.interned) return EMPTY_PARTITION
    return (node.values ??= Object.freeze({ ...values }))
  }

  private compact(): void {
    this.decodeAll()
    const fresh = new FlatFiles()
    this.compactInto(fresh)
    this.slots = fresh.slots
    this.live = fresh.live
    this.otherKeys = fresh.otherKeys
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
  private compactInto(target: FlatFiles): void {
    target.interned = this.interned
    const n = this.paths.length
    for (let slot = 0; slot < n; slot++) {
      if (this.paths[slot] === undefined) continue
      const key = this.keyAt(slot)
      const next = target.paths.length
      target.slots!.set(key, next)
      if (key !== this.paths[slot]) target.otherKeys.set(next, key)
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
    target.live = this.live
  }
}

function hasRare(add: Add): boolean {
  return (
    add.deletionVector !== undefined ||
    add.tags !== undefined ||
    add.baseRowId !== undefined ||
    add.defaultRowCommitVersion !== undefined ||
    add.clusteringProvider !== undefined
  )
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

/**
 * The live files of a snapshot. Incremental updates share the previous snapshot's files
 * instead of copying them: a set made by `clone()` is a thin overlay — its own adds, plus the
 * keys of the base it hides — over a frozen base, so advancing a snapshot of a million files
 * by one commit costs that commit, not the million. Overlays are flattened into one layer
 * when they grow large or deep.
 */
export class FileSet {
  private readonly own = new FlatFiles()
  /** Keys of the base that this layer removed or replaced. */
  private readonly hidden = new Set<string>()
  private hiddenBytes = 0
  private frozen = false

  private constructor(
    private readonly base: FileSet | undefined,
    private readonly depth: number,
    /** Keys known not to be live in `base`: looking them up there is skipped. */
    private readonly notInBase?: ReadonlySet<string>,
  ) {}

  static empty(): FileSet {
    return new FileSet(undefined, 0)
  }

  /**
   * An empty set to be filled by `append` with files of unique keys (a checkpoint's), whose
   * key index is built only when something first looks a key up.
   */
  static forUniqueKeys(): FileSet {
    const files = new FileSet(undefined, 0)
    files.own.deferIndex()
    return files
  }

  /** Number of live files. */
  get size(): number {
    return (this.base === undefined ? 0 : this.base.size - this.hidden.size) + this.own.size
  }

  /** Sum of the live files' sizes in bytes. */
  get totalBytes(): number {
    return (
      (this.base === undefined ? 0 : this.base.totalBytes - this.hiddenBytes) + this.own.totalBytes
    )
  }

  has(key: string): boolean {
    return this.own.has(key) || (this.mayBeInBase(key) && this.base!.has(key))
  }

  get(key: string): Add | undefined {
    const slot = this.own.slotOf(key)
    if (slot !== undefined) return this.own.at(slot)
    return this.mayBeInBase(key) ? this.base!.get(key) : undefined
  }

  /** Adds (or replaces) the file under `key`. */
  add(key: string, add: Add): void {
    this.checkWritable()
    this.hideInBase(key)
    this.own.add(key, add)
  }

  /** Adds a file whose key is not live in this set (see `forUniqueKeys`). */
  append(key: string, add: Add): void {
    this.checkWritable()
    if (this.base === undefined) this.own.append(key, add)
    else this.add(key, add)
  }

  /**
   * Appends checkpoint adds in their columns (`kept`: indexes into `columns`, under `keys`),
   * whose keys are not live in this set (see `forUniqueKeys`); their stats are decoded when
   * first read.
   */
  appendColumns(columns: AddColumns, kept: readonly number[], keys: readonly string[]): void {
    this.checkWritable()
    if (this.base === undefined) this.own.appendColumns(columns, kept, keys)
    else {
      const adds = columns.decode()
      kept.forEach((j, k) => this.add(keys[k]!, adds[j]!))
    }
  }

  /** Removes the file under `key`; returns whether it was live. */
  remove(key: string): boolean {
    this.checkWritable()
    const inOwn = this.own.remove(key)
    return this.hideInBase(key) || inOwn
  }

  /** Whether the bottom layer has built its key index (a load from a checkpoint must not). */
  get bottomIndexed(): boolean {
    return this.base === undefined ? this.own.indexed : this.base.bottomIndexed
  }

  /** Live files, oldest add first (a re-added file counts from its latest add). */
  *[Symbol.iterator](): IterableIterator<Add> {
    if (this.base !== undefined) {
      if (this.hidden.size === 0) yield* this.base
      else for (const [key, add] of this.base.entries()) if (!this.hidden.has(key)) yield add
    }
    yield* this.own
  }

  /** Live keys and files, in the same order. */
  *entries(): IterableIterator<[string, Add]> {
    if (this.base !== undefined) {
      for (const entry of this.base.entries()) if (!this.hidden.has(entry[0])) yield entry
    }
    yield* this.own.entries()
  }

  /**
   * A set that starts with these files and can be changed without touching this one. This
   * set becomes read-only: it is shared from now on.
   */
  clone(): FileSet {
    return this.cloneLacking(undefined)
  }

  /**
   * `clone()`, told that none of `keys` is live in this set, so that the clone's changes to
   * them never look this set up (and never build its key index).
   */
  cloneLacking(keys: ReadonlySet<string> | undefined): FileSet {
    this.frozen = true
    if (keys !== undefined && keys.size > 0) return new FileSet(this, this.depth + 1, keys)
    if (this.base === undefined || this.depth < 8) return new FileSet(this, this.depth + 1)
    // A deep chain: fold the overlays above the bottom layer into one, touching only the
    // files they changed — unless they changed so much that one flat layer is cheaper.
    let overlay = this.own.size + this.hidden.size
    let root: FileSet = this.base
    while (root.base !== undefined) {
      overlay += root.own.size + root.hidden.size
      root = root.base
    }
    if (overlay > Math.max(4096, root.size / 4)) return FileSet.flatten(this)
    const folded = new FileSet(root, 1)
    for (const [key, add] of this.overlayEntries()) {
      folded.hideInBase(key)
      if (add !== undefined) folded.own.add(key, add)
    }
    folded.frozen = true
    return new FileSet(folded, 2)
  }

  /** One flat layer holding the files of `files`. */
  private static flatten(files: FileSet): FileSet {
    const flat = FileSet.empty()
    for (const [key, add] of files.entries()) flat.own.add(key, add)
    flat.frozen = true
    return new FileSet(flat, 1)
  }

  /**
   * Every key the layers above the bottom one touched, with its file here (undefined when
   * it is gone), in the order of the latest add.
   */
  private overlayEntries(): Map<string, Add | undefined> {
    const layers: FileSet[] = []
    if (this.base !== undefined) layers.push(this)
    for (let layer = this.base; layer?.base !== undefined; layer = layer.base) layers.unshift(layer)
    const touched = new Map<string, Add | undefined>()
    for (const layer of layers) {
      for (const key of layer.hidden) touched.set(key, undefined)
      for (const [key] of layer.own.entries()) {
        touched.delete(key)
        touched.set(key, undefined)
      }
    }
    for (const key of touched.keys()) touched.set(key, this.get(key))
    return touched
  }

  /** Whether `key` may be live in the base (false when the base surely lacks it). */
  private mayBeInBase(key: string): boolean {
    return (
      this.base !== undefined &&
      !this.hidden.has(key) &&
      (this.notInBase === undefined || !this.notInBase.has(key))
    )
  }

  private hideInBase(key: string): boolean {
    if (!this.mayBeInBase(key) || !this.base!.has(key)) return false
    this.hidden.add(key)
    this.hiddenBytes += this.base!.sizeOf(key) ?? 0
    return true
  }

  /** Size of the live file under `key`, if any. */
  sizeOf(key: string): number | undefined {
    const own = this.own.sizeOf(key)
    if (own !== undefined) return own
    return this.mayBeInBase(key) ? this.base!.sizeOf(key) : undefined
  }

  private checkWritable(): void {
    if (this.frozen) throw new Error('internal error: a shared FileSet was modified')
  }
}
