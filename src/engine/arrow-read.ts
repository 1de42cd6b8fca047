/**
 * Column readers: `arrow.Data` in, plain JS arrays out, reading the buffers directly.
 *
 * Why not `vector.get(i)` / `row.toJSON()`: those allocate proxies and decode each string with
 * its own TextDecoder call; decoding a checkpoint that way is several times slower. Here a
 * string column is decoded in large windows (one decoder call per window, then `substring` by
 * offset when the window is ASCII, which Delta paths and stats nearly always are), and 64-bit
 * integers are read as two 32-bit words instead of through BigInt.
 *
 * Types are tested by base class and properties (`Int` + `bitWidth`, `Date_` + `unit`): the IPC
 * reader builds base classes, not subclasses such as `Int64` or `DateDay`.
 *
 * Indexing rules of apache-arrow (see `Data.slice`): validity and boolean bits are at
 * `offset + i`; fixed-width values and offsets buffers are already sliced; the offsets of
 * variable-width types index their (unsliced) data or child.
 *
 * Readers accept the few physical variations other writers produce (Binary for strings without
 * the UTF8 annotation, any integer width, maps stored as `list<struct<key, value>>`) and throw a
 * `TypeMismatch` for anything else; callers turn it into a CorruptLogError naming the file.
 */
import * as arrow from 'apache-arrow'

/** A type's readable form (`Struct<{path:Utf8, ...}>`), for messages. */
export function typeName(type: arrow.DataType): string {
  // apache-arrow implements toString on every type; its typings do not declare it.
  return (type as { toString(): string }).toString()
}

export class TypeMismatch extends Error {
  override readonly name = 'TypeMismatch'
  constructor(
    readonly column: string,
    readonly expected: string,
    readonly actual: arrow.DataType,
  ) {
    super(`column ${column} has type ${typeName(actual)}, expected ${expected}`)
  }
}

export class ValueOutOfRange extends Error {
  override readonly name = 'ValueOutOfRange'
}

const ALL_VALID = (_i: number): boolean => true

/**
 * A validity test for the rows of a column, set up once per column: `Data.nullCount` is a getter
 * that re-derives state on every call, far too slow to consult per row.
 */
export function validity(data: arrow.Data): (i: number) => boolean {
  const bits = data.nullBitmap as Uint8Array | undefined
  if (bits === undefined || bits.length === 0 || data.nullCount <= 0) return ALL_VALID
  const offset = data.offset
  return (i) => {
    const pos = offset + i
    return (bits[pos >> 3]! & (1 << (pos & 7))) !== 0
  }
}

/** True when row `i` is valid (not null). For one-off checks; loops use `validity`. */
export function isValid(data: arrow.Data, i: number): boolean {
  return validity(data)(i)
}

/** The child of a struct by name, or undefined when the file lacks it. */
export function childOf(data: arrow.Data | undefined, name: string): arrow.Data | undefined {
  if (data === undefined || !(data.type instanceof arrow.Struct)) return undefined
  const index = data.type.children.findIndex((f) => f.name === name)
  return index < 0 ? undefined : data.children[index]
}

// Decoding a window of string bytes at once; bounded so one giant parent string is never made
// (V8 caps strings at ~512M characters, and substrings keep their parent alive).
const WINDOW_BYTES = 4 << 20
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Strings of a Utf8 (or Binary/LargeUtf8) column; null where the value is null. */
export function stringColumn(data: arrow.Data, column: string): (string | null)[] {
  const type = data.type
  if (!(
    type instanceof arrow.Utf8 ||
    type instanceof arrow.Binary ||
    type instanceof arrow.LargeUtf8
  )) {
    throw new TypeMismatch(column, 'a string', type)
  }
  const n = data.length
  const out = new Array<string | null>(n)
  const offsets = data.valueOffsets as Int32Array | BigInt64Array
  const bytes = data.values as Uint8Array
  const valid = validity(data)
  const off = (i: number): number => Number(offsets[i]!)
  let i = 0
  while (i < n) {
    // Grow a window of rows whose bytes fit WINDOW_BYTES (at least one row).
    const start = off(i)
    let end = i + 1
    while (end < n && off(end + 1) - start <= WINDOW_BYTES) end++
    const windowEnd = off(end)
    const text = decoder.decode(bytes.subarray(start, windowEnd))
    const ascii = text.length === windowEnd - start
    for (let r = i; r < end; r++) {
      if (!valid(r)) out[r] = null
      else if (ascii) out[r] = text.substring(off(r) - start, off(r + 1) - start)
      else out[r] = decoder.decode(bytes.subarray(off(r), off(r + 1)))
    }
    i = end
  }
  return out
}

const TWO_32 = 4294967296

/**
 * Numbers of an integer, float or date column. 64-bit integers outside the safe range throw
 * `ValueOutOfRange` rather than lose precision.
 */
export function numberColumn(data: arrow.Data, column: string): (number | null)[] {
  const type = data.type
  const n = data.length
  const out = new Array<number | null>(n)
  const valid = validity(data)
  if (type instanceof arrow.Int && type.bitWidth === 64) {
    const src = data.values as BigInt64Array | BigUint64Array
    const words = new Int32Array(src.buffer, src.byteOffset, n * 2)
    for (let i = 0; i < n; i++) {
      if (!valid(i)) {
        out[i] = null
        continue
      }
      const lo = words[2 * i]! >>> 0
      const hi = type.isSigned ? words[2 * i + 1]! : words[2 * i + 1]! >>> 0
      // |hi| < 2^21 keeps hi * 2^32 + lo below 2^53; otherwise fall back to BigInt and check.
      if (hi >= -0x200000 && hi < 0x200000) out[i] = hi * TWO_32 + lo
      else {
        const big = src[i]!
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new ValueOutOfRange(
            `column ${column} holds ${big}, beyond the exact range of a JS number`,
          )
        }
        out[i] = Number(big)
      }
    }
    return out
  }
  if (
    type instanceof arrow.Int ||
    type instanceof arrow.Float ||
    (type instanceof arrow.Date_ && type.unit === arrow.DateUnit.DAY)
  ) {
    const src = data.values as ArrayLike<number>
    for (let i = 0; i < n; i++) out[i] = valid(i) ? src[i]! : null
    return out
  }
  throw new TypeMismatch(column, 'a number', type)
}

export function boolColumn(data: arrow.Data, column: string): (boolean | null)[] {
  if (!(data.type instanceof arrow.Bool)) throw new TypeMismatch(column, 'a boolean', data.type)
  const n = data.length
  const bits = data.values as Uint8Array
  const out = new Array<boolean | null>(n)
  const valid = validity(data)
  for (let i = 0; i < n; i++) {
    if (!valid(i)) out[i] = null
    else {
      const pos = data.offset + i
      out[i] = (bits[pos >> 3]! & (1 << (pos & 7))) !== 0
    }
  }
  return out
}

/**
 * The range of child rows that `n` rows of a list or map refer to. Offsets are absolute (a
 * sliced list keeps its whole child), so a slice must decode only this range of the child.
 */
function childRange(offsets: Int32Array, n: number): [number, number] {
  const first = offsets[0] ?? 0
  return [first, (offsets[n] ?? first) - first]
}

/** Own-property assignment that is safe for keys like `__proto__`. */
function put(record: Record<string, string | null>, key: string, value: string | null): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  else record[key] = value
}

/**
 * Records of a `map<string, string>` column (Arrow Map, or a list of key/value structs as
 * some writers lay maps out). Null maps are null; an empty map is `{}`.
 */
export function stringMapColumn(
  data: arrow.Data,
  column: string,
): (Record<string, string | null> | null)[] {
  const type = data.type
  const isMap = type instanceof arrow.Map_
  const isKvList = type instanceof arrow.List && type.children[0]?.type instanceof arrow.Struct
  if (!isMap && !isKvList) throw new TypeMismatch(column, 'a map of strings', type)
  const entries = data.children[0]!
  if (entries.children.length < 2) throw new TypeMismatch(column, 'a map of strings', type)
  const offsets = data.valueOffsets as Int32Array
  const n = data.length
  const [first, span] = childRange(offsets, n)
  // Entries are indexed from `first`: only this slice's entries are decoded.
  const keys = stringColumn(entries.children[0]!.slice(first, span), `${column}.key`)
  const values = stringColumn(entries.children[1]!.slice(first, span), `${column}.value`)
  const out = new Array<Record<string, string | null> | null>(n)
  const valid = validity(data)
  for (let i = 0; i < n; i++) {
    if (!valid(i)) {
      out[i] = null
      continue
    }
    const record: Record<string, string | null> = {}
    for (let e = offsets[i]! - first; e < offsets[i + 1]! - first; e++) {
      const key = keys[e]
      // A null key breaks the map contract; skip it rather than invent a "null" key.
      if (key === null || key === undefined) continue
      put(record, key, values[e] ?? null)
    }
    out[i] = record
  }
  return out
}

/** Arrays of a `list<string>` column; null elements are dropped (Delta lists never hold them). */
export function stringListColumn(data: arrow.Data, column: string): (string[] | null)[] {
  if (!(data.type instanceof arrow.List))
    throw new TypeMismatch(column, 'a list of strings', data.type)
  const offsets = data.valueOffsets as Int32Array
  const n = data.length
  const [first, span] = childRange(offsets, n)
  const items = stringColumn(data.children[0]!.slice(first, span), `${column}.element`)
  const out = new Array<string[] | null>(n)
  const valid = validity(data)
  for (let i = 0; i < n; i++) {
    if (!valid(i)) {
      out[i] = null
      continue
    }
    const list: string[] = []
    for (let e = offsets[i]! - first; e < offsets[i + 1]! - first; e++) {
      const item = items[e]
      if (item !== null && item !== undefined) list.push(item)
    }
    out[i] = list
  }
  return out
}

/** Validity of every row of a (struct) column as a boolean array. */
export function validColumn(data: arrow.Data): boolean[] {
  const out = new Array<boolean>(data.length)
  const valid = validity(data)
  for (let i = 0; i < data.length; i++) out[i] = valid(i)
  return out
}
