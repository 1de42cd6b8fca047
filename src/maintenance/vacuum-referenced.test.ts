import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ReferenceSet } from './vacuum-referenced.js'
import { keyResolver } from './vacuum-paths.js'

const TABLE = 'file:///data/t/'

describe('ReferenceSet', () => {
  it('answers membership of store keys, whatever directory they sit in', () => {
    const set = new ReferenceSet(keyResolver(TABLE))
    set.addFile('root.parquet')
    set.addFile('a/b.parquet')
    set.addFile('a/b/c.parquet')
    set.addFile('a/b.parquet') // the same file twice counts once
    set.addFile('file:///data/t/d%3D1/e.parquet') // absolute inside the root: its key
    set.addFile('s3://elsewhere/x.parquet') // outside the root: never a key
    expect(set.size).toBe(4)
    for (const key of ['root.parquet', 'a/b.parquet', 'a/b/c.parquet', 'd=1/e.parquet'])
      expect(set.has(key)).toBe(true)
    for (const key of ['a/root.parquet', 'b.parquet', 'a/b/b.parquet', 'a/', 'a', 'x.parquet'])
      expect(set.has(key)).toBe(false)
    expect([...set.values()].sort()).toEqual([
      'a/b.parquet',
      'a/b/c.parquet',
      'd=1/e.parquet',
      'root.parquet',
    ])
  })

  it('keeps the file of a stored deletion vector', () => {
    const set = new ReferenceSet(keyResolver(TABLE))
    set.addFile('a/f.parquet', {
      storageType: 'u',
      pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
      offset: 1,
      sizeInBytes: 40,
      cardinality: 6,
    })
    expect(set.size).toBe(2)
    expect([...set.values()].filter((k) => k.startsWith('ab/deletion_vector_'))).toHaveLength(1)
  })

  it('is a set of keys, in any order of adds and lookups (property)', () => {
    const segment = fc.constantFrom('a', 'b', 'a=1', 'x y', 'é')
    const key = fc
      .tuple(fc.array(segment, { maxLength: 3 }), fc.constantFrom('f.parquet', 'g.parquet', 'a'))
      .map(([dirs, name]) => [...dirs, name].join('/'))
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 30 }),
        fc.array(key, { maxLength: 30 }),
        (added, probed) => {
          const set = new ReferenceSet(keyResolver(TABLE))
          const model = new Set<string>()
          // Adds and lookups interleaved, so the cached directory is exercised between them.
          for (const [i, k] of added.entries()) {
            set.addFile(encodeURI(k))
            model.add(k)
            const probe = probed[i]
            if (probe !== undefined) expect(set.has(probe)).toBe(model.has(probe))
          }
          for (const k of probed) expect(set.has(k)).toBe(model.has(k))
          expect(set.size).toBe(model.size)
          expect([...set.values()].sort()).toEqual([...model].sort())
        },
      ),
      { numRuns: 200 },
    )
  })
})
