/**
 * Row selection on Arrow data: `takeRows(data, indices)` keeps the rows at `indices` (ascending
 * or not), for every type the scan reader produces, nested types included. apache-arrow has no
 * compute kernels, and `vector.get(i)` plus a builder would cost a proxy and a box per value;
 * here each type is copied buffer to buffer.
 *
 * Buffer conventions of apache-arrow (see `Data.slice`): validity bits and boolean values are
 * at `offset + i`; fixed-width values and the offsets of variable-width types are already sliced
 * (index `i`); those offsets index the unsliced bytes or child. Every result has offset 0.
 */
import * as arrow from 'apache-arrow'
import type { DataProps } from 'apache-arrow/data'
import { typeName } from '../engine/arrow-read.js'

/** Indexes of the set entries of a keep-mask (`mask[i] === 1`): the rows to take. */
export function maskToIndices(mask: Uint8Array, length: number): Int32Array {
  // Two passes: counting first sizes the result exactly (no growing array, no trailing slice).
  let count = 0
  for (let i = 0; i < length; i++) count += mask[i]!
  const out = new Int32Array(count)
  let at = 0
  for (let i = 0; i < length; i++) if (mask[i] === 1) out[at++] = i
  return out
}

/** Gathers bits at `offset + indices[j]` into a fresh bitmap; returns it and the count of zeros. */
function gatherBits(
  bits: Uint8Array,
  offset: number,
  indices: Int32Array,
): { bitmap: Uint8Array; zeros: number } {
  const n = indices.length
  const bitmap = new Uint8Array((n + 7) >> 3)
  let ones = 0
  for (let j = 0; j < n; j++) {
    const pos = offset + indices[j]!
    if ((bits[pos >> 3]! >> (pos & 7)) & 1) {
      bitmap[j >> 3]! |= 1 << (j & 7)
      ones++
    }
  }
  return { bitmap, zeros: n - ones }
}

/** The validity of the taken rows: `undefined` (all valid) when the source has no nulls. */
function takeValidity(
  data: arrow.Data,
  indices: Int32Array,
): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  const bits = data.nullBitmap as Uint8Array | undefined
  if (bits === undefined || bits.length === 0 || data.nullCount === 0) {
    return { nullBitmap: undefined, nullCount: 0 }
  }
  const { bitmap, zeros } = gatherBits(bits, data.offset, indices)
  return { nullBitmap: bitmap, nullCount: zeros }
}

/**
 * The taken rows as runs of consecutive source rows (`[start, end)` pairs), when runs are long
 * (8 rows or more on average), else undefined. A deletion vector usually removes a few rows from
 * long stretches: copying each stretch with one `set` is far cheaper than a loop per value.
 */
function runsOf(indices: Int32Array): Int32Array | undefined {
  const n = indices.length
  if (n === 0) return undefined
  let count = 1
  for (let j = 1; j < n; j++) if (indices[j] !== indices[j - 1]! + 1) count++
  if (count * 8 > n) return undefined
  const runs = new Int32Array(2 * count)
  let r = 0
  runs[0] = indices[0]!
  for (let j = 1; j < n; j++) {
    if (indices[j] !== indices[j - 1]! + 1) {
      runs[r + 1] = indices[j - 1]! + 1
      r += 2
      runs[r] = indices[j]!
    }
  }
  runs[r + 1] = indices[n - 1]! + 1
  return runs
}

/** Gathers fixed-width values of `bytesPerValue` bytes (1, 2, 4, 8 or 16). */
function takeFixed(
  values: ArrayBufferView,
  bytesPerValue: number,
  indices: Int32Array,
  runs: Int32Array | undefined,
): Uint8Array {
  const n = indices.length
  const out = new Uint8Array(n * bytesPerValue)
  if (runs !== undefined) {
    const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    let at = 0
    for (let r = 0; r < runs.length; r += 2) {
      const from = runs[r]! * bytesPerValue
      const to = runs[r + 1]! * bytesPerValue
      out.set(src.subarray(from, to), at)
      at += to - from
    }
    return out
  }
  if (bytesPerValue === 1) {
    const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    for (let j = 0; j < n; j++) out[j] = src[indices[j]!]!
  } else if (bytesPerValue === 2) {
    const src = new Uint16Array(values.buffer, values.byteOffset, values.byteLength >> 1)
    const dst = new Uint16Array(out.buffer)
    for (let j = 0; j < n; j++) dst[j] = src[indices[j]!]!
  } else {
    // 4, 8 or 16 bytes: copy 32-bit words (no BigInt per 64-bit value).
    const w = bytesPerValue >> 2
    const src = new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2)
    const dst = new Int32Array(out.buffer)
    for (let j = 0; j < n; j++) {
      const from = indices[j]! * w
      const to = j * w
      for (let k = 0; k < w; k++) dst[to + k] = src[from + k]!
    }
  }
  return out
}

/** Byte width of a fixed-width type's values, or undefined for other types. */
function fixedWidth(type: arrow.DataType): number | undefined {
  if (type instanceof arrow.Int) return type.bitWidth >> 3
  if (type instanceof arrow.Float) return [2, 4, 8][type.precision]
  if (type instanceof arrow.Date_) return type.unit === arrow.DateUnit.DAY ? 4 : 8
  if (type instanceof arrow.Timestamp) return 8
  if (type instanceof arrow.Time) return type.bitWidth >> 3
  if (type instanceof arrow.Decimal) return type.bitWidth >> 3
  return undefined
}

/** Source row ranges `[offsets[i], offsets[i+1])` of the taken rows, and the new offsets. */
function takeOffsets(
  offsets: Int32Array,
  indices: Int32Array,
): { valueOffsets: Int32Array; total: number } {
  const n = indices.length
  const valueOffsets = new Int32Array(n + 1)
  let total = 0
  for (let j = 0; j < n; j++) {
    const i = indices[j]!
    total += offsets[i + 1]! - offsets[i]!
    valueOffsets[j + 1] = total
  }
  return { valueOffsets, total }
}

/** The rows of `data` at `indices`, as new data of the same type (offset 0). */
export function takeRows<T extends arrow.DataType>(
  data: arrow.Data<T>,
  indices: Int32Array,
): arrow.Data<T> {
  return takeSelected(data, indices, runsOf(indices))
}

function takeSelected<T extends arrow.DataType>(
  data: arrow.Data<T>,
  indices: Int32Array,
  runs: Int32Array | undefined,
): arrow.Data<T> {
  const type = data.type as arrow.DataType
  const length = indices.length
  // A Null column has no buffers at all: only its length changes.
  if (type instanceof arrow.Null) {
    return arrow.makeData({ type, length }) as unknown as arrow.Data<T>
  }
  const { nullBitmap, nullCount } = takeValidity(data, indices)
  const base = { type, length, nullCount, ...(nullBitmap === undefined ? {} : { nullBitmap }) }
  const make = (props: object): arrow.Data<T> =>
    arrow.makeData({ ...base, ...props } as DataProps<arrow.DataType>) as unknown as arrow.Data<T>

  const width = fixedWidth(type)
  if (width !== undefined) {
    // Copied as raw bytes, then viewed as the type's own array class (BigInt64Array for
    // 64-bit types, Uint32Array words for decimals), which is what apache-arrow expects.
    const bytes = takeFixed(data.values, width, indices, runs)
    const ArrayType = type.ArrayType as new (b: ArrayBufferLike) => ArrayBufferView
    return make({ data: new ArrayType(bytes.buffer) })
  }
  if (type instanceof arrow.Bool) {
    // Booleans are bits like validity, and like validity they are read at `offset + i`.
    const { bitmap } = gatherBits(data.values as Uint8Array, data.offset, indices)
    return make({ data: bitmap })
  }
  if (type instanceof arrow.Utf8 || type instanceof arrow.Binary) {
    const offsets = data.valueOffsets as Int32Array
    const bytes = data.values as Uint8Array
    const { valueOffsets, total } = takeOffsets(offsets, indices)
    const out = new Uint8Array(total)
    if (runs !== undefined) {
      // One copy per run of rows: their bytes are contiguous in the source too.
      for (let r = 0, at = 0; r < runs.length; r += 2) {
        const from = offsets[runs[r]!]!
        const to = offsets[runs[r + 1]!]!
        out.set(bytes.subarray(from, to), at)
        at += to - from
      }
      return make({ valueOffsets, data: out })
    }
    for (let j = 0; j < length; j++) {
      const i = indices[j]!
      const start = offsets[i]!
      const end = offsets[i + 1]!
      const to = valueOffsets[j]!
      // Short values (most strings) copy faster by hand than through subarray + set.
      if (end - start < 16) for (let k = start; k < end; k++) out[to + k - start] = bytes[k]!
      else out.set(bytes.subarray(start, end), to)
    }
    return make({ valueOffsets, data: out })
  }
  if (type instanceof arrow.List || type instanceof arrow.Map_) {
    const offsets = data.valueOffsets as Int32Array
    const { valueOffsets, total } = takeOffsets(offsets, indices)
    // The child rows of the taken lists, in order: a list's elements stay contiguous, so the
    // child is taken with the concatenation of the source ranges (and new offsets from 0).
    const childIndices = new Int32Array(total)
    let at = 0
    for (let j = 0; j < length; j++) {
      const i = indices[j]!
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) childIndices[at++] = k
    }
    return make({ valueOffsets, child: takeRows(data.children[0]!, childIndices) })
  }
  if (type instanceof arrow.Struct) {
    // Struct children are row-aligned with the struct (each with its own offset): same indices.
    return make({ children: data.children.map((child) => takeSelected(child, indices, runs)) })
  }
  throw new TypeError(`takeRows: unsupported Arrow type ${typeName(type)}`)
}
