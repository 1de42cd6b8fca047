import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DeletionVectorDescriptor } from './actions.js'
import { crc32 } from './crc32.js'
import {
  dvByteRange,
  dvFileLocation,
  dvUniqueId,
  inlineDeletionVector,
  parseDeletionVectorFile,
  parseInlineDeletionVector,
  parseStoredDeletionVector,
  relativeDvPath,
  serializeDeletionVectorFile,
} from './deletion-vector.js'
import { rowIndexSetOf } from './roaring-bitmap-array.js'

const CORPUS = process.env['DELTA_CORPUS'] ?? '../shared/corpus'

// The three JSON examples of PROTOCOL.md "Deletion Vector Descriptor Schema".
const relative: DeletionVectorDescriptor = {
  storageType: 'u',
  pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
  offset: 4,
  sizeInBytes: 40,
  cardinality: 6,
}
const absolute: DeletionVectorDescriptor = {
  storageType: 'p',
  pathOrInlineDv: 's3://mytable/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin',
  offset: 4,
  sizeInBytes: 40,
  cardinality: 6,
}
const inline: DeletionVectorDescriptor = {
  storageType: 'i',
  pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
  sizeInBytes: 40,
  cardinality: 6,
}

describe('deletion vector descriptors', () => {
  it('resolves the spec relative example to ab/deletion_vector_d2c639aa-....bin', () => {
    expect(dvFileLocation(relative)).toEqual({
      kind: 'relative',
      key: 'ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin',
    })
  })

  it('resolves a relative DV without prefix to a file in the table root', () => {
    const dv = { ...relative, pathOrInlineDv: '^-aqEH.-t@S}K{vb[*k^' }
    expect(dvFileLocation(dv)).toEqual({
      kind: 'relative',
      key: 'deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin',
    })
  })

  it('resolves the spec absolute example to its URI', () => {
    expect(dvFileLocation(absolute)).toMatchObject({
      kind: 'absolute',
      scheme: 's3',
      authority: 'mytable',
      path: '/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin',
    })
  })

  it('refuses a file location for an inline DV', () => {
    expect(() => dvFileLocation(inline)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('builds uniqueId from storage type, path and offset', () => {
    expect(dvUniqueId(relative)).toBe('uab^-aqEH.-t@S}K{vb[*k^@4')
    expect(dvUniqueId(inline)).toBe('iwi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L')
  })

  it('encodes a new relative DV path that resolves back to its UUID', () => {
    const text = relativeDvPath('d2c639aa-8816-431a-aaf6-d3fe2512ff61', 'ab')
    expect(text).toBe('ab^-aqEH.-t@S}K{vb[*k^')
    expect(() => relativeDvPath('d2c639aa-8816-431a-aaf6-d3fe2512ff61', 'a/b')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('computes the byte range of a stored DV', () => {
    expect(dvByteRange(relative)).toEqual({ start: 4, end: 52 })
    expect(
      dvByteRange({ ...relative, offset: undefined } as unknown as DeletionVectorDescriptor),
    ).toEqual({
      start: 0,
      end: 48,
    })
  })
})

describe('inline deletion vectors', () => {
  it('decodes the spec inline example to rows 3, 4, 7, 11, 18, 29', () => {
    expect([...parseInlineDeletionVector(inline, 'part-0.parquet')]).toEqual([3, 4, 7, 11, 18, 29])
  })

  it('rejects a cardinality that disagrees with the bitmap', () => {
    expect(() =>
      parseInlineDeletionVector({ ...inline, cardinality: 5 }, 'part-0.parquet'),
    ).toThrow(expect.objectContaining({ code: 'CORRUPT_DATA', path: 'part-0.parquet' }))
  })

  it('rejects text that is not Z85', () => {
    expect(() => parseInlineDeletionVector({ ...inline, pathOrInlineDv: '"""""' }, 'p')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_DATA' }),
    )
  })

  it('round-trips rows through an inline descriptor', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 100 }), (values) => {
        const dv = inlineDeletionVector(rowIndexSetOf(values))
        expect([...parseInlineDeletionVector(dv, 'x')]).toEqual(
          [...new Set(values)].sort((a, b) => a - b),
        )
      }),
    )
  })
})

describe('deletion vector files', () => {
  it('writes and reads back several DVs, each at its offset', () => {
    const sets = [rowIndexSetOf([0, 9]), rowIndexSetOf([]), rowIndexSetOf([1, 2 ** 33])]
    const { bytes, entries } = serializeDeletionVectorFile(sets)
    expect(bytes[0]).toBe(1)
    expect(entries[0]!.offset).toBe(1)
    entries.forEach((entry, i) => {
      const dv: DeletionVectorDescriptor = {
        storageType: 'u',
        pathOrInlineDv: 'x'.repeat(20),
        ...entry,
      }
      const { start, end } = dvByteRange(dv)
      expect([...parseStoredDeletionVector(bytes.subarray(start, end), dv, 'f.bin')]).toEqual([
        ...sets[i]!,
      ])
    })
    expect(parseDeletionVectorFile(bytes, 'f.bin').map((d) => d.offset)).toEqual(
      entries.map((e) => e.offset),
    )
  })

  it('detects a flipped bit through the CRC', () => {
    const { bytes, entries } = serializeDeletionVectorFile([rowIndexSetOf([1, 2, 3])])
    const entry = entries[0]!
    const dv: DeletionVectorDescriptor = {
      storageType: 'u',
      pathOrInlineDv: 'x'.repeat(20),
      ...entry,
    }
    const { start, end } = dvByteRange(dv)
    const chunk = bytes.slice(start, end)
    chunk[10] = chunk[10]! ^ 1
    expect(() => parseStoredDeletionVector(chunk, dv, 'f.bin')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_DATA', path: 'f.bin' }),
    )
  })

  it('rejects a size field that disagrees with the descriptor', () => {
    const { bytes, entries } = serializeDeletionVectorFile([rowIndexSetOf([1])])
    const dv: DeletionVectorDescriptor = {
      storageType: 'u',
      pathOrInlineDv: 'x'.repeat(20),
      ...entries[0]!,
    }
    const { start, end } = dvByteRange(dv)
    const chunk = bytes.slice(start, end)
    new DataView(chunk.buffer).setInt32(0, dv.sizeInBytes - 1, false)
    expect(() => parseStoredDeletionVector(chunk, dv, 'f.bin')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_DATA' }),
    )
    expect(() => parseStoredDeletionVector(bytes.slice(start, end - 1), dv, 'f.bin')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_DATA' }),
    )
  })

  it('rejects an unknown file version', () => {
    expect(() => parseDeletionVectorFile(new Uint8Array([2]), 'f.bin')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_DATA' }),
    )
  })

  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array())).toBe(0)
  })

  const table = join(CORPUS, 'delta-rs/table-with-dv-small')
  it.skipIf(!existsSync(table))(
    'reads the DV file of delta-rs/table-with-dv-small (rows 0 and 9)',
    () => {
      const dv: DeletionVectorDescriptor = {
        storageType: 'u',
        pathOrInlineDv: 'vBn[lx{q8@P<9BNH/isA',
        offset: 1,
        sizeInBytes: 36,
        cardinality: 2,
      }
      const location = dvFileLocation(dv)
      expect(location).toEqual({
        kind: 'relative',
        key: 'deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin',
      })
      const file = readFileSync(join(table, location.kind === 'relative' ? location.key : ''))
      const { start, end } = dvByteRange(dv)
      expect([
        ...parseStoredDeletionVector(new Uint8Array(file.subarray(start, end)), dv, 'dv'),
      ]).toEqual([0, 9])
    },
  )
})
