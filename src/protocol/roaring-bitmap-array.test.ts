import fc from 'fast-check'
import { RoaringBitmap32, roaringLibraryInitialize } from 'roaring-wasm'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  NATIVE_MAGIC,
  PORTABLE_MAGIC,
  parseRoaringBitmapArray,
  rowIndexSetOf,
  serializeRoaringBitmapArray,
  unionRowIndexSets,
} from './roaring-bitmap-array.js'
import { z85Decode } from './z85.js'

const rows = (set: Iterable<number>): number[] => [...set]

/** Wraps one portable 32-bit bitmap as a portable 64-bit array with a single bucket 0. */
function wrapPortable(bitmap32: Uint8Array, key = 0): Uint8Array {
  const out = new Uint8Array(16 + bitmap32.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, PORTABLE_MAGIC, true)
  view.setUint32(4, 1, true)
  view.setUint32(12, key, true)
  out.set(bitmap32, 16)
  return out
}

describe('parseRoaringBitmapArray', () => {
  beforeAll(async () => {
    await roaringLibraryInitialize()
  })

  it('decodes the spec inline example (big-endian native header) to rows 3, 4, 7, 11, 18, 29', () => {
    const bytes = z85Decode('wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L', 40)
    expect(new DataView(bytes.buffer).getUint32(0, false)).toBe(NATIVE_MAGIC)
    expect(rows(parseRoaringBitmapArray(bytes, 'spec'))).toEqual([3, 4, 7, 11, 18, 29])
  })

  it('decodes the delta-spark inline DV ^Bg9^0rr9... to rows 1, 3, 5', () => {
    const text = '^Bg9^0rr910000000000iXQKl0rr91000625c8Xg0rri41POJ5'
    // 38 bytes (the descriptor's sizeInBytes); Z85 padded them to 40.
    const set = parseRoaringBitmapArray(z85Decode(text, 38), 'spark')
    expect(rows(set)).toEqual([1, 3, 5])
    expect(set.cardinality).toBe(3)
  })

  it('decodes the little-endian native layout Spark and Kernel Java also read', () => {
    const bitmap = RoaringBitmap32.from([2, 70000]).serialize('portable')
    const out = new Uint8Array(12 + bitmap.length)
    const view = new DataView(out.buffer)
    view.setUint32(0, NATIVE_MAGIC, true)
    view.setInt32(4, 1, true)
    view.setInt32(8, bitmap.length, true)
    out.set(bitmap, 12)
    expect(rows(parseRoaringBitmapArray(out, 'native'))).toEqual([2, 70000])
  })

  it('reads array, bitmap and run containers written by roaring-wasm', () => {
    const values = [
      ...Array.from({ length: 100 }, (_, i) => i * 3), // array container (key 0)
      ...Array.from({ length: 10000 }, (_, i) => 65536 + i * 2), // bitmap container (key 1)
      ...Array.from({ length: 30000 }, (_, i) => 3 * 65536 + i), // one long run (key 3)
    ]
    const bitmap = RoaringBitmap32.from(values)
    bitmap.runOptimize()
    const set = parseRoaringBitmapArray(wrapPortable(bitmap.serialize('portable')), 'wasm')
    expect(set.cardinality).toBe(values.length)
    expect(rows(set)).toEqual(values)
    expect(set.has(65536 + 2)).toBe(true)
    expect(set.has(65536 + 3)).toBe(false)
    expect(set.has(3 * 65536 + 29999)).toBe(true)
    expect(set.has(3 * 65536 + 30000)).toBe(false)
  })

  it('puts bucket keys in the high 32 bits of row indexes', () => {
    const bitmap = RoaringBitmap32.from([7]).serialize('portable')
    expect(rows(parseRoaringBitmapArray(wrapPortable(bitmap, 2), 'high'))).toEqual([
      2 * 2 ** 32 + 7,
    ])
  })

  it('agrees with roaring-wasm on what we write, for random sets', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 300_000 }), { maxLength: 3000 }),
        (values) => {
          const bytes = serializeRoaringBitmapArray(values)
          // Bucket 0 only: strip the 16-byte 64-bit header and let roaring-wasm read the rest.
          const theirs = RoaringBitmap32.deserialize(
            'portable',
            bytes.subarray(values.length === 0 ? 12 : 16),
          )
          expect(theirs.toArray()).toEqual([...values].sort((a, b) => a - b))
        },
      ),
      { numRuns: 50 },
    )
  })

  const rejects = (bytes: Uint8Array): void => {
    expect(() => parseRoaringBitmapArray(bytes, 'bad.bin')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_DATA', path: 'bad.bin' }),
    )
  }

  it('rejects an unknown magic number', () => {
    rejects(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]))
  })

  it('rejects truncated data', () => {
    const good = serializeRoaringBitmapArray([1, 2, 3])
    rejects(good.subarray(0, good.length - 1))
    rejects(good.subarray(0, 3))
  })

  it('rejects trailing bytes after the bitmap', () => {
    const good = serializeRoaringBitmapArray([1, 2, 3])
    const longer = new Uint8Array(good.length + 1)
    longer.set(good)
    rejects(longer)
  })

  it('rejects bucket keys out of order', () => {
    const a = RoaringBitmap32.from([1]).serialize('portable')
    const out = new Uint8Array(12 + 2 * (4 + a.length))
    const view = new DataView(out.buffer)
    view.setUint32(0, PORTABLE_MAGIC, true)
    view.setUint32(4, 2, true)
    view.setUint32(12, 5, true)
    out.set(a, 16)
    view.setUint32(16 + a.length, 5, true)
    out.set(a, 20 + a.length)
    rejects(out)
  })

  it('rejects a container whose cardinality disagrees with its content', () => {
    const bytes = serializeRoaringBitmapArray(Array.from({ length: 5000 }, (_, i) => i * 2)) // a bitmap container
    const view = new DataView(bytes.buffer)
    // Header: 12 (64-bit) + 4 key + 4 cookie + 4 size, then key16 and cardinality-1.
    view.setUint16(12 + 4 + 8 + 2, 4000, true)
    rejects(bytes)
  })
})

describe('serializeRoaringBitmapArray', () => {
  it('writes the portable magic and round-trips random sets, including rows at and above 2^32', () => {
    const row = fc.oneof(
      fc.integer({ min: 0, max: 200_000 }),
      fc.integer({ min: 2 ** 32 - 70_000, max: 2 ** 32 + 70_000 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
    )
    fc.assert(
      fc.property(fc.array(row, { maxLength: 500 }), (values) => {
        const bytes = serializeRoaringBitmapArray(values)
        expect(new DataView(bytes.buffer).getUint32(0, true)).toBe(PORTABLE_MAGIC)
        const expected = [...new Set(values)].sort((a, b) => a - b)
        expect(rows(parseRoaringBitmapArray(bytes, 'x'))).toEqual(expected)
      }),
    )
  })

  it('round-trips dense ranges (run and bitmap containers)', () => {
    const dense = Array.from({ length: 200_000 }, (_, i) => i)
    const sparse = Array.from({ length: 20_000 }, (_, i) => 1_000_000 + i * 3)
    const bytes = serializeRoaringBitmapArray([...dense, ...sparse])
    const set = parseRoaringBitmapArray(bytes, 'x')
    expect(set.cardinality).toBe(220_000)
    expect(set.toArray().slice(199_998, 200_002)).toEqual(
      new Float64Array([199_998, 199_999, 1_000_000, 1_000_003]),
    )
    // 200k consecutive rows compress to a few run containers, far below a raw array.
    expect(bytes.length).toBeLessThan(80_000)
  })

  it('rejects negative, fractional or too large row indexes', () => {
    for (const bad of [-1, 1.5, 2 ** 53]) {
      expect(() => serializeRoaringBitmapArray([bad])).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      )
    }
  })
})

describe('RowIndexSet', () => {
  it('answers has() for members and non-members across containers', () => {
    const set = rowIndexSetOf([5, 65536 + 5, 2 ** 33])
    expect(set.has(5)).toBe(true)
    expect(set.has(6)).toBe(false)
    expect(set.has(65536 + 5)).toBe(true)
    expect(set.has(2 ** 33)).toBe(true)
    expect(set.has(-1)).toBe(false)
    expect(set.has(0.5)).toBe(false)
  })

  it('builds a mask for a row range', () => {
    const set = rowIndexSetOf([0, 3, 9, 65537, 70000])
    expect([...set.maskRange(2, 8)]).toEqual([0, 1, 0, 0, 0, 0, 0, 1])
    const mask = set.maskRange(65530, 10)
    expect([...mask]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
    expect(set.maskRange(100, 0)).toHaveLength(0)
  })

  it('masks agree with has() for random sets and ranges', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 140_000 }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 140_000 }),
        fc.integer({ min: 0, max: 3000 }),
        (values, start, length) => {
          const set = rowIndexSetOf(values)
          const mask = set.maskRange(start, length)
          for (let i = 0; i < length; i++) expect(mask[i] === 1).toBe(set.has(start + i))
        },
      ),
      { numRuns: 50 },
    )
  })

  it('unions two sets', () => {
    expect(rows(unionRowIndexSets(rowIndexSetOf([1, 5]), rowIndexSetOf([5, 2])))).toEqual([1, 2, 5])
  })
})
