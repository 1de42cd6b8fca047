/**
 * A store wrapper that hands every call to a fast-check scheduler before it reaches the store,
 * so the scheduler decides in which order concurrent writers' requests are issued. On the
 * memory store each call then completes before the next is released, which makes every
 * interleaving deterministic and replayable from the seed; on real servers the order of issue
 * is controlled and the servers' own timing adds to it.
 */
import type fc from 'fast-check'
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
} from '../../../src/storage/object-store.js'

export class ScheduledStore implements ObjectStore {
  readonly kind: string
  readonly url: string
  readonly capabilities

  constructor(
    readonly inner: ObjectStore,
    private readonly scheduler: fc.Scheduler,
    /** Names the writer in the scheduler's report of a failing interleaving. */
    private readonly label: string,
  ) {
    this.kind = inner.kind
    this.url = inner.url
    this.capabilities = inner.capabilities
  }

  private gate(op: string, path: string): Promise<void> {
    return this.scheduler.schedule(Promise.resolve(), `${this.label} ${op} ${path}`)
  }

  async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    await this.gate('put', path)
    return this.inner.put(path, bytes, options)
  }

  async get(path: string, options?: GetOptions): Promise<GetResult> {
    await this.gate('get', path)
    return this.inner.get(path, options)
  }

  async head(path: string, options?: Signalled): Promise<ObjectMeta> {
    await this.gate('head', path)
    return this.inner.head(path, options)
  }

  async delete(path: string, options?: Signalled): Promise<void> {
    await this.gate('delete', path)
    return this.inner.delete(path, options)
  }

  async deleteMany(paths: Iterable<string>, options?: Signalled): Promise<DeleteManyResult> {
    const all = [...paths]
    await this.gate('deleteMany', all[0] ?? '')
    return this.inner.deleteMany(all, options)
  }

  async *list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    await this.gate('list', prefix)
    yield* this.inner.list(prefix, options)
  }
}
