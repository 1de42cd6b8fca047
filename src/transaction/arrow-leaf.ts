/**
 * Leaf columns of an engine's batch in the Arrow type the table's files use: the leaf half of
 * `arrow-conform.ts`.
 *
 * Encodings are undone first (dictionary encoding, 64-bit offsets of LargeUtf8 and
 * LargeBinary), then the scan layer's `leafConverter` does the lossless conversions a reader
 * also needs (wider integers, float to double, decimal rescaling, timestamp units to
 * microseconds). Two rules are the writer's own, because a reader may be lax where a writer
 * must not be: an Arrow timestamp's zone decides between `timestamp` (zoned: an instant) and
 * `timestamp_ntz` (no zone: wall-clock), and binary never becomes a string (its bytes need not
 * be UTF-8, and every reader would trip over them).
 */
import * as arrow from 'apache-arrow'
import { InvalidArgumentError } from '../errors.js'
import type { DataType } from '../protocol/schema.js'
import { leafConverter } from '../scan/arrow-cast.js'
import { takeRows } from '../scan/arrow-take.js'
import { bitSet, validityOf, withValidity } from './arrow-bits.js'
import { arrowTypeText } from './arrow-schema.js'

function typeText(type: DataType): string {
  return type.type === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.type
}

/** Throws the `InvalidArgumentError` for a column whose Arrow type does not fit. */
export function mismatch(path: string, input: arrow.DataType, target: DataType): never {
  throw new InvalidArgumentError(
    `Column ${path} has Arrow type ${arrowTypeText(input)}, which cannot be written to a ` +
      `${typeText(target)} column`,
  )
}

/** Dictionary-encoded data as plain data of its value type. */
export function decodeDictionary(data: arrow.Data): arrow.Data {
  const dictionary = data.dictionary
  const chunks = dictionary?.data ?? []
  if (chunks.length !== 1) {
    throw new InvalidArgumentError('Dictionary-encoded columns must have a single dictionary chunk')
  }
  const keys = data.values as ArrayLike<number | bigint>
  const valid = validityOf(data)
  const indices = new Int32Array(data.length)
  // A NULL key may hold any value, even out of range: read it as 0 and mask it below.
  for (let i = 0; i < data.length; i++) {
    if (valid === undefined || bitSet(valid, i)) indices[i] = Number(keys[i])
  }
  let values = chunks[0]! as arrow.Data
  // The row gatherer knows 32-bit offsets only.
  if (values.type instanceof arrow.LargeUtf8) values = narrowOffsets(values, new arrow.Utf8())
  else if (values.type instanceof arrow.LargeBinary)
    values = narrowOffsets(values, new arrow.Binary())
  const decoded = takeRows(values, indices)
  if (valid === undefined) return decoded
  const own = validityOf(decoded)
  const bits = new Uint8Array((data.length + 7) >> 3)
  let nulls = 0
  for (let i = 0; i < data.length; i++) {
    if (bitSet(valid, i) && (own === undefined || bitSet(own, i))) bits[i >> 3]! |= 1 << (i & 7)
    else nulls++
  }
  return withValidity(decoded, bits, nulls)
}

/** LargeUtf8 / LargeBinary (64-bit offsets) as Utf8 / Binary. */
function narrowOffsets(data: arrow.Data, type: arrow.Utf8 | arrow.Binary): arrow.Data {
  const wide = data.valueOffsets as unknown as BigInt64Array
  const offsets = new Int32Array(data.length + 1)
  for (let i = 0; i <= data.length; i++) offsets[i] = Number(wide[i])
  const props = {
    length: data.length,
    nullCount: data.nullCount,
    nullBitmap: validityOf(data) ?? new Uint8Array(0),
    valueOffsets: offsets,
    data: data.values as Uint8Array,
  }
  return type instanceof arrow.Utf8
    ? arrow.makeData({ ...props, type })
    : arrow.makeData({ ...props, type })
}

/** A leaf column as the Arrow type of the Delta type `target` (see the file comment). */
export function conformLeaf(data: arrow.Data, target: DataType, path: string): arrow.Data {
  if (data.type instanceof arrow.LargeUtf8) data = narrowOffsets(data, new arrow.Utf8())
  else if (data.type instanceof arrow.LargeBinary) data = narrowOffsets(data, new arrow.Binary())
  const input = data.type
  const zoned = (t: { readonly timezone?: string | null | undefined }): boolean =>
    typeof t.timezone === 'string' && t.timezone !== ''
  if (target.type === 'string' && !(input instanceof arrow.Utf8)) mismatch(path, input, target)
  if (target.type === 'timestamp' && !(input instanceof arrow.Timestamp && zoned(input))) {
    mismatch(path, input, target)
  }
  if (target.type === 'timestamp_ntz' && input instanceof arrow.Timestamp && zoned(input)) {
    mismatch(path, input, target)
  }
  const convert = leafConverter(input, target)
  if (convert === undefined) return mismatch(path, input, target)
  try {
    return convert(data)
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    throw new InvalidArgumentError(`Column ${path}: ${error.message}`)
  }
}
