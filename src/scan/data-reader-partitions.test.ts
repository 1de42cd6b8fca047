import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import type { DeltaError } from '../errors.js'
import { DataReader } from './data-reader.js'
import {
  arrowRows,
  type MemoryTable,
  MemoryTable as Table,
  parquetOf,
} from './data-reader.test-util.js'
import { planScan } from './plan.js'

const PARTITION_TYPES = [
  ['pi', 'integer'],
  ['pl', 'long'],
  ['pb', 'byte'],
  ['ps', 'short'],
  ['pbool', 'boolean'],
  ['pf', 'float'],
  ['pd', 'double'],
  ['pstr', 'string'],
  ['pdate', 'date'],
  ['pts', 'timestamp'],
  ['pntz', 'timestamp_ntz'],
  ['pdec', 'decimal(10,3)'],
  ['pbin', 'binary'],
] as const

async function rowsOf(table: MemoryTable, columns?: readonly string[]): Promise<string[]> {
  const snapshot = await table.snapshot()
  const reader = new DataReader(snapshot, columns === undefined ? {} : { columns })
  const batches: arrow.RecordBatch[] = []
  for (const f of planScan(snapshot)) for await (const b of reader.read(f)) batches.push(b)
  return arrowRows(batches)
}

function idFile(values: readonly number[]): Uint8Array {
  return parquetOf([{ name: 'id', type: new arrow.Int32(), values }])
}

describe('DataReader: partition columns', () => {
  it('materialises typed partition values of every type from the log, and NULLs', async () => {
    const t = await Table.create(
      [{ name: 'id', type: 'integer' }, ...PARTITION_TYPES.map(([name, type]) => ({ name, type }))],
      { partitionColumns: PARTITION_TYPES.map(([name]) => name) },
    )
    await t.append('a/f.parquet', idFile([1, 2]), {
      partitionValues: {
        pi: '-7',
        pl: '9007199254740993',
        pb: '-128',
        ps: '32767',
        pbool: 'true',
        pf: '1.5',
        pd: '-0.25',
        pstr: 'a/b=c%d é',
        pdate: '1969-12-31',
        pts: '2021-09-08 11:11:11.000001',
        pntz: '2021-09-08 11:11:11',
        pdec: '-12.5',
        pbin: 'hi',
      },
    })
    await t.append('b/f.parquet', idFile([3]), {
      partitionValues: Object.fromEntries(
        PARTITION_TYPES.map(([name], i) => [name, i % 2 === 0 ? null : '']),
      ),
    })
    const rows = await rowsOf(t)
    const nulls = Object.fromEntries(PARTITION_TYPES.map(([name]) => [name, null]))
    const expected = [
      ...[1, 2].map((id) => ({
        id: String(id),
        pi: '-7',
        pl: '9007199254740993',
        pb: '-128',
        ps: '32767',
        pbool: true,
        pf: '1.5',
        pd: '-0.25',
        pstr: 'a/b=c%d é',
        pdate: 'date:-1',
        pts: 'ts:1631099471000001',
        pntz: 'ts:1631099471000000',
        pdec: 'dec:-12.500',
        pbin: 'hex:6869',
      })),
      { id: '3', ...nulls },
    ]
    // arrowRows sorts each row's keys; do the same for the expectation.
    const canonical = (o: Record<string, unknown>): string =>
      JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))))
    expect(rows).toEqual(expected.map(canonical).sort())
  })

  it('reads both timestamp forms (Spark space form and ISO-8601 with Z) as the same instant', async () => {
    const t = await Table.create(
      [
        { name: 'id', type: 'integer' },
        { name: 'ts', type: 'timestamp' },
      ],
      { partitionColumns: ['ts'] },
    )
    await t.append('1.parquet', idFile([1]), { partitionValues: { ts: '1970-01-01 00:00:01.5' } })
    await t.append('2.parquet', idFile([2]), {
      partitionValues: { ts: '1970-01-01T00:00:01.500000Z' },
    })
    expect(await rowsOf(t)).toEqual([
      '{"id":"1","ts":"ts:1500000"}',
      '{"id":"2","ts":"ts:1500000"}',
    ])
  })

  it('takes partition values from the log, never from the directory name', async () => {
    const t = await Table.create(
      [
        { name: 'id', type: 'integer' },
        { name: 'p', type: 'string' },
      ],
      { partitionColumns: ['p'] },
    )
    await t.append('p=from-directory/f%20x.parquet', idFile([1]), {
      partitionValues: { p: 'from-log' },
    })
    expect(await rowsOf(t)).toEqual(['{"id":"1","p":"from-log"}'])
  })

  it('reads only partition columns without decoding the file, one row per physical row', async () => {
    const t = await Table.create(
      [
        { name: 'id', type: 'integer' },
        { name: 'p', type: 'long' },
      ],
      { partitionColumns: ['p'] },
    )
    await t.append('f.parquet', idFile([1, 2, 3]), { partitionValues: { p: '5' } })
    expect(await rowsOf(t, ['p'])).toEqual(['{"p":"5"}', '{"p":"5"}', '{"p":"5"}'])
    expect(await rowsOf(t, [])).toEqual(['{}', '{}', '{}'])
  })

  it('resolves partition values keyed by physical name under column mapping', async () => {
    const mapped = (name: string, id: number, physical: string, type: string) => ({
      name,
      type,
      metadata: {
        'delta.columnMapping.id': id,
        'delta.columnMapping.physicalName': physical,
      },
    })
    const t = await Table.create(
      [mapped('id', 1, 'col-id', 'integer'), mapped('part', 2, 'col-part', 'date')],
      {
        partitionColumns: ['part'],
        configuration: {
          'delta.columnMapping.mode': 'name',
          'delta.columnMapping.maxColumnId': '2',
        },
        protocol: { minReaderVersion: 2, minWriterVersion: 5 },
      },
    )
    await t.append(
      'f.parquet',
      parquetOf([{ name: 'col-id', type: new arrow.Int32(), values: [4] }]),
      {
        partitionValues: { 'col-part': '2024-02-29' },
      },
    )
    expect(await rowsOf(t)).toEqual(['{"id":"4","part":"date:19782"}'])
  })

  it('rejects a NULL partition value for a NOT NULL partition column', async () => {
    const t = await Table.create(
      [
        { name: 'id', type: 'integer' },
        { name: 'p', type: 'string', nullable: false },
      ],
      { partitionColumns: ['p'] },
    )
    await t.append('f.parquet', idFile([1]), { partitionValues: { p: null } })
    const error = await rowsOf(t).then(
      () => undefined,
      (e: unknown) => e as DeltaError,
    )
    expect(error?.code).toBe('CORRUPT_DATA')
  })
})
