import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Add } from '../protocol/actions.js'
import { fakeAddColumns } from './snapshot.test-util.js'
import { FileSet } from './file-set.js'

const add = (path: string, size = 1, part = 'a'): Add => ({
  path,
  partitionValues: { part },
  size,
  modificationTime: 0,
  dataChange: true,
  stats: `{"numRecords":${size}}`,
})

describe('FileSet', () => {
  it('keeps files in add order, replaces re-added keys, and counts bytes', () => {
    const files = FileSet.empty()
    files.add('a', add('a', 10))
    files.add('b', add('b', 20))
    files.add('a', add('a', 5))
    expect([...files].map((f) => [f.path, f.size])).toEqual([
      ['b', 20],
      ['a', 5],
    ])
    expect(files.size).toBe(2)
    expect(files.totalBytes).toBe(25)
    expect(files.remove('b')).toBe(true)
    expect(files.remove('b')).toBe(false)
    expect(files.get('a')?.size).toBe(5)
  })

  it('interns partition-value maps: files of one partition share one object', () => {
    const files = FileSet.empty()
    files.add('x', add('x', 1, 'p'))
    files.add('y', add('y', 1, 'p'))
    const [x, y] = [...files]
    expect(x!.partitionValues).toBe(y!.partitionValues)
  })

  it('a clone shares its base: changes to the clone never show in the base, which is frozen', () => {
    const base = FileSet.empty()
    base.add('a', add('a', 1))
    base.add('b', add('b', 2))
    const next = base.clone()
    next.remove('a')
    next.add('c', add('c', 4))
    next.add('b', add('b', 8))
    expect([...base].map((f) => f.path)).toEqual(['a', 'b'])
    expect(base.totalBytes).toBe(3)
    expect([...next].map((f) => [f.path, f.size])).toEqual([
      ['c', 4],
      ['b', 8],
    ])
    expect(next.size).toBe(2)
    expect(next.totalBytes).toBe(12)
    expect(next.has('a')).toBe(false)
    expect(() => base.add('z', add('z'))).toThrow(/shared FileSet/)
  })

  it('behaves like a Map through any chain of clones, also for keys that are not paths (property)', () => {
    // `dv` keys stand for a (path, deletion vector) key: the same path under another key.
    const keyOf = (n: number, dv: boolean): string => (dv ? `k${n}\u0000dv` : `k${n}`)
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        key: fc.integer({ min: 0, max: 30 }),
        dv: fc.boolean(),
        size: fc.integer({ min: 1, max: 100 }),
      }),
      fc.record({
        kind: fc.constant('remove' as const),
        key: fc.integer({ min: 0, max: 30 }),
        dv: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('clone' as const) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        let files = FileSet.empty()
        const model = new Map<string, { path: string; size: number }>()
        for (const o of ops) {
          if (o.kind === 'clone') files = files.clone()
          else if (o.kind === 'add') {
            const key = keyOf(o.key, o.dv)
            model.delete(key)
            model.set(key, { path: `k${o.key}`, size: o.size })
            files.add(key, add(`k${o.key}`, o.size))
          } else {
            expect(files.remove(keyOf(o.key, o.dv))).toBe(model.delete(keyOf(o.key, o.dv)))
          }
        }
        expect([...files.entries()].map(([key, f]) => [key, f.path, f.size])).toEqual(
          [...model].map(([key, f]) => [key, f.path, f.size]),
        )
        expect(files.size).toBe(model.size)
        expect(files.totalBytes).toBe([...model.values()].reduce((a, f) => a + f.size, 0))
      }),
      { numRuns: 300 },
    )
  })

  it('a checkpoint layer filled by append, under a layer told which keys it lacks, behaves like plain adds (property)', () => {
    const keyOf = (n: number, dv: boolean): string => (dv ? `k${n}\u0000dv` : `k${n}`)
    const op = fc.record({
      kind: fc.constantFrom('add' as const, 'remove' as const),
      key: fc.integer({ min: 0, max: 40 }),
      dv: fc.boolean(),
      size: fc.integer({ min: 1, max: 100 }),
    })
    const checkpoint = fc.uniqueArray(
      fc.record({ key: fc.integer({ min: 0, max: 40 }), dv: fc.boolean() }),
      { selector: (k) => keyOf(k.key, k.dv), maxLength: 40 },
    )
    // How the checkpoint's rows arrive: one by one (`append`), or in column chunks of these
    // sizes (`appendColumns`, stats decoded on first read).
    const arrival = fc.option(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 }))
    fc.assert(
      fc.property(
        checkpoint,
        fc.array(op, { maxLength: 60 }),
        fc.boolean(),
        arrival,
        (rows, ops, later, chunking) => {
          const model = new Map<string, { path: string; size: number }>()
          const superseded = new Set(ops.map((o) => keyOf(o.key, o.dv)))
          const bottom = FileSet.forUniqueKeys()
          const decodes = { count: 0 }
          const fromCheckpoint: [string, Add][] = []
          for (const [i, row] of rows.entries()) {
            const key = keyOf(row.key, row.dv)
            model.set(key, { path: `k${row.key}`, size: 1000 + i })
            if (!superseded.has(key)) fromCheckpoint.push([key, add(`k${row.key}`, 1000 + i)])
          }
          if (chunking === null) for (const [key, file] of fromCheckpoint) bottom.append(key, file)
          else {
            for (let at = 0, c = 0; at < fromCheckpoint.length; c++) {
              const chunk = fromCheckpoint.slice(at, at + chunking[c % chunking.length]!)
              at += chunk.length
              const files = chunk.map(([, file]) => file)
              bottom.appendColumns(
                fakeAddColumns(files, decodes),
                files.map((_, j) => j),
                chunk.map(([key]) => key),
              )
            }
          }
          let files = bottom.cloneLacking(superseded)
          for (const o of ops) {
            const key = keyOf(o.key, o.dv)
            if (o.kind === 'add') {
              model.delete(key)
              model.set(key, { path: `k${o.key}`, size: o.size })
              files.add(key, add(`k${o.key}`, o.size))
            } else {
              model.delete(key)
              files.remove(key)
            }
          }
          // Replaying the commits never looked the checkpoint's files up, nor decoded them.
          expect(files.bottomIndexed).toBe(false)
          expect(decodes.count).toBe(0)
          if (later) {
            // A later update does, and still agrees with the model.
            files = files.clone()
            const first = rows[0]
            if (first !== undefined) {
              const key = keyOf(first.key, first.dv)
              expect(files.remove(key)).toBe(model.delete(key))
            }
          }
          expect(files.size).toBe(model.size)
          expect([...files.entries()].map(([key, f]) => [key, f.path, f.size])).toEqual(
            [...model].map(([key, f]) => [key, f.path, f.size]),
          )
          // Decoded files are whole: the fields appendColumns left out are filled in.
          for (const f of files) expect(f.stats).toBe(`{"numRecords":${f.size}}`)
          for (const key of model.keys()) expect(files.has(key)).toBe(true)
          expect(files.size).toBe(model.size)
          expect(files.totalBytes).toBe([...model.values()].reduce((a, f) => a + f.size, 0))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('adds appended in columns to a layer over a base replace the base files under their keys', () => {
    const base = FileSet.empty()
    base.add('a', add('a', 1))
    base.add('c', add('c', 3))
    const over = base.clone()
    over.appendColumns(fakeAddColumns([add('x', 0), add('a', 5), add('b', 2)]), [1, 2], ['a', 'b'])
    expect([...over].map((f) => [f.path, f.size, f.stats])).toEqual([
      ['c', 3, '{"numRecords":3}'],
      ['a', 5, '{"numRecords":5}'],
      ['b', 2, '{"numRecords":2}'],
    ])
    expect(over.totalBytes).toBe(10)
    expect([...base].map((f) => f.size)).toEqual([1, 3])
  })

  it('appends without an index until a lookup, which keeps the later of two files under one key', () => {
    const files = FileSet.forUniqueKeys()
    files.append('a', add('a', 1))
    files.append('b', add('b', 2))
    files.append('a', add('a', 4))
    expect(files.bottomIndexed).toBe(false)
    expect(files.get('a')?.size).toBe(4)
    expect(files.bottomIndexed).toBe(true)
    expect(files.size).toBe(2)
    expect(files.totalBytes).toBe(6)
    expect([...files].map((f) => [f.path, f.size])).toEqual([
      ['b', 2],
      ['a', 4],
    ])
  })

  it('keeps keys that are not paths through compaction', () => {
    const files = FileSet.empty()
    for (let i = 0; i < 3000; i++) files.add(`k${i}\u0000dv`, add(`k${i}`, 1))
    for (let i = 0; i < 2500; i++) files.remove(`k${i}\u0000dv`)
    expect([...files.entries()].map(([key]) => key)).toEqual(
      Array.from({ length: 500 }, (_, i) => `k${i + 2500}\u0000dv`),
    )
    expect(files.get('k2999\u0000dv')?.path).toBe('k2999')
  })
})
