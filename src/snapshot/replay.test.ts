import { describe, expect, it } from 'vitest'
import type { Action, Add, DeletionVectorDescriptor } from '../protocol/actions.js'
import { fakeAddColumns, tableHead } from './snapshot.test-util.js'
import { canonicalPathFn } from './read-segment.js'
import { KeyPrefilter, Replay } from './replay.js'

const TABLE = 'file:///data/t/'
const add = (path: string, size: number): Action => ({
  add: { path, partitionValues: {}, size, modificationTime: 0, dataChange: false },
})
const source = { path: `${TABLE}_delta_log/00000000000000000001.checkpoint.parquet` }

describe('Replay.applyCheckpoint', () => {
  // Two slices: the second names the files of the first otherwise (escaped; absolute inside
  // the table), as rows or as adds in their columns.
  const spellings = [
    [add('a=b/x.parquet', 10), add('y.parquet', 20)],
    [add('a%3Db/x.parquet', 40), add('file:///data/t/y.parquet', 80)],
  ].map((slice) => slice.map((a) => (a as { add: Add }).add))
  it.each([
    [
      'rows',
      (r: Replay, slice: Add[]) =>
        r.applyCheckpoint(
          slice.map((a) => ({ add: a })),
          source,
        ),
    ],
    [
      'adds in columns',
      (r: Replay, slice: Add[]) => r.applyCheckpointAdds(fakeAddColumns(slice), source),
    ],
  ])('deduplicates %s that spell one file two ways, before any lookup', (_how, apply) => {
    const replay = new Replay(canonicalPathFn(TABLE))
    for (const slice of spellings) apply(replay, slice)
    const files = replay.files
    expect(files.size).toBe(2)
    expect(files.totalBytes).toBe(120)
    expect([...files].map((f: Add) => [f.path, f.size])).toEqual([
      ['a%3Db/x.parquet', 40],
      ['file:///data/t/y.parquet', 80],
    ])
  })

  it('appends plainly spelled rows without building the key index', () => {
    const replay = new Replay(canonicalPathFn(TABLE))
    replay.applyCheckpoint([add('a=b/x.parquet', 10), add('y.parquet', 20)], source)
    expect(replay.files.bottomIndexed).toBe(false)
    expect(replay.files.size).toBe(2)
  })
})

const file = (path: string, size: number, dv?: DeletionVectorDescriptor): Add => ({
  path,
  partitionValues: {},
  size,
  modificationTime: size,
  dataChange: false,
  stats: `{"numRecords":${size}}`,
  ...(dv === undefined ? {} : { deletionVector: dv }),
})

describe('Replay.applyCheckpointAdds', () => {
  const dv: DeletionVectorDescriptor = {
    storageType: 'u',
    pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
    sizeInBytes: 36,
    cardinality: 2,
  }

  it('leaves out superseded keys and clears tombstones, decoding nothing until the files are read', () => {
    const replay = new Replay(canonicalPathFn(TABLE))
    replay.applyCheckpoint(
      [...tableHead(), { remove: { path: 'c.parquet', dataChange: false } }],
      source,
    )
    const decodes = { count: 0 }
    const superseded = new Set(['b.parquet', 'a.parquet\u0000nope'])
    replay.applyCheckpointAdds(
      fakeAddColumns(
        [
          file('a.parquet', 1),
          file('b.parquet', 2),
          file('c.parquet', 4),
          file('d.parquet', 8, dv),
        ],
        decodes,
      ),
      source,
      superseded,
    )
    replay.endCheckpoint(superseded)
    const state = replay.finish(source)
    expect(state.files.size).toBe(3)
    expect(state.files.totalBytes).toBe(13)
    expect(state.tombstones.size).toBe(0)
    expect(decodes.count).toBe(0)
    expect([...state.files.entries()].map(([key, f]) => [key, f.path, f.stats])).toEqual([
      ['a.parquet', 'a.parquet', '{"numRecords":1}'],
      ['c.parquet', 'c.parquet', '{"numRecords":4}'],
      [`d.parquet\u0000u${dv.pathOrInlineDv}`, 'd.parquet', '{"numRecords":8}'],
    ])
    expect(decodes.count).toBe(1)
  })
})

describe('KeyPrefilter', () => {
  it('never turns a member away, and turns most non-members away', () => {
    const keys = new Set(
      Array.from(
        { length: 2000 },
        (_, i) => `date=2024-01-${i % 28}/part-${i}-${(i * 7919).toString(16)}.parquet`,
      ),
    )
    const filter = new KeyPrefilter(keys)
    for (const key of keys) expect(filter.mayHave(key)).toBe(true)
    let passed = 0
    for (let i = 2000; i < 12_000; i++) {
      if (filter.mayHave(`date=2024-01-${i % 28}/part-${i}-${(i * 7919).toString(16)}.parquet`))
        passed++
    }
    expect(passed).toBeLessThan(100)
    expect(filter.mayHave('')).toBe(false)
  })
})
