/**
 * Casting a leaf column from the Arrow type parquet-wasm decoded to the Arrow type of the table
 * schema (`arrow-types.ts`). Three reasons the two differ:
 *
 * - Type widening (PROTOCOL.md "Type Widening"): files written before `ALTER COLUMN ... TYPE`
 *   keep the old type. Allowed: byte -> short -> int -> long; float -> double;
 *   byte/short/int -> double; date -> timestamp_ntz; decimal(p, s) -> decimal(p + k1, s + k2)
 *   with k1 >= k2 >= 0; byte/short/int -> decimal(10 + k1, k2); long -> decimal(20 + k1, k2).
 *   Values convert as Spark's casts do (float -> double keeps the float's exact binary value,
 *   3.4f reads as 3.4000000953674316; a date becomes its midnight).
 * - Timestamp encodings: Spark's legacy INT96 (its raw bytes, see `int96.ts`), TIMESTAMP_MILLIS,
 *   TIMESTAMP_MICROS and NANOS all become microseconds. Sub-microsecond digits are floored, as
 *   Spark's INT96 conversion does; a millisecond value too large for microseconds is an error,
 *   never a wrapped value. The zone comes from the table type, not the file (an instant and a
 *   wall-clock value have the same number).
 * - Lax writers: a `string` column stored as BYTE_ARRAY without the UTF8 annotation (and the
 *   reverse) is the same bytes.
 *
 * A converter is chosen once per file and column (`leafConverter`) and then run per batch; a
 * combination not listed is `undefined`, which the caller reports as a corrupt file.
 */
import * as arrow from 'apache-arrow'
import type { DataProps } from 'apache-arrow/data'
import type { DataType } from '../protocol/schema.js'
import { nullData } from './arrow-constant.js'
import { int96ToMicros, isInt96Bytes } from './int96.js'
import { arrowType } from './arrow-types.js'
import {
  floorDivideInt64,
  multiplyInt64,
  pow10,
  readInt128,
  widenToInt64,
  wordsOf,
  writeInt128,
} from './int-words.js'

/** Converts one batch's column; throws `RangeError` naming the row when a value cannot fit. */
export type LeafConverter = (data: arrow.Data) => arrow.Data

const MICROS_PER_DAY = 86_400_000_000
// Factor from each Arrow time unit to microseconds (> 1: multiply; < 1: divide).
const TO_MICROS: Record<arrow.TimeUnit, number> = {
  [arrow.TimeUnit.SECOND]: 1_000_000,
  [arrow.TimeUnit.MILLISECOND]: 1_000,
  [arrow.TimeUnit.MICROSECOND]: 1,
  [arrow.TimeUnit.NANOSECOND]: 1 / 1_000,
}

/** New fixed-width data of `type` with the validity of `data` (offset kept for the bitmap). */
function withValues(data: arrow.Data, type: arrow.DataType, values: ArrayBufferView): arrow.Data {
  return arrow.makeData({
    type,
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    nullBitmap: data.nullBitmap,
    data: values,
  } as DataProps<arrow.DataType>)
}

/** The same buffers under another type (identical physical layout). */
function relabel(type: arrow.DataType): LeafConverter {
  return (data) => data.clone(type)
}

const SIGNED_INT_BITS: Partial<Record<DataType['type'], number>> = {
  byte: 8,
  short: 16,
  integer: 32,
  long: 64,
}

// Widening copies into a fresh array of the wider type; the validity bitmap is shared as is.
function intToLong(target: arrow.DataType): LeafConverter {
  return (data) => withValues(data, target, widenToInt64(data.values as Int32Array, data.length))
}

function toFloat64(target: arrow.DataType): LeafConverter {
  return (data) => withValues(data, target, Float64Array.from(data.values as ArrayLike<number>))
}

function scaleTimestamps(target: arrow.DataType, factor: number): LeafConverter {
  if (factor === 1) return relabel(target)
  return (data) => {
    const n = data.length
    const out = new BigInt64Array(n)
    const words = wordsOf(data.values as BigInt64Array)
    if (factor > 1) {
      const bad = multiplyInt64(words, factor, wordsOf(out), n)
      // Rows that are null may hold garbage; only a valid row's overflow is an error.
      if (bad >= 0 && data.getValid(bad)) {
        throw new RangeError(`timestamp at row ${bad} is out of range in microseconds`)
      }
    } else {
      floorDivideInt64(words, Math.round(1 / factor), wordsOf(out), n)
    }
    return withValues(data, target, out)
  }
}

// Spark casts a date to timestamp_ntz as midnight of that day (no zone involved).
function dateToTimestamp(target: arrow.DataType): LeafConverter {
  return (data) => {
    const n = data.length
    const days = data.values as Int32Array
    const out = new BigInt64Array(n)
    const words = wordsOf(out)
    // days * 86400 is exact as a double; write it as int64 words, then scale by 10^6 exactly.
    for (let i = 0; i < n; i++) {
      const seconds = days[i]! * 86_400
      const hi = Math.floor(seconds / 4294967296)
      words[2 * i] = seconds - hi * 4294967296
      words[2 * i + 1] = hi
    }
    multiplyInt64(words, MICROS_PER_DAY / 86_400, words, n)
    return withValues(data, target, out)
  }
}

/** Integers (any signed width) to decimal(p, s): the value times 10^s. */
function intToDecimal(target: arrow.Decimal): LeafConverter {
  const factor = pow10(target.scale)
  return (data) => {
    const n = data.length
    const out = new Uint32Array(4 * n)
    const values = data.values as ArrayLike<number | bigint>
    for (let i = 0; i < n; i++) writeInt128(out, i, BigInt(values[i]!) * factor)
    return withValues(data, target, out)
  }
}

function rescaleDecimal(target: arrow.Decimal, fromScale: number): LeafConverter {
  // Same scale: the unscaled values are already right; only the precision label changes.
  if (fromScale === target.scale) return relabel(target)
  const factor = pow10(target.scale - fromScale)
  return (data) => {
    const n = data.length
    const src = data.values as Uint32Array
    const out = new Uint32Array(4 * n)
    for (let i = 0; i < n; i++) writeInt128(out, i, readInt128(src, i) * factor)
    return withValues(data, target, out)
  }
}

/**
 * How to read a file column of Arrow type `file` as the Delta type `target` (a leaf: not a
 * struct, array, map or variant), or `undefined` when the file type cannot be read as it.
 */
export function leafConverter(file: arrow.DataType, target: DataType): LeafConverter | undefined {
  const out = arrowType(target)
  if (target.type === 'void') return (data) => nullData(out, data.length)
  const targetBits = SIGNED_INT_BITS[target.type]
  if (targetBits !== undefined) {
    if (!(file instanceof arrow.Int) || !file.isSigned || file.bitWidth > targetBits)
      return undefined
    if (file.bitWidth === targetBits) return relabel(out)
    if (targetBits === 64) return intToLong(out)
    const ArrayType = target.type === 'short' ? Int16Array : Int32Array
    return (data) => withValues(data, out, ArrayType.from(data.values as Int8Array))
  }
  switch (target.type) {
    case 'float':
      return file instanceof arrow.Float && file.precision === arrow.Precision.SINGLE
        ? relabel(out)
        : undefined
    case 'double':
      if (file instanceof arrow.Float) {
        if (file.precision === arrow.Precision.DOUBLE) return relabel(out)
        return file.precision === arrow.Precision.SINGLE ? toFloat64(out) : undefined
      }
      // byte/short/int -> double (not long: it would lose digits, and Delta does not allow it).
      return file instanceof arrow.Int && file.isSigned && file.bitWidth <= 32
        ? toFloat64(out)
        : undefined
    case 'boolean':
      return file instanceof arrow.Bool ? relabel(out) : undefined
    case 'string':
    case 'binary':
      return file instanceof arrow.Utf8 || file instanceof arrow.Binary ? relabel(out) : undefined
    case 'date':
      return file instanceof arrow.Date_ && file.unit === arrow.DateUnit.DAY
        ? relabel(out)
        : undefined
    case 'timestamp':
    case 'timestamp_ntz':
      if (file instanceof arrow.Timestamp) return scaleTimestamps(out, TO_MICROS[file.unit])
      // Spark's INT96, kept as its raw 12 bytes by `int96.ts` (arrow-rs would overflow it).
      if (isInt96Bytes(file)) return (data) => withValues(data, out, int96ToMicros(data))
      return target.type === 'timestamp_ntz' &&
        file instanceof arrow.Date_ &&
        file.unit === arrow.DateUnit.DAY
        ? dateToTimestamp(out)
        : undefined
    case 'decimal': {
      const decimal = new arrow.Decimal(target.scale, target.precision, 128)
      if (file instanceof arrow.Decimal) {
        const intDigits = file.precision - file.scale
        const fits =
          file.bitWidth === 128 &&
          file.scale <= target.scale &&
          intDigits <= target.precision - target.scale
        return fits ? rescaleDecimal(decimal, file.scale) : undefined
      }
      if (file instanceof arrow.Int && file.isSigned) {
        // The integer digits must fit: 10 for byte/short/int (the widening rule), 20 for long.
        const needed = file.bitWidth === 64 ? 20 : 10
        return target.precision - target.scale >= needed ? intToDecimal(decimal) : undefined
      }
      return undefined
    }
    default:
      return undefined
  }
}
