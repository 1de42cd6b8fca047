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
} from './object-store.js'

/** Request and byte counts by operation (`list` counts calls, `listed` the objects they yielded). */
export interface StoreCounts {
  put: number
  get: number
  head: number
  delete: number
  deleteMany: number
  list: number
  listed: number
  bytesRead: number
  bytesWritten: number
  /** Keys read with `get`, in call order, for tests that assert which objects were touched. */
  readonly gets: string[]
}

function emptyCounts(): StoreCounts {
  return {
    put: 0,
    get: 0,
    head: 0,
    delete: 0,
    deleteMany: 0,
    list: 0,
    listed: 0,
    bytesRead: 0,
    bytesWritten: 0,
    gets: [],
  }
}

/**
 * Counts the requests and bytes that pass through, so tests can assert I/O ("update reads
 * only the new commits") instead of guessing from timings.
 */
export class CountingStore implements ObjectStore {
  readonly kind: string
  readonly url: string
  readonly capabilities
  counts: StoreCounts = emptyCounts()

  constructor(readonly inner: ObjectStore) {
    this.kind = inner.kind
    this.url = inner.url
    this.capabilities = inner.capabilities
  }

  /** Returns the counts so far and starts again from zero. */
  reset(): StoreCounts {
    const counts = this.counts
    this.counts = emptyCounts()
    return counts
  }

  async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    this.counts.put++
    this.counts.bytesWritten += bytes.byteLength
    return this.inner.put(path, bytes, options)
  }

  async get(path: string, options?: GetOptions): Promise<GetResult> {
    this.counts.get++
    this.counts.gets.push(path)
    const result = await this.inner.get(path, options)
    this.counts.bytesRead += result.bytes.byteLength
    return result
  }

  head(path: string, options?: Signalled): Promise<ObjectMeta> {
    this.counts.head++
    return this.inner.head(path, options)
  }

  delete(path: string, options?: Signalled): Promise<void> {
    this.counts.delete++
    return this.inner.delete(path, options)
  }

  deleteMany(paths: Iterable<string>, options?: Signalled): Promise<DeleteManyResult> {
    this.counts.deleteMany++
    return this.inner.deleteMany(paths, options)
  }

  async *list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    this.counts.list++
    for await (const meta of this.inner.list(prefix, options)) {
      this.counts.listed++
      yield meta
    }
  }
}
