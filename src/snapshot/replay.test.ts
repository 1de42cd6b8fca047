import { describe, expect, it } from 'vitest'
import type { Action, Add } from '../protocol/actions.js'
import { canonicalPathFn } from './read-segment.js'
import { Replay } from './replay.js'

const TABLE = 'file:///data/t/'
const add = (path: string, size: number): Action => ({
  add: { path, partitionValues: {}, size, modificationTime: 0, dataChange: false },
})
const source = { path: `${TABLE}_delta_log/00000000000000000001.checkpoint.parquet` }

describe('Replay.applyCheckpoint', () => {
  it('deduplicates checkpoint rows that spell one file two ways, before any lookup', () => {
    const replay = new Replay(canonicalPathFn(TABLE))
    replay.applyCheckpoint(
      [
        add('a=b/x.parquet', 10),
        add('y.parquet', 20),
        add('a%3Db/x.parquet', 40), // escaped: the same file as the first row
        add('file:///data/t/y.parquet', 80), // absolute inside the table: the same as y
      ],
      source,
    )
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
