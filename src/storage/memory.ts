import { AlreadyExistsError, NotFoundError, PreconditionFailedError } from '../errors.js'
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

interface Entry {
  readonly bytes: Uint8Array
  readonly lastModified: number
  readonly etag: string
}

/**
 * An in-process store over a Map, with the exact semantics of the contract. Used by unit
 * tests and the model checker, and by `memory://name` URLs (named stores are shared within
 * the process, so two handles on the same name see the same objects).
 */
export class MemoryStore implements ObjectStore {
  readonly kind = 'memory'
  readonly url: string
  readonly capabilities: StoreCapabilities = {
    putIfAbsent: true,
    conditionalUpdate: true,
    deleteBatchSize: 1000,
  }
  private readonly objects = new Map<string, Entry>()
  private sortedKeys: string[] | undefined
  private counter = 0
  private readonly now: () => number

  constructor(options: { name?: string; now?: () => number } = {}) {
    this.url = `memory://${options.name ?? ''}`
    this.now = options.now ?? Date.now
  }

  put(path: string, bytes: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    checkKey(path)
    checkAborted(options.signal)
    const mode = options.mode ?? 'overwrite'
    const existing = this.objects.get(path)
    if (mode === 'create' && existing !== undefined) {
      return Promise.reject(new AlreadyExistsError(path))
    }
    if (typeof mode === 'object') {
      if (existing === undefined) {
        return Promise.reject(new PreconditionFailedError(path, 'the object does not exist'))
      }
      if (existing.etag !== mode.update) {
        return Promise.reject(new PreconditionFailedError(path, 'the etag changed'))
      }
    }
    const etag = `m${++this.counter}`
    // Copy: the caller may reuse its buffer, and readers must never see a later mutation.
    if (existing === undefined) this.sortedKeys = undefined
    this.objects.set(path, { bytes: bytes.slice(), lastModified: this.now(), etag })
    return Promise.resolve({ etag })
  }

  get(path: string, options: GetOptions = {}): Promise<GetResult> {
    checkKey(path)
    checkAborted(options.signal)
    const entry = this.objects.get(path)
    if (entry === undefined) return Promise.reject(new NotFoundError(path))
    const { start, end } = clampRange(entry.bytes.byteLength, options.range)
    return Promise.resolve({ bytes: entry.bytes.slice(start, end), meta: this.meta(path, entry) })
  }

  head(path: string, options: Signalled = {}): Promise<ObjectMeta> {
    checkKey(path)
    checkAborted(options.signal)
    const entry = this.objects.get(path)
    if (entry === undefined) return Promise.reject(new NotFoundError(path))
    return Promise.resolve(this.meta(path, entry))
  }

  delete(path: string, options: Signalled = {}): Promise<void> {
    checkKey(path)
    checkAborted(options.signal)
    if (this.objects.delete(path)) this.sortedKeys = undefined
    return Promise.resolve()
  }

  deleteMany(paths: Iterable<string>, options: Signalled = {}): Promise<DeleteManyResult> {
    checkAborted(options.signal)
    let deleted = 0
    for (const path of paths) {
      checkKey(path)
      if (this.objects.delete(path)) this.sortedKeys = undefined
      deleted++
    }
    return Promise.resolve({ deleted })
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    checkPrefix(prefix)
    checkAborted(options.signal)
    const keys = (this.sortedKeys ??= [...this.objects.keys()].sort(compareUtf8))
    let i = lowerBound(keys, options.startAfter !== undefined && compareUtf8(options.startAfter, prefix) >= 0 ? options.startAfter : prefix)
    if (options.startAfter !== undefined && keys[i] === options.startAfter) i++
    for (; i < keys.length; i++) {
      const key = keys[i]!
      if (!key.startsWith(prefix)) break
      if (options.startAfter !== undefined && compareUtf8(key, options.startAfter) <= 0) continue
      const entry = this.objects.get(key)
      // Deleted while we iterate: skip it, as a real store's later page would.
      if (entry === undefined) continue
      checkAborted(options.signal)
      yield this.meta(key, entry)
    }
  }

  private meta(path: string, entry: Entry): ObjectMeta {
    return { path, size: entry.bytes.byteLength, lastModified: entry.lastModified, etag: entry.etag }
  }
}

/** Index of the first key >= target. */
function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareUtf8(keys[mid]!, target) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

const named = new Map<string, MemoryStore>()

/** The process-wide memory store of a `memory://name` URL. */
export function namedMemoryStore(name: string): MemoryStore {
  let store = named.get(name)
  if (store === undefined) {
    store = new MemoryStore({ name })
    named.set(name, store)
  }
  return store
}
