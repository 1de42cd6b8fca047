import { describe, expect, it } from 'vitest'
import { CorruptLogError, VersionNotFoundError } from '../errors.js'
import { parseLogFileName } from '../protocol/log-files.js'
import { buildLogSegment, type LogEntry } from './log-segment.js'

/** Listing entries from bare names relative to _delta_log/. */
function listing(...names: string[]): LogEntry[] {
  return names.map((name, i) => {
    const file = parseLogFileName(name)
    if (file === undefined) throw new Error(`not a log file: ${name}`)
    return { file, key: `_delta_log/${name}`, size: 100, lastModified: 1000 + i }
  })
}
const v = (n: number): string => String(n).padStart(20, '0')
const commits = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${v(from + i)}.json`)
const opts = { tableUrl: 'memory://t/' }

describe('buildLogSegment', () => {
  it('replays every commit from 0 when there is no checkpoint', () => {
    const segment = buildLogSegment(listing(...commits(0, 4)), opts)!
    expect(segment.version).toBe(4)
    expect(segment.checkpoint).toBeUndefined()
    expect(segment.commits.map((c) => c.file)).toEqual(
      [0, 1, 2, 3, 4].map((version) => ({ kind: 'commit', version })),
    )
    expect(segment.earliestVersion).toBe(0)
    expect(segment.latestVersion).toBe(4)
  })

  it('starts at the newest complete checkpoint at or before the target', () => {
    const names = [...commits(0, 25), `${v(10)}.checkpoint.parquet`, `${v(20)}.checkpoint.parquet`]
    const latest = buildLogSegment(listing(...names), opts)!
    expect(latest.checkpoint?.version).toBe(20)
    expect(latest.commits.map((c) => c.file.kind === 'commit' && c.file.version)).toEqual([
      21, 22, 23, 24, 25,
    ])
    const older = buildLogSegment(listing(...names), { ...opts, version: 15 })!
    expect(older.checkpoint?.version).toBe(10)
    expect(older.commits).toHaveLength(5)
    const exact = buildLogSegment(listing(...names), { ...opts, version: 20 })!
    expect(exact.checkpoint?.version).toBe(20)
    expect(exact.commits).toEqual([])
  })

  it('ignores a multi-part checkpoint with a missing part and falls back to an older one', () => {
    const names = [
      ...commits(0, 12),
      `${v(5)}.checkpoint.0000000001.0000000002.parquet`,
      `${v(5)}.checkpoint.0000000002.0000000002.parquet`,
      `${v(10)}.checkpoint.0000000001.0000000003.parquet`,
      `${v(10)}.checkpoint.0000000003.0000000003.parquet`,
    ]
    const segment = buildLogSegment(listing(...names), opts)!
    expect(segment.checkpoint?.version).toBe(5)
    expect(segment.checkpoint?.format).toBe('multi-part')
    expect(
      segment.checkpoint?.files.map(
        (f) => f.file.kind === 'checkpoint' && f.file.format === 'multi-part' && f.file.part,
      ),
    ).toEqual([1, 2])
  })

  it('reports a gap in the commits as CorruptLogError', () => {
    const error = (() => {
      try {
        buildLogSegment(listing(`${v(0)}.json`, `${v(2)}.json`), opts)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(CorruptLogError)
    expect(error).toMatchObject({ code: 'CORRUPT_LOG', path: 'memory://t/_delta_log/' })
  })

  it('reports a gap after the checkpoint as CorruptLogError, but reads versions before the gap', () => {
    const names = [...commits(0, 11), `${v(10)}.checkpoint.parquet`, `${v(13)}.json`]
    expect(() => buildLogSegment(listing(...names), opts)).toThrow(CorruptLogError)
    expect(buildLogSegment(listing(...names), { ...opts, version: 11 })!.version).toBe(11)
  })

  it('uses a checkpoint past a gap: commits after it are all that matter', () => {
    const names = [
      ...commits(0, 13),
      `${v(10)}.checkpoint.parquet`,
      `${v(9999)}.checkpoint.parquet`,
      `${v(9999)}.json`,
    ]
    const segment = buildLogSegment(listing(...names), opts)!
    expect(segment.version).toBe(9999)
    expect(segment.checkpoint?.version).toBe(9999)
  })

  it('a log starting after 0 without a checkpoint is corrupt', () => {
    expect(() => buildLogSegment(listing(...commits(3, 6)), opts)).toThrow(CorruptLogError)
  })

  it('versions before the oldest checkpoint of a cleaned-up log are not found, with the range', () => {
    const names = [...commits(5, 9), `${v(5)}.checkpoint.parquet`]
    const error = (() => {
      try {
        buildLogSegment(listing(...names), { ...opts, version: 2 })
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(VersionNotFoundError)
    expect(error).toMatchObject({ code: 'VERSION_NOT_FOUND', requested: 2, earliest: 5, latest: 9 })
    expect(() => buildLogSegment(listing(...names), { ...opts, version: 10 })).toThrow(
      VersionNotFoundError,
    )
  })

  it('a table that is only a checkpoint (its commit cleaned up) reads at that version', () => {
    const segment = buildLogSegment(listing(`${v(7)}.checkpoint.parquet`), opts)!
    expect(segment).toMatchObject({ version: 7, earliestVersion: 7, latestVersion: 7, commits: [] })
  })

  it('prefers a classic checkpoint over a UUID-named one of the same version', () => {
    const uuid = 'a5a9cde1-b3e2-4d63-8c2d-a84a2b2d3e12'
    const names = [
      ...commits(0, 3),
      `${v(3)}.checkpoint.${uuid}.json`,
      `${v(3)}.checkpoint.parquet`,
    ]
    expect(buildLogSegment(listing(...names), opts)!.checkpoint?.format).toBe('classic')
    const onlyUuid = [...commits(0, 3), `${v(3)}.checkpoint.${uuid}.json`]
    expect(buildLogSegment(listing(...onlyUuid), opts)!.checkpoint?.format).toBe('uuid')
  })

  it('lets compaction files stand for runs of commits, but never for the last one', () => {
    const names = [
      ...commits(0, 9),
      `${v(2)}.${v(5)}.compacted.json`,
      `${v(2)}.${v(4)}.compacted.json`,
      `${v(7)}.${v(9)}.compacted.json`,
    ]
    const segment = buildLogSegment(listing(...names), opts)!
    expect(segment.deltas.map((d) => d.key.slice('_delta_log/'.length))).toEqual([
      `${v(0)}.json`,
      `${v(1)}.json`,
      `${v(2)}.${v(5)}.compacted.json`,
      `${v(6)}.json`,
      `${v(7)}.json`,
      `${v(8)}.json`,
      `${v(9)}.json`,
    ])
    expect(segment.commits).toHaveLength(10)
  })

  it('finds the crc of the target version', () => {
    const segment = buildLogSegment(listing(...commits(0, 2), `${v(2)}.crc`, `${v(1)}.crc`), opts)!
    expect(segment.crc?.key).toBe(`_delta_log/${v(2)}.crc`)
  })

  it('asks for a full listing when a listing that started late holds no checkpoint', () => {
    expect(
      buildLogSegment(listing(...commits(10, 12)), { ...opts, listedFrom: 10 }),
    ).toBeUndefined()
    expect(buildLogSegment([], { ...opts, listedFrom: 10 })).toBeUndefined()
  })

  it('an empty log is not found', () => {
    expect(() => buildLogSegment([], opts)).toThrow(VersionNotFoundError)
  })
})
