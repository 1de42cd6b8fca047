/**
 * Spark's legacy INT96 timestamps, read exactly.
 *
 * An INT96 value is 12 bytes: nanoseconds within the day (int64 LE) and the Julian day number
 * (int32 LE). arrow-rs (inside parquet-wasm) turns it into int64 nanoseconds since 1970 with
 * wrapping arithmetic, which silently overflows outside 1677-09-21 .. 2262-04-11: Spark's
 * `9999-12-31` comes back as a date in 1816 (delta-rs `table_with_edge_timestamps`;
 * kernel-rs#279, delta-rs#3155). Nothing in the wrapped number says it wrapped.
 *
 * So the reader never lets arrow-rs see INT96: before decoding, the file's footer is rewritten to
 * declare every INT96 column as FIXED_LEN_BYTE_ARRAY(12). The pages are byte-for-byte the same
 * for both physical types (PLAIN is the raw 12 bytes per value, dictionary pages are PLAIN), so
 * the column decodes as `FixedSizeBinary(12)` holding the original bytes, which
 * `int96ToMicros` converts to microseconds exactly, as Spark does:
 * `(julianDay - 2440588) * 86400000000 + nanosOfDay / 1000`.
 *
 * The rewrite costs one copy of the file, and only for files that have INT96 columns.
 */
import * as arrow from 'apache-arrow'
import { CorruptDataError } from '../errors.js'
import { ParquetFormatError, parseFooter } from '../engine/parquet-slice.js'
import {
  asStruct,
  encodeStruct,
  fieldI32,
  fieldList,
  fieldStruct,
  setField,
  TType,
} from '../engine/thrift-compact.js'

// Parquet's physical type enum (parquet.thrift `Type`).
const INT96 = 3
const FIXED_LEN_BYTE_ARRAY = 7
/** Julian day number of 1970-01-01. */
const JULIAN_EPOCH_DAY = 2_440_588
const TWO_32 = 4294967296

/**
 * The file with its INT96 columns declared as FIXED_LEN_BYTE_ARRAY(12), or `bytes` itself when
 * it has none. `path` names the file for errors.
 */
export function exposeInt96(bytes: Uint8Array, path: string): Uint8Array {
  let footer
  try {
    footer = parseFooter(bytes)
  } catch (error) {
    if (!(error instanceof ParquetFormatError)) throw error
    throw new CorruptDataError(path, error.message, { cause: error })
  }
  const meta = footer.meta
  let found = false
  // SchemaElement: 1 = type, 2 = type_length.
  for (const item of fieldList(meta, 2)?.items ?? []) {
    const element = asStruct(item)
    if (fieldI32(element, 1) !== INT96) continue
    setField(element, 1, TType.I32, FIXED_LEN_BYTE_ARRAY)
    setField(element, 2, TType.I32, 12)
    found = true
  }
  if (!found) return bytes
  // RowGroup 1 = columns; ColumnChunk 3 = meta_data; ColumnMetaData 1 = type.
  for (const group of fieldList(meta, 4)?.items ?? []) {
    for (const chunk of fieldList(asStruct(group), 1)?.items ?? []) {
      const columnMeta = fieldStruct(asStruct(chunk), 3)
      if (columnMeta !== undefined && fieldI32(columnMeta, 1) === INT96) {
        setField(columnMeta, 1, TType.I32, FIXED_LEN_BYTE_ARRAY)
      }
    }
  }
  const encoded = encodeStruct(meta)
  const dataEnd = bytes.length - 8 - footer.raw.length
  const out = new Uint8Array(dataEnd + encoded.length + 8)
  out.set(bytes.subarray(0, dataEnd))
  out.set(encoded, dataEnd)
  new DataView(out.buffer).setUint32(dataEnd + encoded.length, encoded.length, true)
  out.set(bytes.subarray(bytes.length - 4), dataEnd + encoded.length + 4) // "PAR1"
  return out
}

/** True for the Arrow type an exposed INT96 column decodes as. */
export function isInt96Bytes(type: arrow.DataType): boolean {
  return type instanceof arrow.FixedSizeBinary && type.byteWidth === 12
}

/** Microseconds since 1970 of raw INT96 values (a `FixedSizeBinary(12)` column). */
export function int96ToMicros(data: arrow.Data): BigInt64Array {
  const n = data.length
  const raw = data.values as Uint8Array
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const out = new BigInt64Array(n)
  const words = new Int32Array(out.buffer)
  for (let i = 0; i < n; i++) {
    const at = 12 * i
    if (at + 12 > raw.length) break // a null row past the end of a short buffer
    const nanosOfDay = view.getInt32(at + 4, true) * TWO_32 + view.getUint32(at, true)
    const day = view.getInt32(at + 8, true) - JULIAN_EPOCH_DAY
    // seconds = day * 86400 is exact; micros = seconds * 10^6 + floor(nanos / 1000) is not
    // (it exceeds 2^53), so build it on the two int64 words.
    const seconds = day * 86_400
    const sHigh = Math.floor(seconds / TWO_32)
    const sLow = seconds - sHigh * TWO_32
    const low = sLow * 1_000_000 + Math.floor(nanosOfDay / 1000)
    const carry = Math.floor(low / TWO_32)
    words[2 * i] = low - carry * TWO_32
    words[2 * i + 1] = sHigh * 1_000_000 + carry
  }
  return out
}
