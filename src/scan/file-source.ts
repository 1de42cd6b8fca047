/**
 * Where a data or deletion-vector file named by the log lives, and reading it.
 *
 * Paths come from the log decoded exactly once (`protocol/file-paths.ts`). A relative path is a
 * key in the table's own store. An absolute URI (`file:///...`, `s3://...`, a rooted `/...`) that
 * points inside the table root is also read through the table's store, by its key (so it gets the
 * table's credentials and wrappers). Anything else (a file in another bucket or directory, or a
 * relative path that climbs above the root with `..`) is read through a store opened for its
 * directory with `storage/url.ts` `openStore`, which is imported on first use only: the scan layer
 * stays free of Node modules for tables that never need it.
 *
 * A missing file is a `NotFoundError` naming the file's URL: a scan must never quietly return
 * fewer rows because a file is gone.
 */
import { NotFoundError } from '../errors.js'
import { decodeLogPath, keyWithinRoot, type LogPathTarget } from '../protocol/file-paths.js'
import type { ByteRange, ObjectStore } from '../storage/object-store.js'
import type { StorageOptions } from '../storage/url.js'
import type { ScanFile } from './scan-file.js'

/** A file resolved to a store and a key in it. */
export interface FileRef {
  readonly store: ObjectStore
  readonly key: string
  /** The file's full URL, for messages and cache keys. */
  readonly url: string
}

/** The location forms the reader meets: a scan file's, or a decoded log path (`p` DVs). */
export type FileLocation = ScanFile['location'] | LogPathTarget

export interface ReadFileOptions {
  readonly range?: ByteRange | undefined
  readonly signal?: AbortSignal | undefined
}

/** Resolves and reads the files of one table; caches the stores opened for outside files. */
export class TableFiles {
  private readonly tableUrl: string
  private readonly external = new Map<string, Promise<ObjectStore>>()

  constructor(
    private readonly store: ObjectStore,
    tableUrl: string,
    private readonly storage: StorageOptions = {},
  ) {
    this.tableUrl = tableUrl.endsWith('/') ? tableUrl : `${tableUrl}/`
  }

  /** Resolves a location to a store and key. Relative paths never leave the table root. */
  async locate(location: FileLocation): Promise<FileRef> {
    const target = this.targetOf(location)
    const key = keyWithinRoot(target, this.tableUrl)
    if (key !== undefined) return { store: this.store, key, url: this.tableUrl + key }
    if (target.kind === 'relative') {
      return { store: this.store, key: target.key, url: this.tableUrl + target.key }
    }
    if (target.kind === 'outside') {
      // 'outside': `..` climbs above the root. Resolve it against the table URL as a URI would.
      return this.locate({ kind: 'uri', uri: new URL(encodePath(target.path), this.tableUrl).href })
    }
    // A rooted path (`/data/f.parquet`) is qualified with the table's own scheme and authority.
    const root = new URL(this.tableUrl)
    const uri =
      target.scheme === undefined ? `${root.protocol}//${root.host}${target.uri}` : target.uri
    const slash = uri.lastIndexOf('/')
    const directory = uri.slice(0, slash)
    const name = decodeURIComponent(uri.slice(slash + 1))
    let store = this.external.get(directory)
    if (store === undefined) {
      store = import('../storage/url.js').then(({ openStore }) =>
        openStore(directory, this.storage),
      )
      this.external.set(directory, store)
    }
    return { store: await store, key: name, url: uri }
  }

  /** The bytes of a file (or of a byte range of it). A missing file is `NotFoundError`. */
  async read(ref: FileRef, options: ReadFileOptions = {}): Promise<Uint8Array> {
    try {
      const { bytes } = await ref.store.get(ref.key, options)
      return bytes
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError(ref.url, { cause: error })
      throw error
    }
  }

  private targetOf(location: FileLocation): LogPathTarget {
    switch (location.kind) {
      case 'key':
        return { kind: 'relative', key: location.key }
      case 'uri':
        return decodeLogPath(location.uri)
      default:
        return location
    }
  }
}

/** Percent-encodes a decoded path for URL resolution, keeping `/` and `..` structure. */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/')
}
