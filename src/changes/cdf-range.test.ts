import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, VersionNotFoundError } from '../errors.js'
import { collect } from '../util/async.js'
import { ChangeDataFeedError } from './cdf-errors.js'
import { type ChangesOptions, readChanges } from './cdf.js'
import {
  CDF_ON,
  CdfTable,
  expected,
  failure,
  feedRows as rows,
  metadata,
  rowsOf,
  SCHEMA,
} from './cdf.test-util.js'

describe('readChanges: the feed must be enabled over the whole range', () => {
  async function toggled(): Promise<CdfTable> {
    const t = await CdfTable.create() // v0: on
    await t.dataFile('f1.parquet', [[1, 'a']])
    await t.commit([t.add('f1.parquet', 'x')]) // v1
    await t.commit([{ metaData: metadata({ 'delta.enableChangeDataFeed': 'false' }) }]) // v2: off
    await t.dataFile('f2.parquet', [[2, 'b']])
    await t.commit([t.add('f2.parquet', 'x')]) // v3: not recorded
    await t.commit([{ metaData: metadata(CDF_ON) }]) // v4: on again
    await t.dataFile('f3.parquet', [[3, 'c']])
    await t.commit([t.add('f3.parquet', 'x')]) // v5
    return t
  }

  it.each([
    [0, 3, 2],
    [0, undefined, 2],
    [2, 2, 2],
    [3, 5, 3],
  ])('range %s..%s fails with not-enabled at version %s', async (start, end, version) => {
    const t = await toggled()
    const error = await failure(
      readChanges(t, {
        startingVersion: start,
        ...(end === undefined ? {} : { endingVersion: end }),
      }),
    )
    expect(error).toBeInstanceOf(ChangeDataFeedError)
    expect(error).toMatchObject({ code: 'OPERATION_NOT_ALLOWED', problem: 'not-enabled', version })
  })

  it('reads the ranges during which it was on', async () => {
    const t = await toggled()
    expect(
      await rows(t, { startingVersion: 0, endingVersion: 1, columns: ['id', '_commit_version'] }),
    ).toEqual(expected([{ id: 1, _commit_version: 1 }]))
    expect(await rows(t, { startingVersion: 4, columns: ['id', '_commit_version'] })).toEqual(
      expected([{ id: 3, _commit_version: 5 }]),
    )
  })

  it('fails for a table that never enabled it', async () => {
    const t = await CdfTable.create({ configuration: {} })
    const error = await failure(readChanges(t, { startingVersion: 0 }))
    expect(error).toMatchObject({
      code: 'OPERATION_NOT_ALLOWED',
      problem: 'not-enabled',
      version: 0,
    })
  })
})

describe('readChanges: schema of the range', () => {
  const withScore = {
    type: 'struct',
    fields: [...SCHEMA.fields, { name: 'score', type: 'long', nullable: true, metadata: {} }],
  }

  it('reads in the end version schema, with nulls for columns older files predate', async () => {
    const t = await CdfTable.create()
    await t.dataFile('f1.parquet', [[1, 'a']])
    await t.commit([t.add('f1.parquet', 'x')])
    await t.commit([{ metaData: metadata(CDF_ON, { schema: withScore }) }])
    await t.put(
      'f2.parquet',
      (await import('apache-arrow')).tableFromArrays({
        id: BigInt64Array.from([2n]),
        name: ['b'],
        score: BigInt64Array.from([99n]),
      }),
    )
    await t.commit([t.add('f2.parquet', 'x')])
    const changes = await readChanges(t, { startingVersion: 0 })
    expect(changes.schema.fields.map((f) => f.name)).toContain('score')
    expect(
      rowsOf(await collect(changes))
        .map((r) => JSON.parse(r) as Record<string, unknown>)
        .map((r) => [r.id, r.score]),
    ).toEqual([
      ['1', null],
      ['2', '99'],
    ])
    // Ending before the change, the feed has the old schema.
    const before = await readChanges(t, { startingVersion: 0, endingVersion: 1 })
    expect(before.schema.fields.map((f) => f.name)).not.toContain('score')
  })

  it('fails when a schema in the range cannot be read in the end schema', async () => {
    const t = await CdfTable.create()
    await t.dataFile('f1.parquet', [[1, 'a']])
    await t.commit([t.add('f1.parquet', 'x')])
    const dropped = { type: 'struct', fields: SCHEMA.fields.filter((f) => f.name !== 'name') }
    await t.commit([{ metaData: metadata(CDF_ON, { schema: dropped }) }]) // v2 drops `name`
    const error = await failure(readChanges(t, { startingVersion: 1 }))
    expect(error).toBeInstanceOf(ChangeDataFeedError)
    expect(error).toMatchObject({ problem: 'incompatible-schema', version: 1 })
    // From the change on, the range is fine.
    expect((await readChanges(t, { startingVersion: 2 })).range).toEqual({ start: 2, end: 2 })
  })
})

describe('readChanges: version bounds', () => {
  async function fourVersions(): Promise<CdfTable> {
    const t = await CdfTable.create() // v0 at 10 000
    for (const id of [1, 2, 3]) {
      await t.dataFile(`f${id}.parquet`, [[id, null]])
      await t.commit([t.add(`f${id}.parquet`, 'x')], { at: 10_000 + id * 10_000 }) // v1..v3
    }
    return t
  }

  it('a start after the latest version is VersionNotFoundError with the available range', async () => {
    const t = await fourVersions()
    const error = await failure(readChanges(t, { startingVersion: 4 }))
    expect(error).toBeInstanceOf(VersionNotFoundError)
    expect(error).toMatchObject({ code: 'VERSION_NOT_FOUND', requested: 4, earliest: 0, latest: 3 })
    const empty = await readChanges(t, { startingVersion: 4, allowOutOfRange: true })
    expect(empty.range).toBeUndefined()
    expect(await collect(empty)).toEqual([])
  })

  it('an end before the start is InvalidArgumentError; an end after the latest reads to the latest', async () => {
    const t = await fourVersions()
    expect(await failure(readChanges(t, { startingVersion: 2, endingVersion: 1 }))).toBeInstanceOf(
      InvalidArgumentError,
    )
    expect((await readChanges(t, { startingVersion: 2, endingVersion: 99 })).range).toEqual({
      start: 2,
      end: 3,
    })
  })

  it('a cleaned-up start version is VersionNotFoundError naming the earliest one left', async () => {
    const t = await fourVersions()
    await t.memory.delete('_delta_log/00000000000000000000.json')
    await t.memory.delete('_delta_log/00000000000000000001.json')
    const error = await failure(readChanges(t, { startingVersion: 1 }))
    expect(error).toMatchObject({ code: 'VERSION_NOT_FOUND', requested: 1, earliest: 2, latest: 3 })
  })

  it('needs exactly one start and at most one end', async () => {
    const t = await fourVersions()
    for (const options of [
      {},
      { startingVersion: 0, startingTimestamp: 0 },
      { startingVersion: 0, endingVersion: 1, endingTimestamp: 0 },
      { startingVersion: -1 },
      { startingVersion: 1.5 },
    ]) {
      expect(await failure(readChanges(t, options))).toBeInstanceOf(InvalidArgumentError)
    }
  })
})

describe('readChanges: timestamp bounds (commits at 10 s, 20 s, 30 s, 40 s)', () => {
  async function fourVersions(): Promise<CdfTable> {
    const t = await CdfTable.create()
    for (const id of [1, 2, 3]) {
      await t.dataFile(`f${id}.parquet`, [[id, null]])
      await t.commit([t.add(`f${id}.parquet`, 'x')], { at: 10_000 + id * 10_000 })
    }
    return t
  }
  const range = async (t: CdfTable, options: ChangesOptions) =>
    (await readChanges(t, options)).range

  it('startingTimestamp is the first commit at or after it; endingTimestamp the last at or before', async () => {
    const t = await fourVersions()
    expect(await range(t, { startingTimestamp: 20_000 })).toEqual({ start: 1, end: 3 })
    expect(await range(t, { startingTimestamp: 20_001 })).toEqual({ start: 2, end: 3 })
    expect(await range(t, { startingTimestamp: 0 })).toEqual({ start: 0, end: 3 })
    expect(await range(t, { startingTimestamp: '1970-01-01T00:00:15Z' })).toEqual({
      start: 1,
      end: 3,
    })
    expect(await range(t, { startingVersion: 0, endingTimestamp: 30_000 })).toEqual({
      start: 0,
      end: 2,
    })
    expect(await range(t, { startingVersion: 0, endingTimestamp: 29_999 })).toEqual({
      start: 0,
      end: 1,
    })
    expect(
      await range(t, {
        startingTimestamp: new Date(15_000),
        endingTimestamp: '1970-01-01 00:00:35',
      }),
    ).toEqual({ start: 1, end: 2 })
  })

  it('times between the same two commits give an empty range; a start after the end fails', async () => {
    const t = await fourVersions()
    const empty = await readChanges(t, { startingTimestamp: 21_000, endingTimestamp: 29_000 })
    expect(empty.range).toBeUndefined()
    expect(await collect(empty)).toEqual([])
    expect(
      await failure(readChanges(t, { startingTimestamp: 29_000, endingTimestamp: 21_000 })),
    ).toBeInstanceOf(InvalidArgumentError)
  })

  it('out-of-range times are VersionNotFoundError unless allowOutOfRange', async () => {
    const t = await fourVersions()
    expect(await failure(readChanges(t, { startingTimestamp: 40_001 }))).toMatchObject({
      code: 'VERSION_NOT_FOUND',
      earliest: 0,
      latest: 3,
    })
    expect(await range(t, { startingTimestamp: 40_001, allowOutOfRange: true })).toBeUndefined()
    expect(
      await failure(readChanges(t, { startingVersion: 0, endingTimestamp: 40_001 })),
    ).toMatchObject({ code: 'VERSION_NOT_FOUND' })
    expect(
      await range(t, { startingVersion: 1, endingTimestamp: 40_001, allowOutOfRange: true }),
    ).toEqual({ start: 1, end: 3 })
    // Before the first commit an end stays an error, as in Spark.
    for (const allowOutOfRange of [false, true]) {
      expect(
        await failure(
          readChanges(t, { startingVersion: 0, endingTimestamp: 9_999, allowOutOfRange }),
        ),
      ).toMatchObject({ code: 'VERSION_NOT_FOUND' })
    }
  })

  it('uses in-commit timestamps for bounds and _commit_timestamp when the table has them', async () => {
    const t = await CdfTable.create({
      protocol: {
        minReaderVersion: 1,
        minWriterVersion: 7,
        writerFeatures: ['inCommitTimestamp', 'changeDataFeed'],
      },
      configuration: { ...CDF_ON, 'delta.enableInCommitTimestamps': 'true' },
      inCommitTimestamp: 1_000_000,
    })
    // File times all equal (as after a copy); the in-commit timestamps are what counts.
    for (const id of [1, 2, 3]) {
      await t.dataFile(`f${id}.parquet`, [[id, null]])
      await t.commit([t.add(`f${id}.parquet`, 'x')], {
        at: 50_000,
        inCommitTimestamp: 1_000_000 + id * 1_000,
      })
    }
    expect(
      await rows(t, {
        startingTimestamp: 1_001_500,
        columns: ['id', '_commit_version', '_commit_timestamp'],
      }),
    ).toEqual(
      expected([
        { id: 2, _commit_version: 2, _commit_timestamp: 1_002_000_000 },
        { id: 3, _commit_version: 3, _commit_timestamp: 1_003_000_000 },
      ]),
    )
  })
})
