import { describe, expect, it } from 'vitest'
import {
  InvalidArgumentError,
  OperationNotAllowedError,
  ProtocolUnsupportedError,
} from '../errors.js'
import type { Protocol } from '../protocol/actions.js'
import { loadSnapshot } from '../snapshot/load.js'
import { writeCheckpoint } from './checkpoint.js'
import {
  DAY,
  HOUR,
  PROTOCOL_DV,
  T0,
  VacuumTable,
  addAction,
  asRoundTripStore,
  dvKeyOf,
  removeAction,
} from './vacuum.test-util.js'
import { vacuum, type VacuumMode } from './vacuum.js'

const paths = (report: { filesToDelete: readonly { path: string }[] }): string[] =>
  report.filesToDelete.map((f) => f.path)

describe('vacuum: retention safety check', () => {
  async function table(configuration: Record<string, string> = {}): Promise<VacuumTable> {
    const t = await VacuumTable.create({ configuration })
    await t.append(['a.parquet'], T0 + HOUR)
    await t.remove(['a.parquet'], T0 + 2 * HOUR)
    t.time = T0 + 3 * DAY
    return t
  }

  it('refuses a retention shorter than delta.deletedFileRetentionDuration, deleting nothing', async () => {
    const t = await table()
    const error: unknown = await vacuum(t, {
      retentionHours: 167,
      dryRun: false,
      clock: t.clock,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OperationNotAllowedError)
    expect(error).toMatchObject({ code: 'OPERATION_NOT_ALLOWED' })
    expect(await t.keys('a')).toEqual(['a.parquet'])
    expect(t.version).toBe(2)
    expect(await t.keys('_delta_log/')).toHaveLength(3)
  })

  it('allows it with force, and then deletes by the shorter retention', async () => {
    const t = await table()
    const report = await vacuum(t, {
      retentionHours: 1,
      force: true,
      dryRun: false,
      clock: t.clock,
    })
    expect(report).toMatchObject({ retentionMs: HOUR, deleted: 1 })
    expect(await t.keys('a')).toEqual([])
  })

  it("uses the table's own setting as default and as floor", async () => {
    const t = await table({ 'delta.deletedFileRetentionDuration': 'interval 2 days' })
    expect(await vacuum(t, { clock: t.clock })).toMatchObject({
      retentionMs: 2 * DAY,
      filesToDelete: [{ path: 'a.parquet', size: 10 }],
    })
    expect(await vacuum(t, { retentionHours: 48, clock: t.clock })).toMatchObject({
      retentionMs: 2 * DAY,
    })
    await expect(vacuum(t, { retentionHours: 47.5, clock: t.clock })).rejects.toMatchObject({
      code: 'OPERATION_NOT_ALLOWED',
    })
  })

  it('rejects a negative or non-finite retention as an invalid argument, even with force', async () => {
    const t = await table()
    for (const retentionHours of [-1, Number.NaN, Infinity]) {
      const error: unknown = await vacuum(t, { retentionHours, force: true, clock: t.clock }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
  })
})

describe('vacuum: referenced files are kept', () => {
  it.each<VacuumMode>(['full', 'lite'])(
    '%s: keeps live files and files removed inside the window, whatever their timestamps',
    async (mode) => {
      const t = await VacuumTable.create()
      // v1 day 0: four files, all old by modification time.
      await t.append(
        ['live.parquet', 'no-ts.parquet', 'skewed.parquet', 'boundary.parquet'],
        T0 + HOUR,
      )
      // v2 day 1: still the boundary version at the cutoff (day 6) — time travel to day 6 reads
      // it, so boundary.parquet must survive its removal in v3, dated back to day 0.
      await t.commit([{ commitInfo: { operation: 'NOOP' } }], T0 + DAY)
      // v3 day 10 (inside the window): removes without deletionTimestamp, and with one dated to
      // long before the cutoff. Spark's tombstone rule alone would treat both as expired.
      await t.commit(
        [
          removeAction('no-ts.parquet', undefined),
          removeAction('skewed.parquet', T0),
          removeAction('boundary.parquet', T0),
        ],
        T0 + 10 * DAY,
      )
      t.time = T0 + 13 * DAY
      const report = await vacuum(t, { mode, dryRun: false, clock: t.clock })
      expect(report).toMatchObject({ numFilesToDelete: 0, deleted: 0 })
      expect((await t.keys()).filter((k) => k.endsWith('.parquet'))).toEqual([
        'boundary.parquet',
        'live.parquet',
        'no-ts.parquet',
        'skewed.parquet',
      ])
    },
  )

  it('keeps a file removed recently even when the file itself is old (delta-rs#4300)', async () => {
    const t = await VacuumTable.create()
    await t.append(['compacted.parquet'], T0 + HOUR)
    await t.remove(['compacted.parquet'], T0 + 20 * DAY)
    t.time = T0 + 21 * DAY
    expect(await vacuum(t, { clock: t.clock })).toMatchObject({ numFilesToDelete: 0 })
  })

  it('keeps files whose unexpired tombstones survive only in a checkpoint (commits cleaned up)', async () => {
    const t = await VacuumTable.create()
    await t.append(['a.parquet', 'b.parquet'], T0 + HOUR)
    await t.remove(['a.parquet'], T0 + 10 * DAY)
    await t.remove(['b.parquet'], T0 + 10 * DAY + HOUR)
    t.time = T0 + 13 * DAY
    await writeCheckpoint(await loadSnapshot(t.log, { clock: t.clock }), { now: t.time })
    // A short delta.logRetentionDuration let cleanup delete every commit before the checkpoint.
    await t.store.deleteMany([0, 1, 2].map((v) => `_delta_log/0000000000000000000${v}.json`))
    expect(await vacuum(t, { clock: t.clock })).toMatchObject({ numFilesToDelete: 0 })
    t.time = T0 + 18 * DAY
    expect(paths(await vacuum(t, { clock: t.clock }))).toEqual(['a.parquet', 'b.parquet'])
  })

  it('keeps unreferenced files younger than the retention: a writer may not have committed yet', async () => {
    const t = await VacuumTable.create()
    t.time = T0 + 30 * DAY
    await t.putFile('uncommitted-now.parquet', 10, t.time)
    await t.putFile('uncommitted-6d.parquet', 10, t.time - 6 * DAY)
    await t.putFile('abandoned-8d.parquet', 10, t.time - 8 * DAY)
    const report = await vacuum(t, { clock: t.clock })
    expect(paths(report)).toEqual(['abandoned-8d.parquet'])
  })

  it('times commits by in-commit timestamps when they are enabled, not by file times', async () => {
    const protocol: Protocol = {
      minReaderVersion: 1,
      minWriterVersion: 7,
      writerFeatures: ['inCommitTimestamp'],
    }
    const t = await VacuumTable.create({
      protocol,
      configuration: { 'delta.enableInCommitTimestamps': 'true' },
    })
    // Every commit file here is one day old (as after a copy); the in-commit timestamps say v2
    // happened on day 10, inside the window, so the file it removed stays.
    const ict = (ms: number) => ({ commitInfo: { inCommitTimestamp: ms, operation: 'X' } })
    await t.store.delete('_delta_log/00000000000000000000.json')
    t.version = -1
    await t.commit(
      [
        ict(T0),
        { protocol },
        {
          metaData: {
            id: 'table-1',
            format: { provider: 'parquet', options: {} },
            schemaString: '{"type":"struct","fields":[]}',
            partitionColumns: [],
            configuration: { 'delta.enableInCommitTimestamps': 'true' },
          },
        },
      ],
      T0,
    )
    await t.putFile('x.parquet', 10, T0)
    await t.commit([ict(T0 + DAY), addAction('x.parquet')], T0 + DAY)
    await t.commit([ict(T0 + 10 * DAY), removeAction('x.parquet', undefined)], T0 + DAY)
    t.time = T0 + 13 * DAY
    expect(await vacuum(t, { clock: t.clock })).toMatchObject({ numFilesToDelete: 0 })
    // Past the window, it goes.
    t.time = T0 + 18 * DAY
    expect(paths(await vacuum(t, { clock: t.clock }))).toEqual(['x.parquet'])
  })
})

describe('vacuum: what is never touched', () => {
  it.each([
    ['a local listing (one walk)', undefined],
    ['a round-trip listing (discovery, concurrent prefixes)', asRoundTripStore],
  ])(
    'over %s, skips _delta_log, hidden files and directories at any depth, but sweeps _change_data, _delta_index and _col= partitions',
    async (_name, wrap) => {
      const t = await VacuumTable.create({ partitionColumns: ['_p', 'q'] }, wrap)
      const old = T0 + HOUR
      for (const key of [
        '_delta_log/zz-garbage.tmp',
        '_delta_log/_sidecars/orphan.parquet',
        '_tmp/x.parquet',
        '.hidden.parquet',
        'q=1/_SUCCESS',
        'q=1/.part-0.parquet.crc',
        'q=1/_tmp/x.parquet',
        '_q=1/orphan.parquet',
        'q=1/orphan.parquet',
        '_p=1/orphan.parquet',
        '_change_data/cdc-00000.parquet',
        '_delta_index/idx.bin',
      ]) {
        await t.putFile(key, 10, old)
      }
      t.time = T0 + 30 * DAY
      const report = await vacuum(t, { dryRun: false, clock: t.clock, listConcurrency: 3 })
      expect(paths(report)).toEqual([
        '_change_data/cdc-00000.parquet',
        '_delta_index/idx.bin',
        '_p=1/orphan.parquet',
        'q=1/orphan.parquet',
      ])
      expect(report.directories).toBe(5) // root, _change_data, _delta_index, _p=1, q=1
      expect((await t.keys()).filter((k) => !/^_delta_log\/\d/.test(k))).toEqual([
        '.hidden.parquet',
        '_delta_log/_last_vacuum_info',
        '_delta_log/_sidecars/orphan.parquet',
        '_delta_log/zz-garbage.tmp',
        '_q=1/orphan.parquet',
        '_tmp/x.parquet',
        'q=1/.part-0.parquet.crc',
        'q=1/_SUCCESS',
        'q=1/_tmp/x.parquet',
      ])
    },
  )

  it.each<VacuumMode>(['full', 'lite'])(
    '%s: never deletes outside the table root, nor log files a remove names',
    async (mode) => {
      const t = await VacuumTable.create()
      const old = T0 + HOUR
      for (const key of ['tables/other/x.parquet', 'tables/t2/y.parquet', 'outside.parquet']) {
        t.time = old
        await t.bucket.put(key, new Uint8Array(10))
      }
      await t.putFile('abs-inside.parquet', 10, old)
      await t.putFile('_tmp/named.parquet', 10, old)
      await t.commit(
        [
          removeAction('../other/x.parquet', old),
          removeAction('memory://bucket/tables/t2/y.parquet', old),
          removeAction('/outside.parquet', old),
          removeAction('memory://bucket/tables/t/abs-inside.parquet', old),
          removeAction('_delta_log/00000000000000000000.json', old),
          removeAction('_tmp/named.parquet', old),
        ],
        T0 + 2 * HOUR,
      )
      t.time = T0 + 30 * DAY
      const report = await vacuum(t, { mode, dryRun: false, clock: t.clock })
      expect(paths(report)).toEqual(['abs-inside.parquet'])
      expect(await t.bucketKeys()).toEqual([
        'outside.parquet',
        'tables/other/x.parquet',
        'tables/t/_delta_log/00000000000000000000.json',
        'tables/t/_delta_log/00000000000000000001.json',
        'tables/t/_delta_log/00000000000000000002.json',
        'tables/t/_delta_log/00000000000000000003.json',
        'tables/t/_delta_log/_last_vacuum_info',
        'tables/t/_tmp/named.parquet',
        'tables/t2/y.parquet',
      ])
    },
  )
})

describe('vacuum: deletion vectors', () => {
  it.each<VacuumMode>(['full', 'lite'])(
    '%s: keeps the DV files of live files and deletes those of expired tombstones',
    async (mode) => {
      const t = await VacuumTable.create({ protocol: PROTOCOL_DV })
      await t.append(['f1.parquet', 'f2.parquet'], T0 + HOUR)
      // Day 1: f1 gets DV A; day 2: DV A is replaced by DV B (in a prefix directory).
      const dvA = await t.putDv('11111111-1111-4111-8111-111111111111', [1], T0 + DAY)
      await t.commit(
        [removeAction('f1.parquet', T0 + DAY), addAction('f1.parquet', { deletionVector: dvA })],
        T0 + DAY,
      )
      const dvB = await t.putDv('22222222-2222-4222-8222-222222222222', [1, 2], T0 + 2 * DAY, 'ab')
      await t.commit(
        [
          removeAction('f1.parquet', T0 + 2 * DAY, { deletionVector: dvA }),
          addAction('f1.parquet', { deletionVector: dvB }),
        ],
        T0 + 2 * DAY,
      )
      // Day 12 (inside the window): f2 gets DV C; its old version's tombstone is not expired.
      const dvC = await t.putDv('33333333-3333-4333-8333-333333333333', [3], T0 + DAY)
      await t.commit(
        [
          removeAction('f2.parquet', T0 + 12 * DAY),
          addAction('f2.parquet', { deletionVector: dvC }),
        ],
        T0 + 12 * DAY,
      )
      t.time = T0 + 13 * DAY
      const report = await vacuum(t, { mode, dryRun: false, clock: t.clock })
      expect(paths(report)).toEqual([dvKeyOf('11111111-1111-4111-8111-111111111111')])
      expect((await t.keys()).filter((k) => !k.startsWith('_delta_log/'))).toEqual([
        dvKeyOf('22222222-2222-4222-8222-222222222222', 'ab'),
        dvKeyOf('33333333-3333-4333-8333-333333333333'),
        'f1.parquet',
        'f2.parquet',
      ])
    },
  )
})

describe('vacuum: protocol', () => {
  it('performs the writer protocol check on a vacuumProtocolCheck table, even for a dry run', async () => {
    const t = await VacuumTable.create({
      protocol: {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['vacuumProtocolCheck'],
        writerFeatures: ['vacuumProtocolCheck', 'rowTracking', 'domainMetadata'],
      },
    })
    const error: unknown = await vacuum(t, { clock: t.clock }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProtocolUnsupportedError)
    expect(error).toMatchObject({
      code: 'PROTOCOL_UNSUPPORTED',
      operation: 'write',
      missing: ['rowTracking'],
    })
  })

  it('refuses any table it could not write, with or without vacuumProtocolCheck', async () => {
    const t = await VacuumTable.create({
      protocol: {
        minReaderVersion: 1,
        minWriterVersion: 7,
        writerFeatures: ['clustering', 'domainMetadata'],
      },
    })
    await expect(vacuum(t, { clock: t.clock })).rejects.toMatchObject({
      code: 'PROTOCOL_UNSUPPORTED',
      operation: 'write',
      missing: ['clustering'],
    })
  })

  it('vacuums a vacuumProtocolCheck table it can write', async () => {
    const t = await VacuumTable.create({
      protocol: {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['vacuumProtocolCheck'],
        writerFeatures: ['vacuumProtocolCheck'],
      },
    })
    await t.putFile('orphan.parquet', 10, T0)
    t.time = T0 + 8 * DAY
    expect(await vacuum(t, { dryRun: false, clock: t.clock })).toMatchObject({ deleted: 1 })
  })
})
