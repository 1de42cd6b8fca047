import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeUuidZ85, encodeUuidZ85, z85Decode, z85Encode } from './z85.js'

describe('z85', () => {
  it('encodes the ZeroMQ RFC 32 test vector', () => {
    const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])
    expect(z85Encode(bytes)).toBe('HelloWorld')
    expect(z85Decode('HelloWorld')).toEqual(bytes)
  })

  it('decodes the UUID of the spec example ab^-aqEH.-t@S}K{vb[*k^ to d2c639aa-...', () => {
    expect(decodeUuidZ85('^-aqEH.-t@S}K{vb[*k^')).toBe('d2c639aa-8816-431a-aaf6-d3fe2512ff61')
    expect(encodeUuidZ85('d2c639aa-8816-431a-aaf6-d3fe2512ff61')).toBe('^-aqEH.-t@S}K{vb[*k^')
  })

  it('pads unaligned input with zeros and drops the padding when given the length', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5])
    const text = z85Encode(bytes)
    expect(text).toHaveLength(10)
    expect(z85Decode(text)).toEqual(new Uint8Array([1, 2, 3, 4, 5, 0, 0, 0]))
    expect(z85Decode(text, 5)).toEqual(bytes)
  })

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(z85Decode(z85Encode(bytes), bytes.length)).toEqual(bytes)
      }),
    )
  })

  it('round-trips any UUID', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const text = encodeUuidZ85(uuid)
        expect(text).toHaveLength(20)
        expect(decodeUuidZ85(text)).toBe(uuid.toLowerCase())
      }),
    )
  })

  it('rejects a length that is not a multiple of 5', () => {
    expect(() => z85Decode('abcd')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('rejects characters outside the alphabet, ASCII or not', () => {
    expect(() => z85Decode('abc"e')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => z85Decode('abcé1')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('rejects a block above 2^32 - 1 instead of wrapping it', () => {
    // '#' is digit 84: "#####" is 85^5 - 1.
    expect(() => z85Decode('#####')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('rejects a requested length beyond the decoded bytes', () => {
    expect(() => z85Decode('HelloWorld', 9)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('rejects a UUID text that is not 20 characters or not a UUID', () => {
    expect(() => decodeUuidZ85('short')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => encodeUuidZ85('not-a-uuid')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})
