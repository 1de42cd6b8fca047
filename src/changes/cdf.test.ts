import { describe, expect, it } from 'vitest'
import { AbortedError, CorruptDataError, CorruptLogError, InvalidArgumentError } from '../errors.js'
import { inlineDeletionVector } from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { loadSnapshot } from '../snapshot/load.js'
import { collect } from '../util/async.js'
import { ChangeReader } from './cdf-read.js'
import { changesToTable, readChanges } from './cdf.js'
import { CdfTable, expected, failure, feedRows as rows, rowsOf } from './cdf.test-util.js'
import { tail } from './tail.js'

const WITHOUT_TIME = ['id', 'name', 'part', '_change_type', '_commit_version']

const dv = (...rows: number[]) => inlineDeletionVector(rowIndexSetOf(rows))

describe('readChanges: what each version contributes', () => {
  it('reads adds as inserts and removes as deletes, with partition values, version and file time', async () => {
    const t = await CdfTable.create()
    await t.dataFile('part=a/f1.parquet', [
      [1, 'one'],
      [2, 'two'],
    ])
    await t.dataFile('part=b/f2.parquet', [[3, 'three']])
    await t.commit([t.add('part=a/f1.parquet', 'a'), t.add('part=b/f2.parquet', 'b')], {
      at: 20_000,
    })
    await t.commit([t.remove('part=a/f1.parquet', 'a')], { at: 30_000 })
    const changes = await readChanges(t, { startingVersion: 0 })
    expect(changes.range).toEqual({ start: 0, end: 2 })
    expect(changes.schema.fields.map((f) => f.name)).toEqual([
      'id',
      'name',
      'part',
      '_change_type',
      '_commit_version',
      '_commit_timestamp',
    ])
    expect(rowsOf(await collect(changes))).toEqual(
      expected([
        {
          id: 1,
          name: 'one',
          part: 'a',
          _change_type: 'insert',
          _commit_version: 1,
          _commit_timestamp: 20_000_000,
        },
        {
          id: 2,
          name: 'two',
          part: 'a',
          _change_type: 'insert',
          _commit_version: 1,
          _commit_timestamp: 20_000_000,
        },
        {
          id: 3,
          name: 'three',
          part: 'b',
          _change_type: 'insert',
          _commit_version: 1,
          _commit_timestamp: 20_000_000,
        },
        {
          id: 1,
          name: 'one',
          part: 'a',
          _change_type: 'delete',
          _commit_version: 2,
          _commit_timestamp: 30_000_000,
        },
        {
          id: 2,
          name: 'two',
          part: 'a',
          _change_type: 'delete',
          _commit_version: 2,
          _commit_timestamp: 30_000_000,
        },
      ]),
    )
  })

  it('reads a version with cdc files from them only, with their own change types', async () => {
    const t = await CdfTable.create()
    await t.dataFile('part=a/f1.parquet', [
      [1, 'one'],
      [2, 'two'],
    ])
    await t.commit([t.add('part=a/f1.parquet', 'a')])
    // UPDATE id=1 and DELETE id=2: the rewritten file and the remove must not show up.
    await t.dataFile('part=a/f2.parquet', [[1, 'uno']])
    await t.cdcFile('_change_data/part=a/c1.parquet', [
      [1, 'one', 'update_preimage'],
      [1, 'uno', 'update_postimage'],
      [2, 'two', 'delete'],
    ])
    await t.commit([
      t.remove('part=a/f1.parquet', 'a'),
      t.add('part=a/f2.parquet', 'a'),
      t.cdc('_change_data/part=a/c1.parquet', 'a'),
    ])
    expect(await rows(t, { startingVersion: 2, columns: WITHOUT_TIME })).toEqual(
      expected([
        { id: 1, name: 'one', part: 'a', _change_type: 'update_preimage', _commit_version: 2 },
        { id: 1, name: 'uno', part: 'a', _change_type: 'update_postimage', _commit_version: 2 },
        { id: 2, name: 'two', part: 'a', _change_type: 'delete', _commit_version: 2 },
      ]),
    )
  })

  it('ignores dataChange=false rewrites (OPTIMIZE) entirely', async () => {
    const t = await CdfTable.create()
    await t.dataFile('a1.parquet', [[1, 'one']])
    await t.dataFile('a2.parquet', [[2, 'two']])
    await t.commit([t.add('a1.parquet', 'a'), t.add('a2.parquet', 'a')])
    await t.dataFile('big.parquet', [
      [1, 'one'],
      [2, 'two'],
    ])
    await t.commit([
      t.remove('a1.parquet', 'a', { dataChange: false }),
      t.remove('a2.parquet', 'a', { dataChange: false }),
      t.add('big.parquet', 'a', { dataChange: false }),
    ])
    const changes = await readChanges(t, { startingVersion: 2 })
    expect(changes.range).toEqual({ start: 2, end: 2 })
    expect(await collect(changes)).toEqual([])
  })

  it('turns deletion-vector updates into the rows newly deleted and newly restored', async () => {
    const t = await CdfTable.create({
      protocol: {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors'],
        writerFeatures: ['deletionVectors', 'changeDataFeed'],
      },
    })
    await t.dataFile('f.parquet', [
      [10, 'a'],
      [11, 'b'],
      [12, 'c'],
      [13, 'd'],
      [14, 'e'],
      [15, 'f'],
    ])
    await t.commit([t.add('f.parquet', 'x')]) // v1: all six rows inserted
    // v2: DELETE rows 1 and 4 by giving the file a DV.
    await t.commit([
      t.remove('f.parquet', 'x'),
      t.add('f.parquet', 'x', { deletionVector: dv(1, 4) }),
    ])
    // v3: row 2 deleted, row 4 restored (RESTORE-like): DV {1,4} -> {1,2}.
    await t.commit([
      t.remove('f.parquet', 'x', { deletionVector: dv(1, 4) }),
      t.add('f.parquet', 'x', { deletionVector: dv(1, 2) }),
    ])
    // v4: the file goes: only the rows its DV still showed are deleted.
    await t.commit([t.remove('f.parquet', 'x', { deletionVector: dv(1, 2) })])
    // v5: a new file added with a DV already (a clone, say): only its visible rows are new.
    await t.dataFile('g.parquet', [
      [20, 'u'],
      [21, 'v'],
    ])
    await t.commit([t.add('g.parquet', 'x', { deletionVector: dv(0) })])
    const change = (id: number, type: string, version: number) => ({
      id,
      name: 'abcdef'[id - 10]!,
      part: 'x',
      _change_type: type,
      _commit_version: version,
    })
    expect(await rows(t, { startingVersion: 1, columns: WITHOUT_TIME })).toEqual(
      expected([
        ...[10, 11, 12, 13, 14, 15].map((id) => change(id, 'insert', 1)),
        change(11, 'delete', 2),
        change(14, 'delete', 2),
        change(12, 'delete', 3),
        change(14, 'insert', 3),
        ...[10, 13, 14, 15].map((id) => change(id, 'delete', 4)),
        { id: 21, name: 'v', part: 'x', _change_type: 'insert', _commit_version: 5 },
      ]),
    )
  })

  it('fails on a deletion vector that names a row beyond the file', async () => {
    const t = await CdfTable.create()
    await t.dataFile('f.parquet', [[1, 'a']])
    await t.commit([t.add('f.parquet', 'x')])
    await t.commit([t.remove('f.parquet', 'x'), t.add('f.parquet', 'x', { deletionVector: dv(5) })])
    const changes = await readChanges(t, { startingVersion: 2 })
    const error = await failure(collect(changes))
    expect(error).toBeInstanceOf(CorruptDataError)
    expect(error).toMatchObject({ code: 'CORRUPT_DATA', path: 'memory://anonymous/f.parquet' })
  })

  it('fails on a change file without a _change_type column instead of returning nulls', async () => {
    const t = await CdfTable.create()
    await t.dataFile('_change_data/c.parquet', [[1, 'a']])
    await t.commit([t.cdc('_change_data/c.parquet', 'x')])
    const error = await failure(changesToTable(t, { startingVersion: 1 }))
    expect(error).toBeInstanceOf(CorruptDataError)
    expect(error).toMatchObject({ code: 'CORRUPT_DATA' })
  })

  it('returns the requested columns in the requested order', async () => {
    const t = await CdfTable.create()
    await t.dataFile('f.parquet', [[7, 'seven']])
    await t.commit([t.add('f.parquet', 'p')])
    const changes = await readChanges(t, {
      startingVersion: 1,
      columns: ['_commit_version', 'part', '_change_type'],
    })
    expect(changes.schema.fields.map((f) => f.name)).toEqual([
      '_commit_version',
      'part',
      '_change_type',
    ])
    expect(rowsOf(await collect(changes))).toEqual(
      expected([{ _commit_version: 1, part: 'p', _change_type: 'insert' }]),
    )
    const error = await failure(readChanges(t, { startingVersion: 1, columns: ['nope'] }))
    expect(error).toBeInstanceOf(InvalidArgumentError)
  })
})

describe('readChanges: failures while reading', () => {
  it('refuses a remove of a partitioned table that lacks its partition values', async () => {
    const t = await CdfTable.create()
    await t.dataFile('f.parquet', [[1, 'a']])
    await t.commit([t.add('f.parquet', 'x')])
    await t.commit([{ remove: { path: 'f.parquet', deletionTimestamp: 1, dataChange: true } }])
    const changes = await readChanges(t, { startingVersion: 2 })
    const error = await failure(collect(changes))
    expect(error).toBeInstanceOf(CorruptLogError)
    expect(error).toMatchObject({ code: 'CORRUPT_LOG' })
  })

  it('a missing data file is NotFoundError naming it', async () => {
    const t = await CdfTable.create()
    await t.commit([t.add('gone.parquet', 'x', { size: 100 })])
    const error = await failure(changesToTable(t, { startingVersion: 1 }))
    expect(error).toMatchObject({ code: 'NOT_FOUND', path: 'memory://anonymous/gone.parquet' })
  })

  it('stops with AbortedError when the signal fires', async () => {
    const t = await CdfTable.create()
    await t.dataFile('f.parquet', [[1, 'a']])
    await t.commit([t.add('f.parquet', 'x')])
    const controller = new AbortController()
    const changes = await readChanges(t, { startingVersion: 0, signal: controller.signal })
    controller.abort()
    const error = await failure(collect(changes))
    expect(error).toBeInstanceOf(AbortedError)
    expect(error).toMatchObject({ code: 'ABORTED' })
  })
})

describe('ChangeReader.readCommit (the streaming building block)', () => {
  it('reads one tailed commit into its change rows in the given schema', async () => {
    const t = await CdfTable.create()
    await t.dataFile('f1.parquet', [[1, 'a']])
    await t.commit([t.add('f1.parquet', 'x')], { at: 20_000 })
    await t.commit([t.remove('f1.parquet', 'x')], { at: 30_000 })
    const reader = new ChangeReader(await loadSnapshot(t.log))
    const perCommit: string[][] = []
    for await (const commit of tail(t.log, 1)) {
      perCommit.push(rowsOf(await collect(reader.readCommit(commit))))
    }
    const row = (type: string, version: number, ms: number) => ({
      id: 1,
      name: 'a',
      part: 'x',
      _change_type: type,
      _commit_version: version,
      _commit_timestamp: ms * 1000,
    })
    expect(perCommit).toEqual([
      expected([row('insert', 1, 20_000)]),
      expected([row('delete', 2, 30_000)]),
    ])
  })
})
