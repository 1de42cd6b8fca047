/**
 * Deletion vector descriptors and DV files (PROTOCOL.md "Deletion Vectors", "Deletion Vector
 * File Storage Format").
 *
 * A descriptor says where the bitmap lives:
 * - `i`: inline, Z85 text of the bitmap itself;
 * - `u`: a file under the table root, `<prefix>/deletion_vector_<uuid>.bin`, where
 *   `pathOrInlineDv` is an optional random prefix followed by the UUID as 20 Z85 characters;
 * - `p`: a file at an absolute path, encoded like an add `path`.
 * For `u` and `p`, `offset` points into the file at a stored DV: big-endian i32 size, the bitmap,
 * big-endian CRC-32 of the bitmap. (An absent offset reads as 0, per the spec; writers put the
 * first DV at 1, just past the file's version byte.)
 *
 * `uniqueId` (`<storageType><pathOrInlineDv>[@<offset>]`) is, with the data file path, the key of
 * a logical file during log replay.
 */

import { CorruptDataError, InvalidArgumentError } from '../errors.js'
import type { DeletionVectorDescriptor } from './actions.js'
import { crc32 } from './crc32.js'
import { decodeLogPath, type LogPathTarget } from './file-paths.js'
import {
  parseRoaringBitmapArray,
  type RowIndexSet,
  serializeRoaringBitmapArray,
} from './roaring-bitmap-array.js'
import { decodeUuidZ85, encodeUuidZ85, z85Decode, z85Encode } from './z85.js'

/** The DV file format version this library reads and writes. */
export const DV_FILE_VERSION = 1

/** `<storageType><pathOrInlineDv>` plus `@<offset>` when an offset is present. */
export function dvUniqueId(dv: DeletionVectorDescriptor): string {
  const id = dv.storageType + dv.pathOrInlineDv
  return dv.offset === undefined ? id : `${id}@${dv.offset}`
}

/**
 * Where a stored DV lives: for `u` the store key relative to the table root; for `p` the decoded
 * absolute path. Inline DVs have no file: `InvalidArgumentError`.
 */
export function dvFileLocation(dv: DeletionVectorDescriptor): LogPathTarget {
  if (dv.storageType === 'i')
    throw new InvalidArgumentError('An inline deletion vector has no file')
  if (dv.storageType === 'p') return decodeLogPath(dv.pathOrInlineDv)
  const text = dv.pathOrInlineDv
  const prefix = text.slice(0, -20)
  const name = `deletion_vector_${decodeUuidZ85(text.slice(-20))}.bin`
  return { kind: 'relative', key: prefix === '' ? name : `${prefix}/${name}` }
}

/** `pathOrInlineDv` for a new relative DV file named by `uuid`, under an optional prefix. */
export function relativeDvPath(uuid: string, prefix = ''): string {
  if (prefix.includes('/'))
    throw new InvalidArgumentError(`A DV prefix is one directory name, got ${prefix}`)
  return prefix + encodeUuidZ85(uuid)
}

/**
 * The byte range `[start, end)` of a stored DV within its file, for a ranged read: its size
 * field, bitmap and checksum.
 */
export function dvByteRange(dv: DeletionVectorDescriptor): { start: number; end: number } {
  const start = dv.offset ?? 0
  return { start, end: start + 4 + dv.sizeInBytes + 4 }
}

/**
 * Decodes one stored DV from the bytes of `dvByteRange` (size, bitmap, CRC), checking the size
 * against the descriptor and the checksum. `source` names the file for errors.
 */
export function parseStoredDeletionVector(
  chunk: Uint8Array,
  dv: DeletionVectorDescriptor,
  source: string,
): RowIndexSet {
  const fail = (reason: string): never => {
    throw new CorruptDataError(source, reason)
  }
  if (chunk.length !== 4 + dv.sizeInBytes + 4) {
    fail(
      `expected ${dv.sizeInBytes + 8} bytes for the deletion vector at offset ${dv.offset ?? 0}, got ${chunk.length}`,
    )
  }
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  const size = view.getInt32(0, false)
  if (size !== dv.sizeInBytes)
    fail(`deletion vector size is ${size}, the log says ${dv.sizeInBytes}`)
  const bitmap = chunk.subarray(4, 4 + size)
  const expected = view.getUint32(4 + size, false)
  const actual = crc32(bitmap)
  if (actual !== expected)
    fail(`deletion vector checksum mismatch (stored ${expected}, computed ${actual})`)
  const rows = parseRoaringBitmapArray(bitmap, source)
  checkCardinality(rows, dv, source)
  return rows
}

function checkCardinality(rows: RowIndexSet, dv: DeletionVectorDescriptor, source: string): void {
  if (rows.cardinality !== dv.cardinality) {
    throw new CorruptDataError(
      source,
      `deletion vector holds ${rows.cardinality} rows, the log says ${dv.cardinality}`,
    )
  }
}

/** Decodes an inline (`i`) DV. `source` names the action for errors (e.g. the data file path). */
export function parseInlineDeletionVector(
  dv: DeletionVectorDescriptor,
  source: string,
): RowIndexSet {
  if (dv.storageType !== 'i') throw new InvalidArgumentError('Not an inline deletion vector')
  let bytes: Uint8Array
  try {
    bytes = z85Decode(dv.pathOrInlineDv, dv.sizeInBytes)
  } catch (error) {
    throw new CorruptDataError(source, `inline deletion vector is not valid Z85`, { cause: error })
  }
  const rows = parseRoaringBitmapArray(bytes, source)
  checkCardinality(rows, dv, source)
  return rows
}

/** An inline descriptor for `rows` (small DVs, to save a file). */
export function inlineDeletionVector(rows: RowIndexSet): DeletionVectorDescriptor {
  const bytes = serializeRoaringBitmapArray(rows)
  return {
    storageType: 'i',
    pathOrInlineDv: z85Encode(bytes),
    sizeInBytes: bytes.length,
    cardinality: rows.cardinality,
  }
}

/** Where each DV landed in a file written by `serializeDeletionVectorFile`. */
export interface StoredDvEntry {
  readonly offset: number
  readonly sizeInBytes: number
  readonly cardinality: number
}

/**
 * A DV file holding `vectors`: version byte 1, then per DV its big-endian size, bitmap and CRC-32.
 * Returns the bytes and, per DV, the offset and size for its descriptor.
 */
export function serializeDeletionVectorFile(vectors: readonly RowIndexSet[]): {
  bytes: Uint8Array
  entries: StoredDvEntry[]
} {
  const bitmaps = vectors.map((v) => serializeRoaringBitmapArray(v))
  const total = 1 + bitmaps.reduce((n, b) => n + 8 + b.length, 0)
  const bytes = new Uint8Array(total)
  const view = new DataView(bytes.buffer)
  bytes[0] = DV_FILE_VERSION
  const entries: StoredDvEntry[] = []
  let at = 1
  bitmaps.forEach((bitmap, i) => {
    entries.push({ offset: at, sizeInBytes: bitmap.length, cardinality: vectors[i]!.cardinality })
    view.setInt32(at, bitmap.length, false)
    bytes.set(bitmap, at + 4)
    view.setUint32(at + 4 + bitmap.length, crc32(bitmap), false)
    at += 8 + bitmap.length
  })
  return { bytes, entries }
}

/**
 * Decodes every DV of a whole DV file, in order, with its offset (for verification tools).
 * Checks the version byte, each size and each checksum.
 */
export function parseDeletionVectorFile(
  bytes: Uint8Array,
  source: string,
): { offset: number; rows: RowIndexSet }[] {
  if (bytes.length === 0 || bytes[0] !== DV_FILE_VERSION) {
    throw new CorruptDataError(
      source,
      `unsupported deletion vector file version ${bytes[0] ?? 'none'}`,
    )
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: { offset: number; rows: RowIndexSet }[] = []
  let at = 1
  while (at < bytes.length) {
    if (at + 4 > bytes.length)
      throw new CorruptDataError(source, `truncated deletion vector at ${at}`)
    const size = view.getInt32(at, false)
    if (size < 0 || at + 8 + size > bytes.length) {
      throw new CorruptDataError(source, `deletion vector at ${at} overruns the file`)
    }
    const bitmap = bytes.subarray(at + 4, at + 4 + size)
    if (crc32(bitmap) !== view.getUint32(at + 4 + size, false)) {
      throw new CorruptDataError(source, `deletion vector checksum mismatch at offset ${at}`)
    }
    out.push({ offset: at, rows: parseRoaringBitmapArray(bitmap, source) })
    at += 8 + size
  }
  return out
}
