import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import type { StructField } from '../protocol/schema.js'
import { primitive } from '../protocol/schema.js'
import { matchField } from './column-resolve.js'
import { DataReader } from './data-reader.js'
import { arrowRows, MemoryTable, parquetOf, type TestField } from './data-reader.test-util.js'
import { planScan } from './plan.js'

const field = (name: string, id?: number, physical?: string): StructField => ({
  name,
  type: primitive('integer'),
  nullable: true,
  metadata: {
    ...(id === undefined ? {} : { 'delta.columnMapping.id': id }),
    ...(physical === undefined ? {} : { 'delta.columnMapping.physicalName': physical }),
  },
})
const fileField = (name: string, id?: number): arrow.Field =>
  new arrow.Field(
    name,
    new arrow.Int32(),
    true,
    id === undefined ? undefined : new Map([['PARQUET:field_id', String(id)]]),
  )

describe('matchField', () => {
  it('mode none: the exact name, else the one name equal ignoring case', () => {
    const file = [fileField('Id'), fileField('id'), fileField('Value')]
    expect(matchField(field('id'), file, 'none')).toBe(1)
    expect(matchField(field('value'), file, 'none')).toBe(2)
    // `ID` equals two file columns ignoring case and neither exactly: refused, never guessed.
    expect(() => matchField(field('ID'), file, 'none')).toThrow(/several file columns/)
    expect(matchField(field('other'), file, 'none')).toBe(-1)
  })

  it('mode name: the physical name only', () => {
    const file = [fileField('a'), fileField('col-1')]
    expect(matchField(field('a', 1, 'col-1'), file, 'name')).toBe(1)
    expect(matchField(field('a', 1, 'col-9'), file, 'name')).toBe(-1)
    // A column from before mapping was enabled keeps its display name as physical name.
    expect(matchField(field('a'), file, 'name')).toBe(0)
  })

  it('mode id: the Parquet field id, whatever the file calls the column', () => {
    const file = [fileField('renamed', 7), fileField('col-2', 2)]
    expect(matchField(field('a', 7, 'col-7'), file, 'id')).toBe(0)
    expect(matchField(field('b', 2, 'col-2'), file, 'id')).toBe(1)
  })

  it('mode id: a file field without an id matches by physical name; a different id never does', () => {
    expect(matchField(field('a', 7, 'col-7'), [fileField('col-7')], 'id')).toBe(0)
    expect(matchField(field('a', 7, 'col-7'), [fileField('col-7', 8)], 'id')).toBe(-1)
  })
})

const mapped = (name: string, id: number, type: unknown = 'integer'): TestField => ({
  name,
  type,
  metadata: { 'delta.columnMapping.id': id, 'delta.columnMapping.physicalName': `col-${id}` },
})

async function rowsOf(table: MemoryTable): Promise<string[]> {
  const snapshot = await table.snapshot()
  const reader = new DataReader(snapshot)
  const batches: arrow.RecordBatch[] = []
  for (const f of planScan(snapshot)) for await (const b of reader.read(f)) batches.push(b)
  return arrowRows(batches)
}

function mappedTable(mode: 'name' | 'id'): Promise<MemoryTable> {
  const nested = {
    type: 'struct',
    fields: [mapped('inner', 3)].map((f) => ({ ...f, nullable: true })),
  }
  return MemoryTable.create([mapped('a', 1), mapped('s', 2, nested), mapped('added', 4)], {
    configuration: { 'delta.columnMapping.mode': mode, 'delta.columnMapping.maxColumnId': '4' },
    protocol: { minReaderVersion: 2, minWriterVersion: 5 },
  })
}

const innerStruct = (name: string, id?: number): arrow.Struct =>
  new arrow.Struct([
    new arrow.Field(
      name,
      new arrow.Int32(),
      true,
      id === undefined ? undefined : new Map([['PARQUET:field_id', String(id)]]),
    ),
  ])

describe('DataReader: column mapping', () => {
  it('name mode reads columns and nested fields by physical name, logical names out', async () => {
    const t = await mappedTable('name')
    await t.append(
      'f.parquet',
      parquetOf([
        // A column named like the logical one must not be picked up.
        { name: 'a', type: new arrow.Int32(), values: [-1] },
        { name: 'col-1', type: new arrow.Int32(), values: [10] },
        { name: 'col-2', type: innerStruct('col-3'), values: [{ 'col-3': 30 }] },
      ]),
    )
    expect(await rowsOf(t)).toEqual(['{"a":"10","added":null,"s":{"inner":"30"}}'])
  })

  it('id mode reads by field id even when the file names differ', async () => {
    const t = await mappedTable('id')
    await t.append(
      'f.parquet',
      parquetOf([
        { name: 'x', type: new arrow.Int32(), values: [10], fieldId: 1 },
        { name: 'y', type: innerStruct('z', 3), values: [{ z: 30 }], fieldId: 2 },
        { name: 'col-4', type: new arrow.Int32(), values: [40], fieldId: 99 },
      ]),
    )
    // col-4 has the right physical name but another id: not the column.
    expect(await rowsOf(t)).toEqual(['{"a":"10","added":null,"s":{"inner":"30"}}'])
  })

  it('id mode falls back to physical names for a file written without field ids', async () => {
    const t = await mappedTable('id')
    await t.append(
      'f.parquet',
      parquetOf([
        { name: 'col-1', type: new arrow.Int32(), values: [1] },
        { name: 'col-2', type: innerStruct('col-3'), values: [{ 'col-3': 3 }] },
      ]),
    )
    expect(await rowsOf(t)).toEqual(['{"a":"1","added":null,"s":{"inner":"3"}}'])
  })
})
