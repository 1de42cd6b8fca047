import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import type { DeltaError } from '../errors.js'
import { arrowRows, MemoryTable, parquetOf } from './data-reader.test-util.js'
import { type ReadScanOptions, scanToTable } from './read-scan.js'

const ROWS = 20_000

/** One file: a small `id` column and a wide `text` column, in four row groups. */
async function wideTable(): Promise<{ table: MemoryTable; size: number }> {
  const table = await MemoryTable.create([
    { name: 'id', type: 'integer' },
    { name: 'text', type: 'string' },
  ])
  const ids = Array.from({ length: ROWS }, (_, i) => i)
  // Distinct, incompressible-ish strings, so the text column dominates the file.
  const text = ids.map((i) => `${i}:${Math.sin(i).toString(36).repeat(6)}`)
  const bytes = parquetOf(
    [
      { name: 'id', type: new arrow.Int32(), values: ids },
      { name: 'text', type: new arrow.Utf8(), values: text },
    ],
    { rowGroupSize: 5_000 },
  )
  await table.append('f.parquet', bytes)
  return { table, size: bytes.length }
}

async function ids(table: MemoryTable, options: ReadScanOptions = {}): Promise<number[]> {
  const result = await scanToTable(await table.snapshot(), { columns: ['id'], ...options })
  return result.batches.flatMap((b) => [...(b.data.children[0]!.values as Int32Array)])
}

describe('ParquetSource (through readScan)', () => {
  it('fetches a small file whole, with one GET', async () => {
    const { table, size } = await wideTable()
    table.store.reset()
    expect((await ids(table)).length).toBe(ROWS)
    const counts = table.store.reset()
    expect(counts.gets.filter((k) => k === 'f.parquet')).toHaveLength(1)
    expect(counts.bytesRead).toBeGreaterThanOrEqual(size)
  })

  it('reads a large file by ranges: the footer, then only the projected chunks per row group', async () => {
    const { table, size } = await wideTable()
    table.store.reset()
    const read = await ids(table, { wholeFileBytes: 0 })
    expect(read).toEqual(Array.from({ length: ROWS }, (_, i) => i))
    const counts = table.store.reset()
    const fileGets = counts.gets.filter((k) => k === 'f.parquet')
    // One GET for the footer, one per row group (its `id` chunk).
    expect(fileGets).toHaveLength(1 + 4)
    // The footer tail is up to 64 KiB; the id chunks are small next to the text column.
    expect(counts.bytesRead).toBeLessThan(size / 3)
  })

  it('returns the same rows, all columns, by ranges as whole', async () => {
    const { table } = await wideTable()
    const snapshot = await table.snapshot()
    const whole = arrowRows((await scanToTable(snapshot)).batches)
    const ranged = arrowRows((await scanToTable(snapshot, { wholeFileBytes: 0 })).batches)
    expect(ranged).toEqual(whole)
    expect(ranged).toHaveLength(ROWS)
  })

  it('falls back to one whole read when the size in the log is wrong', async () => {
    const { table } = await wideTable()
    const bytes = (await table.memory.get('f.parquet')).bytes
    await table.append('g.parquet', bytes, { size: 1000 })
    table.store.reset()
    expect((await ids(table, { wholeFileBytes: 0 })).length).toBe(2 * ROWS)
    expect(table.store.reset().gets.filter((k) => k === 'g.parquet')).toHaveLength(2)
  })

  it('reports a truncated file as CorruptDataError', async () => {
    const { table, size } = await wideTable()
    const bytes = (await table.memory.get('f.parquet')).bytes
    await table.memory.put('f.parquet', bytes.subarray(0, size - 100))
    const error = await ids(table, { wholeFileBytes: 0 }).then(
      () => undefined,
      (e: unknown) => e as DeltaError,
    )
    expect(error?.code).toBe('CORRUPT_DATA')
  })
})
