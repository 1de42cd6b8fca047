import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { typeName } from '../engine/arrow-read.js'
import { parseSchema } from '../protocol/schema.js'
import { arrowSchema, arrowType } from './arrow-types.js'

describe('arrowSchema', () => {
  it('maps a Delta schema to Arrow with the schema nullability and Parquet child names', () => {
    const schema = parseSchema(
      JSON.stringify({
        type: 'struct',
        fields: [
          { name: 'dec', type: 'decimal(38,18)', nullable: false, metadata: {} },
          { name: 'ts', type: 'timestamp', nullable: true, metadata: {} },
          { name: 'ntz', type: 'timestamp_ntz', nullable: true, metadata: {} },
          { name: 'v', type: 'void', nullable: false, metadata: {} },
          { name: 'var', type: 'variant', nullable: true, metadata: {} },
          {
            name: 'a',
            type: { type: 'array', elementType: 'date', containsNull: false },
            nullable: true,
            metadata: {},
          },
          {
            name: 'm',
            type: { type: 'map', keyType: 'string', valueType: 'binary', valueContainsNull: false },
            nullable: true,
            metadata: {},
          },
        ],
      }),
    )
    const fields = arrowSchema(schema).fields
    expect(fields.map((f) => [f.name, typeName(f.type as arrow.DataType), f.nullable])).toEqual([
      ['dec', 'Decimal[38e+18]', false],
      ['ts', 'Timestamp<MICROSECOND, UTC>', true],
      ['ntz', 'Timestamp<MICROSECOND>', true],
      ['v', 'Null', true],
      ['var', 'Struct<{value:Binary, metadata:Binary}>', true],
      ['a', 'List<Date32<DAY>>', true],
      ['m', 'Map<{key:Utf8, value:Binary}>', true],
    ])
    const dec = fields[0]!.type as arrow.Decimal
    expect([dec.precision, dec.scale, dec.bitWidth]).toEqual([38, 18, 128])
    const element = (fields[5]!.type as arrow.List).children[0]!
    expect([element.name, element.nullable]).toEqual(['element', false])
    const entries = (fields[6]!.type as arrow.Map_).children[0]!
    expect([entries.name, entries.nullable]).toEqual(['entries', false])
    const [key, value] = (entries.type as arrow.Struct).children
    expect([key!.name, key!.nullable, value!.name, value!.nullable]).toEqual([
      'key',
      false,
      'value',
      false,
    ])
  })

  it('maps each integer width to its own Arrow type', () => {
    const names = (['byte', 'short', 'integer', 'long'] as const).map((t) =>
      typeName(arrowType({ type: t })),
    )
    expect(names).toEqual(['Int8', 'Int16', 'Int32', 'Int64'])
  })
})
