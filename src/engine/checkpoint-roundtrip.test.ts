import { afterAll, describe, expect, test } from 'vitest'
import type { Action, Add } from '../protocol/actions.js'
import {
  readCheckpointFile,
  readCheckpointFileColumns,
  type CheckpointAction,
  type CheckpointReadOptions,
} from './checkpoint-read.js'
import { writeCheckpoint, type CheckpointWriteOptions } from './checkpoint-write.js'
import { duckRows, sqlString, tempFile } from './engine.test-util.js'
import { readParquetInfo } from './parquet.js'

const cleanups: (() => void)[] = []
afterAll(() => cleanups.forEach((c) => c()))
function toFile(bytes: Uint8Array): string {
  const t = tempFile('checkpoint.parquet', bytes)
  cleanups.push(t.cleanup)
  return t.file
}

async function readAll(
  bytes: Uint8Array,
  options: Partial<CheckpointReadOptions> = {},
): Promise<CheckpointAction[]> {
  const out: CheckpointAction[] = []
  for await (const batch of readCheckpointFile(bytes, 'parquet', {
    path: '_delta_log/00000000000000000010.checkpoint.parquet',
    ...options,
  })) {
    out.push(...batch)
  }
  return out
}

async function roundTrip(
  actions: Action[],
  options: CheckpointWriteOptions = {},
  read: Partial<CheckpointReadOptions> = {},
): Promise<CheckpointAction[]> {
  return readAll((await writeCheckpoint(actions, options)).bytes, read)
}

/** What a classic checkpoint keeps of a remove: Spark drops `tags` and `stats`. */
function asCheckpointed(action: Action): Action {
  if (!('remove' in action)) return action
  const { tags: _tags, stats: _stats, ...rest } = action.remove
  return { remove: rest }
}

const protocol: Action = {
  protocol: {
    minReaderVersion: 3,
    minWriterVersion: 7,
    readerFeatures: ['deletionVectors', 'v2Checkpoint'],
    writerFeatures: ['deletionVectors', 'v2Checkpoint', 'domainMetadata', 'rowTracking'],
  },
}

const metaData: Action = {
  metaData: {
    id: '3f1c5b2a-1111-2222-3333-444455556666',
    name: 'events',
    description: 'ünïcode description',
    format: { provider: 'parquet', options: { compression: 'snappy' } },
    schemaString:
      '{"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]}',
    partitionColumns: ['date', 'region'],
    configuration: { 'delta.enableDeletionVectors': 'true', 'delta.checkpointInterval': '10' },
    createdTime: 1_700_000_000_000,
  },
}

const add = (over: Partial<Add> = {}): Action => ({
  add: {
    path: 'date=2024-01-01/region=eu/part-00000-c000.snappy.parquet',
    partitionValues: { date: '2024-01-01', region: 'eu' },
    size: 1234,
    modificationTime: 1_700_000_000_001,
    dataChange: false,
    ...over,
  },
})

const everyKind: Action[] = [
  protocol,
  metaData,
  { txn: { appId: 'stream-1', version: 42, lastUpdated: 1_700_000_000_002 } },
  { txn: { appId: 'stream-2', version: 0 } },
  {
    domainMetadata: {
      domain: 'delta.rowTracking',
      configuration: '{"rowIdHighWaterMark":99}',
      removed: false,
    },
  },
  { domainMetadata: { domain: 'app.custom', configuration: '', removed: true } },
  add({
    stats:
      '{"numRecords":10,"minValues":{"id":1},"maxValues":{"id":10},"nullCount":{"id":0},"tightBounds":true}',
    tags: { INSERTION_TIME: '1700000000000000', OPTIMIZE_TARGET_SIZE: '268435456' },
    deletionVector: {
      storageType: 'u',
      pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
      offset: 1,
      sizeInBytes: 36,
      cardinality: 2,
      maxRowIndex: 9,
    },
    baseRowId: 100,
    defaultRowCommitVersion: 7,
    clusteringProvider: 'liquid',
  }),
  // Inline DV (no offset), a null partition value, unicode and percent-encoded path.
  add({
    path: 'date=2024-01-02/region=%C3%BCber%20all/pärt 1.parquet',
    partitionValues: { date: '2024-01-02', region: null },
    deletionVector: {
      storageType: 'i',
      pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
      sizeInBytes: 40,
      cardinality: 6,
    },
  }),
  // Unpartitioned-style empty map, empty tags, a null tag value, a big size.
  add({
    path: 's3://other-bucket/abs/file.parquet',
    partitionValues: {},
    tags: {},
    size: 2 ** 40 + 7,
  }),
  add({ path: 'tagged.parquet', partitionValues: {}, tags: { k: null, '': 'empty key' } }),
  { remove: { path: 'old-1.parquet', deletionTimestamp: 1_700_000_000_003, dataChange: true } },
  {
    remove: {
      path: 'old-2.parquet',
      deletionTimestamp: 1_700_000_000_004,
      dataChange: false,
      extendedFileMetadata: true,
      partitionValues: { date: '2023-12-31', region: 'us' },
      size: 99,
      tags: { dropped: 'yes' },
      stats: '{"numRecords":1}',
      deletionVector: {
        storageType: 'p',
        pathOrInlineDv: 's3://bucket/dv.bin',
        offset: 4,
        sizeInBytes: 20,
        cardinality: 1,
      },
      baseRowId: 5,
      defaultRowCommitVersion: 3,
    },
  },
  { remove: { path: 'old-3.parquet', dataChange: true } },
]

describe('checkpoint write then read', () => {
  test('every action kind round-trips exactly (removes lose tags and stats, as in Spark)', async () => {
    const back = await roundTrip(everyKind)
    expect(back).toStrictEqual(everyKind.map(asCheckpointed))
  })

  test('the counts describe the file', async () => {
    const r = await writeCheckpoint(everyKind)
    expect({
      numActions: r.numActions,
      numOfAddFiles: r.numOfAddFiles,
      numRemoves: r.numRemoves,
    }).toEqual({
      numActions: 13,
      numOfAddFiles: 4,
      numRemoves: 3,
    })
    expect(r.sizeInBytes).toBe(r.bytes.length)
    expect(readParquetInfo(r.bytes).numRows).toBe(13)
  })

  test('a map key named __proto__ round-trips as an own property', async () => {
    const tags = JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>
    const [back] = await roundTrip([add({ tags })])
    const readTags = (back as { add: Add }).add.tags!
    expect(Object.keys(readTags)).toEqual(['__proto__', 'a'])
    expect(Object.getPrototypeOf(readTags)).toBe(Object.prototype)
  })

  test('V2 top-level layout holds checkpointMetadata and sidecar actions', async () => {
    const v2: Action[] = [
      protocol,
      metaData,
      { checkpointMetadata: { version: 12, tags: { numOfAddFiles: '5' } } },
      {
        sidecar: {
          path: '00000000000000000012.checkpoint.0000000001.0000000001.uuid.parquet',
          sizeInBytes: 1000,
          modificationTime: 1_700_000_000_005,
        },
      },
      { sidecar: { path: 'other.parquet', sizeInBytes: 1, modificationTime: 2, tags: { t: 'v' } } },
      { txn: { appId: 'a', version: 1 } },
    ]
    expect(await roundTrip(v2, { layout: 'v2' })).toStrictEqual(v2)
  })

  test('sidecar layout holds only adds and removes', async () => {
    const files = everyKind.filter((a) => 'add' in a || 'remove' in a)
    expect(await roundTrip(files, { layout: 'sidecar' })).toStrictEqual(files.map(asCheckpointed))
  })

  test.each([
    ['classic', { commitInfo: { timestamp: 1 } }],
    ['classic', { cdc: { path: 'c', partitionValues: {}, size: 1, dataChange: false } }],
    ['classic', { sidecar: { path: 's', sizeInBytes: 1, modificationTime: 1 } }],
    ['sidecar', protocol],
  ] as const)('a %s checkpoint refuses %j with INVALID_ARGUMENT', async (layout, action) => {
    await expect(writeCheckpoint([action as Action], { layout })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })

  test.each([
    ['a fractional size', add({ size: 1.5 })],
    ['an unsafe size', add({ size: 2 ** 60 })],
    [
      'a DV offset beyond int32',
      add({
        deletionVector: {
          storageType: 'u',
          pathOrInlineDv: 'x',
          offset: 2 ** 31,
          sizeInBytes: 1,
          cardinality: 1,
        },
      }),
    ],
  ])('%s is an INVALID_ARGUMENT naming the field', async (_what, action) => {
    const error = await writeCheckpoint([action]).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect((error as Error).message).toMatch(/add\.(size|deletionVector\.offset)/)
  })

  test('many batches and row groups: order and values preserved', async () => {
    const adds: Action[] = Array.from({ length: 10_000 }, (_, i) =>
      add({
        path: `part-${i}.parquet`,
        size: i,
        partitionValues: { p: String(i % 7) },
        ...(i % 5 === 0 ? { stats: `{"numRecords":${i}}` } : {}),
      }),
    )
    const actions = [protocol, metaData, ...adds]
    const { bytes } = await writeCheckpoint(actions, { rowGroupSize: 3000, batchSize: 1024 })
    expect(readParquetInfo(bytes).rowGroups.map((g) => g.numRows)).toEqual([3000, 3000, 3000, 1002])
    const batches: number[] = []
    const back: CheckpointAction[] = []
    for await (const b of readCheckpointFile(bytes, 'parquet', { path: 'p', batchSize: 700 })) {
      batches.push(b.length)
      back.push(...b)
    }
    expect(back).toStrictEqual(actions)
    expect(Math.max(...batches)).toBeLessThanOrEqual(700)
  })

  test('accepts an async source of actions and of arrays of actions', async () => {
    async function* source(): AsyncGenerator<Action | readonly Action[]> {
      yield protocol
      yield [metaData, add({ path: 'a' })]
      yield add({ path: 'b' })
    }
    const back = await readAll((await writeCheckpoint(source())).bytes)
    expect(back.map((a) => Object.keys(a)[0])).toEqual(['protocol', 'metaData', 'add', 'add'])
  })

  test('an empty action stream writes a valid empty checkpoint', async () => {
    const r = await writeCheckpoint([])
    expect(r.numActions).toBe(0)
    expect(await readAll(r.bytes)).toEqual([])
  })
})

describe('reading with adds in their columns (snapshot loads)', () => {
  /** The columnar reader's actions and its adds (decoded), with the paths, sizes and times. */
  async function readColumns(
    bytes: Uint8Array,
    options: Partial<CheckpointReadOptions> = {},
  ): Promise<{ others: CheckpointAction[]; adds: Add[]; early: [string, number, number][] }> {
    const others: CheckpointAction[] = []
    const adds: Add[] = []
    const early: [string, number, number][] = []
    for await (const slice of readCheckpointFileColumns(bytes, 'parquet', {
      path: 'p',
      ...options,
    })) {
      others.push(...slice.actions)
      if (slice.adds === undefined) continue
      const { paths, sizes, modificationTimes } = slice.adds
      paths.forEach((path, j) => early.push([path, sizes[j]!, modificationTimes[j]!]))
      adds.push(...slice.adds.decode())
    }
    return { others, adds, early }
  }

  test.each([
    ['every action kind', everyKind, 2048],
    [
      'adds spread over slices, some slices mixed with other actions',
      [
        protocol,
        ...Array.from({ length: 3000 }, (_, i) =>
          add({ path: `f-${i}.parquet`, size: i, modificationTime: 10 * i }),
        ),
        metaData,
        { remove: { path: 'gone.parquet', dataChange: false } },
      ],
      700,
    ],
  ] as const)('%s: the same actions as the row reader', async (_what, actions, batchSize) => {
    const { bytes } = await writeCheckpoint(actions)
    const rows = await readAll(bytes, { batchSize })
    const { others, adds, early } = await readColumns(bytes, { batchSize })
    const rowAdds = rows.flatMap((a) => ('add' in a ? [a.add] : []))
    expect(adds).toStrictEqual(rowAdds)
    expect(others).toStrictEqual(rows.filter((a) => !('add' in a)))
    expect(early).toEqual(rowAdds.map((a) => [a.path, a.size, a.modificationTime]))
  })

  test('with stats skipped (or none written) there is nothing left to decode later', async () => {
    const { bytes } = await writeCheckpoint([
      add({ stats: '{"numRecords":1}' }),
      add({ path: 'b' }),
    ])
    const pending = async (options: Partial<CheckpointReadOptions>): Promise<unknown[]> => {
      const out: unknown[] = []
      for await (const slice of readCheckpointFileColumns(bytes, 'parquet', {
        path: 'p',
        ...options,
      }))
        out.push(slice.adds?.pendingStats?.decode())
      return out
    }
    expect(await pending({})).toEqual([['{"numRecords":1}', undefined]])
    expect(await pending({ stats: 'skip' })).toEqual([undefined])
  })

  test('deletion vectors are decoded at once (they are part of the key)', async () => {
    const { bytes } = await writeCheckpoint(everyKind)
    const storageTypes: (string | undefined)[] = []
    for await (const slice of readCheckpointFileColumns(bytes, 'parquet', { path: 'p' })) {
      for (const dv of slice.adds?.deletionVectors ?? []) storageTypes.push(dv?.storageType)
    }
    expect(storageTypes).toEqual(['u', 'i', undefined, undefined])
  })
})

describe('reading options', () => {
  test('actions selects what is decoded; other rows are skipped', async () => {
    const back = await roundTrip(everyKind, {}, { actions: ['add'] })
    expect(back).toStrictEqual(everyKind.filter((a) => 'add' in a))
    const small = await roundTrip(everyKind, {}, { actions: ['protocol', 'metaData', 'txn'] })
    expect(small.map((a) => Object.keys(a)[0])).toEqual(['protocol', 'metaData', 'txn', 'txn'])
  })

  test("stats: 'skip' leaves stats out", async () => {
    const back = await roundTrip([add({ stats: '{"numRecords":1}' })], {}, { stats: 'skip' })
    expect(back).toStrictEqual([add()])
  })

  test('readCheckpointFile refuses kinds other than parquet', async () => {
    const gen = readCheckpointFile(new Uint8Array(), 'json' as 'parquet', { path: 'x.json' })
    await expect(gen.next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})

describe('stats_parsed and partitionValues_parsed', () => {
  const statsParsed = {
    columns: [
      { name: 'id', type: 'long' as const },
      { name: 'name', type: 'string' as const },
      { name: 'ts', type: 'timestamp' as const },
      { name: 'd', type: 'date' as const },
      { name: 'amount', type: 'decimal(10,2)' as const },
      { name: 'ok', type: 'boolean' as const },
      { name: 'nested', type: { fields: [{ name: 'x', type: 'double' as const }] } },
    ],
    tightBounds: true,
  }
  const stats = JSON.stringify({
    numRecords: 3,
    minValues: {
      id: 1,
      name: 'a',
      ts: '2024-01-01T00:00:00.000Z',
      d: '2024-01-01',
      amount: 1.25,
      nested: { x: -0.5 },
    },
    maxValues: {
      id: 3,
      name: 'c',
      ts: '2024-01-02T12:30:00.123Z',
      d: '2024-01-03',
      amount: 99.99,
      nested: { x: 2.5 },
    },
    nullCount: { id: 0, name: 1, ts: 0, d: 0, amount: 0, ok: 2, nested: { x: 0 } },
    tightBounds: true,
  })
  const partitioned = add({
    stats,
    partitionValues: { date: '2024-01-01', region: 'eu', n: '42', t: '2024-01-01 10:00:00' },
  })
  const partitionValuesParsed = [
    { name: 'date', type: 'date' as const },
    { name: 'region', type: 'string' as const },
    { name: 'n', type: 'integer' as const },
    { name: 't', type: 'timestamp' as const },
  ]

  test('DuckDB reads typed stats and partition values matching the JSON', async () => {
    const { bytes } = await writeCheckpoint([protocol, partitioned], {
      statsParsed,
      partitionValuesParsed,
    })
    const file = toFile(bytes)
    const rows = await duckRows(`
      select add.stats_parsed.numRecords as n, add.stats_parsed.minValues.id as min_id,
        add.stats_parsed.maxValues.name as max_name, add.stats_parsed.maxValues.ts::varchar as max_ts,
        add.stats_parsed.minValues.d::varchar as min_d, add.stats_parsed.maxValues.amount::varchar as max_amount,
        add.stats_parsed.minValues.nested.x as min_x, add.stats_parsed.nullCount.ok as null_ok,
        add.stats_parsed.tightBounds as tight,
        add.partitionValues_parsed.date::varchar as p_date, add.partitionValues_parsed.n as p_n,
        add.partitionValues_parsed.t::varchar as p_t
      from read_parquet(${sqlString(file)}) where add is not null`)
    expect(rows).toEqual([
      {
        n: 3n,
        min_id: 1n,
        max_name: 'c',
        max_ts: '2024-01-02 12:30:00.123+00',
        min_d: '2024-01-01',
        max_amount: '99.99',
        min_x: -0.5,
        null_ok: 2n,
        tight: true,
        p_date: '2024-01-01',
        p_n: 42,
        p_t: '2024-01-01 10:00:00+00',
      },
    ])
  })

  test('without JSON stats, reading synthesizes JSON equal to the original', async () => {
    const back = await roundTrip([partitioned], { statsAsJson: false, statsParsed })
    const synthesized = (back[0] as { add: Add }).add.stats
    expect(synthesized).toBeDefined()
    // Same object; `ok` has no min/max (booleans are not skipping-eligible) in either.
    expect(JSON.parse(synthesized!)).toEqual(JSON.parse(stats))
    expect({ ...(back[0] as { add: Add }).add, stats: undefined }).toEqual({
      ...(partitioned as { add: Add }).add,
      stats: undefined,
    })
  })

  test('unparsable stats and partition values become nulls, not errors', async () => {
    const bad = add({
      stats: '{not json',
      partitionValues: { date: 'yesterday', region: 'eu', n: 'x', t: '' },
    })
    const { bytes } = await writeCheckpoint([bad], { statsParsed, partitionValuesParsed })
    const rows = await duckRows(
      `select add.stats_parsed is null as s, add.partitionValues_parsed.date as d, add.partitionValues_parsed.n as n, add.partitionValues_parsed.region as r from read_parquet(${sqlString(toFile(bytes))})`,
    )
    expect(rows).toEqual([{ s: true, d: null, n: null, r: 'eu' }])
  })
})

describe('DuckDB reads our checkpoint with the same values', () => {
  test('adds, removes, metadata and protocol', async () => {
    const file = toFile((await writeCheckpoint(everyKind)).bytes)
    const adds = await duckRows(`
      select add.path as path, add.size as size, to_json(add.partitionValues) as pv, to_json(add.tags) as tags,
        add.deletionVector.storageType as dv_type, add.deletionVector.offset as dv_offset, add.deletionVector.maxRowIndex as dv_max,
        add.baseRowId as base, add.clusteringProvider as cp
      from read_parquet(${sqlString(file)}) where add is not null`)
    const expected = everyKind.flatMap((a) => ('add' in a ? [a.add] : []))
    expect(adds).toEqual(
      expected.map((a) => ({
        path: a.path,
        size: BigInt(a.size),
        pv: JSON.stringify(a.partitionValues),
        tags: a.tags === undefined ? null : JSON.stringify(a.tags),
        dv_type: a.deletionVector?.storageType ?? null,
        dv_offset: a.deletionVector?.offset ?? null,
        dv_max:
          a.deletionVector?.maxRowIndex === undefined ? null : BigInt(a.deletionVector.maxRowIndex),
        base: a.baseRowId === undefined ? null : BigInt(a.baseRowId),
        cp: a.clusteringProvider ?? null,
      })),
    )
    const removes = await duckRows(
      `select remove.path as path, remove.deletionTimestamp as ts from read_parquet(${sqlString(file)}) where remove is not null`,
    )
    expect(removes).toEqual(
      everyKind.flatMap((a) =>
        'remove' in a
          ? [
              {
                path: a.remove.path,
                ts:
                  a.remove.deletionTimestamp === undefined
                    ? null
                    : BigInt(a.remove.deletionTimestamp),
              },
            ]
          : [],
      ),
    )
    const md = await duckRows(
      `select metaData.id as id, to_json(metaData.configuration) as conf, metaData.partitionColumns as pc, protocol.writerFeatures as wf from read_parquet(${sqlString(file)}) where metaData is not null or protocol is not null`,
    )
    expect(md).toEqual([
      {
        id: null,
        conf: null,
        pc: null,
        wf: ['deletionVectors', 'v2Checkpoint', 'domainMetadata', 'rowTracking'],
      },
      {
        id: '3f1c5b2a-1111-2222-3333-444455556666',
        conf: '{"delta.enableDeletionVectors":"true","delta.checkpointInterval":"10"}',
        pc: ['date', 'region'],
        wf: null,
      },
    ])
  })
})
