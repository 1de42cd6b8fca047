// Object-store wrappers the benchmarks need around a fixture (they implement the library's
// ObjectStore contract, so the code under test cannot tell them from a backend):
// - CappedStore hides log files after a version (a table "as of" an older head);
// - HiddenStore hides keys (e.g. the .crc files, to measure the fallback);
// - PagedLatencyStore simulates an object store's listing: a delay per page of 1,000 keys;
// - OverlayStore reads through to a fixture and keeps every write in memory (so a benchmark
//   that writes never changes the fixture).
import { AlreadyExistsError, NotFoundError, PreconditionFailedError } from '../dist/errors.js'
import { MemoryStore } from '../dist/storage/memory.js'

class Wrapper {
  constructor(inner) {
    this.inner = inner
    this.kind = inner.kind
    this.url = inner.url
    this.capabilities = inner.capabilities
  }

  put(path, bytes, options) {
    return this.inner.put(path, bytes, options)
  }

  get(path, options) {
    return this.inner.get(path, options)
  }

  head(path, options) {
    return this.inner.head(path, options)
  }

  delete(path, options) {
    return this.inner.delete(path, options)
  }

  deleteMany(paths, options) {
    return this.inner.deleteMany(paths, options)
  }

  list(prefix, options) {
    return this.inner.list(prefix, options)
  }
}

const LOG_VERSION = /^_delta_log\/(\d{20})\./

/** Hides every log file of a version above `cap` (settable), as if not written yet. */
export class CappedStore extends Wrapper {
  constructor(inner, cap) {
    super(inner)
    this.cap = cap
  }

  hidden(path) {
    const match = LOG_VERSION.exec(path)
    return match !== null && Number(match[1]) > this.cap
  }

  get(path, options) {
    if (this.hidden(path)) return Promise.reject(new NotFoundError(path))
    return this.inner.get(path, options)
  }

  async *list(prefix, options) {
    for await (const meta of this.inner.list(prefix, options)) {
      if (!this.hidden(meta.path)) yield meta
    }
  }
}

/** Hides the keys `pattern` matches from listings and reads. */
export class HiddenStore extends Wrapper {
  constructor(inner, pattern) {
    super(inner)
    this.pattern = pattern
  }

  get(path, options) {
    if (this.pattern.test(path)) return Promise.reject(new NotFoundError(path))
    return this.inner.get(path, options)
  }

  async *list(prefix, options) {
    for await (const meta of this.inner.list(prefix, options)) {
      if (!this.pattern.test(meta.path)) yield meta
    }
  }
}

/**
 * Listing as an object store pays for it: `pageDelayMs` before the first page and before each
 * following page of `pageSize` keys (S3 ListObjectsV2 returns at most 1,000 keys a request).
 * Counts the pages requested.
 */
export class PagedLatencyStore extends Wrapper {
  constructor(inner, { pageDelayMs, pageSize = 1000 }) {
    super(inner)
    // Every page is a simulated round trip: the store is remote, whatever it wraps.
    this.capabilities = { ...inner.capabilities, listCost: 'round-trip' }
    this.pageDelayMs = pageDelayMs
    this.pageSize = pageSize
    this.pages = 0
    this.requests = 0
  }

  async *list(prefix, options) {
    this.requests++
    let inPage = this.pageSize
    let listed = 0
    for await (const meta of this.inner.list(prefix, options)) {
      if (inPage === this.pageSize) {
        this.pages++
        await sleep(this.pageDelayMs)
        inPage = 0
      }
      inPage++
      listed++
      yield meta
    }
    // An empty listing is still one request.
    if (listed === 0) {
      this.pages++
      await sleep(this.pageDelayMs)
    }
  }
}

/** Reads fall through to `base` unless written here; writes and deletes stay in memory. */
export class OverlayStore extends Wrapper {
  constructor(base) {
    super(base)
    this.overlay = new MemoryStore({ name: `overlay-${Math.random()}` })
    this.deleted = new Set()
  }

  async put(path, bytes, options = {}) {
    const mode = options.mode ?? 'overwrite'
    const inBase = !this.deleted.has(path) && (await this.inBase(path))
    if (mode === 'create' && inBase) throw new AlreadyExistsError(path)
    if (typeof mode === 'object' && inBase) {
      // A compare-and-swap of a base object: check its etag, then shadow it.
      try {
        await this.overlay.head(path)
      } catch {
        const current = await this.inner.head(path)
        if (current.etag !== mode.update)
          throw new PreconditionFailedError(path, 'the etag changed')
        this.deleted.delete(path)
        return this.overlay.put(path, bytes, { signal: options.signal })
      }
    }
    this.deleted.delete(path)
    return this.overlay.put(path, bytes, options)
  }

  async inBase(path) {
    try {
      await this.inner.head(path)
      return true
    } catch (error) {
      if (error instanceof NotFoundError) return false
      throw error
    }
  }

  async get(path, options) {
    try {
      return await this.overlay.get(path, options)
    } catch (error) {
      if (!(error instanceof NotFoundError) || this.deleted.has(path)) throw error
      return this.inner.get(path, options)
    }
  }

  async head(path, options) {
    try {
      return await this.overlay.head(path, options)
    } catch (error) {
      if (!(error instanceof NotFoundError) || this.deleted.has(path)) throw error
      return this.inner.head(path, options)
    }
  }

  async delete(path) {
    this.deleted.add(path)
    await this.overlay.delete(path)
  }

  async deleteMany(paths) {
    let deleted = 0
    for (const path of paths) {
      await this.delete(path)
      deleted++
    }
    return { deleted }
  }

  async *list(prefix, options) {
    // Merge the two sorted listings.
    const a = this.inner.list(prefix, options)[Symbol.asyncIterator]()
    const b = this.overlay.list(prefix, options)[Symbol.asyncIterator]()
    let x = await a.next()
    let y = await b.next()
    while (!x.done || !y.done) {
      if (y.done || (!x.done && x.value.path < y.value.path)) {
        if (!this.deleted.has(x.value.path)) yield x.value
        x = await a.next()
      } else {
        if (!x.done && x.value.path === y.value.path) x = await a.next()
        yield y.value
        y = await b.next()
      }
    }
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
