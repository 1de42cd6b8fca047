import { describe, expect, test } from 'vitest'
import { parseSchema } from '../protocol/schema.js'
import { partitionColumnsOf, statsColumnsOf } from './checkpoint-columns.js'
import { statsParsedType } from './checkpoint-schema.js'

const field = (name: string, type: unknown, physical?: string): unknown => ({
  name,
  type,
  nullable: true,
  metadata:
    physical === undefined
      ? {}
      : { 'delta.columnMapping.id': 1, 'delta.columnMapping.physicalName': physical },
})

const schema = parseSchema(
  JSON.stringify({
    type: 'struct',
    fields: [
      field('id', 'long', 'col-1'),
      field('price', 'decimal(10,2)', 'col-2'),
      field('tags', { type: 'array', elementType: 'string', containsNull: true }, 'col-3'),
      field('s', { type: 'struct', fields: [field('ts', 'timestamp_ntz', 'col-5')] }, 'col-4'),
      field('day', 'date', 'col-6'),
    ],
  }),
)

describe('table schema to checkpoint columns', () => {
  test('stats columns use physical names under column mapping, and keep nesting', () => {
    expect(statsColumnsOf(schema, 'name')).toEqual([
      { name: 'col-1', type: 'long' },
      { name: 'col-2', type: 'decimal(10,2)' },
      { name: 'col-3', type: 'other' },
      { name: 'col-4', type: { fields: [{ name: 'col-5', type: 'timestamp_ntz' }] } },
      { name: 'col-6', type: 'date' },
    ])
    expect(statsColumnsOf(schema, 'none').map((c) => c.name)).toEqual([
      'id',
      'price',
      'tags',
      's',
      'day',
    ])
  })

  test('the resulting stats_parsed type mirrors Spark', () => {
    expect(String(statsParsedType({ columns: statsColumnsOf(schema, 'none') }))).toBe(
      'Struct<{numRecords:Int64, ' +
        'minValues:Struct<{id:Int64, price:Decimal[10e+2], s:Struct<{ts:Timestamp<MICROSECOND>}>, day:Date32<DAY>}>, ' +
        'maxValues:Struct<{id:Int64, price:Decimal[10e+2], s:Struct<{ts:Timestamp<MICROSECOND>}>, day:Date32<DAY>}>, ' +
        'nullCount:Struct<{id:Int64, price:Int64, tags:Int64, s:Struct<{ts:Int64}>, day:Int64}>}>',
    )
  })

  test('partition columns are found by logical name and keyed by physical name', () => {
    expect(partitionColumnsOf(schema, ['day', 'id'], 'name')).toEqual([
      { name: 'col-6', type: 'date' },
      { name: 'col-1', type: 'long' },
    ])
  })

  test('an unknown or nested partition column is an INVALID_ARGUMENT', () => {
    expect(() => partitionColumnsOf(schema, ['nope'], 'none')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => partitionColumnsOf(schema, ['s'], 'none')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})
