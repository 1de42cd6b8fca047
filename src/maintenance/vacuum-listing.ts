/**
 * Listing every file under a table root with bounded parallelism (full vacuum's first phase).
 *
 * On S3 one LIST request returns at most 1,000 keys and takes ~100 ms, so a flat listing of a
 * table with millions of files is hours of sequential round trips (delta-rs#4634: 5.5 M leaf
 * partitions, 19 minutes flat). delta-rs#4635 lists the top partition levels first and then
 * each prefix concurrently (10 at a time by default), about 8x faster. Same here:
 *
 * 1. *Discovery*: the first `depth` directory levels are enumerated by a skip-scan: list from a
 *    cursor, and on meeting a key inside a subdirectory `d/`, record `d/` and restart the listing
 *    just past everything under it. Files directly at the level stream through without restarts;
 *    each subdirectory costs one request. Hidden directories (`_delta_log/` above all) are jumped
 *    over without being listed at all.
 * 2. *Listing*: every discovered prefix at depth `depth` is listed recursively (flat), up to
 *    `concurrency` requests in flight in total, while discovery goes on.
 *
 * The store contract has no delimiter listing (S3 `Delimiter=/` returns up to 1,000
 * subdirectories per request), so discovery is one request per directory, one after another:
 * with a single partition level that chain is as long as a flat listing. The caller therefore
 * passes the keys it already knows of (`knownKeys`: the files the log references): their
 * directories are listed at once, in parallel, and discovery only probes the gaps between
 * them, each gap a task of its own (usually one request that meets the next known directory).
 * Directories holding only unreferenced files are found by those probes, so the listing stays
 * complete whatever the hint says.
 *
 * Keys whose path has a hidden component (`isProtectedKey`) are never yielded. Directories
 * are counted as Spark counts them for `numVacuumedDirectories`: every non-hidden directory
 * reached through non-hidden ones (even if all it holds is hidden), plus one for the root.
 */
import { throwIfAborted } from '../errors.js'
import type { ObjectMeta, ObjectStore, Signalled } from '../storage/object-store.js'
import { compareUtf8 } from '../util/utf8.js'
import { LOG_PREFIX, isHiddenName, type HiddenRule } from './vacuum-paths.js'

export interface ListingOptions extends Signalled {
  /** Requests in flight at once (discovery included). Default 10, as delta-rs. */
  readonly concurrency?: number
  /** Directory levels discovered before listing flat; 0 lists the whole root in one stream. */
  readonly depth?: number
  readonly hidden: HiddenRule
  /** Called after every 1,000 files and once at the end, with the number listed so far. */
  readonly onProgress?: (listed: number) => void
  /**
   * Keys of files believed to exist (vacuum: the referenced ones). Their directories down to
   * `depth` are listed without waiting for discovery to reach them; a hint only, the listing
   * is complete without it and never yields a key the store does not list.
   */
  readonly knownKeys?: Iterable<string>
}

export interface ListingResult {
  /** Non-hidden files yielded. */
  readonly files: number
  /** Non-hidden directories seen, plus one for the root (Spark's `dirCounts`). */
  readonly directories: number
  /** `list` calls made. */
  readonly requests: number
}

/** Highest character in the store's key order: `d/` + SENTINEL sorts after all keys under `d/`. */
function sentinel(store: ObjectStore): string {
  return store.capabilities.listOrder === 'utf16' ? '\uffff' : '\u{10ffff}'
}

/**
 * Lists the non-hidden files under the store root, calling `onFile` for each (in no particular
 * order across prefixes). Rejects on the first failed request; no further requests start.
 *
 * The listing asks for `lazyMetadata`: on local disk a file's `size` and `lastModified` cost a
 * stat when read, and reading them throws `NotFoundError` for a file deleted since it was
 * listed. `onFile` should read them only when it needs them.
 */
export async function listTableFiles(
  store: ObjectStore,
  options: ListingOptions,
  onFile: (meta: ObjectMeta) => void,
): Promise<ListingResult> {
  const concurrency = Math.max(1, options.concurrency ?? 10)
  const depth = Math.max(0, options.depth ?? 1)
  const { hidden, signal } = options
  const pool = new TaskPool(concurrency)
  const high = sentinel(store)
  const compare = store.capabilities.listOrder === 'utf16' ? compareUtf16 : compareUtf8
  const known = knownChildren(options.knownKeys ?? [], depth, hidden, compare)
  let files = 0
  let directories = 1
  let requests = 0

  const emit = (meta: ObjectMeta): void => {
    files++
    onFile(meta)
    if (files % 1000 === 0) options.onProgress?.(files)
  }

  /** One `list` request of `prefix` after `startAfter`: counted, and cut short once a task failed. */
  async function* listing(prefix: string, startAfter?: string): AsyncGenerator<ObjectMeta> {
    throwIfAborted(signal)
    requests++
    for await (const meta of store.list(prefix, { startAfter, signal, lazyMetadata: true })) {
      if (pool.failed) return
      yield meta
    }
  }

  /**
   * Lists `prefix` flat, yielding files whose components after `prefix` are all visible. A
   * known directory (`uncounted`) counts once its listing shows that it exists.
   */
  const listFlat = async (prefix: string, uncounted = false): Promise<void> => {
    const ancestors: string[] = []
    for await (const meta of listing(prefix)) {
      if (uncounted) {
        directories++
        uncounted = false
      }
      const key = meta.path
      if (key.endsWith('/')) continue // a directory marker object, not a file
      const visit = visitKey(ancestors, key, prefix.length, hidden)
      directories += visit.newDirectories
      if (visit.visible && !key.startsWith(LOG_PREFIX)) emit(meta)
    }
  }

  /** Goes into a child directory of a level with `levels` left. */
  const descend = (child: string, levels: number, uncounted: boolean): void => {
    pool.push(
      levels > 1 ? () => expand(child, levels - 1, uncounted) : () => listFlat(child, uncounted),
    )
  }

  /**
   * The children of `prefix`: known ones are gone into at once, and the gaps before, between
   * and after them are discovered in parallel.
   */
  const expand = async (prefix: string, levels: number, uncounted = false): Promise<void> => {
    if (uncounted) {
      // Known from the hint but not seen yet: it exists (and counts) if any key lies under it.
      let exists = false
      for await (const _ of listing(prefix)) {
        exists = true
        break
      }
      if (!exists) return
      directories++
    }
    const children = known.get(prefix) ?? []
    if (levels === 1 && children.length > 0) {
      // The last level: each known child's keys, and the gap before them, in one listing.
      for (let i = 0; i <= children.length; i++) {
        const after = children[i - 1]
        const until = children[i]
        pool.push(() => listRange(prefix, after, until))
      }
      return
    }
    for (const child of children) descend(child, levels, true)
    for (let i = 0; i <= children.length; i++) {
      const after = children[i - 1]
      const before = children[i]
      pool.push(() => discover(prefix, levels, after, before))
    }
  }

  /**
   * Lists `prefix` flat from the end of the known child `after`'s keys to the end of the known
   * child `until`'s keys (either may be absent): the gap between them, jumping over hidden
   * directories and listing any unknown ones as it goes, then `until` itself. Keys under one
   * directory are contiguous in key order, so the ranges of consecutive known children tile
   * the level, and a known directory costs one request instead of a listing plus a gap probe.
   */
  const listRange = async (
    prefix: string,
    after: string | undefined,
    until: string | undefined,
  ): Promise<void> => {
    let cursor = after === undefined ? undefined : after + high
    let jumped: string | undefined
    const ancestors: string[] = []
    restart: for (;;) {
      for await (const meta of listing(prefix, cursor)) {
        const key = meta.path
        // Keys of `after` beyond the sentinel are its own range's.
        if (after !== undefined && key.startsWith(after)) continue
        if (until !== undefined && !key.startsWith(until) && compare(key, until) > 0) return
        const slash = key.indexOf('/', prefix.length)
        if (slash >= 0 && isHiddenName(key.slice(prefix.length, slash), hidden)) {
          // Jump over a hidden directory, once: keys under it that sort above the sentinel
          // come after the jump, and are passed over one by one.
          const child = key.slice(0, slash + 1)
          if (child === jumped) continue
          jumped = child
          cursor = child + high
          continue restart
        }
        const visit = visitKey(ancestors, key, prefix.length, hidden)
        directories += visit.newDirectories
        if (key.endsWith('/')) continue // a directory marker object, not a file
        if (visit.visible && !key.startsWith(LOG_PREFIX)) emit(meta)
      }
      return
    }
  }

  /**
   * Enumerates the children of `prefix` after the known child `after` and before the known
   * child `before` (either may be absent); subdirectories go `levels - 1` deeper.
   */
  const discover = async (
    prefix: string,
    levels: number,
    after: string | undefined,
    before: string | undefined,
  ): Promise<void> => {
    let cursor = after === undefined ? undefined : after + high
    let lastChild = after
    restart: for (;;) {
      for await (const meta of listing(prefix, cursor)) {
        const key = meta.path
        // From the next known child on, the keys are its own task's.
        if (before !== undefined && compare(key, before) >= 0) return
        const slash = key.indexOf('/', prefix.length)
        if (slash < 0) {
          // A file at this level: it streams on, no restart needed. (A key equal to the prefix
          // is a directory marker object, not a file.)
          if (key.length > prefix.length && !isHiddenName(key.slice(prefix.length), hidden)) {
            emit(meta)
          }
          continue
        }
        const child = key.slice(0, slash + 1)
        // Only a key under the child we just jumped over can land here (the sentinel sorts
        // below some exotic keys); keep streaming past it.
        if (child === lastChild) continue
        lastChild = child
        if (!isHiddenName(child.slice(prefix.length, -1), hidden)) {
          directories++
          descend(child, levels, false)
        }
        cursor = child + high
        continue restart
      }
      return
    }
  }

  pool.push(depth === 0 ? () => listFlat('') : () => expand('', depth))
  await pool.done()
  options.onProgress?.(files)
  return { files, directories, requests }
}

/**
 * The known directories of each level down to `depth`, as sorted child lists keyed by their
 * parent ('' for the root). Hidden directories are left out: nothing under them is listed.
 */
function knownChildren(
  keys: Iterable<string>,
  depth: number,
  hidden: HiddenRule,
  compare: (a: string, b: string) => number,
): Map<string, string[]> {
  const dirs = new Set<string>()
  let last = ''
  for (const key of keys) {
    // Files of one directory usually come together: no slicing for those.
    if (last !== '' && key.startsWith(last) && key.indexOf('/', last.length) < 0) continue
    let end = -1
    for (let level = 0; level < depth; level++) {
      const slash = key.indexOf('/', end + 1)
      if (slash < 0) break
      end = slash
    }
    if (end < 0) continue
    last = key.slice(0, end + 1)
    dirs.add(last)
  }
  const children = new Map<string, Set<string>>()
  for (const dir of dirs) {
    let start = 0
    for (;;) {
      const slash = dir.indexOf('/', start)
      if (slash < 0 || isHiddenName(dir.slice(start, slash), hidden)) break
      const parent = dir.slice(0, start)
      let set = children.get(parent)
      if (set === undefined) children.set(parent, (set = new Set()))
      set.add(dir.slice(0, slash + 1))
      start = slash + 1
    }
  }
  const sorted = new Map<string, string[]>()
  for (const [parent, set] of children) sorted.set(parent, [...set].sort(compare))
  return sorted
}

function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Walks the components of `key` after `from`: counts the directories not on the ancestor stack
 * (updating it) up to the first hidden one, and says whether the key is visible. Keys arrive
 * sorted, so all keys under a directory are contiguous and each directory is counted once; a
 * visible directory counts even when everything in it is hidden, as in Spark's listing.
 */
function visitKey(
  ancestors: string[],
  key: string,
  from: number,
  rule: HiddenRule,
): { newDirectories: number; visible: boolean } {
  let level = 0
  let start = from
  let newDirectories = 0
  for (;;) {
    const slash = key.indexOf('/', start)
    if (slash < 0) return { newDirectories, visible: !isHiddenName(key.slice(start), rule) }
    if (isHiddenName(key.slice(start, slash), rule)) return { newDirectories, visible: false }
    const dir = key.slice(from, slash)
    if (ancestors[level] !== dir) {
      ancestors.length = level
      ancestors.push(dir)
      newDirectories++
    }
    level++
    start = slash + 1
  }
}

/**
 * Runs async tasks with at most `limit` at once; tasks may push more. `done()` settles when all
 * have finished, or rejects with the first failure (queued tasks are then dropped).
 */
class TaskPool {
  private readonly queue: (() => Promise<void>)[] = []
  private head = 0
  private active = 0
  private error: { readonly value: unknown } | undefined
  private settle: { resolve: () => void; reject: (e: unknown) => void } | undefined

  constructor(private readonly limit: number) {}

  get failed(): boolean {
    return this.error !== undefined
  }

  push(task: () => Promise<void>): void {
    this.queue.push(task)
    this.pump()
  }

  done(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject }
      this.finishIfIdle()
    })
  }

  private pump(): void {
    while (this.error === undefined && this.active < this.limit && this.head < this.queue.length) {
      const task = this.queue[this.head]!
      this.queue[this.head++] = noop // release the closure
      this.active++
      task().then(
        () => {
          this.active--
          this.pump()
          this.finishIfIdle()
        },
        (error: unknown) => {
          this.active--
          this.error ??= { value: error }
          this.finishIfIdle()
        },
      )
    }
  }

  private finishIfIdle(): void {
    if (this.settle === undefined || this.active > 0) return
    if (this.error !== undefined) this.settle.reject(this.error.value)
    else if (this.head >= this.queue.length) this.settle.resolve()
  }
}

const noop = (): Promise<void> => Promise.resolve()
