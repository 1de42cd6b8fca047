/**
 * Partition values: the strings in `add.partitionValues` (PROTOCOL.md "Partition Value
 * Serialization") and their typed values.
 *
 * Typed representation, one per Delta type (chosen so that every value is exact):
 *
 * | Delta type               | TypeScript value                                  |
 * | ------------------------ | ------------------------------------------------- |
 * | string                   | `string`                                          |
 * | long                     | `bigint` (64-bit exact)                           |
 * | integer, short, byte     | `number` (range-checked)                          |
 * | float, double            | `number` (float values are `Math.fround`-exact)   |
 * | boolean                  | `boolean`                                         |
 * | date                     | `number`: days since 1970-01-01                   |
 * | timestamp, timestamp_ntz | `bigint`: microseconds since 1970-01-01T00:00:00  |
 * | decimal(p, s)            | `DecimalValue` `{ unscaled: bigint, scale: s }`   |
 * | binary                   | `Uint8Array`                                      |
 * | NULL (any type)          | `null`                                            |
 *
 * On the wire NULL is `null` or the empty string (for every type, strings included).
 *
 * Timestamps: a value with no zone (`2021-09-08 11:11:11`, Spark's form) is, per spec, in the
 * *writer's* time zone, which the log does not record. We read it as UTC, as Kernel Java and
 * kernel-rs do; a table written by Spark in another session zone therefore reads shifted, and
 * nothing in the log can correct that. We always write the unambiguous ISO form with a `Z` and
 * six fraction digits, as the spec recommends.
 */

import { CorruptLogError, InvalidArgumentError } from '../errors.js'
import { utf8Decode, utf8Encode } from '../util/utf8.js'
import type { Where } from './action-validation.js'
import { formatDate, formatTimestampMicros, parseDate, parseTimestamp } from './datetime.js'
import {
  type DecimalValue,
  decimalPrecision,
  formatDecimal,
  parseDecimalText,
  rescaleDecimal,
} from './decimal.js'
import { stringifyJson } from './json-tree.js'
import type { AtomicType } from './schema.js'

export type PartitionValue = string | number | bigint | boolean | Uint8Array | DecimalValue | null

const INT_RANGES = {
  integer: [-2147483648, 2147483647],
  short: [-32768, 32767],
  byte: [-128, 127],
} as const

const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n
const INTEGER = /^[+-]?\d+$/
const FLOATING = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/

/**
 * Parses a serialized partition value as `type`. Invalid text throws `CorruptLogError` when
 * `where` names the log file, `InvalidArgumentError` otherwise.
 */
export function parsePartitionValue(
  raw: string | null | undefined,
  type: AtomicType,
  where?: Where,
): PartitionValue {
  if (raw === null || raw === undefined || raw === '') return null
  const fail = (): never => {
    const reason = `partition value ${JSON.stringify(raw)} is not a valid ${typeName(type)}`
    if (where !== undefined) throw new CorruptLogError(reason, where)
    throw new InvalidArgumentError(`Invalid ${reason}`)
  }
  switch (type.type) {
    case 'string':
      return raw
    case 'long': {
      if (!INTEGER.test(raw)) return fail()
      const v = BigInt(raw)
      return v < LONG_MIN || v > LONG_MAX ? fail() : v
    }
    case 'integer':
    case 'short':
    case 'byte': {
      if (!INTEGER.test(raw)) return fail()
      const v = Number(raw)
      const [min, max] = INT_RANGES[type.type]
      return v < min || v > max ? fail() : v
    }
    case 'float':
    case 'double': {
      const text = raw.trim()
      if (!FLOATING.test(text)) return fail()
      const v = Number(text.replace(/^([+-]?)NaN$/, 'NaN'))
      return type.type === 'float' ? Math.fround(v) : v
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase()
      return v === 'true' ? true : v === 'false' ? false : fail()
    }
    case 'date':
      return parseDate(raw) ?? fail()
    case 'timestamp':
      return parseTimestamp(raw)?.micros ?? fail()
    case 'timestamp_ntz': {
      const parsed = parseTimestamp(raw)
      // A wall-clock value may carry `Z` (some writers add it) but not a real offset.
      if (parsed === undefined || (parsed.hasZone && !/z$/i.test(raw.trim()))) return fail()
      return parsed.micros
    }
    case 'decimal': {
      const parsed = parseDecimalText(raw)
      if (parsed === undefined) return fail()
      const value = rescaleDecimal(parsed, type.scale)
      if (value === undefined || decimalPrecision(value) > type.precision) return fail()
      return value
    }
    case 'binary':
      // Spark casts the string to binary as its UTF-8 bytes.
      return utf8Encode(raw)
    case 'void':
      return null
    case 'variant':
      return fail() // variant cannot be a partition column
  }
}

/**
 * Serializes a typed partition value for `add.partitionValues`; `null` stays `null`. A value of
 * the wrong JavaScript type for `type` throws `InvalidArgumentError`.
 */
export function serializePartitionValue(value: PartitionValue, type: AtomicType): string | null {
  if (value === null) return null
  const wrong = (): never => {
    throw new InvalidArgumentError(
      `A ${typeName(type)} partition value cannot be ${describeValue(value)}`,
    )
  }
  switch (type.type) {
    case 'string':
      // The empty string would read back as NULL; Spark writes it as null too.
      return typeof value === 'string' ? (value === '' ? null : value) : wrong()
    case 'long':
      if (typeof value !== 'bigint' || value < LONG_MIN || value > LONG_MAX) return wrong()
      return value.toString()
    case 'integer':
    case 'short':
    case 'byte': {
      const [min, max] = INT_RANGES[type.type]
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
        return wrong()
      return String(value)
    }
    case 'double':
      return typeof value === 'number' ? formatJavaDouble(value) : wrong()
    case 'float':
      return typeof value === 'number' ? formatJavaFloat(value) : wrong()
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : wrong()
    case 'date':
      return typeof value === 'number' && Number.isInteger(value) ? formatDate(value) : wrong()
    case 'timestamp':
      if (typeof value !== 'bigint') return wrong()
      return formatTimestampMicros(value, { separator: 'T', fraction: 'micros', zone: 'Z' })
    case 'timestamp_ntz':
      if (typeof value !== 'bigint') return wrong()
      // Spark's form for wall-clock values: space separator, fraction only when non-zero.
      return formatTimestampMicros(value, { separator: ' ', fraction: 'trim', zone: '' })
    case 'decimal': {
      if (!isDecimalValue(value)) return wrong()
      const scaled = rescaleDecimal(value, type.scale)
      if (scaled === undefined || decimalPrecision(scaled) > type.precision) return wrong()
      return formatDecimal(scaled)
    }
    case 'binary': {
      if (!(value instanceof Uint8Array)) return wrong()
      try {
        return utf8Decode(value)
      } catch {
        // Readers recover the bytes as the UTF-8 encoding of the string, so only valid UTF-8
        // survives a round trip; refuse rather than write a value that reads back different.
        throw new InvalidArgumentError('A binary partition value must be valid UTF-8 to round-trip')
      }
    }
    case 'void':
      return null
    case 'variant':
      return wrong()
  }
}

function isDecimalValue(value: unknown): value is DecimalValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DecimalValue).unscaled === 'bigint' &&
    typeof (value as DecimalValue).scale === 'number'
  )
}

function typeName(type: AtomicType): string {
  return type.type === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.type
}

function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return 'a Uint8Array'
  if (typeof value === 'bigint') return `the bigint ${value}`
  return `${typeof value} ${stringifyJson(value)}`
}

/**
 * A double as Java's `Double.toString` writes it (Spark's partition form): `1.0`, `0.001`,
 * `1.0E7`, `1.0E-4`, `NaN`, `Infinity`, `-0.0`. JavaScript's shortest round-trip digits are used,
 * which is what Java 19+ prints and what older Java prints for all but rare values.
 */
export function formatJavaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(x)
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x)
    return s.includes('.') ? s : `${s}.0`
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string]
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`
}

/** A float as Java's `Float.toString`: the shortest digits that read back as the same float. */
export function formatJavaFloat(x: number): string {
  const f = Math.fround(x)
  if (!Number.isFinite(f) || f === 0) return formatJavaDouble(f)
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits))
    if (Math.fround(candidate) === f) return formatJavaDouble(candidate)
  }
  return formatJavaDouble(f)
}
