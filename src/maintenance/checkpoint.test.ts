import { describe, expect, it } from 'vitest'
import { readCheckpointFile } from '../engine/checkpoint-read.js'
import type { Action } from '../protocol/actions.js'
import { parseLastCheckpoint } from '../protocol/last-checkpoint.js'
import { loadSnapshot } from '../snapshot/load.js'
import { seededIds } from '../util/clock.js'
import { utf8Decode } from '../util/utf8.js'
import { writeCheckpoint } from './checkpoint.js'
import { LAST_CHECKPOINT_KEY } from './last-checkpoint-write.js'
import {
  DAY,
  INLINE_DV,
  PROTOCOL_DV,
  PROTOCOL_V2,
  TestTable,
  addFile,
  metadata,
  removeFile,
  stateOf,
} from './maintenance.test-util.js'
import { sparkPartitionOf } from './spark-hash.js'

const V5 = '_delta_log/00000000000000000005'

/**
 * A history touching every kind of state: files with DVs, tags, row tracking and clustering
 * fields; a DV update; re-adds; expired and unexpired tombstones; txns; domains (one removed).
 */
async function richTable(
  options: { protocol?: typeof PROTOCOL_DV; configuration?: Record<string, string> } = {},
): Promise<TestTable> {
  const t = new TestTable()
  const start = t.time
  await t.commit(0, [
    { commitInfo: { operation: 'CREATE TABLE' } },
    { protocol: options.protocol ?? PROTOCOL_DV },
    { metaData: metadata(options.configuration) },
  ])
  await t.commit(1, [
    { add: addFile('part=a/f1.parquet', { tags: { INSERTION_TIME: '1', empty: null } }) },
    { add: addFile('part=a/f2.parquet', { baseRowId: 10, defaultRowCommitVersion: 1 }) },
    {
      add: addFile('part=b/f3.parquet', {
        partitionValues: { part: 'b' },
        clusteringProvider: 'liquid',
      }),
    },
    { add: addFile('part=c/f4.parquet', { partitionValues: { part: null }, size: 7 }) },
    { txn: { appId: 'app-1', version: 3, lastUpdated: start } },
    { domainMetadata: { domain: 'zorder', configuration: '{"cols":["id"]}', removed: false } },
    { domainMetadata: { domain: 'gone', configuration: '{}', removed: false } },
  ])
  // Long ago: this tombstone is expired by the time of the checkpoint.
  await t.commit(2, [{ remove: removeFile('part=c/f4.parquet', start - 30 * DAY) }])
  await t.commit(3, [
    { remove: removeFile('part=a/f1.parquet', t.time, { tags: { INSERTION_TIME: '1' } }) },
    {
      add: addFile('part=a/f1.parquet', {
        deletionVector: INLINE_DV,
        tags: { INSERTION_TIME: '1' },
      }),
    },
    { domainMetadata: { domain: 'gone', configuration: '{}', removed: true } },
    { txn: { appId: 'app-2', version: 1 } },
  ])
  await t.commit(4, [
    { remove: removeFile('part=b/f3.parquet', t.time, { partitionValues: { part: 'b' } }) },
    { add: addFile('part=b/f5 space%20x.parquet', { partitionValues: { part: 'b' } }) },
  ])
  await t.commit(5, [{ txn: { appId: 'app-1', version: 4, lastUpdated: t.time } }])
  return t
}

async function expectSameStateAsJsonReplay(t: TestTable, versions: readonly number[]) {
  const jsonOnly = await t.jsonOnly()
  for (const version of versions) {
    const withCheckpoint = await t.snapshot(version)
    const replay = await t.snapshot(version, jsonOnly)
    expect(stateOf(withCheckpoint, t.time), `version ${version}`).toEqual(stateOf(replay, t.time))
  }
}

async function readActions(t: TestTable, key: string): Promise<Action[]> {
  const out: Action[] = []
  const { bytes } = await t.memory.get(key)
  for await (const batch of readCheckpointFile(bytes, 'parquet', { path: key })) out.push(...batch)
  return out
}

async function lastCheckpoint(t: TestTable) {
  const text = utf8Decode((await t.memory.get(LAST_CHECKPOINT_KEY)).bytes)
  return parseLastCheckpoint(text, LAST_CHECKPOINT_KEY)
}

describe('writeCheckpoint: classic', () => {
  it('a snapshot loaded from the checkpoint (and later commits) equals pure JSON replay', async () => {
    const t = await richTable()
    const result = await writeCheckpoint(await t.snapshot())
    expect(result).toMatchObject({
      version: 5,
      kind: 'classic',
      files: [`${V5}.checkpoint.parquet`],
      // protocol, metaData, 2 txns, 1 domain, 3 adds, 2 unexpired tombstones
      numActions: 10,
      numOfAddFiles: 3,
      lastCheckpoint: { status: 'written' },
    })
    await t.commit(6, [{ add: addFile('part=a/f6.parquet') }])
    await t.commit(7, [{ remove: removeFile('part=a/f6.parquet', t.time) }])
    const latest = await t.snapshot()
    expect(latest.segment.checkpoint?.version).toBe(5)
    await expectSameStateAsJsonReplay(t, [5, 6, 7])
  })

  it('keeps unexpired tombstones only, with dataChange false and no stats or tags', async () => {
    const t = await richTable()
    await writeCheckpoint(await t.snapshot())
    const actions = await readActions(t, `${V5}.checkpoint.parquet`)
    const removes = actions.flatMap((a) => ('remove' in a ? [a.remove] : []))
    expect(removes.map((r) => r.path).sort()).toEqual(['part=a/f1.parquet', 'part=b/f3.parquet'])
    expect(
      removes.every((r) => !r.dataChange && r.tags === undefined && r.stats === undefined),
    ).toBe(true)
    const adds = actions.flatMap((a) => ('add' in a ? [a.add] : []))
    expect(adds.every((a) => !a.dataChange)).toBe(true)
    expect(actions.some((a) => 'commitInfo' in a || 'cdc' in a)).toBe(false)
    const domains = actions.flatMap((a) => ('domainMetadata' in a ? [a.domainMetadata.domain] : []))
    expect(domains).toEqual(['zorder'])
  })

  it('drops txns older than delta.setTransactionRetentionDuration (and those without lastUpdated)', async () => {
    const t = await richTable({
      configuration: { 'delta.setTransactionRetentionDuration': 'interval 1 hour' },
    })
    await writeCheckpoint(await t.snapshot())
    const actions = await readActions(t, `${V5}.checkpoint.parquet`)
    // app-1 was updated at version 5 (seconds ago); app-2 has no lastUpdated.
    expect(actions.flatMap((a) => ('txn' in a ? [a.txn.appId] : []))).toEqual(['app-1'])
  })

  it('writes _last_checkpoint after the file, with a checksum that verifies', async () => {
    const t = await richTable()
    const result = await writeCheckpoint(await t.snapshot())
    const hint = await lastCheckpoint(t)
    expect(hint).toEqual({
      version: 5,
      size: 10,
      sizeInBytes: result.sizeInBytes,
      numOfAddFiles: 3,
      checksum: hint.checksum,
    })
    expect(hint.checksum).toMatch(/^[0-9a-f]{32}$/)
    const { size } = await t.memory.head(`${V5}.checkpoint.parquet`)
    expect(result.sizeInBytes).toBe(size)
  })

  it('never moves _last_checkpoint backwards', async () => {
    const t = await richTable()
    await writeCheckpoint(await t.snapshot(5))
    const older = await writeCheckpoint(await t.snapshot(3))
    expect(older.lastCheckpoint).toEqual({ status: 'newer-exists', version: 5 })
    expect((await lastCheckpoint(t)).version).toBe(5)
    // The older checkpoint itself was written and is usable for time travel.
    expect((await t.snapshot(4)).segment.checkpoint?.version).toBe(3)
  })

  it('rewrites a torn _last_checkpoint', async () => {
    const t = await richTable()
    await t.memory.put(LAST_CHECKPOINT_KEY, new Uint8Array([0x7b, 0xff, 0x22]))
    const result = await writeCheckpoint(await t.snapshot())
    expect(result.lastCheckpoint).toEqual({ status: 'written' })
    expect((await lastCheckpoint(t)).version).toBe(5)
  })

  it('keeps file statistics even from a snapshot loaded without them', async () => {
    const t = await richTable()
    const lean = await loadSnapshot(t.log, { clock: t.clock, stats: 'skip' })
    await writeCheckpoint(lean)
    const adds = (await readActions(t, `${V5}.checkpoint.parquet`)).flatMap((a) =>
      'add' in a ? [a.add] : [],
    )
    expect(adds.every((a) => a.stats === addFile('x').stats)).toBe(true)
  })
})

describe('writeCheckpoint: multi-part', () => {
  it('splits by Spark hash partitioning and loads like JSON replay', async () => {
    const t = await richTable()
    const result = await writeCheckpoint(await t.snapshot(), { kind: 'multi-part', partSize: 2 })
    // 3 adds + 2 tombstones at 2 per part: 3 parts.
    expect(result.kind).toBe('multi-part')
    expect(result.files).toEqual([
      `${V5}.checkpoint.0000000001.0000000003.parquet`,
      `${V5}.checkpoint.0000000002.0000000003.parquet`,
      `${V5}.checkpoint.0000000003.0000000003.parquet`,
    ])
    expect(result.numActions).toBe(10)
    for (const [i, key] of result.files.entries()) {
      for (const action of await readActions(t, key)) {
        const path =
          'add' in action ? action.add.path : 'remove' in action ? action.remove.path : undefined
        expect(sparkPartitionOf(path, 3), `${key}: ${JSON.stringify(action)}`).toBe(i)
      }
    }
    expect((await lastCheckpoint(t)).parts).toBe(3)
    await t.commit(6, [{ add: addFile('part=a/f6.parquet') }])
    await expectSameStateAsJsonReplay(t, [5, 6])
    expect((await t.snapshot()).segment.checkpoint?.files).toHaveLength(3)
  })

  it('writes a classic checkpoint when everything fits in one part, as Spark does', async () => {
    const t = await richTable()
    const result = await writeCheckpoint(await t.snapshot(), { kind: 'multi-part' })
    expect(result.kind).toBe('classic')
    expect(result.files).toEqual([`${V5}.checkpoint.parquet`])
    expect((await lastCheckpoint(t)).parts).toBeUndefined()
  })

  it('is refused on a table that supports v2Checkpoint', async () => {
    const t = await richTable({ protocol: PROTOCOL_V2 })
    await expect(writeCheckpoint(await t.snapshot(), { kind: 'multi-part' })).rejects.toMatchObject(
      {
        code: 'OPERATION_NOT_ALLOWED',
      },
    )
    expect(await t.keys('_delta_log/0000000000000000000')).not.toContain(
      `${V5}.checkpoint.0000000001.0000000002.parquet`,
    )
  })
})

describe('writeCheckpoint: V2', () => {
  const ids = () => seededIds(42)

  it('writes sidecars and a UUID-named top-level file that load like JSON replay', async () => {
    const t = await richTable({
      protocol: PROTOCOL_V2,
      configuration: { 'delta.checkpointPolicy': 'v2' },
    })
    const result = await writeCheckpoint(await t.snapshot(), { partSize: 4, ids: ids() })
    expect(result.kind).toBe('v2')
    const [s1, s2, top] = result.files
    expect(result.files).toHaveLength(3)
    expect(s1).toMatch(
      /^_delta_log\/_sidecars\/00000000000000000005\.checkpoint\.0000000001\.0000000002\.[0-9a-f-]{36}\.parquet$/,
    )
    expect(s2).toMatch(
      /^_delta_log\/_sidecars\/00000000000000000005\.checkpoint\.0000000002\.0000000002\./,
    )
    expect(top).toMatch(/^_delta_log\/00000000000000000005\.checkpoint\.[0-9a-f-]{36}\.parquet$/)
    const topActions = await readActions(t, top!)
    const sidecarBytes = (await t.memory.head(s1!)).size + (await t.memory.head(s2!)).size
    expect(Object.keys(topActions[0]!)).toEqual(['checkpointMetadata'])
    expect(topActions[0]).toEqual({
      checkpointMetadata: {
        version: 5,
        tags: {
          sidecarNumActions: '5',
          sidecarSizeInBytes: String(sidecarBytes),
          numOfAddFiles: '3',
        },
      },
    })
    expect(topActions.filter((a) => 'add' in a || 'remove' in a)).toEqual([])
    expect(topActions.flatMap((a) => ('sidecar' in a ? [a.sidecar.path] : []))).toEqual([
      s1!.slice('_delta_log/_sidecars/'.length),
      s2!.slice('_delta_log/_sidecars/'.length),
    ])
    // 5 file actions in sidecars, 1 checkpointMetadata + 2 sidecar + 5 non-file rows on top.
    expect(result.numActions).toBe(13)
    const hint = await lastCheckpoint(t)
    expect(hint.parts).toBeUndefined()
    expect(hint.v2Checkpoint?.path).toBe(top!.slice('_delta_log/'.length))
    expect(hint.v2Checkpoint?.sidecarFiles?.map((s) => s.path)).toEqual(
      topActions.flatMap((a) => ('sidecar' in a ? [a.sidecar.path] : [])),
    )
    expect(hint.v2Checkpoint?.nonFileActions?.map((a) => Object.keys(a)[0])).toEqual([
      'protocol',
      'metaData',
      'txn',
      'txn',
      'domainMetadata',
      'checkpointMetadata',
    ])
    await t.commit(6, [{ add: addFile('part=a/f6.parquet') }])
    expect((await t.snapshot()).segment.checkpoint?.format).toBe('uuid')
    await expectSameStateAsJsonReplay(t, [5, 6])
  })

  it('writes a JSON top-level file when asked', async () => {
    const t = await richTable({ protocol: PROTOCOL_V2 })
    const result = await writeCheckpoint(await t.snapshot(), {
      kind: 'v2',
      v2TopLevelFormat: 'json',
      ids: ids(),
    })
    expect(result.files.at(-1)).toMatch(/\.checkpoint\.[0-9a-f-]{36}\.json$/)
    const lines = utf8Decode((await t.memory.get(result.files.at(-1)!)).bytes)
      .trim()
      .split('\n')
    expect(lines.map((l) => Object.keys(JSON.parse(l) as object)[0])).toEqual([
      'checkpointMetadata',
      'sidecar',
      'protocol',
      'metaData',
      'txn',
      'txn',
      'domainMetadata',
    ])
    await expectSameStateAsJsonReplay(t, [5])
  })

  it('a classic-named compat copy alone is enough to load the table', async () => {
    const t = await richTable({ protocol: PROTOCOL_V2 })
    const result = await writeCheckpoint(await t.snapshot(), {
      kind: 'v2',
      classicCompat: true,
      ids: ids(),
    })
    expect(result.files.at(-1)).toBe(`${V5}.checkpoint.parquet`)
    await t.memory.delete(result.files.at(-2)!)
    const s = await t.snapshot()
    expect(s.segment.checkpoint?.format).toBe('classic')
    await expectSameStateAsJsonReplay(t, [5])
  })

  it('writes no sidecar for a table without file actions', async () => {
    const t = new TestTable()
    await t.commit(0, [{ protocol: PROTOCOL_V2 }, { metaData: metadata() }])
    const result = await writeCheckpoint(await t.snapshot(), { kind: 'v2', ids: ids() })
    expect(result.files).toHaveLength(1)
    expect(result.numOfAddFiles).toBe(0)
    expect((await t.snapshot()).numFiles).toBe(0)
  })

  it('is refused without the v2Checkpoint feature', async () => {
    const t = await richTable()
    await expect(writeCheckpoint(await t.snapshot(), { kind: 'v2' })).rejects.toMatchObject({
      code: 'OPERATION_NOT_ALLOWED',
    })
  })

  it('is the default only when delta.checkpointPolicy is v2', async () => {
    const t = await richTable({ protocol: PROTOCOL_V2 })
    expect((await writeCheckpoint(await t.snapshot())).kind).toBe('classic')
  })
})

describe('writeCheckpoint: options', () => {
  it('rejects a non-positive partSize with INVALID_ARGUMENT', async () => {
    const t = await richTable()
    await expect(
      writeCheckpoint(await t.snapshot(), { kind: 'multi-part', partSize: 0 }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('stops with ABORTED when the signal fired', async () => {
    const t = await richTable()
    const controller = new AbortController()
    controller.abort()
    await expect(
      writeCheckpoint(await t.snapshot(), { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' })
  })
})
