/**
 * Loading a data file's deletion vector (PROTOCOL.md "Deletion Vectors") as a `RowIndexSet` of
 * the physical row indexes it deletes.
 *
 * - `i`: inline, Z85 in the log itself; no I/O.
 * - `u`: `<table>/<prefix>/deletion_vector_<uuid>.bin`, the UUID Z85-encoded in
 *   `pathOrInlineDv`; `p`: an absolute path. Both hold, at `offset`, a big-endian size, the
 *   bitmap and its CRC-32: exactly `sizeInBytes + 8` bytes are read (one ranged GET), and the
 *   size, checksum and cardinality are checked (`CorruptDataError` on any mismatch).
 *
 * One DV file usually serves many data files (Spark writes one per task). Fetching it once per
 * data file would multiply requests, so a file is read whole and kept (in a small LRU bounded
 * by bytes) as soon as it is known to be shared: either announced by the planner through
 * `expect()`, or met a second time. A file used once costs exactly one ranged read.
 */
import { InvalidArgumentError } from '../errors.js'
import type { DeletionVectorDescriptor } from '../protocol/actions.js'
import {
  dvByteRange,
  dvFileLocation,
  parseInlineDeletionVector,
  parseStoredDeletionVector,
} from '../protocol/deletion-vector.js'
import type { RowIndexSet } from '../protocol/roaring-bitmap-array.js'
import type { TableFiles } from './file-source.js'

export interface DvLoaderOptions {
  /** Most bytes of whole DV files kept for reuse. Default 64 MiB. */
  readonly cacheBytes?: number
}

const DEFAULT_CACHE_BYTES = 64 << 20

/** A stable name for the file a stored DV lives in (before resolving it to a store). */
function dvFileName(dv: DeletionVectorDescriptor): string | undefined {
  if (dv.storageType === 'i') return undefined
  const target = dvFileLocation(dv)
  return target.kind === 'relative' ? `key:${target.key}` : `uri:${dv.pathOrInlineDv}`
}

export class DvLoader {
  private readonly cacheBytes: number
  /** How often each DV file is (expected to be) used. */
  private readonly uses = new Map<string, number>()
  /** Whole DV files, oldest first (Map order); `size` is set once the bytes arrived. */
  private readonly cache = new Map<string, { bytes: Promise<Uint8Array>; size: number }>()
  private cachedBytes = 0

  constructor(
    private readonly files: TableFiles,
    options: DvLoaderOptions = {},
  ) {
    this.cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES
    if (!Number.isInteger(this.cacheBytes) || this.cacheBytes < 0) {
      throw new InvalidArgumentError(
        `cacheBytes must be a non-negative integer, got ${this.cacheBytes}`,
      )
    }
  }

  /** Announces that `dv` will be loaded (so shared DV files are fetched once, whole). */
  expect(dv: DeletionVectorDescriptor | undefined): void {
    const name = dv === undefined ? undefined : dvFileName(dv)
    if (name !== undefined) this.uses.set(name, (this.uses.get(name) ?? 0) + 1)
  }

  /**
   * The row indexes `dv` deletes. `dataFile` names the data file for errors about inline DVs.
   * A missing DV file is `NotFoundError`; a damaged one `CorruptDataError`.
   */
  async load(
    dv: DeletionVectorDescriptor,
    dataFile: string,
    signal?: AbortSignal,
  ): Promise<RowIndexSet> {
    if (dv.storageType === 'i') return parseInlineDeletionVector(dv, dataFile)
    const name = dvFileName(dv)!
    const ref = await this.files.locate(dvFileLocation(dv))
    const range = dvByteRange(dv)
    let chunk: Uint8Array
    const cached = this.cache.get(name)
    if (cached !== undefined) {
      chunk = (await cached.bytes).subarray(range.start, range.end)
    } else {
      const uses = this.uses.get(name) ?? 0
      this.uses.set(name, uses + 1)
      if (uses >= 1 && this.cacheBytes > 0) {
        chunk = (await this.whole(name, () => this.files.read(ref, { signal }))).subarray(
          range.start,
          range.end,
        )
      } else {
        chunk = await this.files.read(ref, { range, signal })
      }
    }
    return parseStoredDeletionVector(chunk, dv, ref.url)
  }

  /** Fetches a whole DV file once and keeps it while the cache has room. */
  private whole(name: string, fetch: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const entry = { bytes: fetch(), size: 0 }
    this.cache.set(name, entry)
    entry.bytes.then(
      (bytes) => {
        entry.size = bytes.length
        this.cachedBytes += bytes.length
        // Evict oldest first (files still arriving stay); a file bigger than the whole budget
        // is dropped right away, after serving the loads already waiting for it.
        for (const [key, other] of this.cache) {
          if (this.cachedBytes <= this.cacheBytes) break
          if (other.size === 0 && other !== entry) continue
          this.cache.delete(key)
          this.cachedBytes -= other.size
        }
      },
      () => this.cache.delete(name),
    )
    return entry.bytes
  }
}
