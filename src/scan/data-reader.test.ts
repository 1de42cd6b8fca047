import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { type DeltaError, NotFoundError } from '../errors.js'
import { namedMemoryStore } from '../storage/memory.js'
import { type DataReaderOptions, DataReader, readDataFile } from './data-reader.js'
import { arrowRows, MemoryTable, parquetOf } from './data-reader.test-util.js'
import { planScan } from './plan.js'

async function readAll(
  table: MemoryTable,
  options: DataReaderOptions = {},
): Promise<{ schema: arrow.Schema; batches: arrow.RecordBatch[]; rows: string[] }> {
  const snapshot = await table.snapshot()
  const reader = new DataReader(snapshot, options)
  const batches: arrow.RecordBatch[] = []
  for (const file of planScan(snapshot)) for await (const b of reader.read(file)) batches.push(b)
  return { schema: reader.schema, batches, rows: arrowRows(batches) }
}

async function failure(promise: Promise<unknown>): Promise<DeltaError> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error as DeltaError,
  )
}

const describeType = (f: arrow.Field): string =>
  `${f.name}:${String(f.type)}${f.nullable ? '' : '!'}`

describe('DataReader: output schema and values', () => {
  it('maps every primitive Delta type to its Arrow type and reads the values exactly', async () => {
    const t = await MemoryTable.create([
      { name: 'b', type: 'byte' },
      { name: 's', type: 'short' },
      { name: 'i', type: 'integer', nullable: false },
      { name: 'l', type: 'long' },
      { name: 'f', type: 'float' },
      { name: 'd', type: 'double' },
      { name: 'bool', type: 'boolean' },
      { name: 'str', type: 'string' },
      { name: 'bin', type: 'binary' },
      { name: 'date', type: 'date' },
      { name: 'ts', type: 'timestamp' },
      { name: 'ntz', type: 'timestamp_ntz' },
      { name: 'dec', type: 'decimal(38,6)' },
    ])
    const micro = arrow.TimeUnit.MICROSECOND
    await t.append(
      'part-0.parquet',
      parquetOf([
        { name: 'b', type: new arrow.Int8(), values: [-128, null] },
        { name: 's', type: new arrow.Int16(), values: [32767, 1] },
        { name: 'i', type: new arrow.Int32(), values: [-5, 2147483647] },
        { name: 'l', type: new arrow.Int64(), values: [-(2n ** 63n), 9007199254740993n] },
        { name: 'f', type: new arrow.Float32(), values: [1.5, null] },
        { name: 'd', type: new arrow.Float64(), values: [0.1, -0] },
        { name: 'bool', type: new arrow.Bool(), values: [true, false] },
        { name: 'str', type: new arrow.Utf8(), values: ['héllo', ''] },
        { name: 'bin', type: new arrow.Binary(), values: [new Uint8Array([0, 255]), null] },
        { name: 'date', type: new arrow.DateDay(), values: [new Date(-86_400_000), null] },
        {
          name: 'ts',
          type: new arrow.Timestamp(micro, 'UTC'),
          values: [-1n, 1_700_000_000_123_456n],
        },
        { name: 'ntz', type: new arrow.Timestamp(micro), values: [0n, null] },
        {
          name: 'dec',
          type: new arrow.Decimal(6, 38, 128),
          values: [-(10n ** 37n) + 1n, 1_500_000n],
        },
      ]),
    )
    const { schema, rows } = await readAll(t)
    expect(schema.fields.map(describeType)).toEqual([
      'b:Int8',
      's:Int16',
      'i:Int32!',
      'l:Int64',
      'f:Float32',
      'd:Float64',
      'bool:Bool',
      'str:Utf8',
      'bin:Binary',
      'date:Date32<DAY>',
      'ts:Timestamp<MICROSECOND, UTC>',
      'ntz:Timestamp<MICROSECOND>',
      'dec:Decimal[38e+6]',
    ])
    expect(rows).toEqual([
      '{"b":"-128","bin":"hex:00ff","bool":true,"d":"0.1","date":"date:-1","dec":"dec:-9999999999999999999999999999999.999999","f":"1.5","i":"-5","l":"-9223372036854775808","ntz":"ts:0","s":"32767","str":"héllo","ts":"ts:-1"}',
      '{"b":null,"bin":null,"bool":false,"d":"0","date":null,"dec":"dec:1.500000","f":null,"i":"2147483647","l":"9007199254740993","ntz":null,"s":"1","str":"","ts":"ts:1700000000123456"}',
    ])
  })

  it('maps nested types: struct, list (element), map (entries/key/value), void and variant', async () => {
    const t = await MemoryTable.create([
      {
        name: 'st',
        type: {
          type: 'struct',
          fields: [{ name: 'x', type: 'long', nullable: false, metadata: {} }],
        },
      },
      { name: 'arr', type: { type: 'array', elementType: 'integer', containsNull: false } },
      {
        name: 'm',
        type: { type: 'map', keyType: 'string', valueType: 'double', valueContainsNull: true },
      },
      { name: 'v', type: 'void' },
      { name: 'var', type: 'variant' },
    ])
    await t.append(
      'f.parquet',
      parquetOf([
        {
          name: 'st',
          type: new arrow.Struct([new arrow.Field('x', new arrow.Int64(), true)]),
          values: [{ x: 7n }, null],
        },
        {
          name: 'arr',
          type: new arrow.List(new arrow.Field('element', new arrow.Int32(), true)),
          values: [[1, 2], null],
        },
        {
          name: 'm',
          type: new arrow.Map_(
            new arrow.Field(
              'entries',
              new arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>([
                new arrow.Field('key', new arrow.Utf8(), false),
                new arrow.Field('value', new arrow.Float64(), true),
              ]),
              false,
            ),
          ),
          values: [
            new Map([
              ['a', 1.5],
              ['b', null],
            ]),
            null,
          ],
        },
        {
          name: 'var',
          type: new arrow.Struct([
            new arrow.Field('value', new arrow.Binary(), true),
            new arrow.Field('metadata', new arrow.Binary(), true),
          ]),
          values: [{ value: new Uint8Array([12]), metadata: new Uint8Array([1, 0, 0]) }, null],
        },
      ]),
    )
    const { schema, rows } = await readAll(t)
    expect(schema.fields.map(describeType)).toEqual([
      'st:Struct<{x:Int64}>',
      'arr:List<Int32>',
      'm:Map<{key:Utf8, value:Float64}>',
      'v:Null',
      'var:Struct<{value:Binary, metadata:Binary}>',
    ])
    const arr = schema.fields[1]!.type as arrow.List
    expect([arr.children[0]!.name, arr.children[0]!.nullable]).toEqual(['element', false])
    const entries = (schema.fields[2]!.type as arrow.Map_).children[0]!
    expect(entries.name).toBe('entries')
    expect(rows).toEqual([
      '{"arr":["1","2"],"m":{"map":[["a","1.5"],["b",null]]},"st":{"x":"7"},"v":null,"var":{"value":"hex:0c","metadata":"hex:010000"}}',
      '{"arr":null,"m":null,"st":null,"v":null,"var":null}',
    ])
  })

  it('returns the requested columns in the requested order and rejects unknown or repeated ones', async () => {
    const t = await MemoryTable.create([
      { name: 'a', type: 'integer' },
      { name: 'b', type: 'string' },
      { name: 'c', type: 'long' },
    ])
    await t.append(
      'f.parquet',
      parquetOf([
        { name: 'a', type: new arrow.Int32(), values: [1] },
        { name: 'b', type: new arrow.Utf8(), values: ['x'] },
        { name: 'c', type: new arrow.Int64(), values: [3n] },
      ]),
    )
    const { schema, batches } = await readAll(t, { columns: ['c', 'a'] })
    expect(schema.fields.map((f) => f.name)).toEqual(['c', 'a'])
    expect(batches[0]!.schema.fields.map((f) => f.name)).toEqual(['c', 'a'])
    const snapshot = await t.snapshot()
    expect(() => new DataReader(snapshot, { columns: ['a', 'nope'] })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('a, b, c') as unknown,
      }),
    )
    expect(() => new DataReader(snapshot, { columns: ['a', 'a'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => new DataReader(snapshot, { batchSize: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('reads columns the file predates as nulls, and ignores file columns the schema lacks', async () => {
    const t = await MemoryTable.create([
      { name: 'id', type: 'long' },
      { name: 'added', type: 'string' },
      {
        name: 'nested',
        type: {
          type: 'struct',
          fields: [
            { name: 'old', type: 'integer', nullable: true, metadata: {} },
            { name: 'new', type: 'integer', nullable: true, metadata: {} },
          ],
        },
      },
    ])
    await t.append(
      'old.parquet',
      parquetOf([
        { name: 'id', type: new arrow.Int64(), values: [1n, 2n] },
        { name: '_change_type', type: new arrow.Utf8(), values: ['insert', 'delete'] },
        {
          name: 'nested',
          type: new arrow.Struct([new arrow.Field('old', new arrow.Int32(), true)]),
          values: [{ old: 5 }, null],
        },
      ]),
    )
    const { rows } = await readAll(t)
    expect(rows).toEqual([
      '{"added":null,"id":"1","nested":{"old":"5","new":null}}',
      '{"added":null,"id":"2","nested":null}',
    ])
  })

  it('reads columns whose names contain dots (one column, not a path)', async () => {
    const inner = [{ name: 'x.y', type: 'integer', nullable: true, metadata: {} }]
    const t = await MemoryTable.create([
      { name: 'a.b', type: 'integer' },
      {
        name: 'a',
        type: {
          type: 'struct',
          fields: [{ name: 'b', type: 'integer', nullable: true, metadata: {} }],
        },
      },
      { name: 's', type: { type: 'struct', fields: inner } },
    ])
    await t.append(
      'f.parquet',
      parquetOf([
        { name: 'a.b', type: new arrow.Int32(), values: [1] },
        {
          name: 'a',
          type: new arrow.Struct([new arrow.Field('b', new arrow.Int32(), true)]),
          values: [{ b: 2 }],
        },
        {
          name: 's',
          type: new arrow.Struct([new arrow.Field('x.y', new arrow.Int32(), true)]),
          values: [{ 'x.y': 3 }],
        },
      ]),
    )
    expect((await readAll(t, { columns: ['a.b', 's'] })).rows).toEqual([
      '{"a.b":"1","s":{"x.y":"3"}}',
    ])
  })

  it('accepts nullable file columns under NOT NULL fields, and rejects an actual null', async () => {
    const t = await MemoryTable.create([{ name: 'id', type: 'long', nullable: false }])
    await t.append('ok.parquet', parquetOf([{ name: 'id', type: new arrow.Int64(), values: [1n] }]))
    expect((await readAll(t)).rows).toEqual(['{"id":"1"}'])
    await t.append(
      'bad.parquet',
      parquetOf([{ name: 'id', type: new arrow.Int64(), values: [2n, null] }]),
    )
    const error = await failure(readAll(t))
    expect(error.code).toBe('CORRUPT_DATA')
    expect((error as DeltaError & { path: string }).path).toBe('memory://anonymous/bad.parquet')
  })

  it('checks NOT NULL inside present structs only', async () => {
    const inner = { name: 'x', type: 'long', nullable: false, metadata: {} }
    const t = await MemoryTable.create([{ name: 's', type: { type: 'struct', fields: [inner] } }])
    const type = new arrow.Struct([new arrow.Field('x', new arrow.Int64(), true)])
    await t.append('a.parquet', parquetOf([{ name: 's', type, values: [{ x: 1n }, null] }]))
    expect((await readAll(t)).rows).toEqual(['{"s":null}', '{"s":{"x":"1"}}'])
    await t.append('b.parquet', parquetOf([{ name: 's', type, values: [{ x: null }] }]))
    expect((await failure(readAll(t))).code).toBe('CORRUPT_DATA')
  })

  it('rejects a file column whose type cannot be read as the table type', async () => {
    const t = await MemoryTable.create([{ name: 'n', type: 'integer' }])
    await t.append('f.parquet', parquetOf([{ name: 'n', type: new arrow.Int64(), values: [1n] }]))
    const error = await failure(readAll(t))
    expect(error.code).toBe('CORRUPT_DATA')
    expect(error.message).toContain('column n has type Int64')
  })

  it('reads files written before a type change as the widened table type', async () => {
    const t = await MemoryTable.create([
      { name: 'l', type: 'long' },
      { name: 'd', type: 'double' },
      { name: 'dec', type: 'decimal(12,2)' },
      { name: 'ntz', type: 'timestamp_ntz' },
    ])
    await t.append(
      'old.parquet',
      parquetOf([
        { name: 'l', type: new arrow.Int32(), values: [-3] },
        { name: 'd', type: new arrow.Float32(), values: [0.1] },
        { name: 'dec', type: new arrow.Int16(), values: [-7] },
        { name: 'ntz', type: new arrow.DateDay(), values: [new Date(0)] },
      ]),
    )
    const { schema, rows } = await readAll(t)
    expect(schema.fields.map(describeType)).toEqual([
      'l:Int64',
      'd:Float64',
      'dec:Decimal[12e+2]',
      'ntz:Timestamp<MICROSECOND>',
    ])
    expect(rows).toEqual(['{"d":"0.10000000149011612","dec":"dec:-7.00","l":"-3","ntz":"ts:0"}'])
  })

  it('yields batches of at most batchSize rows and counts every row', async () => {
    const t = await MemoryTable.create([{ name: 'id', type: 'integer' }])
    const ids = Array.from({ length: 1000 }, (_, i) => i)
    await t.append(
      'f.parquet',
      parquetOf([{ name: 'id', type: new arrow.Int32(), values: ids }], { rowGroupSize: 300 }),
    )
    const { batches, rows } = await readAll(t, { batchSize: 64 })
    expect(Math.max(...batches.map((b) => b.numRows))).toBeLessThanOrEqual(64)
    expect(rows).toEqual(ids.map((i) => `{"id":"${i}"}`).sort())
  })
})

describe('DataReader: files', () => {
  it('a missing data file is NotFoundError naming it, never a smaller result', async () => {
    const t = await MemoryTable.create([{ name: 'id', type: 'integer' }])
    await t.append('gone.parquet', undefined)
    const error = await failure(readAll(t))
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as DeltaError & { path: string }).path).toBe('memory://anonymous/gone.parquet')
  })

  it('decodes escaped paths once and reads absolute URIs inside the root through the table store', async () => {
    const t = await MemoryTable.create([{ name: 'id', type: 'integer' }])
    const file = (id: number): Uint8Array =>
      parquetOf([{ name: 'id', type: new arrow.Int32(), values: [id] }])
    await t.append('a%20b%2520c/f.parquet', file(1), {}, 'a b%20c/f.parquet')
    await t.append('memory://anonymous/abs/g.parquet', file(2), {}, 'abs/g.parquet')
    t.store.reset()
    expect((await readAll(t)).rows).toEqual(['{"id":"1"}', '{"id":"2"}'])
    expect(t.store.reset().gets).toContain('abs/g.parquet')
  })

  it('reads a file outside the table root through a store opened for its URL', async () => {
    const outside = namedMemoryStore('data-reader-outside')
    await outside.put(
      'elsewhere/x y.parquet',
      parquetOf([{ name: 'id', type: new arrow.Int32(), values: [42] }]),
    )
    const t = await MemoryTable.create([{ name: 'id', type: 'integer' }])
    await t.append('memory://data-reader-outside/elsewhere/x%20y.parquet', undefined)
    expect((await readAll(t)).rows).toEqual(['{"id":"42"}'])
  })

  it('readDataFile reads one planned file on its own', async () => {
    const t = await MemoryTable.create([{ name: 'id', type: 'integer' }])
    await t.append('f.parquet', parquetOf([{ name: 'id', type: new arrow.Int32(), values: [9] }]))
    const snapshot = await t.snapshot()
    const [file] = [...planScan(snapshot)]
    const batches: arrow.RecordBatch[] = []
    for await (const b of readDataFile(snapshot, file!, { columns: ['id'] })) batches.push(b)
    expect(arrowRows(batches)).toEqual(['{"id":"9"}'])
  })

  it('stops with AbortedError when the signal fires', async () => {
    const t = await MemoryTable.create([{ name: 'id', type: 'integer' }])
    await t.append('f.parquet', parquetOf([{ name: 'id', type: new arrow.Int32(), values: [1] }]))
    const snapshot = await t.snapshot()
    const [file] = [...planScan(snapshot)]
    const controller = new AbortController()
    controller.abort()
    const reader = new DataReader(snapshot)
    const run = async (): Promise<void> => {
      for await (const _ of reader.read(file!, { signal: controller.signal })) {
        /* nothing */
      }
    }
    expect((await failure(run())).code).toBe('ABORTED')
  })
})
