import { describe, expect, it } from 'vitest'
import { and, col, eq, gt, isNull, lt, ne } from '../scan/expression.js'
import { CDF_ON, committed, deleteTable, DV_ON, expected, range, rows } from './delete.test-util.js'
import { Transaction } from './transaction.js'
import { rejection } from './write.test-util.js'

const parquetGets = (gets: readonly string[]) => gets.filter((k) => k.endsWith('.parquet'))

describe('deleteRows: no predicate', () => {
  it('removes every file without reading data, recording predicate [] and row counts from stats', async () => {
    const t = await deleteTable({ partitionBy: ['day'] })
    await t.append(rows([1, 2], 'mon'))
    await t.append(rows([3], 'tue'))
    t.store.reset()
    const result = committed(await t.delete(undefined))
    expect(parquetGets(t.store.reset().gets)).toEqual([])
    expect(result.strategy).toBe('metadata')
    const commit = await t.lastCommit()
    expect(commit.commitInfo).toMatchObject({
      operation: 'DELETE',
      operationParameters: { predicate: '[]' },
      readVersion: 2,
      isBlindAppend: false,
    })
    expect(commit.commitInfo['operationMetrics']).toEqual({
      numRemovedFiles: '2',
      numRemovedBytes: String(commit.removes.reduce((s, r) => s + (r.size ?? 0), 0)),
      numCopiedRows: '0',
      numDeletionVectorsAdded: '0',
      numDeletionVectorsRemoved: '0',
      numAddedChangeFiles: '0',
      executionTimeMs: '0',
      numDeletionVectorsUpdated: '0',
      numDeletedRows: '3',
      scanTimeMs: '0',
      numAddedFiles: '0',
      numAddedBytes: '0',
      rewriteTimeMs: '0',
    })
    expect(commit.removes.map((r) => [r.dataChange, r.deletionTimestamp])).toEqual([
      [true, 1_700_000_000_000],
      [true, 1_700_000_000_000],
    ])
    expect(commit.adds).toEqual([])
    expect(await t.contents()).toEqual([])
  })

  it('commits nothing on an empty table', async () => {
    const t = await deleteTable()
    const result = await t.delete(undefined)
    expect(result.status).toBe('unchanged')
    expect((await t.snapshot()).version).toBe(0)
  })
})

describe('deleteRows: partition predicate (metadata only)', () => {
  it('removes the files of matching partitions whole, reading no data, and writes no cdc even with CDF on', async () => {
    const t = await deleteTable({ partitionBy: ['day'], properties: CDF_ON })
    await t.append(rows([1, 2, 3, 4], ['mon', 'tue', 'wed', null]))
    t.store.reset()
    const result = committed(await t.delete("day = 'tue' OR day IS NULL"))
    expect(parquetGets(t.store.reset().gets)).toEqual([])
    expect(result.strategy).toBe('metadata')
    const commit = await t.lastCommit()
    expect(commit.commitInfo['operationParameters']).toEqual({
      predicate: JSON.stringify(["day = 'tue' OR day IS NULL"]),
    })
    expect(commit.removes.map((r) => r.partitionValues)).toEqual([{ day: 'tue' }, { day: null }])
    expect(commit.cdcs).toEqual([])
    expect(await t.contents()).toEqual(['1|mon|v1', '3|wed|v3'])
  })

  it('omits the row metrics when a removed file has no numRecords, as Spark does', async () => {
    const t = await deleteTable({ partitionBy: ['day'] })
    await t.append(rows([1], 'mon'))
    // Strip the stats of the only file by re-committing it without them.
    const snapshot = await t.snapshot()
    const [add] = [...snapshot.files()]
    await Transaction.on(snapshot, { operation: 'TEST', clock: t.clock, ids: t.ids() })
      .removeFile(add!, { dataChange: false })
      .addFile({ ...add!, dataChange: false, stats: '{}' })
      .commit()
    committed(await t.delete(eq(col('day'), 'mon')))
    const metrics = (await t.lastCommit()).commitInfo['operationMetrics'] as Record<string, string>
    expect(Object.keys(metrics)).not.toContain('numDeletedRows')
    expect(Object.keys(metrics)).not.toContain('numCopiedRows')
    expect(Object.keys(metrics)).not.toContain('numAddedFiles')
    expect(metrics['numRemovedFiles']).toBe('1')
  })

  it('decides a column-free predicate per file: TRUE removes all, FALSE nothing', async () => {
    const t = await deleteTable()
    await t.append(rows([1, 2], 'mon'))
    expect((await t.delete('FALSE')).status).toBe('unchanged')
    expect((await t.delete('TRUE')).strategy).toBe('metadata')
    expect(await t.contents()).toEqual([])
  })
})

describe('deleteRows: rewriting files (no deletion vectors)', () => {
  it('rewrites a touched file with its remaining rows and removes it, recording Spark metrics', async () => {
    const t = await deleteTable()
    await t.append(rows(range(0, 10), 'mon'))
    const [before] = [...(await t.snapshot()).files()]
    const result = committed(await t.delete('id >= 7'))
    expect(result.strategy).toBe('rewrite')
    expect(await t.contents()).toEqual(expected(range(0, 7), 'mon'))
    const commit = await t.lastCommit()
    expect(commit.removes.map((r) => r.path)).toEqual([before!.path])
    expect(commit.adds).toHaveLength(1)
    expect(JSON.parse(commit.adds[0]!.stats!)).toMatchObject({ numRecords: 7 })
    expect(commit.commitInfo['operationParameters']).toEqual({ predicate: '["id >= 7"]' })
    expect(commit.commitInfo['operationMetrics']).toMatchObject({
      numRemovedFiles: '1',
      numRemovedBytes: String(before!.size),
      numAddedFiles: '1',
      numAddedBytes: String(commit.adds[0]!.size),
      numCopiedRows: '7',
      numDeletedRows: '3',
      numAddedChangeFiles: '0',
      numDeletionVectorsAdded: '0',
    })
    expect(result.metrics.numFilesAfterSkipping).toBe(1)
  })

  it('in a partitioned table touches only the matching files; candidates without a match stay but are read', async () => {
    const t = await deleteTable({ partitionBy: ['day'] })
    await t.append(rows([1, 2, 3], 'mon'))
    await t.append(rows([4, 5, 6], 'tue'))
    await t.append(rows([7, 8], 'wed'))
    const files = [...(await t.snapshot()).files()]
    const byDay = (day: string) => files.find((f) => f.partitionValues['day'] === day)!
    // Stats skipping leaves mon (ids 1-3) and tue (4-6); only mon holds a match.
    const result = committed(
      await t.delete(and(gt(col('id'), 1), lt(col('id'), 5), ne(col('id'), 4))),
    )
    expect(result.metrics.numFilesBeforeSkipping).toBe(3)
    expect(result.metrics.numFilesAfterSkipping).toBe(2)
    const commit = await t.lastCommit()
    expect(commit.removes.map((r) => r.path)).toEqual([byDay('mon').path])
    expect(commit.adds.map((a) => a.partitionValues)).toEqual([{ day: 'mon' }])
    expect(commit.adds[0]!.path.startsWith('day=mon/part-00000-')).toBe(true)
    expect(await t.contents()).toEqual([
      ...expected([1], 'mon'),
      ...expected([4, 5, 6], 'tue'),
      ...expected([7, 8], 'wed'),
    ])
    // An Expression predicate is recorded in its SQL form.
    expect(commit.commitInfo['operationParameters']).toEqual({
      predicate: JSON.stringify(['((id > 1) AND (id < 5) AND (id != 4))']),
    })
  })

  it('removes a file whose every row matches without adding any', async () => {
    const t = await deleteTable()
    await t.append(rows([1, 2], 'mon'))
    await t.append(rows([3, 4], 'mon'))
    committed(await t.delete(lt(col('id'), 3)))
    const commit = await t.lastCommit()
    expect(commit.removes).toHaveLength(1)
    expect(commit.adds).toEqual([])
    expect(commit.commitInfo['operationMetrics']).toMatchObject({
      numRemovedFiles: '1',
      numAddedFiles: '0',
      numCopiedRows: '0',
      numDeletedRows: '2',
    })
    expect(await t.contents()).toEqual(expected([3, 4], 'mon'))
  })

  it('commits nothing when no row matches', async () => {
    const t = await deleteTable()
    await t.append(rows([1, 2], 'mon'))
    const result = await t.delete("v = 'nope'")
    expect(result).toMatchObject({ status: 'unchanged', strategy: 'rewrite' })
    expect(result.metrics.numDeletedRows).toBe(0)
    expect((await t.snapshot()).version).toBe(1)
  })

  it('rewrites instead of writing DVs when asked, on a DV-enabled table', async () => {
    const t = await deleteTable({ properties: DV_ON })
    await t.append(rows([1, 2, 3], 'mon'))
    const result = committed(await t.delete('id = 2', { deletionVectors: false }))
    expect(result.strategy).toBe('rewrite')
    const commit = await t.lastCommit()
    expect(commit.adds.map((a) => a.deletionVector)).toEqual([undefined])
    expect(await t.contents()).toEqual(expected([1, 3], 'mon'))
  })
})

describe('deleteRows: NULL semantics', () => {
  it.each([
    ['rewrite', {}],
    ['deletion vectors', DV_ON],
  ])('deletes only rows where the predicate is TRUE (%s)', async (_name, properties) => {
    const t = await deleteTable({ properties })
    await t.append(rows([1, 2, 3, 4], 'mon', ['a', null, 'b', null]))
    // `v != 'a'` is NULL for the NULL rows: they stay.
    committed(await t.delete(ne(col('v'), 'a')))
    expect(await t.contents()).toEqual(['1|mon|a', '2|mon|null', '4|mon|null'])
    // NOT (v = 'a') is NULL there too; IS NULL is TRUE.
    expect((await t.delete("NOT (v = 'a')")).status).toBe('unchanged')
    committed(await t.delete(isNull(col('v'))))
    expect(await t.contents()).toEqual(['1|mon|a'])
  })
})

describe('deleteRows: refusals', () => {
  it('refuses an append-only table before reading anything', async () => {
    const t = await deleteTable({ properties: { 'delta.appendOnly': 'true' } })
    await t.append(rows([1], 'mon'))
    t.store.reset()
    const error = await rejection(t.delete('id = 1'))
    expect(error.code).toBe('OPERATION_NOT_ALLOWED')
    expect(parquetGets(t.store.reset().gets)).toEqual([])
    expect(await t.contents()).toEqual(expected([1], 'mon'))
  })

  it('refuses a predicate naming an unknown column', async () => {
    const t = await deleteTable()
    const error = await rejection(t.delete('nope = 1'))
    expect(error.code).toBe('INVALID_ARGUMENT')
  })
})
