/**
 * Delta's 64-bit `RoaringBitmapArray`, the payload of every deletion vector (PROTOCOL.md
 * "Deletion Vector Format"), and `RowIndexSet`, the compact read-only set it decodes into.
 *
 * Formats read (all three occur):
 * - portable, the spec's: magic 1681511377 (u32 LE), bucket count (u64 LE), then per bucket its
 *   key (u32 LE, the high 32 bits of its row indexes, MSB 0, ascending) and a portable 32-bit
 *   Roaring bitmap;
 * - native, little-endian: magic 1681511376 (u32 LE), bitmap count (i32 LE), then per bitmap its
 *   byte size (i32 LE) and a 32-bit bitmap; bitmap `i` holds bucket `i`. Spark and Kernel Java
 *   read this older layout;
 * - native, big-endian header: the same with magic, count and sizes big-endian. The spec's own
 *   inline example (`wi5b=000010000siX...`) is in this form.
 * Written: always the portable format.
 *
 * Row indexes are JavaScript numbers (exact below 2^53, far beyond any Parquet file).
 */

import { CorruptDataError, InvalidArgumentError } from '../errors.js'
import {
  buildContainer,
  type Container,
  containerHas,
  containerValues,
  readRoaring32,
  roaring32Size,
  writeRoaring32,
} from './roaring32.js'

export const PORTABLE_MAGIC = 1681511377
export const NATIVE_MAGIC = 1681511376

const TWO_32 = 0x1_0000_0000
// A bucket key above this would produce row indexes beyond 2^53.
const MAX_BUCKET = 2 ** 21 - 1

/** A read-only set of row indexes (the rows a deletion vector removes). */
export interface RowIndexSet {
  readonly cardinality: number
  has(rowIndex: number): boolean
  /** Row indexes in ascending order. */
  [Symbol.iterator](): Iterator<number>
  /** All row indexes, ascending. */
  toArray(): Float64Array
  /**
   * A mask over rows `start .. start+length-1`: `mask[i] === 1` when row `start + i` is in the
   * set. Built container by container; the cheap way to filter a record batch.
   */
  maskRange(start: number, length: number): Uint8Array
}

/** Wraps sorted containers (ascending 48-bit keys) as a `RowIndexSet`. */
function rowIndexSet(containers: readonly Container[]): RowIndexSet {
  const keys = Float64Array.from(containers, (c) => c.key)
  let cardinality = 0
  for (const c of containers) cardinality += c.cardinality

  // Index of the first container whose key is >= `key`.
  const lowerBound = (key: number): number => {
    let lo = 0
    let hi = keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (keys[mid]! < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  function* iterate(): Generator<number> {
    for (const c of containers) {
      const base = c.key * 65536
      for (const low of containerValues(c)) yield base + low
    }
  }

  return {
    cardinality,
    has(rowIndex: number): boolean {
      if (!Number.isInteger(rowIndex) || rowIndex < 0) return false
      const key = Math.floor(rowIndex / 65536)
      const i = lowerBound(key)
      return i < keys.length && keys[i] === key && containerHas(containers[i]!, rowIndex % 65536)
    },
    [Symbol.iterator]: iterate,
    toArray(): Float64Array {
      const out = new Float64Array(cardinality)
      let i = 0
      for (const v of iterate()) out[i++] = v
      return out
    },
    maskRange(start: number, length: number): Uint8Array {
      const mask = new Uint8Array(length)
      if (length === 0) return mask
      const end = start + length
      for (let i = lowerBound(Math.floor(start / 65536)); i < containers.length; i++) {
        const c = containers[i]!
        const base = c.key * 65536
        if (base >= end) break
        for (const low of containerValues(c)) {
          const row = base + low
          if (row >= end) break
          if (row >= start) mask[row - start] = 1
        }
      }
      return mask
    },
  }
}

/** Builds a set from row indexes in any order (duplicates allowed). */
export function rowIndexSetOf(rows: Iterable<number>): RowIndexSet {
  const sorted = Float64Array.from(rows)
  for (const v of sorted) {
    if (!Number.isSafeInteger(v) || v < 0 || v >= (MAX_BUCKET + 1) * TWO_32) {
      throw new InvalidArgumentError(
        `A row index must be a non-negative integer below 2^53, got ${v}`,
      )
    }
  }
  sorted.sort()
  const containers: Container[] = []
  let chunk: number[] = []
  let chunkKey = -1
  let previous = -1
  for (const v of sorted) {
    if (v === previous) continue
    previous = v
    const key = Math.floor(v / 65536)
    if (key !== chunkKey) {
      if (chunk.length > 0) containers.push(buildContainer(chunkKey, chunk))
      chunk = []
      chunkKey = key
    }
    chunk.push(v % 65536)
  }
  if (chunk.length > 0) containers.push(buildContainer(chunkKey, chunk))
  return rowIndexSet(containers)
}

/** The union of two sets (e.g. an existing deletion vector and newly deleted rows). */
export function unionRowIndexSets(a: RowIndexSet, b: RowIndexSet): RowIndexSet {
  return rowIndexSetOf([...a, ...b])
}

/**
 * Decodes a serialized `RoaringBitmapArray` (any of the three layouts above). Malformed bytes
 * throw `CorruptDataError` naming `source`.
 */
export function parseRoaringBitmapArray(bytes: Uint8Array, source: string): RowIndexSet {
  const fail = (reason: string): never => {
    throw new CorruptDataError(source, `invalid deletion vector: ${reason}`)
  }
  if (bytes.length < 4) return fail('fewer than 4 bytes')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const containers: Container[] = []
  let end: number
  if (view.getUint32(0, true) === PORTABLE_MAGIC) {
    if (bytes.length < 12) return fail('truncated bucket count')
    const high = view.getUint32(8, true)
    const count = view.getUint32(4, true)
    if (high !== 0 || count > MAX_BUCKET + 1) return fail('bucket count out of range')
    let at = 12
    let lastKey = -1
    for (let i = 0; i < count; i++) {
      if (at + 4 > bytes.length) return fail('truncated bucket key')
      const key = view.getUint32(at, true)
      // Keys must be ascending, with the most significant bit clear (the spec's requirement).
      if (key <= lastKey || key > MAX_BUCKET) return fail(`bucket key ${key} out of order or range`)
      lastKey = key
      const bucket = readRoaring32(view, at + 4, key, source)
      containers.push(...bucket.containers)
      at = bucket.end
    }
    end = at
  } else {
    const littleEndian = view.getUint32(0, true) === NATIVE_MAGIC
    if (!littleEndian && view.getUint32(0, false) !== NATIVE_MAGIC) {
      return fail(`unknown magic number ${view.getUint32(0, true)}`)
    }
    if (bytes.length < 8) return fail('truncated bitmap count')
    const count = view.getInt32(4, littleEndian)
    if (count < 0 || count > MAX_BUCKET + 1) return fail(`bitmap count ${count} out of range`)
    let at = 8
    for (let key = 0; key < count; key++) {
      if (at + 4 > bytes.length) return fail('truncated bitmap size')
      const size = view.getInt32(at, littleEndian)
      const bucket = readRoaring32(view, at + 4, key, source)
      if (bucket.end - (at + 4) !== size)
        return fail(`bitmap ${key} size ${size} does not match its content`)
      containers.push(...bucket.containers)
      at = bucket.end
    }
    end = at
  }
  if (end !== bytes.length) return fail(`${bytes.length - end} unexpected bytes after the bitmap`)
  return rowIndexSet(containers)
}

/** Serializes row indexes in the portable format (the one the spec defines). */
export function serializeRoaringBitmapArray(rows: RowIndexSet | Iterable<number>): Uint8Array {
  const set = isRowIndexSet(rows) ? rows : rowIndexSetOf(rows)
  // Rebuild containers per 16-bit chunk, grouped by 32-bit bucket.
  const buckets = new Map<number, Container[]>()
  let chunk: number[] = []
  let chunkKey = -1
  const flush = (): void => {
    if (chunk.length === 0) return
    const bucket = Math.floor(chunkKey / 65536)
    let list = buckets.get(bucket)
    if (list === undefined) buckets.set(bucket, (list = []))
    list.push(buildContainer(chunkKey, chunk))
    chunk = []
  }
  for (const v of set) {
    const key = Math.floor(v / 65536)
    if (key !== chunkKey) {
      flush()
      chunkKey = key
    }
    chunk.push(v % 65536)
  }
  flush()

  let size = 12
  for (const list of buckets.values()) size += 4 + roaring32Size(list)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  view.setUint32(0, PORTABLE_MAGIC, true)
  view.setUint32(4, buckets.size, true) // u64 LE: the high half stays 0
  let at = 12
  for (const [bucket, list] of buckets) {
    view.setUint32(at, bucket, true)
    at = writeRoaring32(view, at + 4, list)
  }
  return out
}

function isRowIndexSet(value: RowIndexSet | Iterable<number>): value is RowIndexSet {
  return typeof (value as RowIndexSet).maskRange === 'function'
}
