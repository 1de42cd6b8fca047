import { describe, expect, it } from 'vitest'
import { LogStore } from '../log/log-store.js'
import type { Add, Protocol } from '../protocol/actions.js'
import { parseLastCheckpoint } from '../protocol/last-checkpoint.js'
import { parseVersionChecksum, type VersionChecksum } from '../protocol/version-checksum.js'
import { loadSnapshot } from '../snapshot/load.js'
import { FaultyStore } from '../storage/fault.js'
import { MemoryStore } from '../storage/memory.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { utf8Decode, utf8Encode } from '../util/utf8.js'
import { Transaction } from '../transaction/transaction.js'
import {
  checkpointHook,
  defaultPostCommitHooks,
  versionChecksumHook,
  type MaintenanceEvent,
  type MaintenanceWarning,
  type PostCommitHookOptions,
} from './checkpoint-hook.js'
import { FILE_SIZE_BINS } from './file-summary.js'
import { DAY_MS } from './log-cleanup.js'
import { INLINE_DV, PROTOCOL_DV, PROTOCOL_V2, metadata } from './maintenance.test-util.js'
import { checksumKey, computeVersionChecksum } from './version-checksum-write.js'

const file = (path: string, extra: Partial<Add> = {}): Add => ({
  path,
  partitionValues: { part: 'a' },
  size: 1_000,
  modificationTime: 0,
  dataChange: true,
  ...extra,
})

interface Setup {
  readonly clock: ManualClock
  readonly memory: MemoryStore
  readonly faulty: FaultyStore
  readonly log: LogStore
  readonly warnings: MaintenanceWarning[]
  readonly events: MaintenanceEvent[]
  commit(build: (txn: Transaction) => Transaction, operation?: string): Promise<number>
  checksum(version: number): Promise<VersionChecksum>
}

async function setup(
  options: {
    configuration?: Record<string, string>
    protocol?: Protocol
    hooks?: PostCommitHookOptions
  } = {},
): Promise<Setup> {
  const clock = new ManualClock(Date.UTC(2024, 0, 1))
  const memory = new MemoryStore({ now: () => clock.now() })
  const faulty = new FaultyStore(memory)
  const log = new LogStore(faulty)
  const warnings: MaintenanceWarning[] = []
  const events: MaintenanceEvent[] = []
  const hooks = defaultPostCommitHooks({
    onWarning: (w) => warnings.push(w),
    onEvent: (e) => events.push(e),
    ...options.hooks,
  })
  let seed = 1
  const run = async (txn: Transaction): Promise<number> => {
    txn.postCommitHooks.push(...hooks)
    clock.advance(1_000)
    return (await txn.commit()).version
  }
  await run(
    Transaction.create(log, { operation: 'CREATE TABLE', clock, ids: seededIds(seed++) })
      .updateProtocol(options.protocol ?? PROTOCOL_DV)
      .updateMetadata(metadata(options.configuration)),
  )
  return {
    clock,
    memory,
    faulty,
    log,
    warnings,
    events,
    commit: async (build, operation = 'WRITE') => {
      const base = await loadSnapshot(log, { clock })
      return run(build(Transaction.on(base, { operation, clock, ids: seededIds(seed++) })))
    },
    checksum: async (version) =>
      parseVersionChecksum(utf8Decode((await memory.get(checksumKey(version))).bytes), 'crc'),
  }
}

describe('versionChecksumHook', () => {
  it('writes a .crc after every commit whose numbers match a fresh snapshot', async () => {
    const t = await setup()
    await t.commit((x) => x.addFile(file('a.parquet')).addFile(file('b.parquet', { size: 20_000 })))
    const txnAt = t.clock.now()
    await t.commit((x) =>
      x.setAppTransaction('stream-1', 7).setDomainMetadata('app.cfg', '{"a":1}'),
    )
    // A deletion-vector update: the old (path, no DV) goes, (path, DV) comes.
    await t.commit((x) => {
      const a = [...x.snapshot!.files()].find((f) => f.path === 'a.parquet')!
      return x.removeFile(a).addFile({ ...a, deletionVector: INLINE_DV })
    })
    // A stats-only re-add of a live file (same key): the count must not change.
    await t.commit((x) => x.addFile(file('b.parquet', { size: 20_000, dataChange: false })))
    // A remove of a file that is not live, and a domain removal.
    await t.commit((x) => x.removeFile(file('never-added.parquet')).removeDomainMetadata('app.cfg'))
    await t.commit((x) => x.updateMetadata(metadata({ 'delta.appendOnly': 'false' })))
    expect(t.warnings).toEqual([])
    for (let version = 0; version <= 6; version++) {
      const snapshot = await loadSnapshot(t.log, { version, clock: t.clock })
      expect(snapshot.warnings).toEqual([])
      const stored = await t.checksum(version)
      expect(stored, `version ${version}`).toEqual(computeVersionChecksum(snapshot))
      expect([stored.numFiles, stored.tableSizeBytes]).toEqual([
        snapshot.numFiles,
        snapshot.sizeInBytes,
      ])
      expect(stored.txnId).toBe(snapshot.commitInfo?.txnId)
    }
    const last = await t.checksum(6)
    expect(last).toMatchObject({
      numFiles: 2,
      tableSizeBytes: 21_000,
      numMetadata: 1,
      numProtocol: 1,
      numDeletionVectorsOpt: 1,
      numDeletedRecordsOpt: 6,
      setTransactions: [{ appId: 'stream-1', version: 7, lastUpdated: txnAt }],
      domainMetadata: [],
      deletedRecordCountsHistogramOpt: { deletedRecordCounts: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0] },
    })
    // 1,000 bytes in the first bin [0, 8 KB); 20,000 in [16 KB, 32 KB).
    expect(last.fileSizeHistogram?.sortedBinBoundaries).toEqual(FILE_SIZE_BINS)
    expect(last.fileSizeHistogram?.fileCounts.slice(0, 4)).toEqual([1, 0, 1, 0])
    expect(last.fileSizeHistogram?.totalBytes.slice(0, 4)).toEqual([1_000, 0, 20_000, 0])
  })

  it('never overwrites an existing .crc', async () => {
    const t = await setup()
    const junk = utf8Encode('{"written":"by someone else"}')
    await t.memory.put(checksumKey(1), junk)
    await t.commit((x) => x.addFile(file('a.parquet')))
    expect((await t.memory.get(checksumKey(1))).bytes).toEqual(junk)
    expect(t.events).toContainEqual({ task: 'checksum', version: 1, created: false })
    expect(t.warnings).toEqual([])
  })

  it('computes from the committed version after a retry past another writer', async () => {
    const t = await setup()
    const base = await loadSnapshot(t.log, { clock: t.clock })
    const hooks = [versionChecksumHook({ onWarning: (w) => t.warnings.push(w) })]
    const first = Transaction.on(base, { operation: 'WRITE', clock: t.clock, ids: seededIds(50) })
    const second = Transaction.on(base, { operation: 'WRITE', clock: t.clock, ids: seededIds(51) })
    first.postCommitHooks.push(...hooks)
    second.postCommitHooks.push(...hooks)
    await first.addFile(file('x.parquet')).commit()
    const result = await second.addFile(file('y.parquet', { size: 5 })).commit()
    expect(result.version).toBe(2)
    const stored = await t.checksum(2)
    expect(stored).toMatchObject({ numFiles: 2, tableSizeBytes: 1_005, txnId: result.txnId })
    expect(t.warnings).toEqual([])
  })

  it('records in-commit timestamps, and leaves out DV fields on tables without deletion vectors', async () => {
    const t = await setup({
      protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['inCommitTimestamp'] },
      configuration: { 'delta.enableInCommitTimestamps': 'true' },
    })
    await t.commit((x) => x.addFile(file('a.parquet')))
    const stored = await t.checksum(1)
    const snapshot = await loadSnapshot(t.log, { clock: t.clock })
    expect(stored.inCommitTimestampOpt).toBe(snapshot.timestamp)
    expect(stored.numDeletionVectorsOpt).toBeUndefined()
    expect(stored.deletedRecordCountsHistogramOpt).toBeUndefined()
  })

  it('leaves out setTransactions under a txn retention, and domains past ten', async () => {
    const t = await setup({
      configuration: { 'delta.setTransactionRetentionDuration': 'interval 1 day' },
    })
    await t.commit((x) => {
      let y = x.setAppTransaction('s', 1)
      for (let i = 0; i < 11; i++) y = y.setDomainMetadata(`d${i}`, '{}')
      return y
    })
    const stored = await t.checksum(1)
    expect(stored.setTransactions).toBeUndefined()
    expect(stored.domainMetadata).toBeUndefined()
  })

  it('a failed write is reported and the commit still succeeds', async () => {
    const t = await setup()
    t.faulty.inject({ op: 'put', path: /\.crc$/, action: 'fail' })
    const version = await t.commit((x) => x.addFile(file('a.parquet')))
    expect(version).toBe(1)
    expect(t.warnings).toMatchObject([{ task: 'checksum', version: 1 }])
    expect((await loadSnapshot(t.log, { clock: t.clock })).numFiles).toBe(1)
  })
})

describe('checkpointHook', () => {
  it('checkpoints every delta.checkpointInterval versions', async () => {
    const t = await setup({ configuration: { 'delta.checkpointInterval': '3' } })
    for (let i = 1; i <= 7; i++) await t.commit((x) => x.addFile(file(`f${i}.parquet`)))
    const checkpoints = (await keys(t.memory, '_delta_log/')).filter((k) =>
      k.includes('.checkpoint.'),
    )
    expect(checkpoints).toEqual([
      '_delta_log/00000000000000000003.checkpoint.parquet',
      '_delta_log/00000000000000000006.checkpoint.parquet',
    ])
    const hint = parseLastCheckpoint(
      utf8Decode((await t.memory.get('_delta_log/_last_checkpoint')).bytes),
      'hint',
    )
    expect(hint).toMatchObject({ version: 6, numOfAddFiles: 6 })
    expect(
      t.events.map((e) => `${e.task}@${e.version}`).filter((e) => !e.startsWith('checksum')),
    ).toEqual(['checkpoint@3', 'cleanup@3', 'checkpoint@6', 'cleanup@6'])
    const latest = await loadSnapshot(t.log, { clock: t.clock })
    expect(latest.segment.checkpoint?.version).toBe(6)
    expect(latest.numFiles).toBe(7)
  })

  it('writes V2 checkpoints when the table asks for them', async () => {
    const t = await setup({
      protocol: PROTOCOL_V2,
      configuration: { 'delta.checkpointInterval': '2', 'delta.checkpointPolicy': 'v2' },
      hooks: { checkpoint: { ids: seededIds(3) } },
    })
    await t.commit((x) => x.addFile(file('a.parquet')))
    await t.commit((x) => x.addFile(file('b.parquet')))
    const event = t.events.find((e) => e.task === 'checkpoint')
    expect(event?.task === 'checkpoint' && event.result.kind).toBe('v2')
    expect((await loadSnapshot(t.log, { clock: t.clock })).segment.checkpoint?.format).toBe('uuid')
  })

  it('cleans up expired logs after a checkpoint, unless delta.enableExpiredLogCleanup is false', async () => {
    for (const enabled of [true, false]) {
      const t = await setup({
        configuration: {
          'delta.checkpointInterval': '2',
          'delta.logRetentionDuration': 'interval 1 day',
          'delta.enableExpiredLogCleanup': String(enabled),
        },
      })
      for (let i = 1; i <= 6; i++) {
        t.clock.advance(DAY_MS)
        await t.commit((x) => x.addFile(file(`f${i}.parquet`)))
      }
      const commits = (await keys(t.memory, '_delta_log/')).filter((k) => k.endsWith('.json'))
      // Commits land on consecutive days: at version 6 the cutoff is midnight of the day
      // before, the checkpoint at 4 is the newest one not after the cutoff commit (5).
      expect(commits[0], `cleanup ${enabled}`).toBe(
        enabled ? '_delta_log/00000000000000000004.json' : '_delta_log/00000000000000000000.json',
      )
      const latest = await loadSnapshot(t.log, { clock: t.clock })
      expect(latest.numFiles).toBe(6)
      expect(t.warnings).toEqual([])
    }
  })

  it('a failed checkpoint is reported, the commit succeeds and the table stays readable', async () => {
    const t = await setup({ configuration: { 'delta.checkpointInterval': '2' } })
    await t.commit((x) => x.addFile(file('a.parquet')))
    t.faulty.inject({ op: 'put', path: /checkpoint\.parquet$/, action: 'fail' })
    const version = await t.commit((x) => x.addFile(file('b.parquet')))
    expect(version).toBe(2)
    expect(t.warnings).toMatchObject([{ task: 'checkpoint', version: 2 }])
    expect(await keys(t.memory, '_delta_log/_last')).toEqual([])
    const latest = await loadSnapshot(t.log, { clock: t.clock })
    expect([latest.version, latest.numFiles, latest.segment.checkpoint]).toEqual([2, 2, undefined])
  })

  it('a throwing onWarning callback does not fail the commit either', async () => {
    const t = await setup({
      configuration: { 'delta.checkpointInterval': '1' },
      hooks: {
        onWarning: () => {
          throw new Error('callback bug')
        },
      },
    })
    t.faulty.inject({ op: 'put', path: /checkpoint|\.crc$/, action: 'fail' })
    expect(await t.commit((x) => x.addFile(file('a.parquet')))).toBe(1)
  })

  it('does nothing at version 0 or between intervals', async () => {
    const hook = checkpointHook()
    const t = await setup({ configuration: { 'delta.checkpointInterval': '5' } })
    const base = await loadSnapshot(t.log, { clock: t.clock })
    const txn = Transaction.on(base, { operation: 'WRITE', clock: t.clock, ids: seededIds(99) })
    txn.postCommitHooks.push(hook)
    await txn.addFile(file('a.parquet')).commit()
    expect((await keys(t.memory, '_delta_log/')).some((k) => k.includes('checkpoint'))).toBe(false)
  })
})

async function keys(store: MemoryStore, prefix: string): Promise<string[]> {
  const out: string[] = []
  for await (const meta of store.list(prefix)) out.push(meta.path)
  return out
}
