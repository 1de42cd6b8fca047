import { describe, expect, it } from 'vitest'
import type { Action } from '../protocol/actions.js'
import { loadSnapshot } from '../snapshot/load.js'
import { seededIds } from '../util/clock.js'
import { utf8Encode } from '../util/utf8.js'
import { writeCheckpoint, type CheckpointKind } from './checkpoint.js'
import { DAY_MS, cleanupExpiredLogs, truncateToDay } from './log-cleanup.js'
import {
  PROTOCOL_DV,
  PROTOCOL_V2,
  TestTable,
  addFile,
  metadata,
  removeFile,
  stateOf,
} from './maintenance.test-util.js'
import { computeVersionChecksum, writeVersionChecksum } from './version-checksum-write.js'

const DAY0 = Date.UTC(2024, 0, 1)
const HOUR = 3_600_000
const v = (n: number): string => `_delta_log/${String(n).padStart(20, '0')}`

interface DailyOptions {
  readonly versions: number
  readonly checkpoints: readonly number[]
  readonly kind?: CheckpointKind
  readonly v2?: boolean
}

/** Commit `n` lands at day n, 01:00 UTC, with its `.crc`; checkpoints where asked. */
async function dailyTable(options: DailyOptions): Promise<TestTable> {
  const t = new TestTable(DAY0 + HOUR)
  const ids = seededIds(9)
  for (let n = 0; n < options.versions; n++) {
    const actions: Action[] =
      n === 0
        ? [
            { protocol: options.v2 === true ? PROTOCOL_V2 : PROTOCOL_DV },
            { metaData: metadata(options.v2 === true ? { 'delta.checkpointPolicy': 'v2' } : {}) },
          ]
        : [{ add: addFile(`f${n}.parquet`) }]
    if (n >= 2 && n % 2 === 0)
      actions.push({ remove: removeFile(`f${n - 1}.parquet`, DAY0 + n * DAY_MS) })
    await t.commit(n, actions, DAY0 + n * DAY_MS + HOUR)
    const snapshot = await t.snapshot(n)
    await writeVersionChecksum(t.log, n, computeVersionChecksum(snapshot))
    if (options.checkpoints.includes(n)) {
      await writeCheckpoint(snapshot, {
        ...(options.kind === undefined ? {} : { kind: options.kind }),
        partSize: 1,
        ids,
      })
    }
  }
  return t
}

/** Everything in `_delta_log/` except the hint, as version-ordered names. */
async function logKeys(t: TestTable): Promise<string[]> {
  return (await t.keys('_delta_log/')).filter((k) => !k.endsWith('_last_checkpoint'))
}

describe('cleanupExpiredLogs', () => {
  it('keeps the newest checkpoint not after the cutoff commit, its commit, and all later files', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [2, 5, 9] })
    const jsonOnly = await t.jsonOnly()
    // 30 days of retention from day 37 18:00: the cutoff is midnight of day 7, so commit 6
    // (day 6 01:00) is the cutoff commit and commit 7 (day 7 01:00) is already too new.
    const now = DAY0 + 37 * DAY_MS + 18 * HOUR
    const result = await cleanupExpiredLogs(await t.snapshot(), { now })
    expect(result).toMatchObject({
      cutoffTimestamp: DAY0 + 7 * DAY_MS,
      cutoffCommit: 6,
      checkpointVersion: 5,
      dryRun: false,
      compatCheckpoint: undefined,
    })
    expect(result.deleted).toEqual([
      `${v(0)}.crc`,
      `${v(0)}.json`,
      `${v(1)}.crc`,
      `${v(1)}.json`,
      `${v(2)}.checkpoint.parquet`,
      `${v(2)}.crc`,
      `${v(2)}.json`,
      `${v(3)}.crc`,
      `${v(3)}.json`,
      `${v(4)}.crc`,
      `${v(4)}.json`,
    ])
    expect(await logKeys(t)).toEqual([
      `${v(5)}.checkpoint.parquet`,
      `${v(5)}.crc`,
      `${v(5)}.json`,
      `${v(6)}.crc`,
      `${v(6)}.json`,
      `${v(7)}.crc`,
      `${v(7)}.json`,
      `${v(8)}.crc`,
      `${v(8)}.json`,
      `${v(9)}.checkpoint.parquet`,
      `${v(9)}.crc`,
      `${v(9)}.json`,
      `${v(10)}.crc`,
      `${v(10)}.json`,
      `${v(11)}.crc`,
      `${v(11)}.json`,
    ])
    // Time travel to every retained version still works, and matches the full history.
    for (let n = 5; n <= 11; n++) {
      const s = await t.snapshot(n)
      expect(s.warnings).toEqual([])
      expect(stateOf(s, now)).toEqual(stateOf(await t.snapshot(n, jsonOnly), now))
    }
    await expect(t.snapshot(4)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', earliest: 5 })
  })

  it('keeps timestamp time travel inside the window answering as before', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [5] })
    const now = DAY0 + 37 * DAY_MS + 18 * HOUR
    const at = (day: number) => loadSnapshot(t.log, { timestamp: DAY0 + day * DAY_MS + 2 * HOUR })
    const days = [5, 6, 8, 10]
    const before = await Promise.all(days.map(async (d) => (await at(d)).version))
    await cleanupExpiredLogs(await t.snapshot(), { now })
    const after = await Promise.all(days.map(async (d) => (await at(d)).version))
    expect(after).toEqual(before)
    expect(after).toEqual([5, 6, 8, 10])
    await expect(at(4)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' })
  })

  it('a dry run reports the same files and deletes nothing', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [5] })
    const now = DAY0 + 37 * DAY_MS + 18 * HOUR
    const keysBefore = await t.keys()
    const dry = await cleanupExpiredLogs(await t.snapshot(), { now, dryRun: true })
    expect(await t.keys()).toEqual(keysBefore)
    const real = await cleanupExpiredLogs(await t.snapshot(), { now })
    expect(dry.deleted).toEqual(real.deleted)
    expect(dry.dryRun).toBe(true)
    expect(real.deleted).toHaveLength(10)
  })

  it('deletes nothing when no checkpoint is at or before the cutoff commit', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [9] })
    const keysBefore = await t.keys()
    const result = await cleanupExpiredLogs(await t.snapshot(), {
      now: DAY0 + 37 * DAY_MS + 18 * HOUR,
    })
    expect(result).toMatchObject({ cutoffCommit: 6, checkpointVersion: undefined, deleted: [] })
    expect(await t.keys()).toEqual(keysBefore)
  })

  it('deletes nothing when every commit is younger than the retention', async () => {
    const t = await dailyTable({ versions: 6, checkpoints: [3] })
    const result = await cleanupExpiredLogs(await t.snapshot(), { now: DAY0 + 10 * DAY_MS })
    expect(result).toMatchObject({ cutoffCommit: undefined, deleted: [] })
  })

  it('honours delta.logRetentionDuration, and retentionMs over it', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [5, 9] })
    const now = DAY0 + 12 * DAY_MS
    // Default 30 days: nothing is old enough.
    expect((await cleanupExpiredLogs(await t.snapshot(), { now, dryRun: true })).deleted).toEqual(
      [],
    )
    // Two days: the cutoff is midnight of day 10; commit 10 (01:00) is after it.
    const result = await cleanupExpiredLogs(await t.snapshot(), { now, retentionMs: 2 * DAY_MS })
    expect(result).toMatchObject({ cutoffCommit: 9, checkpointVersion: 9 })
    expect(result.deleted).toContain(`${v(8)}.json`)
    expect((await t.snapshot()).segment.checkpoint?.version).toBe(9)
  })

  it('removes every part of old multi-part checkpoints, and incomplete ones', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [3, 5], kind: 'multi-part' })
    // An abandoned multi-part attempt at version 4 (one part of two).
    await t.memory.put(`${v(4)}.checkpoint.0000000001.0000000002.parquet`, new Uint8Array([1]))
    const result = await cleanupExpiredLogs(await t.snapshot(), {
      now: DAY0 + 37 * DAY_MS + 18 * HOUR,
    })
    expect(result.checkpointVersion).toBe(5)
    // Version 3: files f2, f3 and the f1 tombstone, one action per part.
    expect(result.deleted.filter((k) => k.includes('.checkpoint.'))).toEqual([
      `${v(3)}.checkpoint.0000000001.0000000003.parquet`,
      `${v(3)}.checkpoint.0000000002.0000000003.parquet`,
      `${v(3)}.checkpoint.0000000003.0000000003.parquet`,
      `${v(4)}.checkpoint.0000000001.0000000002.parquet`,
    ])
    // Version 5: f2, f4, f5 and two tombstones.
    expect((await t.snapshot(5)).segment.checkpoint?.files).toHaveLength(5)
  })

  it('removes compaction files starting at or before the checkpoint and old staged commits', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [5] })
    const put = (key: string) => t.memory.put(key, utf8Encode('{}\n'))
    await put(`${v(2)}.${String(4).padStart(20, '0')}.compacted.json`)
    await put(`${v(5)}.${String(7).padStart(20, '0')}.compacted.json`)
    await put(`${v(6)}.${String(8).padStart(20, '0')}.compacted.json`)
    const staged = (n: number) =>
      `_delta_log/_staged_commits/${String(n).padStart(20, '0')}.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json`
    await put(staged(5))
    await put(staged(6))
    const result = await cleanupExpiredLogs(await t.snapshot(), {
      now: DAY0 + 37 * DAY_MS + 18 * HOUR,
    })
    expect(result.deleted).toContain(`${v(2)}.${String(4).padStart(20, '0')}.compacted.json`)
    expect(result.deleted).toContain(`${v(5)}.${String(7).padStart(20, '0')}.compacted.json`)
    expect(result.deleted).not.toContain(`${v(6)}.${String(8).padStart(20, '0')}.compacted.json`)
    expect(result.deleted).toContain(staged(5))
    expect(result.deleted).not.toContain(staged(6))
  })

  it('passes over a checkpoint whose commit time was adjusted, keeping time travel stable', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [3, 5] })
    // Commit 5's file is older than commit 4's (a copied file): time travel sees it at
    // commit 4's time + 1 ms only because commit 4 is there.
    const bytes = (await t.memory.get(`${v(5)}.json`)).bytes
    t.time = DAY0 + 3 * DAY_MS
    await t.memory.put(`${v(5)}.json`, bytes)
    const result = await cleanupExpiredLogs(await t.snapshot(), {
      now: DAY0 + 37 * DAY_MS + 18 * HOUR,
    })
    expect(result.checkpointVersion).toBe(3)
    expect(await t.keys(v(4))).toEqual([`${v(4)}.crc`, `${v(4)}.json`])
  })

  it('on V2 tables: keeps referenced and young sidecars, deletes old orphans, writes a compat checkpoint', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [2, 5, 9], v2: true })
    const sidecarsOf = async (version: number) =>
      (await t.keys('_delta_log/_sidecars/')).filter((k) =>
        k.startsWith(`_delta_log/_sidecars/${String(version).padStart(20, '0')}`),
      )
    const jsonOnly = await t.jsonOnly()
    const old = await sidecarsOf(2)
    const kept = [...(await sidecarsOf(5)), ...(await sidecarsOf(9))]
    expect(old.length).toBeGreaterThan(0)
    const now = DAY0 + 37 * DAY_MS + 18 * HOUR
    // Orphans of failed checkpoints: before the log cutoff (deleted), inside the retention
    // window (kept, as Spark keeps them), and an hour old (kept: maybe still being written).
    t.time = DAY0 + 3 * DAY_MS
    await t.memory.put('_delta_log/_sidecars/orphan-old.parquet', new Uint8Array([1]))
    t.time = now - 2 * DAY_MS
    await t.memory.put('_delta_log/_sidecars/orphan-recent.parquet', new Uint8Array([1]))
    t.time = now - HOUR
    await t.memory.put('_delta_log/_sidecars/orphan-young.parquet', new Uint8Array([1]))
    const result = await cleanupExpiredLogs(await t.snapshot(), { now })
    expect(result.checkpointVersion).toBe(5)
    expect(result.compatCheckpoint).toBe(`${v(9)}.checkpoint.parquet`)
    expect(result.deleted.filter((k) => k.includes('_sidecars/')).sort()).toEqual(
      [...old, '_delta_log/_sidecars/orphan-old.parquet'].sort(),
    )
    expect((await t.keys('_delta_log/_sidecars/')).sort()).toEqual(
      [
        ...kept,
        '_delta_log/_sidecars/orphan-recent.parquet',
        '_delta_log/_sidecars/orphan-young.parquet',
      ].sort(),
    )
    for (let n = 5; n <= 11; n++) expect((await t.snapshot(n)).numFiles).toBeGreaterThan(0)
    // The compat checkpoint alone (the UUID-named top-level file gone) still loads version 9.
    const uuidTop = (await t.keys(`${v(9)}.checkpoint.`)).filter((k) => /[0-9a-f-]{36}/.test(k))
    expect(uuidTop).toHaveLength(1)
    await t.memory.delete(uuidTop[0]!)
    const compat = await t.snapshot(9)
    expect(compat.segment.checkpoint?.format).toBe('classic')
    expect(stateOf(compat, now)).toEqual(stateOf(await t.snapshot(9, jsonOnly), now))
  })

  it('never deletes the checkpoint _last_checkpoint names', async () => {
    const t = await dailyTable({ versions: 12, checkpoints: [3] })
    // A newer checkpoint whose hint update never happened (a crash, a lost race).
    await writeCheckpoint(await t.snapshot(5), { updateLastCheckpoint: false })
    const result = await cleanupExpiredLogs(await t.snapshot(), {
      now: DAY0 + 37 * DAY_MS + 18 * HOUR,
    })
    expect(result.checkpointVersion).toBe(3)
    expect(result.deleted.at(-1)).toBe(`${v(2)}.json`)
    expect(await t.keys(`${v(3)}.checkpoint`)).toEqual([`${v(3)}.checkpoint.parquet`])
  })

  it('rejects a negative retention with INVALID_ARGUMENT', async () => {
    const t = await dailyTable({ versions: 2, checkpoints: [] })
    await expect(cleanupExpiredLogs(await t.snapshot(), { retentionMs: -1 })).rejects.toMatchObject(
      { code: 'INVALID_ARGUMENT' },
    )
  })
})

describe('truncateToDay', () => {
  it('rounds down to midnight UTC, before 1970 too', () => {
    expect(truncateToDay(Date.UTC(2024, 4, 3, 23, 59, 59, 999))).toBe(Date.UTC(2024, 4, 3))
    expect(truncateToDay(Date.UTC(2024, 4, 3))).toBe(Date.UTC(2024, 4, 3))
    expect(truncateToDay(-1)).toBe(-DAY_MS)
  })
})
