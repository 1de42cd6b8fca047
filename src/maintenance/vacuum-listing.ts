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
 * subdirectories per request), so discovery is one request per directory; with one, it would be
 * one per thousand.
 *
 * Keys whose path has a hidden component (`isProtectedKey`) are never yielded. Directories
 * are counted as Spark counts them for `numVacuumedDirectories`: every non-hidden directory
 * reached through non-hidden ones (even if all it holds is hidden), plus one for the root.
 */
import { throwIfAborted } from '../errors.js'
import type { ObjectMeta, ObjectStore, Signalled } from '../storage/object-store.js'
import { LOG_PREFIX, isHiddenName, type HiddenRule } from './vacuum-paths.js'

export interface ListingOptions extends Signalled {
  /** Requests in flight at once (discovery included). Default 10, as delta-rs. */
  readonly concurrency?: number
  /** Directory levels discovered before listing flat; 0 lists the whole root in one stream. */
  readonly depth?: number
  readonly hidden: HiddenRule
  /** Called after every 1,000 files and once at the end, with the number listed so far. */
  readonly onProgress?: (listed: number) => void
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
  let files = 0
  let directories = 1
  let requests = 0

  const emit = (meta: ObjectMeta): void => {
    files++
    onFile(meta)
    if (files % 1000 === 0) options.onProgress?.(files)
  }

  /** Lists `prefix` flat, yielding files whose components after `prefix` are all visible. */
  const listFlat = async (prefix: string): Promise<void> => {
    requests++
    const ancestors: string[] = []
    for await (const meta of store.list(prefix, { signal })) {
      if (pool.failed) return
      const key = meta.path
      if (key.endsWith('/')) continue // a directory marker object, not a file
      const visit = visitKey(ancestors, key, prefix.length, hidden)
      directories += visit.newDirectories
      if (visit.visible && !key.startsWith(LOG_PREFIX)) emit(meta)
    }
  }

  /** Enumerates the children of `prefix`; subdirectories go `levels - 1` deeper. */
  const discover = async (prefix: string, levels: number): Promise<void> => {
    let cursor: string | undefined
    let lastChild: string | undefined
    restart: for (;;) {
      throwIfAborted(signal)
      requests++
      for await (const meta of store.list(prefix, { startAfter: cursor, signal })) {
        if (pool.failed) return
        const key = meta.path
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
          pool.push(levels > 1 ? () => discover(child, levels - 1) : () => listFlat(child))
        }
        cursor = child + high
        continue restart
      }
      return
    }
  }

  pool.push(depth === 0 ? () => listFlat('') : () => discover('', depth))
  await pool.done()
  options.onProgress?.(files)
  return { files, directories, requests }
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
