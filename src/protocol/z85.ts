/**
 * Z85 (ZeroMQ RFC 32), the Base85 variant Delta uses for inline deletion vectors and for the
 * UUIDs in relative deletion-vector paths, because its alphabet is JSON-safe.
 *
 * Z85 proper encodes only multiples of 4 bytes. Delta (Spark's `Codec`, Kernel Java's
 * `Base85Codec`) handles other lengths by padding the input with zero bytes to the next multiple
 * of 4 and, when decoding, keeping only the expected number of bytes (`sizeInBytes` of the
 * descriptor). `z85Encode` / `z85Decode(text, length)` do the same.
 */

import { InvalidArgumentError } from '../errors.js'

const ALPHABET =
  '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#'

const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/** Encodes bytes; unaligned input is zero-padded to a multiple of 4 bytes first. */
export function z85Encode(bytes: Uint8Array): string {
  const aligned = Math.ceil(bytes.length / 4) * 4
  let input = bytes
  if (aligned !== bytes.length) {
    input = new Uint8Array(aligned)
    input.set(bytes)
  }
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength)
  let out = ''
  for (let i = 0; i < aligned; i += 4) {
    let value = view.getUint32(i, false) // Z85 reads each block big-endian
    const chars = new Array<string>(5)
    for (let j = 4; j >= 0; j--) {
      chars[j] = ALPHABET[value % 85]!
      value = Math.floor(value / 85)
    }
    out += chars.join('')
  }
  return out
}

/**
 * Decodes Z85 text (length a multiple of 5). With `length`, returns exactly that many bytes,
 * dropping the padding an unaligned encoding added. Invalid text throws `InvalidArgumentError`.
 */
export function z85Decode(text: string, length?: number): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new InvalidArgumentError(`Z85 text length must be a multiple of 5, got ${text.length}`)
  }
  const decodedLength = (text.length / 5) * 4
  if (length !== undefined && (!Number.isInteger(length) || length < 0 || length > decodedLength)) {
    throw new InvalidArgumentError(
      `Z85 text of ${text.length} characters cannot hold ${length} bytes`,
    )
  }
  const out = new Uint8Array(decodedLength)
  const view = new DataView(out.buffer)
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j)
      const digit = code < 128 ? DECODE[code]! : -1
      if (digit < 0) {
        throw new InvalidArgumentError(
          `Invalid Z85 character ${JSON.stringify(text[i + j])} at ${i + j}`,
        )
      }
      value = value * 85 + digit
    }
    // Five digits can reach 85^5 - 1 > 2^32 - 1; such a block encodes no 4 bytes.
    if (value > 0xffffffff) throw new InvalidArgumentError(`Z85 block at ${i} exceeds 32 bits`)
    view.setUint32(o, value, false)
  }
  return length === undefined || length === decodedLength ? out : out.slice(0, length)
}

/** A UUID in canonical text form (`d2c639aa-8816-431a-aaf6-d3fe2512ff61`) as 20 Z85 characters. */
export function encodeUuidZ85(uuid: string): string {
  const hex = uuid.replaceAll('-', '')
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new InvalidArgumentError(`Not a UUID: ${uuid}`)
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return z85Encode(bytes)
}

/** The canonical lowercase UUID text for 20 Z85 characters. */
export function decodeUuidZ85(text: string): string {
  if (text.length !== 20)
    throw new InvalidArgumentError(`An encoded UUID has 20 characters, got ${text.length}`)
  let hex = ''
  for (const byte of z85Decode(text)) hex += byte.toString(16).padStart(2, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
