import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { physicalSchema } from '../protocol/column-mapping.js'
import { parseSchema, serializeSchema } from '../protocol/schema.js'
import { deltaSchemaFromArrow, fileArrowField, fileArrowType } from './arrow-schema.js'

const field = (name: string, type: arrow.DataType, nullable = true): arrow.Field<arrow.DataType> =>
  new arrow.Field(name, type, nullable)

describe('deltaSchemaFromArrow', () => {
  it('maps every supported Arrow type to its Delta type', () => {
    const schema = new arrow.Schema([
      field('i8', new arrow.Int8()),
      field('i16', new arrow.Int16()),
      field('i32', new arrow.Int32(), false),
      field('i64', new arrow.Int64()),
      field('f32', new arrow.Float32()),
      field('f64', new arrow.Float64()),
      field('b', new arrow.Bool()),
      field('s', new arrow.Utf8()),
      field('ls', new arrow.LargeUtf8()),
      field('bin', new arrow.Binary()),
      field('lbin', new arrow.LargeBinary()),
      field('d', new arrow.DateDay()),
      field('ts', new arrow.TimestampMillisecond('Europe/Paris')),
      field('tsu', new arrow.TimestampNanosecond('UTC')),
      field('ntz', new arrow.TimestampSecond()),
      field('dec', new arrow.Decimal(2, 10, 128)),
      field('dict', new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    ])
    expect(serializeSchema(deltaSchemaFromArrow(schema))).toBe(
      '{"type":"struct","fields":[' +
        '{"name":"i8","type":"byte","nullable":true,"metadata":{}},' +
        '{"name":"i16","type":"short","nullable":true,"metadata":{}},' +
        '{"name":"i32","type":"integer","nullable":false,"metadata":{}},' +
        '{"name":"i64","type":"long","nullable":true,"metadata":{}},' +
        '{"name":"f32","type":"float","nullable":true,"metadata":{}},' +
        '{"name":"f64","type":"double","nullable":true,"metadata":{}},' +
        '{"name":"b","type":"boolean","nullable":true,"metadata":{}},' +
        '{"name":"s","type":"string","nullable":true,"metadata":{}},' +
        '{"name":"ls","type":"string","nullable":true,"metadata":{}},' +
        '{"name":"bin","type":"binary","nullable":true,"metadata":{}},' +
        '{"name":"lbin","type":"binary","nullable":true,"metadata":{}},' +
        '{"name":"d","type":"date","nullable":true,"metadata":{}},' +
        '{"name":"ts","type":"timestamp","nullable":true,"metadata":{}},' +
        '{"name":"tsu","type":"timestamp","nullable":true,"metadata":{}},' +
        '{"name":"ntz","type":"timestamp_ntz","nullable":true,"metadata":{}},' +
        '{"name":"dec","type":"decimal(10,2)","nullable":true,"metadata":{}},' +
        '{"name":"dict","type":"string","nullable":true,"metadata":{}}]}',
    )
  })

  it('maps nested structs, lists and maps with their nullability', () => {
    const entries = new arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>([
      new arrow.Field('key', new arrow.Utf8(), false),
      new arrow.Field('value', new arrow.Int64(), false),
    ])
    const schema = new arrow.Schema([
      field(
        's',
        new arrow.Struct([field('a', new arrow.Int32(), false), field('b', new arrow.Utf8())]),
      ),
      field('l', new arrow.List(field('item', new arrow.Float64(), false))),
      field('m', new arrow.Map_(new arrow.Field('entries', entries, false))),
    ])
    expect(deltaSchemaFromArrow(schema).fields.map((f) => f.type)).toEqual([
      {
        type: 'struct',
        fields: [
          { name: 'a', type: { type: 'integer' }, nullable: false, metadata: {} },
          { name: 'b', type: { type: 'string' }, nullable: true, metadata: {} },
        ],
      },
      { type: 'array', elementType: { type: 'double' }, containsNull: false },
      {
        type: 'map',
        keyType: { type: 'string' },
        valueType: { type: 'long' },
        valueContainsNull: false,
      },
    ])
  })

  it.each([
    ['u8', new arrow.Uint8()],
    ['u64', new arrow.Uint64()],
    ['half', new arrow.Float16()],
    ['dms', new arrow.DateMillisecond()],
    ['nul', new arrow.Null()],
    ['time', new arrow.TimeMillisecond()],
  ])('refuses Arrow type of column %s with INVALID_ARGUMENT naming it', (name, type) => {
    const error = captureError(() => deltaSchemaFromArrow(new arrow.Schema([field(name, type)])))
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect((error as InvalidArgumentError).code).toBe('INVALID_ARGUMENT')
    expect((error as Error).message).toContain(`Column ${name} `)
  })

  it('names the nested path of an unsupported type', () => {
    const schema = new arrow.Schema([
      field(
        'outer',
        new arrow.Struct([field('inner', new arrow.List(field('e', new arrow.Uint16())))]),
      ),
    ])
    expect(() => deltaSchemaFromArrow(schema)).toThrow(/Column outer\.inner\.element /)
  })

  it('refuses a schema without columns and an empty struct', () => {
    expect(() => deltaSchemaFromArrow(new arrow.Schema([]))).toThrow(InvalidArgumentError)
    expect(() =>
      deltaSchemaFromArrow(new arrow.Schema([field('s', new arrow.Struct([]))])),
    ).toThrow(/needs at least one field/)
  })
})

describe('fileArrowType', () => {
  it('writes physical names and field ids, every field nullable but map keys', () => {
    const schema = parseSchema(
      JSON.stringify({
        type: 'struct',
        fields: [
          {
            name: 's',
            nullable: false,
            metadata: { 'delta.columnMapping.id': 1, 'delta.columnMapping.physicalName': 'col-s' },
            type: {
              type: 'struct',
              fields: [
                {
                  name: 'x',
                  type: 'timestamp',
                  nullable: false,
                  metadata: {
                    'delta.columnMapping.id': 2,
                    'delta.columnMapping.physicalName': 'col-x',
                  },
                },
              ],
            },
          },
          {
            name: 'm',
            nullable: true,
            metadata: { 'delta.columnMapping.id': 3, 'delta.columnMapping.physicalName': 'col-m' },
            type: {
              type: 'map',
              keyType: 'string',
              valueType: 'timestamp_ntz',
              valueContainsNull: false,
            },
          },
        ],
      }),
    )
    const fields = physicalSchema(schema, 'name').fields.map(fileArrowField)
    expect(fields.map((f) => [f.name, f.nullable, f.metadata.get('PARQUET:field_id')])).toEqual([
      ['col-s', true, '1'],
      ['col-m', true, '3'],
    ])
    const inner = (fields[0]!.type as arrow.Struct).children[0]!
    expect([inner.name, inner.nullable, inner.metadata.get('PARQUET:field_id')]).toEqual([
      'col-x',
      true,
      '2',
    ])
    expect(String(inner.type)).toBe('Timestamp<MICROSECOND, UTC>')
    const entries = (fields[1]!.type as arrow.Map_).children[0]!.type as arrow.Struct
    expect(entries.children.map((f) => [f.name, f.nullable, String(f.type)])).toEqual([
      ['key', false, 'Utf8'],
      ['value', true, 'Timestamp<MICROSECOND>'],
    ])
  })

  it('lists name their element "element" and make it nullable', () => {
    const type = fileArrowType({
      type: 'array',
      elementType: { type: 'integer' },
      containsNull: false,
    })
    expect(type).toBeInstanceOf(arrow.List)
    expect(type.children.map((f) => [f.name, f.nullable])).toEqual([['element', true]])
  })
})

function captureError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}
