/**
 * Leaf column builders (strings, bytes, booleans, numbers, 64-bit integers, decimals) and the
 * bookkeeping they share; `arrow-build.ts` composes them into structs, maps and lists.
 *
 * Each keeps its values in a growable typed array (or, for strings and bytes, a dense array of
 * the valid values) plus a validity bitmap, and hands them to `makeData` once at `finish`.
 */
import * as arrow from 'apache-arrow'
import { InvalidArgumentError } from '../errors.js'

export interface ColumnBuilder {
  readonly length: number
  append(value: unknown): void
  /** Appends `count` nulls at once (cheap: no per-row work for fixed-width columns). */
  appendNulls(count: number): void
  /** Pads to `length` with nulls and builds the column. Call once. */
  finish(length: number): arrow.Data
}

const encoder = new TextEncoder()

/** A validity bitmap: bits start at 0 (null) and are set for valid values. */
export class Validity {
  private bits = new Uint8Array(64)
  nulls = 0

  private ensure(bitCount: number): void {
    const bytes = (bitCount + 7) >> 3
    if (bytes <= this.bits.length) return
    const next = new Uint8Array(Math.max(this.bits.length * 2, bytes))
    next.set(this.bits)
    this.bits = next
  }

  setValid(i: number): void {
    this.ensure(i + 1)
    this.bits[i >> 3]! |= 1 << (i & 7)
  }

  isValid(i: number): boolean {
    return this.nulls === 0 || (this.bits[i >> 3]! & (1 << (i & 7))) !== 0
  }

  /** The bitmap for `length` values, or undefined when every value is valid. */
  bitmap(length: number): Uint8Array | undefined {
    if (this.nulls === 0) return undefined
    this.ensure(length)
    return this.bits.subarray(0, (length + 7) >> 3)
  }
}

export function invalid(path: string, what: string, value: unknown): never {
  const shown = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value))
  throw new InvalidArgumentError(`Cannot write ${path}: expected ${what}, got ${shown}`)
}

/** Shared bookkeeping: row count and validity. */
export abstract class Base implements ColumnBuilder {
  length = 0
  protected readonly valid = new Validity()
  constructor(protected readonly path: string) {}

  abstract append(value: unknown): void
  protected abstract build(): arrow.Data

  appendNulls(count: number): void {
    this.length += count
    this.valid.nulls += count
  }

  /** Records a null at the next row (`append` ends with `return this.nullRow()`). */
  protected nullRow(): void {
    this.length++
    this.valid.nulls++
  }

  /** Marks the next row valid and returns its index. */
  protected validRow(): number {
    const i = this.length++
    this.valid.setValid(i)
    return i
  }

  finish(length: number): arrow.Data {
    if (length > this.length) this.appendNulls(length - this.length)
    return this.build()
  }

  protected get nullProps(): {
    length: number
    nullCount: number
    nullBitmap: Uint8Array | undefined
  } {
    return {
      length: this.length,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.bitmap(this.length),
    }
  }
}

/**
 * Valid strings are kept densely (nulls only exist in the bitmap), with their UTF-16 offsets
 * computed as they arrive: for ASCII columns those are the byte offsets.
 */
export class Utf8Builder extends Base {
  private readonly values: string[] = []
  private charOffsets = new Int32Array(64)
  private chars = 0
  private ensure(rows: number): void {
    if (rows + 1 <= this.charOffsets.length) return
    const next = new Int32Array(Math.max(this.charOffsets.length * 2, rows + 1))
    next.set(this.charOffsets)
    this.charOffsets = next
  }
  override appendNulls(count: number): void {
    this.ensure(this.length + count)
    this.charOffsets.fill(this.chars, this.length + 1, this.length + 1 + count)
    super.appendNulls(count)
  }
  append(value: unknown): void {
    this.ensure(this.length + 1)
    if (value === null || value === undefined) {
      this.charOffsets[this.length + 1] = this.chars
      return this.nullRow()
    }
    if (typeof value !== 'string') invalid(this.path, 'a string', value)
    this.values.push(value)
    this.chars += value.length
    this.charOffsets[this.length + 1] = this.chars
    this.validRow()
  }
  protected build(): arrow.Data {
    const n = this.length
    const values = this.values
    // One join + one encode is much faster than n encodes. When every string is ASCII the byte
    // offsets are the character offsets; otherwise encode string by string.
    const joined = values.join('')
    let data = encoder.encode(joined)
    if (data.length > 0x7fffffff) {
      throw new InvalidArgumentError(`Column ${this.path} exceeds 2 GiB in one batch`)
    }
    let offsets: Int32Array
    if (data.length === joined.length) offsets = this.charOffsets.slice(0, n + 1)
    else {
      data = new Uint8Array(data.length)
      offsets = new Int32Array(n + 1)
      let at = 0
      let k = 0
      for (let i = 0; i < n; i++) {
        if (this.valid.isValid(i)) at += encoder.encodeInto(values[k++]!, data.subarray(at)).written
        offsets[i + 1] = at
      }
    }
    return arrow.makeData({
      ...this.nullProps,
      type: new arrow.Utf8(),
      valueOffsets: offsets,
      data,
    })
  }
}

export class BinaryBuilder extends Base {
  private readonly values: Uint8Array[] = []
  private bytes = 0
  append(value: unknown): void {
    if (value === null || value === undefined) return this.nullRow()
    if (!(value instanceof Uint8Array)) invalid(this.path, 'bytes', value)
    this.values.push(value)
    this.bytes += value.length
    this.validRow()
  }
  protected build(): arrow.Data {
    const n = this.length
    const offsets = new Int32Array(n + 1)
    const data = new Uint8Array(this.bytes)
    let at = 0
    let k = 0
    for (let i = 0; i < n; i++) {
      if (this.valid.isValid(i)) {
        const v = this.values[k++]!
        data.set(v, at)
        at += v.length
      }
      offsets[i + 1] = at
    }
    return arrow.makeData({
      ...this.nullProps,
      type: new arrow.Binary(),
      valueOffsets: offsets,
      data,
    })
  }
}

export class BoolBuilder extends Base {
  private readonly bits = new Validity() // a plain growable bit vector for the values
  append(value: unknown): void {
    if (value === null || value === undefined) return this.nullRow()
    if (typeof value !== 'boolean') invalid(this.path, 'a boolean', value)
    const i = this.validRow()
    if (value) this.bits.setValid(i)
  }
  protected build(): arrow.Data {
    this.bits.nulls = 1 // force a full-length bitmap even when every value is true
    const data = this.bits.bitmap(this.length)!
    return arrow.makeData({ ...this.nullProps, type: new arrow.Bool(), data })
  }
}

export type NumericType =
  arrow.Int8 | arrow.Int16 | arrow.Int32 | arrow.Float32 | arrow.Float64 | arrow.DateDay

/** Int8/16/32, Float32/64 and Date32 (days): values fit a JS number exactly. */
export class NumberBuilder extends Base {
  private values = new Float64Array(64)
  private readonly min: number
  private readonly max: number
  constructor(
    private readonly type: NumericType,
    path: string,
  ) {
    super(path)
    const bits = type instanceof arrow.Int ? type.bitWidth : 0
    this.min = bits === 0 ? -Infinity : -(2 ** (bits - 1))
    this.max = bits === 0 ? Infinity : 2 ** (bits - 1) - 1
  }
  private ensure(n: number): void {
    if (n <= this.values.length) return
    const next = new Float64Array(Math.max(this.values.length * 2, n))
    next.set(this.values)
    this.values = next
  }
  override appendNulls(count: number): void {
    this.ensure(this.length + count)
    super.appendNulls(count)
  }
  append(value: unknown): void {
    this.ensure(this.length + 1)
    if (value === null || value === undefined) return this.nullRow()
    if (typeof value !== 'number') invalid(this.path, 'a number', value)
    if (this.min !== -Infinity || this.type instanceof arrow.DateDay) {
      if (!Number.isInteger(value) || value < this.min || value > this.max)
        invalid(this.path, `an integer in [${this.min}, ${this.max}]`, value)
    }
    this.values[this.validRow()] = value
  }
  protected build(): arrow.Data {
    const values = this.values.subarray(0, this.length)
    const base = this.nullProps
    // One branch per type so each `makeData` call gets its precise props type.
    const t = this.type
    if (t instanceof arrow.Int8)
      return arrow.makeData({ ...base, type: t, data: Int8Array.from(values) })
    if (t instanceof arrow.Int16)
      return arrow.makeData({ ...base, type: t, data: Int16Array.from(values) })
    if (t instanceof arrow.Int32)
      return arrow.makeData({ ...base, type: t, data: Int32Array.from(values) })
    if (t instanceof arrow.DateDay)
      return arrow.makeData({ ...base, type: t, data: Int32Array.from(values) })
    if (t instanceof arrow.Float32)
      return arrow.makeData({ ...base, type: t, data: Float32Array.from(values) })
    return arrow.makeData({ ...base, type: t, data: Float64Array.from(values) })
  }
}

const TWO_32 = 4294967296

/** Int64 and Timestamp: 64-bit integers from numbers or bigints, as little-endian word pairs. */
export class BigIntBuilder extends Base {
  private words = new Int32Array(128)
  constructor(
    private readonly type: arrow.Int64 | arrow.Timestamp,
    path: string,
  ) {
    super(path)
  }
  private ensure(n: number): void {
    if (2 * n <= this.words.length) return
    const next = new Int32Array(Math.max(this.words.length * 2, 2 * n))
    next.set(this.words)
    this.words = next
  }
  override appendNulls(count: number): void {
    this.ensure(this.length + count)
    super.appendNulls(count)
  }
  append(value: unknown): void {
    this.ensure(this.length + 1)
    if (value === null || value === undefined) return this.nullRow()
    if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
      // The common case (sizes, times) without a BigInt.
      const i = this.validRow()
      const lo = value % TWO_32
      this.words[2 * i] = lo | 0
      this.words[2 * i + 1] = (value - lo) / TWO_32
      return
    }
    let big: bigint
    if (typeof value === 'bigint') big = value
    else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value)
    else invalid(this.path, 'a 64-bit integer (a safe integer number or a bigint)', value)
    if (big < -(1n << 63n) || big >= 1n << 63n) invalid(this.path, 'a 64-bit integer', value)
    const u = BigInt.asUintN(64, big)
    const i = this.validRow()
    this.words[2 * i] = Number(u & 0xffffffffn) | 0
    this.words[2 * i + 1] = Number(u >> 32n) | 0
  }
  protected build(): arrow.Data {
    const data = new BigInt64Array(this.words.buffer.slice(0, this.length * 8))
    const base = { ...this.nullProps, data }
    const t = this.type
    return t instanceof arrow.Int64
      ? arrow.makeData({ ...base, type: t })
      : arrow.makeData({ ...base, type: t })
  }
}

/** Decimal128 from unscaled bigints. */
export class DecimalBuilder extends Base {
  private readonly values: bigint[] = []
  constructor(
    private readonly type: arrow.Decimal,
    path: string,
  ) {
    super(path)
  }
  append(value: unknown): void {
    if (value === null || value === undefined) return this.nullRow()
    if (typeof value !== 'bigint') invalid(this.path, 'an unscaled decimal bigint', value)
    this.values.push(value)
    this.validRow()
  }
  protected build(): arrow.Data {
    const n = this.length
    const words = new Uint32Array(n * 4)
    let k = 0
    for (let i = 0; i < n; i++) {
      if (!this.valid.isValid(i)) continue
      const u = BigInt.asUintN(128, this.values[k++]!)
      for (let w = 0; w < 4; w++) words[4 * i + w] = Number((u >> BigInt(32 * w)) & 0xffffffffn)
    }
    return arrow.makeData({ ...this.nullProps, type: this.type, data: words })
  }
}
