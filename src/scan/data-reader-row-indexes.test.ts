import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { inlineDeletionVector } from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { DataReader } from './data-reader.js'
import { MemoryTable, parquetOf } from './data-reader.test-util.js'
import { evaluatePredicate } from './evaluate.js'
import { col, gt } from './expression.js'
import { planScan, resolveFilter } from './plan.js'

const DV_PROTOCOL = {
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['deletionVectors'],
  writerFeatures: ['deletionVectors'],
}

/** Ids 0..n-1 in row groups of `groupRows`, with the given rows deleted by an inline DV. */
async function table(n: number, groupRows: number, deleted: readonly number[]) {
  const t = await MemoryTable.create([{ name: 'id', type: 'integer' }], { protocol: DV_PROTOCOL })
  const values = Array.from({ length: n }, (_, i) => i)
  const bytes = parquetOf([{ name: 'id', type: new arrow.Int32(), values }], {
    rowGroupSize: groupRows,
  })
  await t.append('f.parquet', bytes, {
    ...(deleted.length === 0
      ? {}
      : { deletionVector: inlineDeletionVector(rowIndexSetOf(deleted)) }),
  })
  return t.snapshot()
}

describe('DataReader.readWithRowIndexes', () => {
  it('numbers rows by physical position across row groups and batches, skipping DV-deleted rows', async () => {
    const snapshot = await table(20, 6, [0, 5, 6, 13])
    const reader = new DataReader(snapshot, { batchSize: 4 })
    const [file] = [...planScan(snapshot)]
    const ids: number[] = []
    const indexes: number[] = []
    for await (const { batch, rowIndexes } of reader.readWithRowIndexes(file!)) {
      expect(rowIndexes.length).toBe(batch.numRows)
      for (let i = 0; i < batch.numRows; i++) ids.push(batch.getChildAt(0)!.get(i) as number)
      indexes.push(...rowIndexes)
    }
    const expected = Array.from({ length: 20 }, (_, i) => i).filter(
      (i) => ![0, 5, 6, 13].includes(i),
    )
    // The value of each row is its position in the file, so both must agree.
    expect(ids).toEqual(expected)
    expect(indexes).toEqual(expected)
  })

  it('reports the indexes of the rows a row filter keeps', async () => {
    const snapshot = await table(10, 3, [8])
    const predicate = resolveFilter(snapshot, gt(col('id'), 5))!
    const reader = new DataReader(snapshot, {
      filter: { columns: ['id'], evaluate: (b) => evaluatePredicate(b, predicate) },
    })
    const [file] = [...planScan(snapshot)]
    const indexes: number[] = []
    for await (const { rowIndexes } of reader.readWithRowIndexes(file!)) indexes.push(...rowIndexes)
    expect(indexes).toEqual([6, 7, 9])
  })

  it('read() still yields plain batches (no indexes computed)', async () => {
    const snapshot = await table(5, 2, [1])
    const reader = new DataReader(snapshot)
    const [file] = [...planScan(snapshot)]
    const rows: number[] = []
    for await (const batch of reader.read(file!)) {
      expect(batch).toBeInstanceOf(arrow.RecordBatch)
      for (let i = 0; i < batch.numRows; i++) rows.push(batch.getChildAt(0)!.get(i) as number)
    }
    expect(rows).toEqual([0, 2, 3, 4])
  })
})
