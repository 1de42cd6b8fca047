/**
 * Storing the deletion vectors of one commit (PROTOCOL.md "Deletion Vectors", "Deletion Vector
 * File Storage Format").
 *
 * Each DV is either inlined in the log or stored in a DV file:
 * - **inline** (`storageType: 'i'`, Z85 text in `pathOrInlineDv`) when its serialized bitmap is
 *   at most `inlineMaxBytes` (default 64 bytes, i.e. at most 80 characters in the log). A
 *   portable bitmap of one array container takes 32 + 2·k bytes for k rows, so 64 bytes inline
 *   up to 16 scattered rows, or long runs of adjacent ones. Such a DV costs the log less than
 *   its `add` already does (a few hundred bytes with stats), while a stored DV would cost every
 *   reader of the file one more request; larger DVs would bloat every log replay and checkpoint
 *   instead, so they go to a file. `0` never inlines, which is what Spark does.
 * - **stored** otherwise: all of them in one new file per commit, as Spark does per task,
 *   `[<random prefix>/]deletion_vector_<uuid>.bin` at the table root (`storageType: 'u'`, the
 *   UUID Z85-encoded in `pathOrInlineDv`). The file is the version byte 1 and then, per DV, its
 *   big-endian size, the bitmap and its big-endian CRC-32; each descriptor records its offset.
 *   The random prefix directory is used when `delta.randomizeFilePrefixes` is on (Spark's
 *   `DeltaUtils.getRandomPrefixLength`).
 *
 * The file is put with put-if-absent (a fresh UUID never collides; a collision would be a bug,
 * not a race to win), and is not referenced by anything until the commit lands: `discard` removes
 * it when the commit is known to have failed.
 */
import { InvalidArgumentError } from '../errors.js'
import type { DeletionVectorDescriptor } from '../protocol/actions.js'
import {
  inlineDeletionVector,
  relativeDvPath,
  serializeDeletionVectorFile,
} from '../protocol/deletion-vector.js'
import { type RowIndexSet, serializeRoaringBitmapArray } from '../protocol/roaring-bitmap-array.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { Ids } from '../util/clock.js'
import { randomPrefix } from './data-file-name.js'

/** Bitmaps up to this many bytes are inlined by default (see the file comment). */
export const DEFAULT_INLINE_DV_MAX_BYTES = 64

export interface DeletionVectorWriteOptions {
  /** Inline DVs whose serialized bitmap is at most this many bytes. Default 64; 0 never. */
  readonly inlineMaxBytes?: number
  /** A random directory of this many characters for the DV file; 0 (default) for none. */
  readonly randomPrefixLength?: number
  readonly ids: Ids
  readonly signal?: AbortSignal | undefined
}

export interface WrittenDeletionVectors {
  /** One descriptor per input set, in input order. */
  readonly descriptors: readonly DeletionVectorDescriptor[]
  /** The store key of the DV file written, when any DV was stored rather than inlined. */
  readonly fileKey: string | undefined
  /** Its size in bytes (0 when none was written). */
  readonly fileSize: number
}

/**
 * Stores `vectors` (each non-empty) inline or in one new DV file under the table root of
 * `store`, and returns their descriptors. Throws `InvalidArgumentError` for an empty set or a
 * bad option; storage errors as the store raises them.
 */
export async function writeDeletionVectors(
  store: ObjectStore,
  vectors: readonly RowIndexSet[],
  options: DeletionVectorWriteOptions,
): Promise<WrittenDeletionVectors> {
  const inlineMax = options.inlineMaxBytes ?? DEFAULT_INLINE_DV_MAX_BYTES
  if (!Number.isInteger(inlineMax) || inlineMax < 0) {
    throw new InvalidArgumentError(
      `inlineMaxBytes must be a non-negative integer, got ${inlineMax}`,
    )
  }
  const descriptors: (DeletionVectorDescriptor | undefined)[] = []
  const stored: { readonly index: number; readonly rows: RowIndexSet }[] = []
  vectors.forEach((rows, index) => {
    // An empty DV is no DV: a caller that deletes nothing from a file must leave it alone.
    if (rows.cardinality === 0) {
      throw new InvalidArgumentError('A deletion vector must delete at least one row')
    }
    const size = serializeRoaringBitmapArray(rows).length
    if (size <= inlineMax) descriptors.push(inlineDeletionVector(rows))
    else {
      descriptors.push(undefined)
      stored.push({ index, rows })
    }
  })
  if (stored.length === 0) {
    return {
      descriptors: descriptors as DeletionVectorDescriptor[],
      fileKey: undefined,
      fileSize: 0,
    }
  }

  const uuid = options.ids.uuid()
  const prefixLength = options.randomPrefixLength ?? 0
  const prefix = prefixLength > 0 ? randomPrefix(prefixLength, options.ids) : ''
  const name = `deletion_vector_${uuid}.bin`
  const fileKey = prefix === '' ? name : `${prefix}/${name}`
  const { bytes, entries } = serializeDeletionVectorFile(stored.map((s) => s.rows))
  await store.put(fileKey, bytes, { mode: 'create', signal: options.signal })
  const pathOrInlineDv = relativeDvPath(uuid, prefix)
  stored.forEach((s, i) => {
    const entry = entries[i]!
    descriptors[s.index] = {
      storageType: 'u',
      pathOrInlineDv,
      offset: entry.offset,
      sizeInBytes: entry.sizeInBytes,
      cardinality: entry.cardinality,
    }
  })
  return {
    descriptors: descriptors as DeletionVectorDescriptor[],
    fileKey,
    fileSize: bytes.length,
  }
}

/** Deletes the DV file of a commit that did not land (best effort: vacuum catches the rest). */
export async function discardDeletionVectors(
  store: ObjectStore,
  written: Pick<WrittenDeletionVectors, 'fileKey'> | undefined,
): Promise<void> {
  if (written?.fileKey === undefined) return
  await store.deleteMany([written.fileKey]).catch(() => undefined)
}
