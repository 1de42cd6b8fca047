import * as arrow from 'apache-arrow'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, test } from 'vitest'
import { CorruptDataError, DeltaError } from '../errors.js'
import { concatBytes } from '../util/bytes.js'
import { stringMap } from './checkpoint-schema.js'
import {
  corpusMissing,
  duckRows,
  inCorpus,
  parquetSchema,
  sqlString,
  tempFile,
} from './engine.test-util.js'
import {
  readParquet,
  readParquetBatches,
  readParquetInfo,
  readParquetSchema,
  writeParquet,
  writeParquetStream,
  type ParquetCompression,
} from './parquet.js'

const cleanups: (() => void)[] = []
afterAll(() => cleanups.forEach((c) => c()))
function toFile(name: string, bytes: Uint8Array): string {
  const t = tempFile(name, bytes)
  cleanups.push(t.cleanup)
  return t.file
}

const ID = 'PARQUET:field_id'

/** A small nested table built with apache-arrow's own (slow, independent) builders. */
function sampleTable(rows = 4): arrow.Table {
  const inner = new arrow.Struct([
    new arrow.Field('x', new arrow.Int64(), true, new Map([[ID, '3']])),
    new arrow.Field('tags', stringMap(), true),
    new arrow.Field(
      'names',
      new arrow.List(new arrow.Field('element', new arrow.Utf8(), true)),
      true,
    ),
  ])
  const schema = new arrow.Schema([
    new arrow.Field('id', new arrow.Int32(), false, new Map([[ID, '1']])),
    new arrow.Field('s', inner, true, new Map([[ID, '2']])),
    new arrow.Field('label', new arrow.Utf8(), true),
  ])
  const builders = schema.fields.map((f) =>
    arrow.makeBuilder({ type: f.type as arrow.DataType, nullValues: [null, undefined] }),
  )
  for (let i = 0; i < rows; i++) {
    builders[0]!.append(i)
    builders[1]!.append(
      i % 4 === 3
        ? null
        : {
            x: BigInt(i) * 10_000_000_000n,
            tags: i % 2 === 0 ? new Map([['k', `v${i}`]]) : null,
            names: ['a', `ü${i}`],
          },
    )
    builders[2]!.append(i === 1 ? null : `label-${i}`)
  }
  const children = builders.map((b) => b.finish().flush() as arrow.Data)
  return new arrow.Table([
    new arrow.RecordBatch(
      schema,
      arrow.makeData({
        type: new arrow.Struct(schema.fields),
        length: rows,
        nullCount: 0,
        children,
      }),
    ),
  ])
}

function rowsOf(table: arrow.Table): unknown[] {
  return JSON.parse(
    JSON.stringify(
      table.toArray().map((r: arrow.StructRowProxy) => r.toJSON()),
      (_k, v: unknown) =>
        typeof v === 'bigint'
          ? `${v}n`
          : v instanceof Map
            ? (Object.fromEntries(v as Map<string, unknown>) as unknown)
            : v,
    ),
  ) as unknown[]
}

describe('writeParquet and readParquet', () => {
  test('a nested table round-trips with its values, nulls and unicode', async () => {
    const table = sampleTable()
    const back = await readParquet(writeParquet(table))
    expect(back.numRows).toBe(4)
    expect(rowsOf(back)).toEqual(rowsOf(table))
    expect(rowsOf(back)[3]).toEqual({ id: 3, s: null, label: 'label-3' })
    expect(rowsOf(back)[1]).toEqual({
      id: 1,
      s: { x: '10000000000n', tags: null, names: ['a', 'ü1'] },
      label: null,
    })
  })

  test('DuckDB reads the written file with the same values', async () => {
    const file = toFile('sample.parquet', writeParquet(sampleTable()))
    const rows = await duckRows(
      `select id, s.x as x, to_json(s.tags) as tags, s.names as names, label from read_parquet(${sqlString(file)}) order by id`,
    )
    expect(rows).toEqual([
      { id: 0, x: 0n, tags: '{"k":"v0"}', names: ['a', 'ü0'], label: 'label-0' },
      { id: 1, x: 10000000000n, tags: null, names: ['a', 'ü1'], label: null },
      { id: 2, x: 20000000000n, tags: '{"k":"v2"}', names: ['a', 'ü2'], label: 'label-2' },
      { id: 3, x: null, tags: null, names: null, label: 'label-3' },
    ])
  })

  test('field ids in PARQUET:field_id metadata are written, and read back as metadata', async () => {
    const bytes = writeParquet(sampleTable())
    const schema = await parquetSchema(toFile('ids.parquet', bytes))
    expect(schema.map((r) => [r.name, r.fieldId])).toEqual([
      ['id', 1],
      ['s', 2],
      ['x', 3],
      ['tags', null],
      ['key_value', null],
      ['key', null],
      ['value', null],
      ['names', null],
      ['list', null],
      ['element', null],
      ['label', null],
    ])
    const read = readParquetSchema(bytes)
    expect(read.fields[1]!.metadata.get(ID)).toBe('2')
    expect((read.fields[1]!.type as arrow.Struct).children[0]!.metadata.get(ID)).toBe('3')
    expect(read.fields[2]!.metadata.get(ID)).toBeUndefined()
  })

  test('a map built by stringMap() is stored as key_value with a required key, like Spark', async () => {
    const rows = await parquetSchema(toFile('map.parquet', writeParquet(sampleTable())))
    const tags = rows.findIndex((r) => r.name === 'tags')
    expect(rows.slice(tags, tags + 4)).toEqual([
      {
        name: 'tags',
        type: null,
        repetition: 'OPTIONAL',
        numChildren: 1,
        convertedType: 'MAP',
        logicalType: 'MapType()',
        fieldId: null,
      },
      {
        name: 'key_value',
        type: null,
        repetition: 'REPEATED',
        numChildren: 2,
        convertedType: null,
        logicalType: null,
        fieldId: null,
      },
      {
        name: 'key',
        type: 'BYTE_ARRAY',
        repetition: 'REQUIRED',
        numChildren: 0,
        convertedType: 'UTF8',
        logicalType: 'StringType()',
        fieldId: null,
      },
      {
        name: 'value',
        type: 'BYTE_ARRAY',
        repetition: 'OPTIONAL',
        numChildren: 0,
        convertedType: 'UTF8',
        logicalType: 'StringType()',
        fieldId: null,
      },
    ])
  })

  test.each<ParquetCompression>(['zstd', 'snappy', 'gzip', 'lz4', 'uncompressed'])(
    'compression %s is recorded on every column chunk',
    async (compression) => {
      const file = toFile(`c-${compression}.parquet`, writeParquet(sampleTable(), { compression }))
      const rows = await duckRows(
        `select distinct compression from parquet_metadata(${sqlString(file)})`,
      )
      const expected = {
        zstd: 'ZSTD',
        snappy: 'SNAPPY',
        gzip: 'GZIP',
        lz4: 'LZ4_RAW',
        uncompressed: 'UNCOMPRESSED',
      }[compression]
      expect(rows).toEqual([{ compression: expected }])
      expect((await readParquet(readFileSync(file))).numRows).toBe(4)
    },
  )

  test('rowGroupSize splits the file, and rowGroups reads only the chosen ones', async () => {
    const bytes = writeParquet(sampleTable(10), { rowGroupSize: 3 })
    const info = readParquetInfo(bytes)
    expect(info.numRows).toBe(10)
    expect(info.rowGroups.map((g) => g.numRows)).toEqual([3, 3, 3, 1])
    expect(info.createdBy).toBe('deltalake-ts')
    const batches: arrow.RecordBatch[] = []
    for await (const b of readParquetBatches(bytes, { columns: ['id'] })) batches.push(b)
    expect(batches.map((b) => b.numRows)).toEqual([3, 3, 3, 1])
    const two = await readParquet(bytes, { rowGroups: [1, 3], columns: ['id'] })
    expect([...two.getChild('id')!]).toEqual([3, 4, 5, 9])
  })

  test('batchSize caps the rows per batch', async () => {
    const bytes = writeParquet(sampleTable(10))
    const sizes: number[] = []
    for await (const b of readParquetBatches(bytes, { batchSize: 4 })) sizes.push(b.numRows)
    expect(sizes).toEqual([4, 4, 2])
  })

  test('key-value metadata is stored in the footer', () => {
    const bytes = writeParquet(sampleTable(), {
      keyValueMetadata: new Map([['delta.hello', 'world']]),
    })
    expect(readParquetInfo(bytes).keyValueMetadata.get('delta.hello')).toBe('world')
  })
})

describe('projection', () => {
  const bytes = writeParquet(sampleTable())

  test('projects struct fields by dotted path and by segments', async () => {
    const t = await readParquet(bytes, { columns: ['s.x', ['label']] })
    expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      's:Struct<{x:Int64}>',
      'label:Utf8',
    ])
    expect(rowsOf(t)[2]).toEqual({ s: { x: '20000000000n' }, label: 'label-2' })
  })

  test('projecting a map column keeps the whole map (its parts cannot be split)', async () => {
    const t = await readParquet(bytes, { columns: ['s.tags'] })
    expect(rowsOf(t)[0]).toEqual({ s: { tags: { k: 'v0' } } })
  })

  test('columns that do not exist are skipped', async () => {
    const t = await readParquet(bytes, { columns: ['id', 'nope', 's.nope'] })
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id'])
    expect(t.numRows).toBe(4)
  })

  test('a projection matching nothing yields no batches and an empty schema', async () => {
    const t = await readParquet(bytes, { columns: ['nope'] })
    expect(t.numRows).toBe(0)
    expect(t.schema.fields).toEqual([])
  })

  test('a path inside a map is rejected with INVALID_ARGUMENT (parquet-wasm would panic)', async () => {
    await expect(readParquet(bytes, { columns: ['s.tags.key_value.key'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })
})

describe('errors name the file and never crash the process', () => {
  const good = writeParquet(sampleTable(50), { compression: 'snappy' })

  test('bytes that are not Parquet: CORRUPT_DATA with the path', async () => {
    const error = await readParquet(new TextEncoder().encode('{"add":{}}\n'), {
      path: 'x/0001.json',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CorruptDataError)
    expect(error).toMatchObject({ code: 'CORRUPT_DATA', path: 'x/0001.json' })
  })

  test('a truncated file: CORRUPT_DATA', async () => {
    await expect(
      readParquet(good.subarray(0, good.length - 100), { path: 't.parquet' }),
    ).rejects.toMatchObject({
      code: 'CORRUPT_DATA',
      path: 't.parquet',
    })
    expect(() => readParquetSchema(good.subarray(0, 30), { path: 't.parquet' })).toThrow(
      CorruptDataError,
    )
  })

  test('corrupted page bytes: a typed error, and the wasm module still works afterwards', async () => {
    // Overwrite the start of the data pages (just after the magic) with garbage.
    const bad = Uint8Array.from(good)
    for (let i = 4; i < 200; i++) bad[i] = 0xff
    const error = await readParquet(bad, { path: 'bad.parquet' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeltaError)
    expect(error).toMatchObject({ code: 'CORRUPT_DATA', path: 'bad.parquet' })
    expect((await readParquet(good)).numRows).toBe(50)
  })

  test('reading without a path names the bytes as in-memory', async () => {
    await expect(readParquet(new Uint8Array(20))).rejects.toMatchObject({
      code: 'CORRUPT_DATA',
      path: '<in-memory parquet>',
    })
  })
})

describe('writeParquetStream', () => {
  async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const all: Uint8Array[] = []
    for await (const c of chunks) all.push(c)
    return concatBytes(all)
  }

  test('writes many batches as one file with bounded row groups', async () => {
    const batches = [sampleTable(5), sampleTable(7), sampleTable(3)].flatMap((t) => t.batches)
    const bytes = await collect(
      writeParquetStream(batches, { rowGroupSize: 4, compression: 'zstd' }),
    )
    const info = readParquetInfo(bytes)
    expect(info.numRows).toBe(15)
    expect(info.rowGroups.map((g) => g.numRows)).toEqual([4, 4, 4, 3])
    const file = toFile('stream.parquet', bytes)
    expect(
      await duckRows(`select count(*) as n, sum(id) as s from read_parquet(${sqlString(file)})`),
    ).toEqual([{ n: 15n, s: 34n }])
  })

  test('takes an async iterable and pulls it lazily', async () => {
    let pulled = 0
    async function* source(): AsyncGenerator<arrow.RecordBatch> {
      for (let i = 0; i < 3; i++) {
        pulled++
        yield sampleTable(2).batches[0]!
      }
    }
    const stream = writeParquetStream(source())
    expect(pulled).toBe(0)
    const bytes = await collect(stream)
    expect(pulled).toBe(3)
    expect(readParquetInfo(bytes).numRows).toBe(6)
  })

  test('a batch with another schema is an INVALID_ARGUMENT, not a silently short file', async () => {
    const other = new arrow.Table({ id: arrow.vectorFromArray([1, 2], new arrow.Int32()) })
    const batches = [sampleTable(2).batches[0]!, other.batches[0]!]
    await expect(collect(writeParquetStream(batches))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })

  test('a consumer that stops early releases the writer, and writing goes on working', async () => {
    const batches = Array.from({ length: 20 }, () => sampleTable(50).batches[0]!)
    for await (const chunk of writeParquetStream(batches, { rowGroupSize: 10 })) {
      expect(chunk.length).toBeGreaterThan(0)
      break
    }
    const bytes = await collect(writeParquetStream([sampleTable(3).batches[0]!]))
    expect(readParquetInfo(bytes).numRows).toBe(3)
  })

  test('no batches: an empty file of the given schema, or INVALID_ARGUMENT without one', async () => {
    const schema = sampleTable().schema
    const bytes = await collect(writeParquetStream([], { schema }))
    expect(readParquetInfo(bytes).numRows).toBe(0)
    expect(readParquetSchema(bytes).fields.map((f) => f.name)).toEqual(['id', 's', 'label'])
    await expect(collect(writeParquetStream([]))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })
})

describe.skipIf(corpusMissing())('reading Parquet written by others', () => {
  test('a projected read of a Spark checkpoint equals the same columns of a full read', async () => {
    const bytes = readFileSync(
      inCorpus(
        'delta-golden/dv-partitioned-with-checkpoint/_delta_log/00000000000000000010.checkpoint.parquet',
      ),
    )
    const full = await readParquet(bytes)
    const projected = await readParquet(bytes, {
      columns: ['add.path', 'add.deletionVector', 'remove.path'],
    })
    const pick = (t: arrow.Table): unknown[] =>
      rowsOf(t).map((r) => {
        const row = r as {
          add: { path: string; deletionVector: unknown } | null
          remove: { path: string } | null
        }
        return [row.add?.path ?? null, row.add?.deletionVector ?? null, row.remove?.path ?? null]
      })
    expect(pick(projected)).toEqual(pick(full))
    expect(projected.schema.fields.map((f) => f.name)).toEqual(['add', 'remove'])
  })

  test('the Arrow schema of a Spark checkpoint has maps and lists whatever the group names', () => {
    const schema = readParquetSchema(
      readFileSync(
        inCorpus('delta-golden/checkpoint/_delta_log/00000000000000000010.checkpoint.parquet'),
      ),
    )
    expect(schema.fields.map((f) => f.name)).toEqual([
      'txn',
      'add',
      'remove',
      'metaData',
      'protocol',
      'domainMetadata',
    ])
    const add = schema.fields[1]!.type as arrow.Struct
    expect(String(add.children.find((c) => c.name === 'partitionValues')!.type)).toBe(
      'Map<{key:Utf8, value:Utf8}>',
    )
  })
})
