/**
 * A minimal, schema-less codec for the Thrift compact protocol: just enough to read a Parquet
 * footer (`FileMetaData`), edit a few fields and write it back.
 *
 * Why we need it at all: parquet-wasm 0.8's synchronous reader ignores column projection, and
 * its asynchronous reader (which does project) `unwrap()`s every decode error, so a corrupt page
 * aborts the wasm module from a microtask and takes the whole Node process down with an uncaught
 * `RuntimeError: unreachable`. Rewriting the footer lets us hand the synchronous reader a smaller
 * Parquet file holding only the column chunks (and row groups) we want; its errors are ordinary
 * exceptions. See `parquet-slice.ts`.
 *
 * The decoder keeps every field it meets with its wire type, so `encodeStruct(decodeStruct(b))`
 * reproduces the input (modulo non-canonical varints), and unknown fields survive an edit.
 * Spec: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
 */

/** Compact-protocol type codes (the low nibble of a field header). */
export const TType = {
  BOOL_TRUE: 1,
  BOOL_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const

export type TValue =
  | boolean
  | number // byte, i16, i32, double
  | bigint // i64
  | Uint8Array // binary / string
  | TList
  | TMap
  | TStruct

export interface TList {
  readonly kind: 'list'
  /** Element type code; BOOL_TRUE stands for "bool" in collections. */
  readonly elemType: number
  readonly items: TValue[]
}

export interface TMap {
  readonly kind: 'map'
  readonly keyType: number
  readonly valueType: number
  readonly entries: [TValue, TValue][]
}

export interface TField {
  readonly id: number
  /** Wire type code; for booleans either BOOL_TRUE or BOOL_FALSE (normalised on encode). */
  readonly type: number
  readonly value: TValue
}

/** Fields in wire order. Mutable on purpose: callers edit footers in place. */
export interface TStruct {
  readonly kind: 'struct'
  fields: TField[]
}

/** Thrown on malformed input; callers wrap it into a typed DeltaError naming the file. */
export class ThriftDecodeError extends Error {
  override readonly name = 'ThriftDecodeError'
}

// Footers of real files nest 4-5 levels deep; this bounds recursion on hostile input.
const MAX_DEPTH = 64

class Reader {
  pos: number
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start
  }

  byte(): number {
    if (this.pos >= this.end) throw new ThriftDecodeError('unexpected end of thrift data')
    return this.bytes[this.pos++]!
  }

  /** Unsigned varint up to 32 bits, as a number. */
  varint32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return result
      shift += 7
      if (shift > 35) throw new ThriftDecodeError('varint too long')
    }
  }

  /** Unsigned varint up to 64 bits, as a bigint. */
  varint64(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = this.byte()
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
      if (shift > 70n) throw new ThriftDecodeError('varint too long')
    }
  }

  zigzag32(): number {
    const n = this.varint32()
    // (n >>> 1) ^ -(n & 1), done in float arithmetic so 32-bit values stay exact.
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2
  }

  zigzag64(): bigint {
    const n = this.varint64()
    return (n >> 1n) ^ -(n & 1n)
  }

  take(length: number): Uint8Array {
    if (length < 0 || this.pos + length > this.end) {
      throw new ThriftDecodeError('binary field runs past the end of thrift data')
    }
    const out = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return out
  }
}

function readValue(r: Reader, type: number, depth: number): TValue {
  switch (type) {
    case TType.BOOL_TRUE:
      return true
    case TType.BOOL_FALSE:
      return false
    case TType.BYTE: {
      const b = r.byte()
      return b > 127 ? b - 256 : b
    }
    case TType.I16:
    case TType.I32:
      return r.zigzag32()
    case TType.I64:
      return r.zigzag64()
    case TType.DOUBLE: {
      const raw = r.take(8)
      return new DataView(raw.buffer, raw.byteOffset, 8).getFloat64(0, true)
    }
    case TType.BINARY:
      return r.take(r.varint32())
    case TType.LIST:
    case TType.SET:
      return readList(r, depth + 1)
    case TType.MAP:
      return readMap(r, depth + 1)
    case TType.STRUCT:
      return readStruct(r, depth + 1)
    default:
      throw new ThriftDecodeError(`unknown thrift type ${type}`)
  }
}

// Inside collections a bool is a whole byte (1 = true; writers use 2 or 0 for false).
function readElement(r: Reader, type: number, depth: number): TValue {
  if (type === TType.BOOL_TRUE || type === TType.BOOL_FALSE) return r.byte() === 1
  return readValue(r, type, depth)
}

function readList(r: Reader, depth: number): TList {
  if (depth > MAX_DEPTH) throw new ThriftDecodeError('thrift nesting too deep')
  const header = r.byte()
  const elemType = header & 0x0f
  let size = header >> 4
  if (size === 15) size = r.varint32()
  const items: TValue[] = []
  for (let i = 0; i < size; i++) items.push(readElement(r, elemType, depth))
  return { kind: 'list', elemType, items }
}

function readMap(r: Reader, depth: number): TMap {
  if (depth > MAX_DEPTH) throw new ThriftDecodeError('thrift nesting too deep')
  const size = r.varint32()
  if (size === 0) return { kind: 'map', keyType: 0, valueType: 0, entries: [] }
  const types = r.byte()
  const keyType = types >> 4
  const valueType = types & 0x0f
  const entries: [TValue, TValue][] = []
  for (let i = 0; i < size; i++) {
    const k = readElement(r, keyType, depth)
    entries.push([k, readElement(r, valueType, depth)])
  }
  return { kind: 'map', keyType, valueType, entries }
}

function readStruct(r: Reader, depth: number): TStruct {
  if (depth > MAX_DEPTH) throw new ThriftDecodeError('thrift nesting too deep')
  const fields: TField[] = []
  let lastId = 0
  for (;;) {
    const header = r.byte()
    if (header === 0) return { kind: 'struct', fields }
    const type = header & 0x0f
    const delta = header >> 4
    const id = delta === 0 ? r.zigzag32() : lastId + delta
    lastId = id
    fields.push({ id, type, value: readValue(r, type, depth) })
  }
}

/** Decodes one struct starting at `start`; returns it and the offset just past its stop byte. */
export function decodeStruct(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
): { struct: TStruct; end: number } {
  const r = new Reader(bytes, start, end)
  const struct = readStruct(r, 0)
  return { struct, end: r.pos }
}

// ---------------------------------------------------------------------------------------------
// Encoding

class Writer {
  private buf = new Uint8Array(1024)
  length = 0

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < this.length + extra) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }

  byte(b: number): void {
    this.ensure(1)
    this.buf[this.length++] = b & 0xff
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  varint32(n: number): void {
    let v = n
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80)
      v = Math.floor(v / 0x80)
    }
    this.byte(v)
  }

  varint64(n: bigint): void {
    let v = n
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    this.byte(Number(v))
  }

  zigzag32(n: number): void {
    this.varint32(n >= 0 ? n * 2 : -n * 2 - 1)
  }

  zigzag64(n: bigint): void {
    this.varint64(n >= 0n ? n << 1n : (-n << 1n) - 1n)
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

function fail(type: number, value: TValue): never {
  throw new ThriftDecodeError(`cannot encode ${typeof value} as thrift type ${type}`)
}

function writeValue(w: Writer, type: number, value: TValue): void {
  switch (type) {
    case TType.BOOL_TRUE:
    case TType.BOOL_FALSE:
      return // a struct field's bool lives in its header
    case TType.BYTE:
      if (typeof value !== 'number') fail(type, value)
      return w.byte(value)
    case TType.I16:
    case TType.I32:
      if (typeof value !== 'number') fail(type, value)
      return w.zigzag32(value)
    case TType.I64:
      if (typeof value !== 'bigint') fail(type, value)
      return w.zigzag64(value)
    case TType.DOUBLE: {
      if (typeof value !== 'number') fail(type, value)
      const raw = new Uint8Array(8)
      new DataView(raw.buffer).setFloat64(0, value, true)
      return w.bytes(raw)
    }
    case TType.BINARY:
      if (!(value instanceof Uint8Array)) fail(type, value)
      w.varint32(value.length)
      return w.bytes(value)
    case TType.LIST:
    case TType.SET:
      if (typeof value !== 'object' || !('kind' in value) || value.kind !== 'list')
        fail(type, value)
      return writeList(w, value)
    case TType.MAP:
      if (typeof value !== 'object' || !('kind' in value) || value.kind !== 'map') fail(type, value)
      return writeMap(w, value)
    case TType.STRUCT:
      if (typeof value !== 'object' || !('kind' in value) || value.kind !== 'struct')
        fail(type, value)
      return writeStruct(w, value)
    default:
      fail(type, value)
  }
}

function writeElement(w: Writer, type: number, value: TValue): void {
  if (type === TType.BOOL_TRUE || type === TType.BOOL_FALSE) return w.byte(value === true ? 1 : 2)
  writeValue(w, type, value)
}

function writeList(w: Writer, list: TList): void {
  const n = list.items.length
  if (n < 15) w.byte((n << 4) | list.elemType)
  else {
    w.byte(0xf0 | list.elemType)
    w.varint32(n)
  }
  for (const item of list.items) writeElement(w, list.elemType, item)
}

function writeMap(w: Writer, map: TMap): void {
  w.varint32(map.entries.length)
  if (map.entries.length === 0) return
  w.byte((map.keyType << 4) | map.valueType)
  for (const [k, v] of map.entries) {
    writeElement(w, map.keyType, k)
    writeElement(w, map.valueType, v)
  }
}

function writeStruct(w: Writer, struct: TStruct): void {
  let lastId = 0
  for (const f of struct.fields) {
    // A bool field's value is its type code; everything else keeps the recorded type.
    const type =
      f.type === TType.BOOL_TRUE || f.type === TType.BOOL_FALSE
        ? f.value === true
          ? TType.BOOL_TRUE
          : TType.BOOL_FALSE
        : f.type
    const delta = f.id - lastId
    if (delta > 0 && delta <= 15) w.byte((delta << 4) | type)
    else {
      w.byte(type)
      w.zigzag32(f.id)
    }
    lastId = f.id
    writeValue(w, type, f.value)
  }
  w.byte(0)
}

export function encodeStruct(struct: TStruct): Uint8Array {
  const w = new Writer()
  writeStruct(w, struct)
  return w.result()
}

// ---------------------------------------------------------------------------------------------
// Field access helpers (typed reads of a decoded struct)

export function field(struct: TStruct, id: number): TValue | undefined {
  for (const f of struct.fields) if (f.id === id) return f.value
  return undefined
}

export function fieldI64(struct: TStruct, id: number): bigint | undefined {
  const v = field(struct, id)
  return typeof v === 'bigint' ? v : undefined
}

export function fieldI32(struct: TStruct, id: number): number | undefined {
  const v = field(struct, id)
  return typeof v === 'number' ? v : undefined
}

export function fieldBinary(struct: TStruct, id: number): Uint8Array | undefined {
  const v = field(struct, id)
  return v instanceof Uint8Array ? v : undefined
}

export function fieldStruct(struct: TStruct, id: number): TStruct | undefined {
  const v = field(struct, id)
  return typeof v === 'object' && 'kind' in v && v.kind === 'struct' ? v : undefined
}

export function fieldList(struct: TStruct, id: number): TList | undefined {
  const v = field(struct, id)
  return typeof v === 'object' && 'kind' in v && v.kind === 'list' ? v : undefined
}

/** Sets (or adds, keeping ids ascending) a field; `undefined` removes it. */
export function setField(
  struct: TStruct,
  id: number,
  type: number,
  value: TValue | undefined,
): void {
  const at = struct.fields.findIndex((f) => f.id === id)
  if (value === undefined) {
    if (at >= 0) struct.fields.splice(at, 1)
    return
  }
  const next: TField = { id, type, value }
  if (at >= 0) struct.fields[at] = next
  else {
    const after = struct.fields.findIndex((f) => f.id > id)
    if (after < 0) struct.fields.push(next)
    else struct.fields.splice(after, 0, next)
  }
}

export function asStruct(value: TValue): TStruct {
  if (typeof value === 'object' && 'kind' in value && value.kind === 'struct') return value
  throw new ThriftDecodeError('expected a thrift struct')
}
