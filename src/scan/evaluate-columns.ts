/**
 * Column access for row evaluation: finding a column of a record batch by its logical path
 * (through struct children), its validity with the parents' folded in, and a reader of one row's
 * value as a `Scalar` (the representations of `protocol/partition-values.ts`).
 *
 * Buffers are read directly (apache-arrow's `Data.slice` conventions: validity and boolean bits
 * at `offset + i`, fixed-width values and offsets already sliced). Types are tested by type id,
 * never by subclass, because apache-arrow's IPC reader builds base classes (`Int`, `Date_`).
 */
import * as arrow from 'apache-arrow'
import { typeName } from '../engine/arrow-read.js'
import { InvalidArgumentError } from '../errors.js'
import { utf8Decode } from '../util/utf8.js'
import type { Scalar } from './expression.js'
import { formatColumnPath } from './predicate-bind.js'
import { UnknownColumnError } from './predicate-errors.js'

export interface ColumnView {
  readonly path: readonly string[]
  readonly data: arrow.Data
  /** 1 where the value (and every struct above it) is not NULL; undefined when none is NULL. */
  readonly valid: Uint8Array | undefined
}

const MS_PER_DAY = 86_400_000n

/** Validity bits of one level, or undefined when it has no NULLs. */
function levelValidity(data: arrow.Data): Uint8Array | undefined {
  const n = data.length
  // The Null type has no bitmap: every row is NULL.
  if (arrow.DataType.isNull(data.type)) return new Uint8Array(n)
  const bits = data.nullBitmap as Uint8Array | undefined
  if (bits === undefined || bits.length === 0 || data.nullCount <= 0) return undefined
  const out = new Uint8Array(n)
  const offset = data.offset
  for (let i = 0; i < n; i++) {
    const pos = offset + i
    out[i] = (bits[pos >> 3]! >> (pos & 7)) & 1
  }
  return out
}

/** A value is valid only when it and every struct above it are (Arrow keeps them separately). */
function andValidity(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!
  return out
}

function childIndex(type: arrow.Struct, name: string): number {
  const fields = type.children
  const exact = fields.findIndex((f) => f.name === name)
  if (exact >= 0) return exact
  // Spark resolves names ignoring case; accept that when it is unambiguous.
  const lower = name.toLowerCase()
  const matches = fields.flatMap((f, i) => (f.name.toLowerCase() === lower ? [i] : []))
  return matches.length === 1 ? matches[0]! : -1
}

function batchColumns(type: arrow.Struct, prefix: readonly string[]): string[] {
  return type.children.flatMap((f) => {
    const path = [...prefix, f.name]
    const nested = arrow.DataType.isStruct(f.type) ? batchColumns(f.type, path) : []
    return [formatColumnPath(path), ...nested]
  })
}

/** The column at `path` (logical names) of `batch`; throws `UnknownColumnError`. */
export function findColumn(batch: arrow.RecordBatch, path: readonly string[]): ColumnView {
  let data: arrow.Data = batch.data
  let valid: Uint8Array | undefined
  for (const name of path) {
    const type = data.type
    const index = arrow.DataType.isStruct(type) ? childIndex(type, name) : -1
    if (index < 0) {
      throw new UnknownColumnError(formatColumnPath(path), batchColumns(batch.data.type, []))
    }
    // The batch itself has no NULL rows; every struct on the way down may.
    if (data !== batch.data) valid = andValidity(valid, levelValidity(data))
    data = data.children[index]!
  }
  return { path, data, valid: andValidity(valid, levelValidity(data)) }
}

/** Signed 128/256-bit little-endian integer from 32-bit words. */
// Decimal128 (and 256) values are stored as little-endian two's complement 32-bit words.
function wordsToBigInt(words: Uint32Array, start: number, count: number): bigint {
  let value = BigInt(words[start + count - 1]! | 0) // the top word carries the sign
  for (let k = count - 2; k >= 0; k--) value = (value << 32n) | BigInt(words[start + k]!)
  return value
}

/**
 * A reader of row `i` as a Scalar, for rows that are valid. Throws `InvalidArgumentError` for
 * types a predicate cannot compare (lists, maps, structs, intervals).
 */
export function scalarReader(column: ColumnView): (i: number) => Scalar {
  const data = column.data
  const type = data.type
  const values: unknown = data.values
  if (arrow.DataType.isBool(type)) {
    const bits = values as Uint8Array
    const offset = data.offset
    return (i) => ((bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1) === 1
  }
  if (arrow.DataType.isInt(type)) {
    if (type.bitWidth === 64) {
      const big = values as BigInt64Array | BigUint64Array
      return (i) => big[i]!
    }
    const small = values as ArrayLike<number>
    return (i) => small[i]!
  }
  if (arrow.DataType.isFloat(type) && type.precision !== arrow.Precision.HALF) {
    const floats = values as Float32Array | Float64Array
    return (i) => floats[i]!
  }
  if (arrow.DataType.isDecimal(type)) {
    const words = values as Uint32Array
    const stride = type.bitWidth / 32
    const scale = type.scale
    return (i) => ({ unscaled: wordsToBigInt(words, i * stride, stride), scale })
  }
  if (arrow.DataType.isDate(type)) {
    if (type.unit === arrow.DateUnit.DAY) {
      const days = values as Int32Array
      return (i) => days[i]!
    }
    // Date64: milliseconds, always whole days by the Arrow spec.
    const ms = values as BigInt64Array
    return (i) => Number(floorDiv(ms[i]!, MS_PER_DAY))
  }
  if (arrow.DataType.isTimestamp(type)) {
    // Delta timestamps are microseconds; other units are converted exactly, nanoseconds floored
    // (a reader normally hands microseconds already).
    const raw = values as BigInt64Array
    switch (type.unit) {
      case arrow.TimeUnit.SECOND:
        return (i) => raw[i]! * 1_000_000n
      case arrow.TimeUnit.MILLISECOND:
        return (i) => raw[i]! * 1000n
      case arrow.TimeUnit.MICROSECOND:
        return (i) => raw[i]!
      default:
        return (i) => floorDiv(raw[i]!, 1000n)
    }
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) {
    const bytes = values as Uint8Array
    const offsets = data.valueOffsets as Int32Array | BigInt64Array
    return (i) => utf8Decode(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!)))
  }
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type)) {
    const bytes = values as Uint8Array
    const offsets = data.valueOffsets as Int32Array | BigInt64Array
    return (i) => bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!))
  }
  if (arrow.DataType.isFixedSizeBinary(type)) {
    const bytes = values as Uint8Array
    const width = type.byteWidth
    return (i) => bytes.subarray(i * width, (i + 1) * width)
  }
  // Views, dictionaries, half floats: through apache-arrow's own getters (slower, still exact).
  const vector = arrow.makeVector(data)
  return (i) => {
    const value: unknown = vector.get(i)
    if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'bigint' ||
      typeof value === 'boolean' ||
      value instanceof Uint8Array
    ) {
      return value
    }
    throw new InvalidArgumentError(
      `Column ${formatColumnPath(column.path)} has type ${typeName(type)}, which a filter cannot compare`,
    )
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}
