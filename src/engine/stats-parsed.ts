/**
 * Conversions between Delta's JSON forms and the typed structs of a checkpoint:
 *
 * - write side: `add.stats` JSON -> `add.stats_parsed` values, and `add.partitionValues`
 *   strings -> `add.partitionValues_parsed` values (what Spark does with `from_json` and `cast`;
 *   like Spark with ANSI off, a value that does not parse becomes null rather than an error);
 * - read side: `add.stats_parsed` -> a stats JSON string, for checkpoints written with
 *   `delta.checkpoint.writeStatsAsJson=false`, so the layers above see one form of stats.
 *
 * The JSON written follows Spark's `to_json`: null fields omitted, timestamps as
 * `yyyy-MM-ddTHH:mm:ss.SSS` (with `Z` when the column is time-zone aware), dates as
 * `yyyy-MM-dd`, decimals as exact JSON numbers, NaN and infinities as strings.
 *
 * Values handed to the builders follow `arrow-build.ts`: Int64/Timestamp as number or bigint,
 * Date32 as days, Decimal128 as the unscaled bigint, Binary as bytes.
 */
import * as arrow from 'apache-arrow'
import { stringColumn, validity } from './arrow-read.js'

const MS_PER_DAY = 86_400_000

// apache-arrow's IPC reader builds `Date_` (not the `DateDay` subclass) for date columns read
// back from wasm, so type tests go by class and unit, never by the convenience subclasses.
function isDateDay(type: arrow.DataType): boolean {
  return type instanceof arrow.Date_ && type.unit === arrow.DateUnit.DAY
}

// ---------------------------------------------------------------------------------------------
// Text -> typed values

const DATE = /^([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})$/
const TIMESTAMP =
  /^([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/

function utcMillis(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null
  const date = new Date(0)
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(y, mo - 1, d)
  date.setUTCHours(h, mi, s, 0)
  // Reject rollovers such as 2021-02-30.
  if (date.getUTCDate() !== d) return null
  return date.getTime()
}

/** `yyyy-MM-dd` to days since the epoch. */
export function parseDate(text: string): number | null {
  const m = DATE.exec(text.trim())
  if (m === null) return null
  const ms = utcMillis(Number(m[1]), Number(m[2]), Number(m[3]))
  return ms === null ? null : Math.floor(ms / MS_PER_DAY)
}

/**
 * A timestamp (`yyyy-MM-dd HH:mm:ss[.ffffff]`, or ISO 8601 with `T` and an optional zone) to
 * microseconds since the epoch. Without a zone the text is read as UTC: that is how Delta
 * serializes both `timestamp` partition values and `timestamp_ntz` values.
 */
export function parseTimestampMicros(text: string): bigint | null {
  const m = TIMESTAMP.exec(text.trim())
  if (m === null) return null
  const ms = utcMillis(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
  )
  if (ms === null) return null
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6)
  let offsetMinutes = 0
  const zone = m[8]
  if (zone !== undefined && zone !== 'Z' && zone !== 'UTC') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'))
  }
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1000n + BigInt(fraction)
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** A decimal literal to its unscaled value at `scale`, rounding half up like Spark's cast. */
export function parseDecimal(text: string, precision: number, scale: number): bigint | null {
  const m = DECIMAL_TEXT.exec(text.trim())
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return null
  const digits = `${m[2]}${m[3] ?? ''}`
  // value = digits * 10^(exp - fractionLength); we want value * 10^scale.
  const shift = Number(m[4] ?? 0) - (m[3] ?? '').length + scale
  let unscaled: bigint
  if (shift >= 0) unscaled = BigInt(digits || '0') * 10n ** BigInt(shift)
  else {
    const divisor = 10n ** BigInt(-shift)
    const whole = BigInt(digits || '0')
    unscaled = whole / divisor + ((whole % divisor) * 2n >= divisor ? 1n : 0n)
  }
  if (unscaled >= 10n ** BigInt(precision)) return null
  return m[1] === '-' ? -unscaled : unscaled
}

function parseFloatText(text: string): number | null {
  const t = text.trim()
  if (t === 'NaN') return Number.NaN
  if (t === 'Infinity' || t === '+Infinity' || t === 'Inf') return Number.POSITIVE_INFINITY
  if (t === '-Infinity' || t === '-Inf') return Number.NEGATIVE_INFINITY
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null
  return Number(t)
}

const INT_RANGE: Readonly<Record<number, readonly [number, number]>> = {
  8: [-128, 127],
  16: [-32768, 32767],
  32: [-2147483648, 2147483647],
}

function parseInteger(text: string, bitWidth: number): number | bigint | null {
  const t = text.trim()
  if (!/^[+-]?\d+$/.test(t)) return null
  const big = BigInt(t)
  if (bitWidth === 64) {
    if (big < -(1n << 63n) || big >= 1n << 63n) return null
    return Number.isSafeInteger(Number(big)) ? Number(big) : big
  }
  const [lo, hi] = INT_RANGE[bitWidth] ?? [0, 0]
  return big < BigInt(lo) || big > BigInt(hi) ? null : Number(big)
}

/**
 * A serialized partition value (PROTOCOL.md "Partition Value Serialization") as the builder
 * value for `type`; null for a null or unparsable value.
 */
export function partitionValueToTyped(
  value: string | null | undefined,
  type: arrow.DataType,
): unknown {
  if (value === null || value === undefined) return null
  if (type instanceof arrow.Utf8) return value
  // An empty string is how Spark writes a null partition value for non-string columns.
  if (value === '') return null
  if (type instanceof arrow.Int) return parseInteger(value, type.bitWidth as number)
  if (type instanceof arrow.Float) {
    const f = parseFloatText(value)
    return f
  }
  if (type instanceof arrow.Bool) {
    const t = value.trim().toLowerCase()
    return t === 'true' ? true : t === 'false' ? false : null
  }
  if (isDateDay(type)) return parseDate(value)
  if (type instanceof arrow.Timestamp) return parseTimestampMicros(value)
  if (type instanceof arrow.Decimal) return parseDecimal(value, type.precision, type.scale)
  // Binary partition values are serialized one character per byte.
  if (type instanceof arrow.Binary) return Uint8Array.from(value, (c) => c.charCodeAt(0) & 0xff)
  return null
}

/**
 * Converts a value from parsed stats JSON to the builder value for a type; null (or the
 * undefined it was given) when it does not fit.
 */
export type JsonToTyped = (value: unknown) => unknown

/**
 * The converter for `type`, compiled once per column so that a million rows pay no type
 * dispatch. Values that are already what the builder takes (numbers for integers that fit,
 * strings, booleans, structs made only of such values) come back as they are, the same
 * object: stats of a checkpoint are converted once per file, and copying every parsed struct
 * was most of the cost. Anything that does not fit becomes null, as with Spark's `from_json`.
 */
export function jsonToTypedOf(type: arrow.DataType): JsonToTyped {
  if (type instanceof arrow.Struct) return structToTyped(type)
  if (type instanceof arrow.Utf8) return (v) => (v == null || typeof v === 'string' ? v : null)
  if (type instanceof arrow.Bool) return (v) => (v == null || typeof v === 'boolean' ? v : null)
  if (type instanceof arrow.Int) return intToTyped(type.bitWidth as number)
  if (type instanceof arrow.Float) {
    return (v) =>
      v == null || typeof v === 'number' ? v : typeof v === 'string' ? parseFloatText(v) : null
  }
  if (type instanceof arrow.Decimal) {
    const { precision, scale } = type
    // JSON.parse has already rounded long literals to a double; 15-16 significant digits survive.
    return (v) =>
      v == null
        ? v
        : typeof v === 'number' || typeof v === 'string'
          ? parseDecimal(String(v), precision, scale)
          : null
  }
  if (isDateDay(type)) return (v) => (v == null ? v : typeof v === 'string' ? parseDate(v) : null)
  if (type instanceof arrow.Timestamp) {
    return (v) => (v == null ? v : typeof v === 'string' ? parseTimestampMicros(v) : null)
  }
  // Binary, lists and maps have no JSON stats form.
  return (v) => (v == null ? v : null)
}

function intToTyped(bitWidth: number): JsonToTyped {
  const [lo, hi] = bitWidth === 64 ? [-Infinity, Infinity] : (INT_RANGE[bitWidth] ?? [0, 0])
  return (v) => {
    if (v == null) return v
    if (typeof v !== 'number' || !Number.isInteger(v)) return null
    if (Number.isSafeInteger(v)) return v >= lo && v <= hi ? v : null
    // Beyond 2^53 the double is the value JSON.parse rounded to; keep it if it fits 64 bits.
    return parseInteger(BigInt(v).toString(), bitWidth)
  }
}

function structToTyped(type: arrow.Struct): JsonToTyped {
  const names = type.children.map((f) => f.name)
  const fields = type.children.map((f) => jsonToTypedOf(f.type as arrow.DataType))
  return (v) => {
    if (v == null) return v
    if (typeof v !== 'object' || Array.isArray(v)) return null
    const record = v as Record<string, unknown>
    let out: Record<string, unknown> | undefined
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!
      const value = record[name]
      const typed = fields[k]!(value)
      if (typed === value || out !== undefined) {
        if (out !== undefined) out[name] = typed
        continue
      }
      // The first value that needed converting: copy the fields checked so far (extra keys
      // of the JSON are left behind, the builder reads only the struct's own).
      out = {}
      for (let j = 0; j < k; j++) out[names[j]!] = record[names[j]!]
      out[name] = typed
    }
    return out ?? record
  }
}

const compiled = new WeakMap<arrow.Struct, JsonToTyped>()

/** `add.stats` JSON to the value of an `add.stats_parsed` column of type `type`. */
export function statsJsonToParsed(stats: string | undefined, type: arrow.Struct): unknown {
  let convert = compiled.get(type)
  if (convert === undefined) {
    convert = jsonToTypedOf(type)
    compiled.set(type, convert)
  }
  if (stats === undefined) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(stats)
  } catch {
    return null // Spark's from_json yields null for malformed stats too
  }
  return convert(parsed) ?? null
}

// ---------------------------------------------------------------------------------------------
// Typed columns -> JSON text

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0')
  return n < 0 ? `-${s}` : s
}

/** Days since the epoch to `yyyy-MM-dd`. */
export function formatDate(days: number): string {
  const d = new Date(days * MS_PER_DAY)
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
}

/** Milliseconds since the epoch to `yyyy-MM-ddTHH:mm:ss.SSS` (UTC), plus `Z` if `zoned`. */
export function formatTimestampMillis(ms: number, zoned: boolean): string {
  const d = new Date(ms)
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`
  return `${date}T${time}${zoned ? 'Z' : ''}`
}

/** The shortest decimal text that reads back as the same float32 (what Spark prints). */
function float32Text(v: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const text = v.toPrecision(digits)
    if (Math.fround(Number(text)) === v) return String(Number(text))
  }
  return String(v)
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0')
  const text =
    scale === 0
      ? digits
      : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`
  return negative ? `-${text}` : text
}

/** Renders row `i` of a column as JSON text, or undefined for null (the key is then omitted). */
type JsonCell = (i: number) => string | undefined

const TIME_UNIT_PER_MS: Readonly<Record<number, bigint>> = { 0: 1n, 1: 1n, 2: 1000n, 3: 1_000_000n }

function jsonCells(data: arrow.Data): JsonCell | undefined {
  const type = data.type
  const isValid = validity(data)
  if (type instanceof arrow.Struct) {
    const fields = type.children
      .map((f, k) => ({ key: JSON.stringify(f.name), cell: jsonCells(data.children[k]!) }))
      .filter((f): f is { key: string; cell: JsonCell } => f.cell !== undefined)
    return (i) => {
      if (!isValid(i)) return undefined
      const parts: string[] = []
      for (const f of fields) {
        const v = f.cell(i)
        if (v !== undefined) parts.push(`${f.key}:${v}`)
      }
      return `{${parts.join(',')}}`
    }
  }
  if (type instanceof arrow.Utf8) {
    const values = stringColumn(data, 'stats_parsed')
    return (i) => {
      const v = values[i]
      return v === null || v === undefined ? undefined : JSON.stringify(v)
    }
  }
  if (type instanceof arrow.Bool) {
    return (i) => {
      if (!isValid(i)) return undefined
      const pos = data.offset + i
      return ((data.values as Uint8Array)[pos >> 3]! & (1 << (pos & 7))) !== 0 ? 'true' : 'false'
    }
  }
  if (type instanceof arrow.Int) {
    // Exact digits for any width: a JSON number may be longer than a double holds.
    const values = data.values as ArrayLike<number | bigint>
    return (i) => (isValid(i) ? String(values[i]) : undefined)
  }
  if (type instanceof arrow.Float) {
    const values = data.values as Float32Array | Float64Array
    const single = type.precision === arrow.Precision.SINGLE
    return (i) => {
      if (!isValid(i)) return undefined
      const v = values[i]!
      if (Number.isNaN(v)) return '"NaN"'
      if (!Number.isFinite(v)) return v > 0 ? '"Infinity"' : '"-Infinity"'
      return single ? float32Text(v) : String(v)
    }
  }
  if (type instanceof arrow.Date_) {
    // Date32 holds days; Date64 milliseconds (as int64).
    const days = type.unit === arrow.DateUnit.DAY
    const values = data.values as Int32Array | BigInt64Array
    return (i) =>
      isValid(i)
        ? `"${formatDate(days ? Number(values[i]) : Math.floor(Number(values[i]) / MS_PER_DAY))}"`
        : undefined
  }
  if (type instanceof arrow.Timestamp) {
    const values = data.values as BigInt64Array
    const perMs = TIME_UNIT_PER_MS[type.unit] ?? 1n
    const secondsUnit = type.unit === arrow.TimeUnit.SECOND
    // Nanosecond timestamps without a zone come from INT96, which Spark only uses for
    // time-zone-aware `timestamp` columns.
    // (`timezone` is undefined on a type built here, null on one read back through IPC.)
    const zoned =
      (typeof type.timezone === 'string' && type.timezone !== '') ||
      type.unit === arrow.TimeUnit.NANOSECOND
    return (i) => {
      if (!isValid(i)) return undefined
      const raw = values[i]!
      // Floor to milliseconds (Delta's stats precision); readers widen max bounds by 1 ms.
      const ms = secondsUnit ? raw * 1000n : raw / perMs - (raw % perMs < 0n ? 1n : 0n)
      return `"${formatTimestampMillis(Number(ms), zoned)}"`
    }
  }
  if (type instanceof arrow.Decimal) {
    const words = data.values as Uint32Array
    const stride = type.bitWidth / 32
    return (i) => {
      if (!isValid(i)) return undefined
      let u = 0n
      for (let w = stride - 1; w >= 0; w--) u = (u << 32n) | BigInt(words[i * stride + w]!)
      return decimalText(BigInt.asIntN(type.bitWidth, u), type.scale)
    }
  }
  // Binary, nested lists and maps have no JSON stats form: leave them out.
  return undefined
}

/**
 * Stats JSON strings synthesized from an `add.stats_parsed` column (null where it is null).
 * Field order follows the struct, which for Spark-written files is Delta's own order.
 */
export function statsParsedToJson(data: arrow.Data): (string | null)[] {
  const cells = jsonCells(data)
  const out = new Array<string | null>(data.length)
  for (let i = 0; i < data.length; i++) out[i] = cells?.(i) ?? null
  return out
}
