import { randomUUID } from 'node:crypto'
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  statSync,
  type Dirent,
  type Stats,
} from 'node:fs'
import * as fs from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import * as nodePath from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  AbortedError,
  AlreadyExistsError,
  DeltaError,
  InvalidArgumentError,
  NotFoundError,
  PreconditionFailedError,
  StorageError,
} from '../errors.js'
import { asUint8Array } from '../util/bytes.js'
import { compareUtf8 } from '../util/utf8.js'
import { checkAborted, checkKey, checkPrefix, clampRange } from './keys.js'
import type {
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListOptions,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  Signalled,
  StoreCapabilities,
} from './object-store.js'

/** Names of our own in-flight files. Listing hides them; vacuum may remove stale ones. */
const TEMP_MARK = '.deltalake-tmp-'
const LOCK_SUFFIX = '.deltalake-lock'
/** Characters beyond U+FFFF, where UTF-16 and UTF-8 order part ways. */
const SURROGATE = /[\uD800-\uDFFF]/
/** A compare-and-swap lock older than this is presumed left by a crashed process. */
const STALE_LOCK_MS = 30_000

export interface LocalStoreOptions {
  /**
   * Reads of at most this many bytes use synchronous file calls (much faster for the many
   * small files of a Delta log). Default 1 MiB; 0 makes every read asynchronous.
   */
  readonly syncReadLimit?: number
  /**
   * fsync each file before it becomes visible, so an acknowledged write survives a power
   * loss. Default true; tests that write thousands of files may turn it off.
   */
  readonly fsync?: boolean
}

/**
 * A directory on the local file system as an object store.
 *
 * Put-if-absent writes the bytes to a temporary file beside the target, then `link()`s it
 * to the final name: `link` fails with EEXIST when the name is taken, atomically, and the
 * target appears complete or not at all. `rename` would silently overwrite, and
 * `open(O_EXCL)` would show readers an empty file before the data lands; both are avoided.
 * Overwrite is temp file + `rename` (atomic replace). Compare-and-swap takes a lock file
 * (created with the same link trick), checks the etag, renames, and drops the lock.
 */
export class LocalStore implements ObjectStore {
  readonly kind = 'local'
  readonly url: string
  readonly root: string
  readonly capabilities: StoreCapabilities = {
    putIfAbsent: true,
    conditionalUpdate: true,
    deleteBatchSize: 1000,
    listOrder: 'utf8',
    listCost: 'local',
  }
  private readonly fsync: boolean
  private readonly syncReadLimit: number

  constructor(rootDirectory: string, options: LocalStoreOptions = {}) {
    this.root = nodePath.resolve(rootDirectory)
    this.url = pathToFileURL(this.root).href
    this.fsync = options.fsync ?? true
    this.syncReadLimit = options.syncReadLimit ?? 1024 * 1024
  }

  async put(path: string, bytes: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    const target = this.resolve(path)
    checkAborted(options.signal)
    const mode = options.mode ?? 'overwrite'
    const { temp, stats } = await this.writeTemp(target, bytes)
    try {
      checkAborted(options.signal)
      if (mode === 'create') {
        try {
          await fs.link(temp, target)
        } catch (error) {
          if (errnoCode(error) === 'EEXIST') throw new AlreadyExistsError(path, { cause: error })
          throw error
        }
      } else if (mode === 'overwrite') {
        await fs.rename(temp, target)
      } else {
        await this.withLock(target, path, async () => {
          const current = await statOrUndefined(target)
          if (current === undefined) {
            throw new PreconditionFailedError(path, 'the object does not exist')
          }
          if (etagOf(current) !== mode.update) {
            throw new PreconditionFailedError(path, 'the etag changed')
          }
          await fs.rename(temp, target)
        })
      }
      // link and rename keep the inode, size and mtime the temp file had.
      return { etag: etagOf(stats) }
    } catch (error) {
      throw mapError(error, path)
    } finally {
      // After a link the temp name is a second link to the same inode; after a rename it is
      // gone. Either way it must not stay behind.
      await fs.rm(temp, { force: true })
    }
  }

  async get(path: string, options: GetOptions = {}): Promise<GetResult> {
    const file = this.resolve(path)
    checkAborted(options.signal)
    const small = this.readSmallSync(file, path, options)
    if (small !== undefined) return small
    let handle: FileHandle | undefined
    try {
      handle = await fs.open(file, 'r')
      const stats = await handle.stat()
      if (!stats.isFile()) throw new NotFoundError(path)
      const { start, end } = clampRange(stats.size, options.range)
      const buffer = Buffer.allocUnsafe(end - start)
      let read = 0
      while (read < buffer.byteLength) {
        const { bytesRead } = await handle.read(
          buffer,
          read,
          buffer.byteLength - read,
          start + read,
        )
        if (bytesRead === 0) break
        read += bytesRead
      }
      return {
        bytes: asUint8Array(buffer.subarray(0, read)),
        meta: metaOf(path, stats),
      }
    } catch (error) {
      throw mapError(error, path)
    } finally {
      await handle?.close()
    }
  }

  /**
   * Small reads (commit files, most checkpoints parts' footers) go through synchronous
   * calls: for files of a few KB, the four thread-pool round trips of an async read cost
   * 5-10x the read itself, and replaying 10k commits is dominated by them. Larger reads
   * (over `syncReadLimit`) return undefined and take the async path.
   */
  private readSmallSync(file: string, path: string, options: GetOptions): GetResult | undefined {
    if (this.syncReadLimit <= 0) return undefined
    let fd: number | undefined
    try {
      fd = openSync(file, 'r')
      const stats = fstatSync(fd)
      if (!stats.isFile()) throw new NotFoundError(path)
      const { start, end } = clampRange(stats.size, options.range)
      if (end - start > this.syncReadLimit) return undefined
      const buffer = Buffer.allocUnsafe(end - start)
      let read = 0
      while (read < buffer.byteLength) {
        const bytesRead = readSync(fd, buffer, read, buffer.byteLength - read, start + read)
        if (bytesRead === 0) break
        read += bytesRead
      }
      return { bytes: asUint8Array(buffer.subarray(0, read)), meta: metaOf(path, stats) }
    } catch (error) {
      throw mapError(error, path)
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
  }

  async head(path: string, options: Signalled = {}): Promise<ObjectMeta> {
    const file = this.resolve(path)
    checkAborted(options.signal)
    try {
      const stats = await fs.stat(file)
      if (!stats.isFile()) throw new NotFoundError(path)
      return metaOf(path, stats)
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async delete(path: string, options: Signalled = {}): Promise<void> {
    const file = this.resolve(path)
    checkAborted(options.signal)
    try {
      await fs.unlink(file)
    } catch (error) {
      const code = errnoCode(error)
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw mapError(error, path)
    }
  }

  async deleteMany(paths: Iterable<string>, options: Signalled = {}): Promise<DeleteManyResult> {
    // Unlinks are cheap syscalls; a small pool keeps the libuv threads busy without
    // flooding them.
    const all = [...paths]
    for (const path of all) checkKey(path)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < all.length) {
        checkAborted(options.signal)
        await this.delete(all[next++]!)
      }
    }
    await Promise.all(Array.from({ length: Math.min(16, all.length) }, worker))
    return { deleted: all.length }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    checkPrefix(prefix)
    checkAborted(options.signal)
    const slash = prefix.lastIndexOf('/')
    const baseKey = slash < 0 ? '' : prefix.slice(0, slash + 1)
    const namePrefix = prefix.slice(slash + 1)
    yield* this.walk(baseKey, namePrefix, options)
  }

  /**
   * Depth-first walk in key order: inside a directory, a subdirectory `d` sorts as `d/`, so
   * `a-b` (0x2d) comes before everything under `a/` (0x2f), exactly as flat keys would.
   */
  private async *walk(
    dirKey: string,
    namePrefix: string,
    options: ListOptions,
  ): AsyncGenerator<ObjectMeta> {
    const { startAfter, signal } = options
    let entries: Dirent[]
    try {
      entries = await fs.readdir(nodePath.join(this.root, dirKey), { withFileTypes: true })
    } catch (error) {
      const code = errnoCode(error)
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw mapError(error, dirKey)
    }
    const items: { key: string; sortKey: string; dir: boolean }[] = []
    let surrogates = SURROGATE.test(dirKey)
    for (const entry of entries) {
      const name = entry.name
      if (!name.startsWith(namePrefix)) continue
      if (name.startsWith(TEMP_MARK) || name.endsWith(LOCK_SUFFIX)) continue
      let dir = entry.isDirectory()
      if (entry.isSymbolicLink()) {
        const stats = await statOrUndefined(nodePath.join(this.root, dirKey, name))
        if (stats === undefined) continue
        dir = stats.isDirectory()
      } else if (!dir && !entry.isFile()) {
        continue
      }
      const key = dirKey + name
      const sortKey = dir ? `${key}/` : key
      if (startAfter !== undefined && compareUtf8(sortKey, startAfter) <= 0) {
        // A directory sorting before startAfter can still hold later keys only when
        // startAfter lies inside it. (Filtered before sorting: a listing that resumes far
        // into a large directory sorts only what is left.)
        if (!(dir && startAfter.startsWith(sortKey))) continue
      }
      items.push({ key, sortKey, dir })
      surrogates ||= SURROGATE.test(name)
    }
    // Without surrogates, UTF-16 code-unit order is UTF-8 byte order, and the engine's own
    // string comparison is several times faster than comparing code unit by code unit.
    items.sort(
      surrogates
        ? (a, b) => compareUtf8(a.sortKey, b.sortKey)
        : (a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0),
    )
    for (const item of items) {
      if (signal?.aborted) throw new AbortedError(signal.reason)
      if (item.dir) {
        yield* this.walk(`${item.key}/`, '', options)
        continue
      }
      if (options.lazyMetadata === true) {
        // readdir already told a file from a directory; the stat waits until it is needed.
        yield new LazyLocalMeta(item.key, this.root)
        continue
      }
      // Synchronous stat: one cheap syscall per file, instead of a thread-pool round trip.
      const stats = statSyncOrUndefined(nodePath.join(this.root, item.key))
      // Deleted since readdir: skip, as a later listing page would.
      if (stats === undefined || !stats.isFile()) continue
      yield metaOf(item.key, stats)
    }
  }

  private resolve(path: string): string {
    checkKey(path)
    if (path.includes('\\')) {
      // Would be a separator on Windows; refuse rather than behave differently per OS.
      throw new InvalidArgumentError(`Object key contains a backslash: "${path}"`)
    }
    return nodePath.join(this.root, path)
  }

  /** Writes `bytes` to a fresh temporary file in the target's directory. */
  private async writeTemp(
    target: string,
    bytes: Uint8Array,
  ): Promise<{ temp: string; stats: Stats }> {
    const dir = nodePath.dirname(target)
    const temp = nodePath.join(dir, `${TEMP_MARK}${randomUUID()}`)
    let handle: FileHandle
    try {
      handle = await fs.open(temp, 'wx')
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw mapError(error, target)
      // First write into this directory: create it (and its parents) once, then retry.
      await fs.mkdir(dir, { recursive: true })
      handle = await fs.open(temp, 'wx')
    }
    try {
      await handle.writeFile(bytes)
      if (this.fsync) await handle.sync()
      return { temp, stats: await handle.stat() }
    } catch (error) {
      await fs.rm(temp, { force: true })
      throw mapError(error, target)
    } finally {
      await handle.close()
    }
  }

  private async withLock<T>(target: string, path: string, body: () => Promise<T>): Promise<T> {
    const lock = target + LOCK_SUFFIX
    const { temp: token } = await this.writeTemp(target, new Uint8Array(0))
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await fs.link(token, lock)
          break
        } catch (error) {
          if (errnoCode(error) !== 'EEXIST') throw error
          const held = await statOrUndefined(lock)
          if (held !== undefined && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
            await fs.rm(lock, { force: true })
            continue
          }
          if (attempt > 200) {
            throw new StorageError(`Timed out waiting for the update lock of ${path}`, {
              path,
              retryable: true,
            })
          }
          await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20))
        }
      }
      try {
        return await body()
      } finally {
        await fs.rm(lock, { force: true })
      }
    } finally {
      await fs.rm(token, { force: true })
    }
  }
}

/**
 * A listed file whose stat is made when its metadata is first read (`lazyMetadata`), so that a
 * caller that needs the age of a tenth of a million files makes a tenth of the stats.
 */
class LazyLocalMeta implements ObjectMeta {
  private stats: Stats | undefined
  constructor(
    readonly path: string,
    private readonly root: string,
  ) {}
  get size(): number {
    return this.stat().size
  }
  get lastModified(): number {
    return Math.floor(this.stat().mtimeMs)
  }
  get etag(): string {
    return etagOf(this.stat())
  }
  private stat(): Stats {
    if (this.stats !== undefined) return this.stats
    // The file name is joined here, not at listing time: most listed files are never stat'ed.
    const stats = statSyncOrUndefined(nodePath.join(this.root, this.path))
    // Gone (or replaced by a directory) since the listing: as `head` would say.
    if (stats === undefined || !stats.isFile()) throw new NotFoundError(this.path)
    return (this.stats = stats)
  }
  toJSON(): ObjectMeta {
    return { path: this.path, size: this.size, lastModified: this.lastModified, etag: this.etag }
  }
}

function metaOf(path: string, stats: Stats): ObjectMeta {
  return { path, size: stats.size, lastModified: Math.floor(stats.mtimeMs), etag: etagOf(stats) }
}

/** Inode, size and nanosecond mtime: changes on every replace (rename gives a new inode). */
function etagOf(stats: Stats): string {
  return `${stats.ino.toString(16)}-${stats.size.toString(16)}-${Math.round(stats.mtimeMs * 1e6).toString(16)}`
}

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(file)
  } catch (error) {
    const code = errnoCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}

function statSyncOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file)
  } catch (error) {
    const code = errnoCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : undefined
}

/** Maps a Node fs error onto the public errors; our own errors pass through. */
function mapError(error: unknown, path: string): DeltaError {
  if (error instanceof DeltaError) return error
  const code = errnoCode(error)
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EISDIR':
      return new NotFoundError(path, { cause: error })
    case 'EEXIST':
      return new AlreadyExistsError(path, { cause: error })
    case 'EMFILE':
    case 'ENFILE':
    case 'EAGAIN':
    case 'EBUSY':
    case 'EINTR':
      return new StorageError(
        `Local file system busy (${code}) at ${path}`,
        { path, retryable: true },
        { cause: error },
      )
    default:
      return new StorageError(
        `Local file system error${code === undefined ? '' : ` (${code})`} at ${path}: ${error instanceof Error ? error.message : String(error)}`,
        { path },
        { cause: error },
      )
  }
}
