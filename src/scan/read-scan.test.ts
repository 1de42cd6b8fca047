import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import type { DeltaError } from '../errors.js'
import { inlineDeletionVector } from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { arrowRows, MemoryTable, parquetOf } from './data-reader.test-util.js'
import { col, gt, isNull, or } from './expression.js'
import { type ReadScanOptions, readScan, scanToTable } from './read-scan.js'

/** Partitioned by `p`; `id` long, `v` nullable int, `s` struct{x int}. Two files. */
async function table(): Promise<MemoryTable> {
  const t = await MemoryTable.create(
    [
      { name: 'id', type: 'long' },
      { name: 'v', type: 'integer' },
      {
        name: 's',
        type: {
          type: 'struct',
          fields: [{ name: 'x', type: 'integer', nullable: true, metadata: {} }],
        },
      },
      { name: 'p', type: 'string' },
    ],
    {
      partitionColumns: ['p'],
      protocol: {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors'],
        writerFeatures: ['deletionVectors'],
      },
    },
  )
  const file = (ids: bigint[], v: (number | null)[]): Uint8Array =>
    parquetOf([
      { name: 'id', type: new arrow.Int64(), values: ids },
      { name: 'v', type: new arrow.Int32(), values: v },
      {
        name: 's',
        type: new arrow.Struct([new arrow.Field('x', new arrow.Int32(), true)]),
        values: ids.map((id) => ({ x: Number(id) * 10 })),
      },
    ])
  const stats = (min: number, max: number, nulls: number): string =>
    JSON.stringify({
      numRecords: 3,
      minValues: { id: min, v: min },
      maxValues: { id: max, v: max },
      nullCount: { id: 0, v: nulls, s: { x: 0 } },
    })
  await t.append('p=a/1.parquet', file([1n, 2n, 3n], [1, null, 3]), {
    partitionValues: { p: 'a' },
    stats: stats(1, 3, 1),
  })
  await t.append('p=b/2.parquet', file([4n, 5n, 6n], [4, 5, 6]), {
    partitionValues: { p: 'b' },
    stats: stats(4, 6, 0),
    // Row 1 (id 5) is deleted.
    deletionVector: inlineDeletionVector(rowIndexSetOf([1])),
  })
  return t
}

async function scan(t: MemoryTable, options: ReadScanOptions = {}): Promise<string[]> {
  const batches: arrow.RecordBatch[] = []
  for await (const b of readScan(await t.snapshot(), options)) batches.push(b)
  return arrowRows(batches)
}

async function failure(promise: Promise<unknown>): Promise<DeltaError> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error as DeltaError,
  )
}

describe('readScan', () => {
  it('reads every live row with deletion vectors applied', async () => {
    const t = await table()
    expect(await scan(t, { columns: ['id', 'p'] })).toEqual(
      [1, 2, 3, 4, 6].map((id) => `{"id":"${id}","p":"${id < 4 ? 'a' : 'b'}"}`),
    )
  })

  it('keeps only rows where the filter is TRUE (NULL is dropped) and drops filter-only columns', async () => {
    const t = await table()
    const scanned = readScan(await t.snapshot(), { columns: ['id'], filter: 'v >= 2' })
    expect(scanned.schema.fields.map((f) => f.name)).toEqual(['id'])
    const batches: arrow.RecordBatch[] = []
    for await (const b of scanned) batches.push(b)
    expect(batches.every((b) => b.schema.fields.map((f) => f.name).join() === 'id')).toBe(true)
    // id 2 has v NULL; id 5 is deleted although v = 5 matches.
    expect(arrowRows(batches)).toEqual(['{"id":"3"}', '{"id":"4"}', '{"id":"6"}'])
  })

  it('filters on nested fields and accepts Expression trees', async () => {
    const t = await table()
    const filter = or(gt(col('s', 'x'), 50), isNull(col('v')))
    expect(await scan(t, { columns: ['id'], filter })).toEqual(['{"id":"2"}', '{"id":"6"}'])
  })

  it('prunes partitions and skips files by stats: the data files not needed are never fetched', async () => {
    const t = await table()
    t.store.reset()
    expect(await scan(t, { columns: ['id'], filter: "p = 'b'" })).toEqual([
      '{"id":"4"}',
      '{"id":"6"}',
    ])
    expect(t.store.reset().gets.filter((k) => k.endsWith('.parquet'))).toEqual(['p=b/2.parquet'])
    await scan(t, { columns: ['id'], filter: 'id < 2' })
    expect(t.store.reset().gets.filter((k) => k.endsWith('.parquet'))).toEqual(['p=a/1.parquet'])
  })

  it('bounds batches by batchSize', async () => {
    const t = await table()
    const batches: arrow.RecordBatch[] = []
    for await (const b of readScan(await t.snapshot(), { batchSize: 2 })) batches.push(b)
    expect(batches.map((b) => b.numRows)).toEqual([2, 1, 1, 1])
  })

  it('throws bad options at the call, before any I/O', async () => {
    const t = await table()
    const snapshot = await t.snapshot()
    t.store.reset()
    expect(() => readScan(snapshot, { columns: ['nope'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => readScan(snapshot, { filter: 'nope > 1' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => readScan(snapshot, { filter: 'id >' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(t.store.reset().get).toBe(0)
  })

  it('a missing data file fails the scan with NotFoundError', async () => {
    const t = await table()
    await t.memory.delete('p=b/2.parquet')
    const error = await failure(scan(t))
    expect(error.code).toBe('NOT_FOUND')
    expect((error as DeltaError & { path: string }).path).toBe('memory://anonymous/p=b/2.parquet')
  })

  it('stopping early is clean even when the prefetched next file is missing', async () => {
    const t = await table()
    await t.memory.delete('p=b/2.parquet')
    let seen = 0
    for await (const batch of readScan(await t.snapshot())) {
      seen += batch.numRows
      break
    }
    expect(seen).toBe(3)
  })

  it('stops with AbortedError when the signal fires', async () => {
    const t = await table()
    const controller = new AbortController()
    const run = async (): Promise<void> => {
      for await (const _ of readScan(await t.snapshot(), { signal: controller.signal })) {
        controller.abort()
      }
    }
    expect((await failure(run())).code).toBe('ABORTED')
  })
})

describe('scanToTable', () => {
  it('collects the scan into one Arrow table', async () => {
    const t = await table()
    const result = await scanToTable(await t.snapshot(), { columns: ['p', 'id'], filter: 'id > 3' })
    expect(result.numRows).toBe(2)
    expect(result.schema.fields.map((f) => f.name)).toEqual(['p', 'id'])
    expect(arrowRows(result.batches)).toEqual(['{"id":"4","p":"b"}', '{"id":"6","p":"b"}'])
  })

  it('returns an empty table with the scan schema when no row matches', async () => {
    const t = await table()
    const result = await scanToTable(await t.snapshot(), { columns: ['id'], filter: 'id > 100' })
    expect(result.numRows).toBe(0)
    expect(result.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['id:Int64'])
  })
})
