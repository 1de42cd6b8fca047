import { describe, expect, it } from 'vitest'
import { writeCheckpoint } from '../maintenance/checkpoint.js'
import { verify } from '../maintenance/verify.js'
import { parseDeletionVectorFile, parseInlineDeletionVector } from '../protocol/deletion-vector.js'
import { decodeUuidZ85 } from '../protocol/z85.js'
import { col, isIn } from '../scan/expression.js'
import { loadSnapshot } from '../snapshot/load.js'
import { deleteRows } from './delete.js'
import { CDF_ON, committed, deleteTable, DV_ON, expected, range, rows } from './delete.test-util.js'

describe('deleteRows with deletion vectors', () => {
  it('re-adds a partly deleted file under its path with a DV, exact physical numRecords and wide bounds', async () => {
    const t = await deleteTable({ properties: DV_ON })
    await t.append(rows(range(0, 10), 'mon'))
    const [before] = [...(await t.snapshot()).files()]
    t.store.reset()
    const result = committed(await t.delete(isIn(col('id'), [0, 9])))
    expect(result.strategy).toBe('deletion-vectors')
    // Only the predicate's column was fetched: the file is small, so one whole-file GET.
    expect(t.store.reset().gets.filter((k) => k.endsWith('.parquet'))).toEqual([before!.path])
    const commit = await t.lastCommit()
    expect(commit.removes).toEqual([
      expect.objectContaining({ path: before!.path, dataChange: true, size: before!.size }),
    ])
    expect(commit.removes[0]!.deletionVector).toBeUndefined()
    const [add] = commit.adds
    expect(add).toMatchObject({
      path: before!.path,
      size: before!.size,
      modificationTime: before!.modificationTime,
      dataChange: true,
      deletionVector: { storageType: 'i', cardinality: 2 },
    })
    expect([...parseInlineDeletionVector(add!.deletionVector!, 'test')]).toEqual([0, 9])
    const stats = JSON.parse(add!.stats!) as Record<string, unknown>
    const old = JSON.parse(before!.stats!) as Record<string, unknown>
    expect(stats).toEqual({ ...old, numRecords: 10, tightBounds: false })
    expect(Object.keys(stats).at(0)).toBe('numRecords')
    expect(Object.keys(stats).at(-1)).toBe('tightBounds')
    expect(commit.commitInfo['operationMetrics']).toMatchObject({
      numRemovedFiles: '0',
      numRemovedBytes: '0',
      numAddedFiles: '0',
      numAddedBytes: '0',
      numCopiedRows: '0',
      numDeletedRows: '2',
      numDeletionVectorsAdded: '1',
      numDeletionVectorsRemoved: '0',
      numDeletionVectorsUpdated: '0',
    })
    expect(await t.contents()).toEqual(expected(range(1, 9), 'mon'))
    expect(await t.dataKeys()).toEqual([before!.path])
  })

  it('a second delete on a file with a DV stores the union and counts the DV as updated', async () => {
    const t = await deleteTable({ properties: DV_ON })
    await t.append(rows(range(0, 10), 'mon'))
    committed(await t.delete('id < 2'))
    committed(await t.delete('id = 5 OR id = 1'))
    const commit = await t.lastCommit()
    expect(commit.removes[0]!.deletionVector?.cardinality).toBe(2)
    const dv = commit.adds[0]!.deletionVector!
    expect([...parseInlineDeletionVector(dv, 'test')]).toEqual([0, 1, 5])
    expect(commit.commitInfo['operationMetrics']).toMatchObject({
      numDeletedRows: '1',
      numDeletionVectorsAdded: '1',
      numDeletionVectorsRemoved: '1',
      numDeletionVectorsUpdated: '1',
    })
    expect(JSON.parse(commit.adds[0]!.stats!)).toMatchObject({ numRecords: 10 })
    expect(await t.contents()).toEqual(expected([2, 3, 4, 6, 7, 8, 9], 'mon'))
    // The snapshot holds only the newest entry of the path.
    expect([...(await t.snapshot()).files()].map((f) => f.deletionVector?.cardinality)).toEqual([3])
  })

  it('stores larger DVs in one deletion_vector_<uuid>.bin per commit, at distinct offsets, that verify() accepts', async () => {
    const t = await deleteTable({ properties: DV_ON, partitionBy: ['day'] })
    await t.append(rows(range(0, 100), 'mon'))
    await t.append(rows(range(100, 200), 'tue'))
    // 30 scattered rows per file: ~92-byte bitmaps, above the 64-byte inline limit.
    const doomed = [...range(0, 30), ...range(50, 80)].map((i) => i * 2)
    const result = committed(await t.delete(isIn(col('id'), doomed)))
    const commit = await t.lastCommit()
    const dvs = commit.adds.map((a) => a.deletionVector!)
    expect(dvs.map((d) => [d.storageType, d.cardinality])).toEqual([
      ['u', 30],
      ['u', 30],
    ])
    expect(new Set(dvs.map((d) => d.pathOrInlineDv)).size).toBe(1)
    expect(dvs.map((d) => d.offset)).toEqual([1, 1 + 8 + dvs[0]!.sizeInBytes])
    const key = `deletion_vector_${decodeUuidZ85(dvs[0]!.pathOrInlineDv)}.bin`
    expect((await t.dataKeys()).filter((k) => k.endsWith('.bin'))).toEqual([key])
    const stored = parseDeletionVectorFile((await t.memory.get(key)).bytes, key)
    // Physical positions in each file: ids 100.. start at position 0 of the tue file.
    const evens = range(0, 30).map((i) => i * 2)
    expect(stored.map((s) => [s.offset, [...s.rows]])).toEqual([
      [1, evens],
      [dvs[1]!.offset, evens],
    ])
    expect(result.metrics.numDeletedRows).toBe(60)
    const kept = range(0, 200).filter((i) => !doomed.includes(i))
    expect((await t.contents()).map((r) => Number(r.split('|')[0])).sort((a, b) => a - b)).toEqual(
      kept,
    )
    const report = await verify({ log: t.log }, { clock: t.clock })
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
  })

  it('inlines nothing with inlineDeletionVectorMaxBytes 0, and puts the DV file under a random prefix when asked', async () => {
    const t = await deleteTable({
      properties: {
        ...DV_ON,
        'delta.randomizeFilePrefixes': 'true',
        'delta.randomPrefixLength': '3',
      },
    })
    await t.append(rows(range(0, 4), 'mon'))
    committed(await t.delete('id = 2', { inlineDeletionVectorMaxBytes: 0 }))
    const dv = (await t.lastCommit()).adds[0]!.deletionVector!
    expect(dv.storageType).toBe('u')
    expect(dv.pathOrInlineDv).toHaveLength(23)
    const prefix = dv.pathOrInlineDv.slice(0, 3)
    const key = `${prefix}/deletion_vector_${decodeUuidZ85(dv.pathOrInlineDv.slice(3))}.bin`
    expect(await t.dataKeys()).toContain(key)
    expect(await t.contents()).toEqual(expected([0, 1, 3], 'mon'))
    expect((await verify({ log: t.log }, { clock: t.clock })).ok).toBe(true)
  })

  it('removes a file whose every visible row matches (old DV included), with no DV and no add', async () => {
    const t = await deleteTable({ properties: DV_ON })
    await t.append(rows(range(0, 4), 'mon'))
    await t.append(rows(range(4, 6), 'mon'))
    committed(await t.delete('id = 0'))
    committed(await t.delete('id < 4'))
    const commit = await t.lastCommit()
    expect(commit.adds).toEqual([])
    expect(commit.removes).toHaveLength(1)
    expect(commit.removes[0]!.deletionVector?.cardinality).toBe(1)
    expect(commit.commitInfo['operationMetrics']).toMatchObject({
      numRemovedFiles: '1',
      numDeletedRows: '3',
      numDeletionVectorsAdded: '0',
      numDeletionVectorsRemoved: '1',
      numDeletionVectorsUpdated: '0',
    })
    expect(await t.contents()).toEqual(expected([4, 5], 'mon'))
  })

  it('writes no change data files with the change data feed on (readers use the DV difference)', async () => {
    const t = await deleteTable({ properties: { ...DV_ON, ...CDF_ON } })
    await t.append(rows(range(0, 5), 'mon'))
    committed(await t.delete('id = 3'))
    const commit = await t.lastCommit()
    expect(commit.cdcs).toEqual([])
    expect(commit.adds.map((a) => a.deletionVector?.cardinality)).toEqual([1])
    expect((await t.dataKeys()).some((k) => k.startsWith('_change_data/'))).toBe(false)
  })

  it('keeps DVs apart per file in a partitioned table, and leaves unmatched files untouched', async () => {
    const t = await deleteTable({ properties: DV_ON, partitionBy: ['day'] })
    await t.append(rows([1, 2, 3], 'mon'))
    await t.append(rows([4, 5, 6], 'tue'))
    await t.append(rows([7, 8, 9], 'wed'))
    committed(await t.delete("id = 2 OR id = 5 OR v = 'none'"))
    const commit = await t.lastCommit()
    expect(
      commit.adds.map((a) => [a.partitionValues['day'], a.deletionVector?.cardinality]),
    ).toEqual([
      ['mon', 1],
      ['tue', 1],
    ])
    expect(await t.contents()).toEqual([
      ...expected([1, 3], 'mon'),
      ...expected([4, 6], 'tue'),
      ...expected([7, 8, 9], 'wed'),
    ])
  })
  it('rewrites a file that has a DV without its deleted rows when DVs are turned off for the delete', async () => {
    const t = await deleteTable({ properties: DV_ON })
    await t.append(rows(range(0, 6), 'mon'))
    committed(await t.delete('id = 1'))
    const result = committed(await t.delete('id = 4', { deletionVectors: false }))
    expect(result.strategy).toBe('rewrite')
    const commit = await t.lastCommit()
    expect(commit.removes.map((r) => r.deletionVector?.cardinality)).toEqual([1])
    const numRecords = (stats: string | undefined) =>
      (JSON.parse(stats!) as { numRecords: number }).numRecords
    expect(commit.adds.map((a) => [a.deletionVector, numRecords(a.stats)])).toEqual([
      [undefined, 4],
    ])
    expect(commit.commitInfo['operationMetrics']).toMatchObject({
      numCopiedRows: '4',
      numDeletedRows: '1',
      numDeletionVectorsRemoved: '1',
    })
    expect(await t.contents()).toEqual(expected([0, 2, 3, 5], 'mon'))
  })

  it('keeps the min/max statistics of the file when the snapshot was loaded without stats', async () => {
    const t = await deleteTable({ properties: DV_ON })
    await t.append(rows(range(0, 4), 'mon'))
    const [before] = [...(await t.snapshot()).files()]
    // Only a checkpoint's stats can be skipped: the file must come from one.
    await writeCheckpoint(await t.snapshot())
    const lean = await loadSnapshot(t.log, { clock: t.clock, stats: 'skip' })
    expect([...lean.files()][0]!.stats).toBeUndefined()
    committed(await deleteRows(lean, 'id = 2', { clock: t.clock, ids: t.ids() }))
    const [add] = (await t.lastCommit()).adds
    expect(JSON.parse(add!.stats!)).toEqual({
      ...(JSON.parse(before!.stats!) as object),
      tightBounds: false,
    })
  })
})
