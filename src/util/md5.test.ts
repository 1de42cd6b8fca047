import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { md5, md5Hex } from './md5.js'

describe('md5', () => {
  // The test suite from RFC 1321, appendix A.5.
  const vectors: readonly [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    [
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
      'd174ab98d277d9f5a5611c2c9f419d9f',
    ],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      '57edf4a22be3c955ac49da2e2107b67a',
    ],
  ]
  for (const [input, expected] of vectors) {
    it(`hashes the RFC 1321 vector ${JSON.stringify(input.slice(0, 20))} to ${expected}`, () => {
      expect(md5Hex(input)).toBe(expected)
    })
  }

  it('hashes strings as UTF-8', () => {
    expect(md5Hex('é😈')).toBe(createHash('md5').update('é😈', 'utf8').digest('hex'))
  })

  it('returns 16 raw bytes', () => {
    expect(md5('abc')).toHaveLength(16)
    expect(md5('abc')[0]).toBe(0x90)
  })

  it('agrees with node:crypto on random inputs, including the 55/56/64-byte padding edges', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(md5Hex(bytes)).toBe(createHash('md5').update(bytes).digest('hex'))
      }),
    )
    for (const n of [55, 56, 57, 63, 64, 65, 119, 120]) {
      const bytes = new Uint8Array(n).fill(n)
      expect(md5Hex(bytes)).toBe(createHash('md5').update(bytes).digest('hex'))
    }
  })
})
