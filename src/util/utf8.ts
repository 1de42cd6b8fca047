/**
 * UTF-8 helpers. Object stores list keys in UTF-8 byte order; JavaScript compares strings by
 * UTF-16 code units, which disagrees for characters above U+FFFF versus U+E000..U+FFFF
 * (a surrogate 0xD8xx sorts before 0xE000 in UTF-16, but the 4-byte UTF-8 form sorts after).
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Decodes UTF-8, throwing a TypeError on malformed input. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

/**
 * Compares two strings by the byte order of their UTF-8 encodings (equivalently, by Unicode
 * code point), without encoding them.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Only when both are in the range where UTF-16 and code-point order differ do we need
    // to adjust: a surrogate (D800-DFFF) stands for a code point above FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs !== ys) return xs ? 1 : -1
    return x - y
  }
  return a.length - b.length
}
