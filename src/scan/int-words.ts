/**
 * Exact arithmetic on the 64- and 128-bit integers inside Arrow buffers, done on their 32-bit
 * words.
 *
 * Why words and not BigInt: `BigInt64Array` hands out a fresh BigInt per element read, and every
 * multiplication allocates another; converting a column of timestamps that way costs ~10x more
 * than two float operations on the words. JavaScript doubles are exact below 2^53, which is
 * enough for every intermediate below (a 32-bit word times a factor of at most 10^6).
 * Decimal128 values are rare enough on the conversion path to go through BigInt.
 *
 * Layout (little-endian, as Arrow and every host we run on): value `i` of an Int64 column is
 * words `2i` (low, unsigned) and `2i + 1` (high, signed) of an `Int32Array` over its buffer; a
 * Decimal128 is four words, least significant first, two's complement.
 */

const TWO_32 = 4294967296

/** An `Int32Array` over the same memory as a 64-bit (or wider) typed array. */
export function wordsOf(values: ArrayBufferView): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2)
}

/**
 * Multiplies `length` int64 values (as words) by `factor` (1 < factor <= 10^6) into `out`.
 * Returns the index of the first value that overflows int64, or -1.
 */
export function multiplyInt64(
  words: Int32Array,
  factor: number,
  out: Int32Array,
  length: number,
): number {
  for (let i = 0; i < length; i++) {
    const lo = words[2 * i]! >>> 0
    const hi = words[2 * i + 1]!
    // lo * factor < 2^32 * 10^6 < 2^53: exact. Split it into a carry and the new low word.
    const low = lo * factor
    const carry = Math.floor(low / TWO_32)
    const high = hi * factor + carry
    if (high > 2147483647 || high < -2147483648) return i
    out[2 * i] = low - carry * TWO_32
    out[2 * i + 1] = high
  }
  return -1
}

/**
 * Floor-divides `length` int64 values (as words) by `divisor` (1 < divisor <= 10^6) into `out`:
 * rounding towards negative infinity, as Spark does when it drops sub-microsecond digits of a
 * pre-1970 timestamp.
 */
export function floorDivideInt64(
  words: Int32Array,
  divisor: number,
  out: Int32Array,
  length: number,
): void {
  for (let i = 0; i < length; i++) {
    const lo = words[2 * i]! >>> 0
    const hi = words[2 * i + 1]!
    // Long division in base 2^32: the high word first (floored, so its remainder is >= 0),
    // then the remainder joined with the low word (< divisor * 2^32 <= 2^52: exact).
    const qHigh = Math.floor(hi / divisor)
    const rest = (hi - qHigh * divisor) * TWO_32 + lo
    const qLow = Math.floor(rest / divisor) // < 2^32, so no carry into the high word
    out[2 * i] = qLow | 0
    out[2 * i + 1] = qHigh
  }
}

/** Sign-extends 32-bit (or narrower) integers into int64 words. */
export function widenToInt64(values: ArrayLike<number>, length: number): BigInt64Array {
  const out = new BigInt64Array(length)
  const words = wordsOf(out)
  for (let i = 0; i < length; i++) {
    const v = values[i]!
    words[2 * i] = v
    words[2 * i + 1] = v < 0 ? -1 : 0
  }
  return out
}

/** The signed 128-bit value at index `i` of Decimal128 words. */
export function readInt128(words: Uint32Array | Int32Array, i: number): bigint {
  const b = 4 * i
  const unsigned =
    (BigInt(words[b + 3]! >>> 0) << 96n) |
    (BigInt(words[b + 2]! >>> 0) << 64n) |
    (BigInt(words[b + 1]! >>> 0) << 32n) |
    BigInt(words[b]! >>> 0)
  return BigInt.asIntN(128, unsigned)
}

/** Writes a signed 128-bit value at index `i` of Decimal128 words. */
export function writeInt128(words: Uint32Array, i: number, value: bigint): void {
  let v = BigInt.asUintN(128, value)
  const b = 4 * i
  for (let k = 0; k < 4; k++) {
    words[b + k] = Number(v & 0xffffffffn)
    v >>= 32n
  }
}

/** 10^n as a bigint, memoised (scales are small: at most 38). */
const POWERS: bigint[] = []
export function pow10(n: number): bigint {
  return (POWERS[n] ??= 10n ** BigInt(n))
}
