/**
 * Validity bitmaps of Arrow data, read and combined without going through `vector.get`.
 *
 * apache-arrow's buffer conventions (see `Data.slice`): validity bits are at `offset + i`;
 * fixed-width values and the offsets of variable-width types are already sliced. The helpers
 * here always return bitmaps that start at bit 0 of row 0, so callers can combine them freely.
 * `undefined` stands for "every row valid", the common case, which costs nothing.
 */
import type * as arrow from 'apache-arrow'

/** A validity bitmap starting at row 0, or `undefined` when every row is valid. */
export type Validity = Uint8Array | undefined

/** Whether bit `i` of `bits` is set. */
export function bitSet(bits: Uint8Array, i: number): boolean {
  return ((bits[i >> 3]! >> (i & 7)) & 1) === 1
}

/** The validity of `data`'s rows as a bitmap starting at row 0 (`undefined`: no nulls). */
export function validityOf(data: arrow.Data): Validity {
  const bits = data.nullBitmap as Uint8Array | undefined
  if (data.nullCount === 0) return undefined
  // Nulls without a bitmap: Arrow's Null type, where every row is null.
  if (bits === undefined || bits.length === 0) return new Uint8Array((data.length + 7) >> 3)
  if (data.offset === 0) return bits
  const out = new Uint8Array((data.length + 7) >> 3)
  for (let i = 0; i < data.length; i++) {
    if (bitSet(bits, data.offset + i)) out[i >> 3]! |= 1 << (i & 7)
  }
  return out
}

/** Rows valid in both (bitwise AND over `length` rows). */
export function andValidity(a: Validity, b: Validity, length: number): Validity {
  if (a === undefined) return b
  if (b === undefined) return a
  const out = new Uint8Array((length + 7) >> 3)
  for (let i = 0; i < out.length; i++) out[i] = a[i]! & b[i]!
  return out
}

/** Number of valid rows among the first `length`. */
export function countValid(validity: Validity, length: number): number {
  if (validity === undefined) return length
  let count = 0
  for (let i = 0; i < length; i++) if (bitSet(validity, i)) count++
  return count
}

/**
 * The first row among `length` that is null in `data` while valid in `parent` (a null inside a
 * null struct is not a violation: the struct, not the field, is missing), or -1.
 */
export function firstNullWhereValid(data: arrow.Data, parent: Validity, length: number): number {
  const own = validityOf(data)
  if (own === undefined) return -1
  for (let i = 0; i < length; i++) {
    if (!bitSet(own, i) && (parent === undefined || bitSet(parent, i))) return i
  }
  return -1
}

/** `data` with another validity bitmap (at row 0) and null count; buffers and children kept. */
export function withValidity(data: arrow.Data, validity: Validity, nullCount: number): arrow.Data {
  if (data.offset !== 0 && validity !== undefined) {
    throw new RangeError('withValidity needs data at offset 0')
  }
  // Key 2 is the validity buffer (apache-arrow's BufferType.VALIDITY).
  const buffers = { ...data.buffers, 2: validity ?? new Uint8Array(0) } as typeof data.buffers
  return data.clone(data.type, data.offset, data.length, nullCount, buffers, data.children)
}

/** Whether `data` or anything below it has a non-zero offset (i.e. is a slice). */
export function hasOffsets(data: arrow.Data): boolean {
  if (data.offset !== 0) return true
  return data.children.some(hasOffsets)
}
