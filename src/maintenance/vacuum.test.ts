import { describe, expect, it } from 'vitest'
import { OperationNotAllowedError } from '../errors.js'
import type { CommitInfo } from '../protocol/actions.js'
import { loadSnapshot } from '../snapshot/load.js'
import { FaultyStore, isInjectedFault } from '../storage/fault.js'
import { utf8Decode } from '../util/utf8.js'
import { writeCheckpoint } from './checkpoint.js'
import { LAST_VACUUM_INFO_KEY } from './vacuum-lite.js'
import { DAY, HOUR, T0, VacuumTable, addAction } from './vacuum.test-util.js'
import { vacuum, type VacuumProgress } from './vacuum.js'
import { verify } from './verify.js'

/**
 * v0 (T0) create; v1 (T0+1h) adds live, old-removed, recent-removed; v2 (day 1) removes
 * old-removed; v3 (day 12) removes recent-removed. orphan-old (day 1) and orphan-young (day 12 +
 * 1h) were never committed. Now is day 13, so the default 7-day retention puts the cutoff at
 * day 6 and v2 is the boundary version.
 */
async function standardTable(
  wrap?: ConstructorParameters<typeof VacuumTable>[0],
): Promise<VacuumTable> {
  const t = await VacuumTable.create({}, wrap)
  await t.append(['live.parquet', 'old-removed.parquet', 'recent-removed.parquet'], T0 + HOUR)
  await t.remove(['old-removed.parquet'], T0 + DAY)
  await t.putFile('orphan-old.parquet', 10, T0 + DAY)
  await t.remove(['recent-removed.parquet'], T0 + 12 * DAY)
  await t.putFile('orphan-young.parquet', 10, T0 + 12 * DAY + HOUR)
  t.time = T0 + 13 * DAY
  return t
}

const ALL_FILES = [
  'live.parquet',
  'old-removed.parquet',
  'orphan-old.parquet',
  'orphan-young.parquet',
  'recent-removed.parquet',
]

async function commitInfoOf(t: VacuumTable, version: number): Promise<CommitInfo> {
  const actions = await t.log.readCommit(version)
  expect(actions).toHaveLength(1)
  const first = actions[0]!
  if (!('commitInfo' in first)) throw new Error('expected a commitInfo')
  return first.commitInfo
}

describe('vacuum: dry run', () => {
  it('lists expired tombstones and old orphans, deletes nothing and commits nothing', async () => {
    const t = await standardTable()
    const report = await vacuum(t, { clock: t.clock })
    expect(report).toEqual({
      dryRun: true,
      mode: 'full',
      version: 3,
      retentionMs: 7 * DAY,
      cutoff: T0 + 6 * DAY,
      numFilesToDelete: 2,
      bytes: 20,
      filesToDelete: [
        { path: 'old-removed.parquet', size: 10 },
        { path: 'orphan-old.parquet', size: 10 },
      ],
      filesToDeleteComplete: true,
      deleted: 0,
      spared: 0,
      directories: 1,
      startVersion: undefined,
      endVersion: undefined,
      logRange: undefined,
    })
    expect(await t.keys()).toEqual([
      '_delta_log/00000000000000000000.json',
      '_delta_log/00000000000000000001.json',
      '_delta_log/00000000000000000002.json',
      '_delta_log/00000000000000000003.json',
      ...ALL_FILES,
    ])
  })

  it('reports the first files in key order up to reportLimit, and streams all to onFile', async () => {
    const t = await standardTable()
    const seen: string[] = []
    const report = await vacuum(t, {
      clock: t.clock,
      reportLimit: 1,
      onFile: (f) => seen.push(f.path),
    })
    expect(report.numFilesToDelete).toBe(2)
    expect(report.filesToDelete).toEqual([{ path: 'old-removed.parquet', size: 10 }])
    expect(report.filesToDeleteComplete).toBe(false)
    expect(seen.sort()).toEqual(['old-removed.parquet', 'orphan-old.parquet'])
  })
})

describe('vacuum: deleting', () => {
  it('deletes expired tombstoned files and old orphans, records VACUUM START/END, and the table loads', async () => {
    const t = await standardTable()
    const progress: VacuumProgress[] = []
    const report = await vacuum(t, {
      dryRun: false,
      clock: t.clock,
      onProgress: (p) => progress.push(p),
    })
    expect(report).toMatchObject({
      dryRun: false,
      numFilesToDelete: 2,
      bytes: 20,
      deleted: 2,
      startVersion: 4,
      endVersion: 5,
    })
    expect(await t.keys('live')).toEqual(['live.parquet'])
    expect((await t.keys()).filter((k) => !k.startsWith('_delta_log/'))).toEqual([
      'live.parquet',
      'orphan-young.parquet',
      'recent-removed.parquet',
    ])
    expect(progress.filter((p) => p.phase === 'deleting')).toEqual([
      { phase: 'deleting', done: 2, total: 2 },
    ])
    expect(progress.filter((p) => p.phase === 'listing').at(-1)).toEqual({
      phase: 'listing',
      done: 5,
    })

    const start = await commitInfoOf(t, 4)
    expect(start).toMatchObject({
      operation: 'VACUUM START',
      operationParameters: { retentionCheckEnabled: 'true', defaultRetentionMillis: '604800000' },
      operationMetrics: { numFilesToDelete: '2', sizeOfDataToDelete: '20' },
      readVersion: 3,
      isBlindAppend: true,
    })
    expect(start.operationParameters).not.toHaveProperty('specifiedRetentionMillis')
    expect(await commitInfoOf(t, 5)).toMatchObject({
      operation: 'VACUUM END',
      operationParameters: { status: 'COMPLETED' },
      operationMetrics: { numDeletedFiles: '2', numVacuumedDirectories: '1' },
    })
    const info = await t.store.get(LAST_VACUUM_INFO_KEY)
    expect(JSON.parse(utf8Decode(info.bytes))).toEqual({
      latestCommitVersionOutsideOfRetentionWindow: 2,
    })

    const snapshot = await loadSnapshot(t.log, { clock: t.clock })
    expect(snapshot.version).toBe(5)
    expect([...snapshot.files()].map((f) => f.path)).toEqual(['live.parquet'])
    expect((await verify(t, { clock: t.clock })).ok).toBe(true)
  })

  it('records the retention the caller specified and whether the check was forced', async () => {
    const t = await standardTable()
    await vacuum(t, { dryRun: false, clock: t.clock, retentionHours: 0, force: true })
    expect((await commitInfoOf(t, 4)).operationParameters).toEqual({
      retentionCheckEnabled: 'false',
      defaultRetentionMillis: '604800000',
      specifiedRetentionMillis: '0',
    })
  })

  it('spares a candidate that a commit landing during planning adds back', async () => {
    const t = await standardTable()
    let revived = false
    const report = await vacuum(t, {
      dryRun: false,
      clock: t.clock,
      onFile: (f) => {
        if (f.path !== 'old-removed.parquet' || revived) return
        revived = true
        // A memory-store put lands synchronously: this commit is version 4 before START.
        void t.commit([addAction('old-removed.parquet')])
      },
    })
    expect(report).toMatchObject({ numFilesToDelete: 2, deleted: 1, spared: 1, startVersion: 5 })
    expect(await t.keys('o')).toEqual(['old-removed.parquet', 'orphan-young.parquet'])
    const snapshot = await loadSnapshot(t.log, { clock: t.clock })
    expect([...snapshot.files()].map((f) => f.path).sort()).toEqual([
      'live.parquet',
      'old-removed.parquet',
    ])
  })

  it('a crash while deleting leaves the table readable at the VACUUM START version', async () => {
    const [t, faulty] = await faultyTable()
    faulty.inject({ op: 'deleteMany', nth: 2, action: 'crash' })
    const error: unknown = await vacuum(t, { dryRun: false, clock: t.clock }).catch(
      (e: unknown) => e,
    )
    expect(isInjectedFault(error)).toBe(true)
    faulty.heal()
    // One batch (of one key) went before the crash; VACUUM END could not be written.
    expect(await t.keys('o')).toEqual(['orphan-old.parquet', 'orphan-young.parquet'])
    const snapshot = await loadSnapshot(t.log, { clock: t.clock })
    expect(snapshot.version).toBe(4)
    expect((await verify(t, { clock: t.clock })).ok).toBe(true)
    // Running again finishes the job.
    const again = await vacuum(t, { dryRun: false, clock: t.clock })
    expect(again).toMatchObject({ deleted: 1, startVersion: 5, endVersion: 6 })
    expect(await t.keys('o')).toEqual(['orphan-young.parquet'])
  })

  it('records VACUUM END with status FAILED when a delete fails, and rethrows', async () => {
    const [t, faulty] = await faultyTable()
    faulty.inject({ op: 'deleteMany', nth: 1, action: 'fail' })
    const error: unknown = await vacuum(t, { dryRun: false, clock: t.clock }).catch(
      (e: unknown) => e,
    )
    expect(isInjectedFault(error)).toBe(true)
    const end = await commitInfoOf(t, 5)
    expect(end.operation).toBe('VACUUM END')
    expect(end.operationParameters).toEqual({ status: 'FAILED' })
    expect(end.operationMetrics).toEqual({})
  })

  it('rejects with ABORTED when the signal has fired', async () => {
    const t = await standardTable()
    const controller = new AbortController()
    controller.abort()
    await expect(vacuum(t, { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    })
  })
})

describe('vacuum: lite mode', () => {
  it('deletes only what the log removed, and continues from _last_vacuum_info', async () => {
    const t = await standardTable()
    const dry = await vacuum(t, { mode: 'lite', clock: t.clock })
    expect(dry).toMatchObject({
      mode: 'lite',
      numFilesToDelete: 1,
      filesToDelete: [{ path: 'old-removed.parquet', size: 10 }],
      logRange: { start: 0, end: 2 },
    })
    const run = await vacuum(t, { mode: 'lite', dryRun: false, clock: t.clock })
    expect(run).toMatchObject({ deleted: 1, directories: 1, startVersion: 4, endVersion: 5 })
    // The orphan no commit mentions is left for a full vacuum.
    expect(await t.keys('o')).toEqual(['orphan-old.parquet', 'orphan-young.parquet'])
    const next = await vacuum(t, { mode: 'lite', clock: t.clock })
    expect(next).toMatchObject({ numFilesToDelete: 0, logRange: undefined })
  })

  it('refuses when log cleanup removed commits no vacuum covered; a full vacuum unblocks it', async () => {
    const t = await standardTable()
    await writeCheckpoint(await loadSnapshot(t.log, { clock: t.clock }), { now: t.time })
    await t.store.deleteMany([
      '_delta_log/00000000000000000000.json',
      '_delta_log/00000000000000000001.json',
    ])
    const error: unknown = await vacuum(t, { mode: 'lite', clock: t.clock }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(OperationNotAllowedError)
    expect(error).toMatchObject({ code: 'OPERATION_NOT_ALLOWED' })

    await vacuum(t, { dryRun: false, clock: t.clock })
    expect(await vacuum(t, { mode: 'lite', clock: t.clock })).toMatchObject({
      numFilesToDelete: 0,
      logRange: undefined,
    })
  })
})

/** The standard table over a FaultyStore that deletes one key per request. */
async function faultyTable(): Promise<[VacuumTable, SmallBatches]> {
  let faulty: SmallBatches | undefined
  const t = await standardTable((s) => (faulty = new SmallBatches(s)))
  return [t, faulty!]
}

/** A FaultyStore that deletes one key per request, to crash between batches. */
class SmallBatches extends FaultyStore {
  override readonly capabilities = { ...this.inner.capabilities, deleteBatchSize: 1 }
}
