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
    listOrder: 'utf8',
    listCost: 'local',
  }
  private readonly objects = new Map<string, Entry>()
  private sortedKeys: string[] | undefined
  private counter = 0
  private readonly now: () => number

  constructor(options: { name?: string; now?: () => number } = {}) {
    this.url = `memory://${options.name ?? 'anonymous'}/`
    this.now = options.now ?? Date.now
  }

  async put(path: string, bytes: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    checkKey(path)
    checkAborted(options.signal)
    const mode = options.mode ?? 'overwrite'
    const existing = this.objects.get(path)
    if (mode === 'create' && existing !== undefined) {
      throw new AlreadyExistsError(path)
    }
    if (typeof mode === 'object') {
      if (existing === undefined) {
        throw new PreconditionFailedError(path, 'the object does not exist')
      }
      if (existing.etag !== mode.update) {
        throw new PreconditionFailedError(path, 'the etag changed')
      }
    }
    const etag = `m${++this.counter}`
    // Copy: the caller may reuse its buffer, and readers must never see a later mutation.
    if (existing === undefined) this.sortedKeys = undefined
    this.objects.set(path, { bytes: bytes.slice(), lastModified: this.now(), etag })
    return { etag }
  }

  async get(path: string, options: GetOptions = {}): Promise<GetResult> {
    checkKey(path)
    checkAborted(options.signal)
    const entry = this.objects.get(path)
    if (entry === undefined) throw new NotFoundError(path)
    const { start, end } = clampRange(entry.bytes.byteLength, options.range)
    return { bytes: entry.bytes.slice(start, end), meta: this.meta(path, entry) }
  }

  async head(path: string, options: Signalled = {}): Promise<ObjectMeta> {
    checkKey(path)
    checkAborted(options.signal)
    const entry = this.objects.get(path)
    if (entry === undefined) throw new NotFoundError(path)
    return this.meta(path, entry)
  }

  async delete(path: string, options: Signalled = {}): Promise<void> {
    checkKey(path)
    checkAborted(options.signal)
    if (this.objects.delete(path)) this.sortedKeys = undefined
  }

  async deleteMany(paths: Iterable<string>, options: Signalled = {}): Promise<DeleteManyResult> {
    checkAborted(options.signal)
    let deleted = 0
    for (const path of paths) {
      checkKey(path)
      if (this.objects.delete(path)) this.sortedKeys = undefined
      deleted++
    }
    return { deleted }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    checkPrefix(prefix)
    checkAborted(options.signal)
    const keys = (this.sortedKeys ??= [...this.objects.keys()].sort(compareUtf8))
    const startAfter = options.startAfter
    const from =
      startAfter !== undefined && compareUtf8(startAfter, prefix) > 0 ? startAfter : prefix
    for (let i = lowerBound(keys, from); i < keys.length; i++) {
      const key = keys[i]!
      if (!key.startsWith(prefix)) break
      if (startAfter !== undefined && compareUtf8(key, startAfter) <= 0) continue
      const entry = this.objects.get(key)
      // Deleted while we iterate: skip it, as a real store's later page would.
      if (entry === undefined) continue
      checkAborted(options.signal)
      yield this.meta(key, entry)
    }
  }

  private meta(path: string, entry: Entry): ObjectMeta {
    return {
      path,
      size: entry.bytes.byteLength,
      lastModified: entry.lastModified,
      etag: entry.etag,
    }
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
