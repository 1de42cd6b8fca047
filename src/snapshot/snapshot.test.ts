import { describe, expect, it } from 'vitest'
import {
  CorruptLogError,
  ProtocolUnsupportedError,
  TableNotFoundError,
  VersionNotFoundError,
} from '../errors.js'
import { LogStore, commitKey } from '../log/log-store.js'
import type { Action, Add, Metadata, Protocol, Remove } from '../protocol/actions.js'
import { serializeActions } from '../protocol/action-parser.js'
import { serializeLastCheckpoint } from '../protocol/last-checkpoint.js'
import { CountingStore } from '../storage/counting.js'
import { MemoryStore } from '../storage/memory.js'
import { utf8Encode } from '../util/utf8.js'
import { loadSnapshot } from './load.js'

const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'part', type: 'string', nullable: true, metadata: {} },
  ],
})
const protocol = (p: Partial<Protocol> = {}): Action => ({
  protocol: { minReaderVersion: 1, minWriterVersion: 2, ...p },
})
const metaData = (configuration: Record<string, string> = {}): Action => ({
  metaData: {
    id: 'table-1',
    format: { provider: 'parquet', options: {} },
    schemaString: SCHEMA,
    partitionColumns: ['part'],
    configuration,
    createdTime: 0,
  } satisfies Metadata,
})
const add = (path: string, extra: Partial<Add> = {}): Action => ({
  add: {
    path,
    partitionValues: { part: 'a' },
    size: 10,
    modificationTime: 1,
    dataChange: true,
    ...extra,
  },
})
const remove = (path: string, extra: Partial<Remove> = {}): Action => ({
  remove: { path, deletionTimestamp: 100, dataChange: true, ...extra },
})

/** A table in memory whose commit files get the modification times we choose. */
class TestTable {
  time = 1_000
  readonly memory = new MemoryStore({ now: () => this.time })
  readonly store = new CountingStore(this.memory)
  readonly log = new LogStore(this.store)

  async commit(version: number, actions: readonly Action[], at?: number): Promise<void> {
    if (at !== undefined) this.time = at
    else this.time += 1_000
    await this.memory.put(commitKey(version), utf8Encode(serializeActions(actions)))
  }
}

async function newTable(): Promise<TestTable> {
  const t = new TestTable()
  await t.commit(0, [{ commitInfo: { operation: 'CREATE TABLE' } }, protocol(), metaData()])
  return t
}

const paths = (files: Iterable<Add>): string[] => [...files].map((f) => f.path).sort()

describe('loadSnapshot', () => {
  it('replays adds and removes into the live file set', async () => {
    const t = await newTable()
    await t.commit(1, [add('a.parquet'), add('b.parquet')])
    await t.commit(2, [remove('a.parquet'), add('c.parquet', { size: 5 })])
    const s = await loadSnapshot(t.log)
    expect(s.version).toBe(2)
    expect(paths(s.files())).toEqual(['b.parquet', 'c.parquet'])
    expect(s.numFiles).toBe(2)
    expect(s.sizeInBytes).toBe(15)
    expect([...s.tombstones()].map((r) => r.path)).toEqual(['a.parquet'])
    expect(s.partitionColumns).toEqual(['part'])
    expect(s.schema.fields.map((f) => f.name)).toEqual(['id', 'part'])
  })

  it('re-adding a removed path brings it back and clears its tombstone', async () => {
    const t = await newTable()
    await t.commit(1, [add('a.parquet')])
    await t.commit(2, [remove('a.parquet')])
    await t.commit(3, [add('a.parquet', { size: 99 })])
    const s = await loadSnapshot(t.log)
    expect([...s.files()].map((f) => [f.path, f.size])).toEqual([['a.parquet', 99]])
    expect([...s.tombstones()]).toEqual([])
  })

  it('keys files by path and deletion vector: a DV update replaces the old (path, dv)', async () => {
    const t = await newTable()
    const dv1 = {
      storageType: 'i' as const,
      pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
      sizeInBytes: 40,
      cardinality: 6,
    }
    await t.commit(1, [add('a.parquet')])
    await t.commit(2, [remove('a.parquet'), add('a.parquet', { deletionVector: dv1 })])
    const s = await loadSnapshot(t.log)
    const files = [...s.files()]
    expect(files).toHaveLength(1)
    expect(files[0]!.deletionVector).toEqual(dv1)
  })

  it('reconciles differently-spelled paths of one file as the same file', async () => {
    const t = await newTable()
    await t.commit(1, [add('part=a%20b/x.parquet'), add('/abs/y.parquet')])
    await t.commit(2, [remove('part=a b/x.parquet'), remove('memory://anonymous/abs/y.parquet')])
    const s = await loadSnapshot(t.log)
    expect(s.numFiles).toBe(0)
  })

  it('keeps the latest txn per app and drops removed domains', async () => {
    const t = await newTable()
    await t.commit(1, [
      { txn: { appId: 'app', version: 3 } },
      { domainMetadata: { domain: 'd1', configuration: '{"x":1}', removed: false } },
    ])
    await t.commit(2, [
      { txn: { appId: 'app', version: 4 } },
      { domainMetadata: { domain: 'd2', configuration: '{}', removed: false } },
    ])
    await t.commit(3, [{ domainMetadata: { domain: 'd1', configuration: '', removed: true } }])
    const s = await loadSnapshot(t.log)
    expect(s.appTransactionVersion('app')).toBe(4)
    expect(s.appTransactionVersion('other')).toBeUndefined()
    expect(s.domainMetadata('d1')).toBeUndefined()
    expect(s.domainMetadata('d2')).toBe('{}')
  })

  it('takes the latest protocol and metadata and exposes the commitInfo of the version', async () => {
    const t = await newTable()
    await t.commit(1, [
      { commitInfo: { operation: 'SET TBLPROPERTIES' } },
      metaData({ 'delta.appendOnly': 'true' }),
    ])
    const s = await loadSnapshot(t.log)
    expect(s.metadata.configuration).toEqual({ 'delta.appendOnly': 'true' })
    expect(s.commitInfo?.operation).toBe('SET TBLPROPERTIES')
    expect(s.timestamp).toBe(t.time)
  })

  it('time travels by version', async () => {
    const t = await newTable()
    await t.commit(1, [add('a.parquet')])
    await t.commit(2, [add('b.parquet')])
    expect(paths((await loadSnapshot(t.log, { version: 1 })).files())).toEqual(['a.parquet'])
    const error = await loadSnapshot(t.log, { version: 7 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(VersionNotFoundError)
    expect(error).toMatchObject({ requested: 7, earliest: 0, latest: 2 })
  })

  it('time travels by timestamp over monotonized commit times', async () => {
    const t = new TestTable()
    await t.commit(0, [protocol(), metaData()], 10_000)
    await t.commit(1, [add('a.parquet')], 20_000)
    // Clock skew: version 2's file is older than version 1's; monotonized to 20_001.
    await t.commit(2, [add('b.parquet')], 15_000)
    await t.commit(3, [add('c.parquet')], 30_000)
    const at = async (ts: number | string): Promise<number> =>
      (await loadSnapshot(t.log, { timestamp: ts })).version
    expect(await at(10_000)).toBe(0)
    expect(await at(19_999)).toBe(0)
    expect(await at(20_000)).toBe(1)
    expect(await at(20_001)).toBe(2)
    expect(await at(29_999)).toBe(2)
    expect(await at(new Date(30_000).toISOString())).toBe(3)
    await expect(loadSnapshot(t.log, { timestamp: 9_999 })).rejects.toMatchObject({
      code: 'VERSION_NOT_FOUND',
      earliest: 0,
      latest: 3,
    })
    await expect(loadSnapshot(t.log, { timestamp: 30_001 })).rejects.toBeInstanceOf(
      VersionNotFoundError,
    )
  })

  it('uses in-commit timestamps from the enablement version on', async () => {
    const t = new TestTable()
    await t.commit(0, [protocol(), metaData()], 50_000)
    await t.commit(1, [add('a.parquet')], 60_000)
    const ictProtocol = protocol({
      minReaderVersion: 1,
      minWriterVersion: 7,
      writerFeatures: ['inCommitTimestamp', 'appendOnly', 'invariants'],
    })
    const ictMeta = metaData({
      'delta.enableInCommitTimestamps': 'true',
      'delta.inCommitTimestampEnablementVersion': '2',
      'delta.inCommitTimestampEnablementTimestamp': '70000',
    })
    // File times say 1_000_000+, the in-commit timestamps say 70_000 and 80_000.
    await t.commit(
      2,
      [{ commitInfo: { inCommitTimestamp: 70_000 } }, ictProtocol, ictMeta],
      1_000_000,
    )
    await t.commit(3, [{ commitInfo: { inCommitTimestamp: 80_000 } }, add('b.parquet')], 1_100_000)
    const latest = await loadSnapshot(t.log)
    expect(latest.timestamp).toBe(80_000)
    expect((await loadSnapshot(t.log, { timestamp: 75_000 })).version).toBe(2)
    expect((await loadSnapshot(t.log, { timestamp: 65_000 })).version).toBe(1)
    expect((await loadSnapshot(t.log, { timestamp: 80_000 })).version).toBe(3)
  })

  it('update() reads only the commits after the snapshot', async () => {
    const t = await newTable()
    await t.commit(1, [add('a.parquet')])
    const s1 = await loadSnapshot(t.log)
    await t.commit(2, [add('b.parquet')])
    await t.commit(3, [remove('a.parquet')])
    t.store.reset()
    const s3 = await s1.update()
    const io = t.store.reset()
    expect(s3.version).toBe(3)
    expect(paths(s3.files())).toEqual(['b.parquet'])
    expect(io.gets).toEqual([commitKey(2), commitKey(3)])
    expect(io.list).toBe(1)
    // The old snapshot is unchanged, and an update with nothing new returns the same object.
    expect(paths(s1.files())).toEqual(['a.parquet'])
    expect(await s3.update()).toBe(s3)
  })

  it("update leaves the older snapshots' tombstones as they were", async () => {
    const t = await newTable()
    await t.commit(1, [add('a.parquet'), add('b.parquet')])
    await t.commit(2, [remove('a.parquet')])
    const s2 = await loadSnapshot(t.log)
    await t.commit(3, [add('c.parquet')])
    const s3 = await s2.update()
    await t.commit(4, [remove('b.parquet'), add('a.parquet')])
    const s4 = await s3.update()
    const tombstonePaths = (s: typeof s2): string[] => [...s.tombstones()].map((r) => r.path)
    expect(tombstonePaths(s2)).toEqual(['a.parquet'])
    expect(tombstonePaths(s3)).toEqual(['a.parquet'])
    expect(tombstonePaths(s4)).toEqual(['b.parquet'])
  })

  it('refuses unknown reader features on load with ProtocolUnsupportedError', async () => {
    const t = new TestTable()
    await t.commit(0, [
      protocol({
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors', 'futureFeature'],
        writerFeatures: ['deletionVectors', 'futureFeature'],
      }),
      metaData(),
    ])
    const error = await loadSnapshot(t.log).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProtocolUnsupportedError)
    expect(error).toMatchObject({ operation: 'read', missing: ['futureFeature'] })
  })

  it('a segment without protocol or metadata is corrupt', async () => {
    const t = new TestTable()
    await t.commit(0, [metaData(), add('a')])
    await expect(loadSnapshot(t.log)).rejects.toMatchObject({ code: 'CORRUPT_LOG' })
    const u = new TestTable()
    await u.commit(0, [protocol(), add('a')])
    await expect(loadSnapshot(u.log)).rejects.toBeInstanceOf(CorruptLogError)
  })

  it('malformed JSON names the file and line', async () => {
    const t = await newTable()
    await t.memory.put(
      commitKey(1),
      utf8Encode(
        '{"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}\n{"add": oops}\n',
      ),
    )
    const error = await loadSnapshot(t.log).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'CORRUPT_LOG',
      line: 2,
      path: `memory://anonymous/${commitKey(1)}`,
    })
  })

  it('an empty location is not a table', async () => {
    await expect(loadSnapshot(new LogStore(new MemoryStore()))).rejects.toBeInstanceOf(
      TableNotFoundError,
    )
  })

  it('a stale _last_checkpoint hint (checkpoint missing) falls back to listing', async () => {
    const t = await newTable()
    await t.commit(1, [add('a.parquet')])
    await t.memory.put(
      '_delta_log/_last_checkpoint',
      utf8Encode(serializeLastCheckpoint({ version: 1, size: 3 })),
    )
    const s = await loadSnapshot(t.log)
    expect(s.version).toBe(1)
    expect(paths(s.files())).toEqual(['a.parquet'])
    await t.memory.put(
      '_delta_log/_last_checkpoint',
      utf8Encode('{"version": 1, "size": 3, "checksum": "bad"}'),
    )
    expect((await loadSnapshot(t.log)).numFiles).toBe(1)
    await t.memory.put('_delta_log/_last_checkpoint', utf8Encode('{not json'))
    expect((await loadSnapshot(t.log)).numFiles).toBe(1)
  })
})
