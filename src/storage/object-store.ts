/**
 * The object-store contract every backend implements (memory, local disk, S3, Azure Blob).
 *
 * Shaped like an object store, not a file system: flat keys, whole-object writes, and three
 * write preconditions. It knows nothing of Delta; the log layer builds Delta's commit
 * protocol on `put(..., { mode: 'create' })`.
 *
 * Keys ("paths") are `/`-separated, relative to the store's root, never start with `/` and
 * never contain empty, `.` or `..` segments. Backends reject anything else with
 * `InvalidArgumentError`, so no key can escape the root.
 *
 * Errors: a missing object is `NotFoundError`; a lost `create` is `AlreadyExistsError`; a
 * lost `update` is `PreconditionFailedError`; an abort is `AbortedError`; anything else is
 * `StorageError` (with `retryable`). Backends never let their own error types escape.
 */

/** How `put` treats an existing object. */
export type PutMode =
  /** Replace whatever is there (the default). */
  | 'overwrite'
  /**
   * Put-if-absent: fail with `AlreadyExistsError` when the key exists. Atomic: of any number
   * of concurrent creators exactly one wins, and no reader ever sees a partial object.
   */
  | 'create'
  /** Compare-and-swap: replace only if the current etag equals `etag`. */
  | { readonly update: string }

export interface Signalled {
  /** Aborts the call; it then rejects with `AbortedError`. */
  readonly signal?: AbortSignal | undefined
}

export interface PutOptions extends Signalled {
  readonly mode?: PutMode | undefined
}

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number
  /** End, exclusive. Omitted: to the end of the object. Clamped to the object's size. */
  readonly end?: number | undefined
}

export interface GetOptions extends Signalled {
  /** A half-open byte range. A start at or beyond the size yields zero bytes. */
  readonly range?: ByteRange | undefined
}

export interface ListOptions extends Signalled {
  /** Only keys strictly greater (in UTF-8 byte order) than this one. */
  readonly startAfter?: string | undefined
  /**
   * The caller reads `size`, `lastModified` and `etag` of only some of the listed objects
   * (vacuum: of the unreferenced files alone). A backend whose listing does not carry them
   * (local disk: one stat per file) may then fetch each object's metadata when it is first
   * read, and reading it throws `NotFoundError` if the object was deleted since it was
   * listed. Backends whose listing returns the metadata anyway (memory, S3, Azure) ignore it.
   * Default false: the metadata is fetched during the listing, and a key deleted before its
   * turn is not listed.
   */
  readonly lazyMetadata?: boolean | undefined
}

export interface ObjectMeta {
  /** The key, relative to the store root. */
  readonly path: string
  /** Size in bytes. */
  readonly size: number
  /** Last modification, epoch milliseconds. */
  readonly lastModified: number
  /** Opaque version tag for `update` mode; absent where the backend has none. */
  readonly etag?: string | undefined
}

export interface GetResult {
  readonly bytes: Uint8Array
  readonly meta: ObjectMeta
}

export interface PutResult {
  readonly etag?: string | undefined
}

export interface DeleteManyResult {
  /** How many keys the store accepted for deletion (missing keys count: delete is idempotent). */
  readonly deleted: number
}

/** What a backend can do, declared up front rather than discovered by failing. */
export interface StoreCapabilities {
  /** `put` with mode `create` is atomic put-if-absent. Required to write Delta tables. */
  readonly putIfAbsent: boolean
  /** `put` with mode `{ update: etag }` is an atomic compare-and-swap. */
  readonly conditionalUpdate: boolean
  /** Largest number of keys one `deleteMany` request sends (the call itself takes any number). */
  readonly deleteBatchSize: number
  /**
   * The order `list` yields keys in. `utf8`: UTF-8 byte order (code-point order). `utf16`:
   * UTF-16 code-unit order, which differs from `utf8` only between characters above U+FFFF
   * and those in U+E000..U+FFFF. Delta log names are ASCII, where the two agree.
   */
  readonly listOrder: 'utf8' | 'utf16'
  /**
   * What a `list` request costs. `round-trip`: each page is a request to a server (S3, Azure:
   * ~100 ms), so listing many prefixes at once pays off. `local`: listing walks data at hand
   * (local disk, memory), so one sequential listing does the least work.
   */
  readonly listCost: 'round-trip' | 'local'
}

export interface ObjectStore {
  /** Short backend name for messages and reports: `memory`, `local`, `s3`, `azure`, ... */
  readonly kind: string
  /** A URL naming the store root, for messages (never holds credentials). */
  readonly url: string
  readonly capabilities: StoreCapabilities

  put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<PutResult>
  get(path: string, options?: GetOptions): Promise<GetResult>
  head(path: string, options?: Signalled): Promise<ObjectMeta>
  /** Idempotent: deleting a missing key succeeds. */
  delete(path: string, options?: Signalled): Promise<void>
  /** Deletes many keys, batching requests as the backend allows. Idempotent per key. */
  deleteMany(paths: Iterable<string>, options?: Signalled): Promise<DeleteManyResult>
  /**
   * Every object whose key starts with `prefix` (a plain string prefix, not a directory),
   * recursively, in ascending key order (`capabilities.listOrder`), fetched lazily page by
   * page. A key written or deleted during the listing may or may not appear.
   */
  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta>
}
