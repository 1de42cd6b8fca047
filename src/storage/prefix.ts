import { checkPrefix, joinKey } from './keys.js'
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

/**
 * Scopes a store to a sub-prefix (a table root inside a bucket, say): every key is joined
 * to the prefix on the way in and stripped of it on the way out.
 */
export class PrefixStore implements ObjectStore {
  readonly kind: string
  readonly url: string
  readonly capabilities
  private readonly root: string

  constructor(
    readonly inner: ObjectStore,
    prefix: string,
  ) {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '')
    this.root = trimmed === '' ? '' : `${checkPrefix(trimmed)}/`
    this.kind = inner.kind
    this.capabilities = inner.capabilities
    this.url = inner.url.endsWith('/') ? inner.url + this.root : `${inner.url}/${this.root}`
  }

  put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    return this.inner.put(joinKey(this.root, path), bytes, options)
  }

  async get(path: string, options?: GetOptions): Promise<GetResult> {
    const result = await this.inner.get(joinKey(this.root, path), options)
    return { bytes: result.bytes, meta: this.strip(result.meta) }
  }

  async head(path: string, options?: Signalled): Promise<ObjectMeta> {
    return this.strip(await this.inner.head(joinKey(this.root, path), options))
  }

  delete(path: string, options?: Signalled): Promise<void> {
    return this.inner.delete(joinKey(this.root, path), options)
  }

  deleteMany(paths: Iterable<string>, options?: Signalled): Promise<DeleteManyResult> {
    const root = this.root
    function* joined(): Generator<string> {
      for (const path of paths) yield joinKey(root, path)
    }
    return this.inner.deleteMany(joined(), options)
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    const startAfter =
      options.startAfter === undefined ? undefined : joinKey(this.root, options.startAfter)
    for await (const meta of this.inner.list(this.root + prefix, { ...options, startAfter })) {
      yield this.strip(meta)
    }
  }

  private strip(meta: ObjectMeta): ObjectMeta {
    return { ...meta, path: meta.path.slice(this.root.length) }
  }
}
