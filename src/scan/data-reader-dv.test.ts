import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import type { DeltaError } from '../errors.js'
import type { DeletionVectorDescriptor, Protocol } from '../protocol/actions.js'
import {
  inlineDeletionVector,
  relativeDvPath,
  serializeDeletionVectorFile,
} from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { namedMemoryStore } from '../storage/memory.js'
import { type DataReaderOptions, DataReader } from './data-reader.js'
import { arrowRows, MemoryTable, parquetOf } from './data-reader.test-util.js'
import { planScan } from './plan.js'

const DV_PROTOCOL: Protocol = {
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['deletionVectors'],
  writerFeatures: ['deletionVectors'],
}
const SPEC_INLINE_DV: DeletionVectorDescriptor = {
  storageType: 'i',
  pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
  sizeInBytes: 40,
  cardinality: 6,
}

function ids(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

/** A DV table with an int `id` column and a string partition column `p`. */
async function dvTable(): Promise<MemoryTable> {
  return MemoryTable.create(
    [
      { name: 'id', type: 'integer' },
      { name: 'p', type: 'string' },
    ],
    { partitionColumns: ['p'], protocol: DV_PROTOCOL },
  )
}

function idFile(values: readonly (number | null)[], rowGroupSize?: number): Uint8Array {
  return parquetOf(
    [{ name: 'id', type: new arrow.Int32(), values }],
    rowGroupSize === undefined ? {} : { rowGroupSize },
  )
}

async function read(
  table: MemoryTable,
  options: DataReaderOptions = {},
): Promise<{ rows: string[]; batches: arrow.RecordBatch[] }> {
  const snapshot = await table.snapshot()
  const reader = new DataReader(snapshot, options)
  const files = [...planScan(snapshot)]
  for (const f of files) reader.expect(f)
  const batches: arrow.RecordBatch[] = []
  for (const f of files) for await (const b of reader.read(f)) batches.push(b)
  return { rows: arrowRows(batches), batches }
}

const rowsOf = (values: readonly number[], p: string | null): string[] =>
  values.map((id) => JSON.stringify({ id: String(id), p })).sort()

async function failure(promise: Promise<unknown>): Promise<DeltaError> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error as DeltaError,
  )
}

describe('DataReader: deletion vectors', () => {
  it('drops the rows of the spec inline DV, counting physical rows across row groups and batches', async () => {
    const t = await dvTable()
    await t.append('p=a/f.parquet', idFile(ids(0, 40), 7), {
      partitionValues: { p: 'a' },
      deletionVector: SPEC_INLINE_DV,
    })
    const deleted = new Set([3, 4, 7, 11, 18, 29])
    const { rows, batches } = await read(t, { batchSize: 5 })
    expect(rows).toEqual(
      rowsOf(
        ids(0, 40).filter((i) => !deleted.has(i)),
        'a',
      ),
    )
    expect(batches.every((b) => b.numRows <= 5)).toBe(true)
  })

  it('applies stored DVs at their offsets, fetching a DV file shared by two data files once', async () => {
    const t = await dvTable()
    const uuid = '0b6d2d7e-4c4e-4c43-9a2f-3c1d2b9a8e71'
    const { bytes, entries } = serializeDeletionVectorFile([
      rowIndexSetOf([0, 9]),
      rowIndexSetOf([1, 2, 3]),
    ])
    await t.memory.put(`xy/deletion_vector_${uuid}.bin`, bytes)
    const dv = (i: number): DeletionVectorDescriptor => ({
      storageType: 'u',
      pathOrInlineDv: relativeDvPath(uuid, 'xy'),
      offset: entries[i]!.offset,
      sizeInBytes: entries[i]!.sizeInBytes,
      cardinality: entries[i]!.cardinality,
    })
    await t.append('p=a/1.parquet', idFile(ids(0, 10)), {
      partitionValues: { p: 'a' },
      deletionVector: dv(0),
    })
    await t.append('p=b/2.parquet', idFile(ids(100, 105)), {
      partitionValues: { p: 'b' },
      deletionVector: dv(1),
    })
    t.store.reset()
    const { rows } = await read(t)
    expect(rows).toEqual([...rowsOf(ids(1, 9), 'a'), ...rowsOf([100, 104], 'b')].sort())
    const gets = t.store.reset().gets.filter((k) => k.endsWith('.bin'))
    expect(gets).toEqual([`xy/deletion_vector_${uuid}.bin`])
  })

  it('applies an absolute-path (p) DV stored outside the table root', async () => {
    const outside = namedMemoryStore('dv-outside')
    const { bytes, entries } = serializeDeletionVectorFile([rowIndexSetOf([1])])
    await outside.put('dvs/deletion_vector_x.bin', bytes)
    const t = await dvTable()
    await t.append('f.parquet', idFile([10, 11, 12]), {
      partitionValues: { p: null },
      deletionVector: {
        storageType: 'p',
        pathOrInlineDv: 'memory://dv-outside/dvs/deletion_vector_x.bin',
        offset: entries[0]!.offset,
        sizeInBytes: entries[0]!.sizeInBytes,
        cardinality: 1,
      },
    })
    expect((await read(t)).rows).toEqual(rowsOf([10, 12], null))
  })

  it('counts rows of partition-only reads (no file column decoded) with the DV applied', async () => {
    const t = await dvTable()
    await t.append('p=a/f.parquet', idFile(ids(0, 40), 16), {
      partitionValues: { p: 'a' },
      deletionVector: SPEC_INLINE_DV,
    })
    const { batches } = await read(t, { columns: ['p'], batchSize: 16 })
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(34)
    expect(batches.map((b) => b.schema.fields.map((f) => f.name))).toEqual(batches.map(() => ['p']))
  })

  it('checks NOT NULL only on rows that survive the DV', async () => {
    const t = await MemoryTable.create([{ name: 'id', type: 'integer', nullable: false }], {
      protocol: DV_PROTOCOL,
    })
    const dv = inlineDeletionVector(rowIndexSetOf([1]))
    await t.append('f.parquet', idFile([1, null, 3]), { deletionVector: dv })
    expect((await read(t)).rows).toEqual(['{"id":"1"}', '{"id":"3"}'])
    await t.append('g.parquet', idFile([null]))
    expect((await failure(read(t))).code).toBe('CORRUPT_DATA')
  })

  it('rejects a DV that deletes rows the file does not have', async () => {
    const t = await dvTable()
    await t.append('f.parquet', idFile([1, 2]), {
      partitionValues: { p: 'a' },
      deletionVector: inlineDeletionVector(rowIndexSetOf([1, 5])),
    })
    expect((await failure(read(t))).code).toBe('CORRUPT_DATA')
  })

  it('a missing DV file is NotFoundError, not an undeleted result', async () => {
    const t = await dvTable()
    await t.append('f.parquet', idFile([1, 2]), {
      partitionValues: { p: 'a' },
      deletionVector: {
        storageType: 'u',
        pathOrInlineDv: relativeDvPath('11111111-2222-3333-4444-555555555555'),
        offset: 1,
        sizeInBytes: 20,
        cardinality: 1,
      },
    })
    const error = await failure(read(t))
    expect(error.code).toBe('NOT_FOUND')
    expect((error as DeltaError & { path: string }).path).toBe(
      'memory://anonymous/deletion_vector_11111111-2222-3333-4444-555555555555.bin',
    )
  })
})
