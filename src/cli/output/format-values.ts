/**
 * Arrow values as JSON values: the `scan --format jsonl` contract (README, "Row format").
 *
 * | Arrow (Delta)                 | JSON                                                    |
 * | ----------------------------- | ------------------------------------------------------- |
 * | Int8..Int64 (byte..long)      | number when |n| <= 2^53 - 1, else a string of digits    |
 * | Float32/64 (float, double)    | number; NaN, Infinity, -Infinity as those strings       |
 * | Decimal (decimal(p,s))        | string with exactly s fraction digits: "-1.50"          |
 * | Bool, Utf8                    | boolean, string                                         |
 * | Date (date)                   | "YYYY-MM-DD"                                            |
 * | Timestamp with zone (timestamp)| "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, microseconds)      |
 * | Timestamp without zone (ntz)  | the same without the Z                                  |
 * | Binary                        | base64 string                                           |
 * | Struct / List / Map           | object / array / object when keys are strings, else an  |
 * |                               | array of {"key", "value"}                               |
 * | null of any type              | null                                                    |
 *
 * Values are read straight from the Arrow buffers, not through `Vector.get`, because `get`
 * rounds: it hands out timestamps as fractional milliseconds in a double (microseconds lost
 * after ~2255) and decimals as raw words. Indexes follow apache-arrow's slicing rules: fixed-width
 * `values`, `valueOffsets` and struct children are sliced with the Data; bit-packed booleans
 * and the children of lists and maps are not (offsets point into them absolutely).
 */
import * as arrow from 'apache-arrow'
import { formatDate, formatTimestampMicros } from '../../protocol/datetime.js'
import { formatDecimal } from '../../protocol/decimal.js'

/** A JSON value as the row printers emit it. */
export type CellValue =
  null | boolean | number | string | CellValue[] | { [key: string]: CellValue }

const decoder = new TextDecoder('utf-8', { fatal: false })

/** The JSON value of row `index` of `data` (relative to the Data's own offset). */
export function cellValue(data: arrow.Data, index: number): CellValue {
  if (!data.getValid(index)) return null
  const type: arrow.DataType = data.type
  if (arrow.DataType.isNull(type)) return null
  if (arrow.DataType.isBool(type)) {
    const bit = data.offset + index
    return ((data.values as Uint8Array)[bit >> 3]! & (1 << (bit & 7))) !== 0
  }
  if (arrow.DataType.isInt(type)) {
    const value = (data.values as ArrayLike<number | bigint>)[index]!
    return typeof value === 'bigint' ? integer(value) : value
  }
  if (arrow.DataType.isFloat(type) && type.precision !== arrow.Precision.HALF) {
    const value = (data.values as Float32Array | Float64Array)[index]!
    return float(type.precision === arrow.Precision.SINGLE ? shortestFloat32(value) : value)
  }
  if (arrow.DataType.isDecimal(type)) {
    const stride = type.bitWidth / 32
    const words = data.values as Uint32Array
    let unscaled = 0n
    for (let w = stride - 1; w >= 0; w--) {
      unscaled = (unscaled << 32n) | BigInt(words[index * stride + w]! >>> 0)
    }
    return formatDecimal({ unscaled: BigInt.asIntN(type.bitWidth, unscaled), scale: type.scale })
  }
  if (arrow.DataType.isDate(type)) {
    const value = Number((data.values as Int32Array | BigInt64Array)[index])
    return formatDate(type.unit === arrow.DateUnit.DAY ? value : Math.floor(value / 86_400_000))
  }
  if (arrow.DataType.isTimestamp(type)) {
    const micros = toMicros((data.values as BigInt64Array)[index]!, type.unit)
    // Any zone marks an instant, printed in UTC; no zone (null, or undefined as apache-arrow
    // leaves it) is a wall-clock timestamp_ntz.
    const zone = (type.timezone ?? '') === '' ? '' : 'Z'
    return formatTimestampMicros(micros, { separator: 'T', fraction: 'micros', zone })
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) {
    return decoder.decode(bytesAt(data, index))
  }
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type)) {
    return Buffer.from(bytesAt(data, index)).toString('base64')
  }
  if (arrow.DataType.isFixedSizeBinary(type)) {
    const width = type.byteWidth
    const bytes = (data.values as Uint8Array).subarray(index * width, (index + 1) * width)
    return Buffer.from(bytes).toString('base64')
  }
  if (arrow.DataType.isStruct(type)) {
    const out: { [key: string]: CellValue } = {}
    type.children.forEach((field, k) => {
      out[field.name] = cellValue(data.children[k]!, index)
    })
    return out
  }
  if (arrow.DataType.isList(type) || arrow.DataType.isLargeList(type)) {
    const [start, end] = rangeAt(data, index)
    const child = data.children[0]!
    const out: CellValue[] = []
    for (let i = start; i < end; i++) out.push(cellValue(child, i))
    return out
  }
  if (arrow.DataType.isMap(type)) return mapValue(data, index)
  if (arrow.DataType.isDictionary(type)) {
    const dictionary = (data as { readonly dictionary?: arrow.Vector }).dictionary
    const key = Number((data.values as ArrayLike<number | bigint>)[index])
    return dictionary === undefined ? null : vectorValue(dictionary, key)
  }
  // Types Delta never produces (half floats, times, intervals, unions, fixed-size lists): let
  // apache-arrow decode them and convert what comes out.
  return fromJs(arrow.makeVector(data).get(index))
}

/** A map is an object when its keys are strings (JSON's own keys), else key/value pairs. */
function mapValue(data: arrow.Data, index: number): CellValue {
  const [start, end] = rangeAt(data, index)
  const entries = data.children[0]!
  const keys = entries.children[0]!
  const values = entries.children[1]!
  if (arrow.DataType.isUtf8(keys.type) || arrow.DataType.isLargeUtf8(keys.type)) {
    const out: { [key: string]: CellValue } = {}
    for (let i = start; i < end; i++) out[cellText(cellValue(keys, i))] = cellValue(values, i)
    return out
  }
  const out: CellValue[] = []
  for (let i = start; i < end; i++)
    out.push({ key: cellValue(keys, i), value: cellValue(values, i) })
  return out
}

/** The value at `index` of a (possibly chunked) vector. */
function vectorValue(vector: arrow.Vector, index: number): CellValue {
  let i = index
  for (const chunk of vector.data as readonly arrow.Data[]) {
    if (i < chunk.length) return cellValue(chunk, i)
    i -= chunk.length
  }
  return null
}

function rangeAt(data: arrow.Data, index: number): [number, number] {
  const offsets = data.valueOffsets as ArrayLike<number | bigint>
  return [Number(offsets[index]), Number(offsets[index + 1])]
}

function bytesAt(data: arrow.Data, index: number): Uint8Array {
  const [start, end] = rangeAt(data, index)
  return (data.values as Uint8Array).subarray(start, end)
}

function toMicros(value: bigint, unit: arrow.TimeUnit): bigint {
  switch (unit) {
    case arrow.TimeUnit.SECOND:
      return value * 1_000_000n
    case arrow.TimeUnit.MILLISECOND:
      return value * 1000n
    case arrow.TimeUnit.MICROSECOND:
      return value
    case arrow.TimeUnit.NANOSECOND:
      // Floor, not truncation toward zero: 1 ns before the epoch is -1 µs.
      return value >= 0n ? value / 1000n : -((-value + 999n) / 1000n)
  }
}

/** Integers beyond 2^53 - 1 lose digits in a JSON double, so they travel as strings. */
function integer(value: bigint): number | string {
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value.toString()
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** JSON has no NaN or infinities: they travel as the strings JavaScript prints for them. */
function float(value: number): number | string {
  return Number.isFinite(value) ? value : String(value)
}

/**
 * The shortest decimal that reads back as the same float32: a float column's 0.1 prints as
 * `0.1`, not as the double `0.10000000149011612` it widens to.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits))
    if (Math.fround(candidate) === value) return candidate
  }
  return value
}

/** Converts what apache-arrow's `get` returns for exotic types. */
function fromJs(value: unknown): CellValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') return integer(value)
  if (typeof value === 'number') return float(value)
  if (typeof value === 'boolean' || typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object' && Symbol.iterator in value) {
    return Array.from(value as Iterable<unknown>, fromJs)
  }
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJs(v)]))
  }
  return null
}

/** The rows of a record batch as objects keyed by column name. */
export function* batchRows(
  batch: arrow.RecordBatch,
  limit = Infinity,
): Generator<{ [column: string]: CellValue }> {
  const fields = batch.schema.fields
  const columns = batch.data.children
  const rows = Math.min(batch.numRows, limit)
  for (let i = 0; i < rows; i++) {
    const row: { [column: string]: CellValue } = {}
    fields.forEach((field, c) => {
      row[field.name] = cellValue(columns[c]!, i)
    })
    yield row
  }
}

/** A value as one cell of text (table and CSV): strings bare, nested values as JSON. */
export function cellText(value: CellValue): string {
  if (value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}
