/**
 * Columns that do not come from a data file: all-null columns (a column the file predates, a
 * `void` column, a NULL partition value) and constant columns (partition values, which live only
 * in the log and hold one value per file).
 *
 * Both are built straight into typed arrays (a fill, or a repeated byte pattern for strings):
 * a partition column is materialised once per output batch, so it must cost next to nothing.
 */
import * as arrow from 'apache-arrow'
import type { DataProps } from 'apache-arrow/data'
import { InvalidArgumentError } from '../errors.js'
import { rescaleDecimal } from '../protocol/decimal.js'
import type { PartitionValue } from '../protocol/partition-values.js'
import type { AtomicType } from '../protocol/schema.js'
import { utf8Encode } from '../util/utf8.js'
import { arrowType, typeOf } from './arrow-types.js'
import { writeInt128 } from './int-words.js'

/** An all-null column of any Arrow type, nested types included. */
export function nullData(type: arrow.DataType, length: number): arrow.Data {
  const nullBitmap = new Uint8Array((length + 7) >> 3)
  const common = { type, length, nullCount: length, nullBitmap }
  if (type instanceof arrow.Null) return arrow.makeData({ type, length })
  if (type instanceof arrow.Struct) {
    return arrow.makeData({
      ...common,
      type,
      children: type.children.map((f) => nullData(typeOf(f), length)),
    })
  }
  if (type instanceof arrow.List || type instanceof arrow.Map_) {
    // Every list is empty: offsets all zero, an empty child. (Readers that ignore validity
    // then still see empty lists, never garbage.)
    const child = nullData(type.children[0]!.type as arrow.DataType, 0)
    const valueOffsets = new Int32Array(length + 1)
    return type instanceof arrow.List
      ? arrow.makeData({ ...common, type, valueOffsets, child })
      : arrow.makeData({ ...common, type, valueOffsets, child })
  }
  if (type instanceof arrow.Utf8 || type instanceof arrow.Binary) {
    const valueOffsets = new Int32Array(length + 1)
    const data = new Uint8Array(0)
    return type instanceof arrow.Utf8
      ? arrow.makeData({ ...common, type, valueOffsets, data })
      : arrow.makeData({ ...common, type, valueOffsets, data })
  }
  if (type instanceof arrow.Bool) {
    // A bitmap like validity: one bit per row, all false.
    return arrow.makeData({ ...common, type, data: new Uint8Array((length + 7) >> 3) })
  }
  // Fixed width: Int, Float, Date, Timestamp, Decimal. Zeroed values of the full length, so
  // that code reading values without looking at validity never runs off the end.
  const stride = type instanceof arrow.Decimal ? type.bitWidth / 32 : 1
  const ArrayType = type.ArrayType as new (n: number) => ArrayBufferView
  const data = new ArrayType(length * stride)
  return arrow.makeData({ ...common, type, data } as DataProps<arrow.DataType>)
}

/** `length` copies of `bytes` as a Utf8 (or else Binary) column. */
function repeatedBytes(utf8: boolean, bytes: Uint8Array, length: number): arrow.Data {
  const size = bytes.length
  // Utf8/Binary offsets are int32: a repeated value must fit in 2 GiB per batch.
  if (size * length > 0x7fffffff) {
    throw new InvalidArgumentError(
      `a partition value of ${size} bytes repeated ${length} times exceeds Arrow's 2 GiB string limit; use a smaller batchSize`,
    )
  }
  const valueOffsets = new Int32Array(length + 1)
  for (let i = 1; i <= length; i++) valueOffsets[i] = i * size
  const data = new Uint8Array(size * length)
  if (size > 0 && length > 0) {
    data.set(bytes, 0)
    // Doubling copies: log2(length) calls instead of one per row.
    for (let filled = size; filled < data.length; filled *= 2) {
      data.copyWithin(filled, 0, Math.min(filled, data.length - filled))
    }
  }
  return utf8
    ? arrow.makeData({ type: new arrow.Utf8(), length, nullCount: 0, valueOffsets, data })
    : arrow.makeData({ type: new arrow.Binary(), length, nullCount: 0, valueOffsets, data })
}

function wrongValue(type: AtomicType, value: PartitionValue): never {
  const shown = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
  throw new InvalidArgumentError(`partition value ${shown} is not a ${type.type} value`)
}

/**
 * A column of `length` copies of a typed partition value (as `protocol/partition-values.ts`
 * represents them) for a Delta type; `null` gives an all-null column.
 */
export function constantData(type: AtomicType, value: PartitionValue, length: number): arrow.Data {
  const target = arrowType(type)
  // A NULL partition value (or a void column) is an all-null column of the column's type.
  if (value === null || type.type === 'void') return nullData(target, length)
  const fixed = (t: arrow.DataType, data: ArrayBufferView): arrow.Data =>
    arrow.makeData({ type: t, length, nullCount: 0, data } as DataProps<arrow.DataType>)
  switch (type.type) {
    case 'string':
      if (typeof value !== 'string') return wrongValue(type, value)
      return repeatedBytes(true, utf8Encode(value), length)
    case 'binary':
      if (!(value instanceof Uint8Array)) return wrongValue(type, value)
      return repeatedBytes(false, value, length)
    case 'boolean':
      if (typeof value !== 'boolean') return wrongValue(type, value)
      return fixed(target, new Uint8Array((length + 7) >> 3).fill(value ? 0xff : 0))
    case 'byte':
    case 'short':
    case 'integer':
    case 'date':
    case 'float':
    case 'double': {
      if (typeof value !== 'number') return wrongValue(type, value)
      const Array = {
        byte: Int8Array,
        short: Int16Array,
        integer: Int32Array,
        date: Int32Array,
        float: Float32Array,
        double: Float64Array,
      }[type.type]
      return fixed(target, new Array(length).fill(value))
    }
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz':
      // 64-bit values are bigints (microseconds for timestamps): exact, whatever the magnitude.
      if (typeof value !== 'bigint') return wrongValue(type, value)
      return fixed(target, new BigInt64Array(length).fill(value))
    case 'decimal': {
      if (typeof value !== 'object' || value instanceof Uint8Array) return wrongValue(type, value)
      // The log's text may carry fewer fraction digits than the column's scale (`1.5` for a
      // decimal(10,3) column): rescale to the column's scale, exactly, before writing.
      const scaled = rescaleDecimal(value, type.scale)
      if (scaled === undefined) return wrongValue(type, value)
      const words = new Uint32Array(4 * length)
      if (length > 0) {
        writeInt128(words, 0, scaled.unscaled)
        for (let filled = 4; filled < words.length; filled *= 2) {
          words.copyWithin(filled, 0, Math.min(filled, words.length - filled))
        }
      }
      return fixed(target, words)
    }
    case 'variant':
      return wrongValue(type, value)
  }
}
