/**
 * MD5 (RFC 1321) in plain TypeScript.
 *
 * Delta needs MD5 in exactly one place: the `checksum` of `_delta_log/_last_checkpoint`
 * (PROTOCOL.md "JSON checksum"). MD5 is not used for security there, only to detect a torn read
 * of a file that is overwritten in place. Web Crypto has no MD5 and `node:crypto` is not allowed
 * below the storage layer, so this small synchronous implementation keeps the protocol layer
 * runnable in any JavaScript runtime.
 */

import { utf8Encode } from './utf8.js'

// Per-round shift amounts (RFC 1321 section 3.4).
const SHIFTS = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14,
  20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6,
  10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]

// T[i] = floor(abs(sin(i + 1)) * 2^32), computed once rather than pasted as 64 magic numbers.
const SINES = Int32Array.from({ length: 64 }, (_, i) =>
  Math.floor(Math.abs(Math.sin(i + 1)) * 0x1_0000_0000),
)

/** The 16-byte MD5 digest of `input` (a string is hashed as its UTF-8 bytes). */
export function md5(input: string | Uint8Array): Uint8Array {
  const message = typeof input === 'string' ? utf8Encode(input) : input
  // Padding: 0x80, zeros, then the bit length as a 64-bit little-endian integer, to a multiple
  // of 64 bytes.
  const paddedLength = (((message.length + 8) >>> 6) + 1) << 6
  const buffer = new Uint8Array(paddedLength)
  buffer.set(message)
  buffer[message.length] = 0x80
  const view = new DataView(buffer.buffer)
  const bitLength = message.length * 8
  view.setUint32(paddedLength - 8, bitLength >>> 0, true)
  view.setUint32(paddedLength - 4, Math.floor(bitLength / 0x1_0000_0000), true)

  let a0 = 0x67452301
  let b0 = 0xefcdab89 | 0
  let c0 = 0x98badcfe | 0
  let d0 = 0x10325476
  const words = new Int32Array(16)
  for (let chunk = 0; chunk < paddedLength; chunk += 64) {
    for (let i = 0; i < 16; i++) words[i] = view.getInt32(chunk + i * 4, true)
    let a = a0
    let b = b0
    let c = c0
    let d = d0
    for (let i = 0; i < 64; i++) {
      let f: number
      let g: number
      if (i < 16) {
        f = (b & c) | (~b & d)
        g = i
      } else if (i < 32) {
        f = (d & b) | (~d & c)
        g = (5 * i + 1) & 15
      } else if (i < 48) {
        f = b ^ c ^ d
        g = (3 * i + 5) & 15
      } else {
        f = c ^ (b | ~d)
        g = (7 * i) & 15
      }
      const sum = (a + f + SINES[i]! + words[g]!) | 0
      const shift = SHIFTS[i]!
      a = d
      d = c
      c = b
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0
    }
    a0 = (a0 + a) | 0
    b0 = (b0 + b) | 0
    c0 = (c0 + c) | 0
    d0 = (d0 + d) | 0
  }
  const digest = new Uint8Array(16)
  const out = new DataView(digest.buffer)
  out.setInt32(0, a0, true)
  out.setInt32(4, b0, true)
  out.setInt32(8, c0, true)
  out.setInt32(12, d0, true)
  return digest
}

/** The MD5 digest of `input` as 32 lowercase hex characters (the form Delta stores). */
export function md5Hex(input: string | Uint8Array): string {
  let hex = ''
  for (const byte of md5(input)) hex += byte.toString(16).padStart(2, '0')
  return hex
}
