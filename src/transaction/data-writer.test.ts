import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { readParquet, readParquetSchema } from '../engine/parquet.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { MemoryStore } from '../storage/memory.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { type WriteDataFilesOptions, type WriteInput, writeDataFiles } from './data-writer.js'
import type { WriteTarget } from './write-layout.js'
import { batchOf, rejection, rowsOfTable, schemaOf, targetOf } from './write.test-util.js'

const I32 = new arrow.Int32()
const I64 = new arrow.Int64()
const UTF8 = new arrow.Utf8()

async function write(
  target: WriteTarget,
  data: WriteInput,
  options: WriteDataFilesOptions = {},
  store = new MemoryStore(),
) {
  const written = await writeDataFiles(store, target, data, {
    ids: seededIds(9),
    clock: new ManualClock(1_700_000_000_000),
    ...options,
  })
  return { store, ...written }
}

async function keys(store: MemoryStore): Promise<string[]> {
  const out: string[] = []
  for await (const meta of store.list('')) out.push(meta.path)
  return out
}

/** Every row of every written file, as plain JSON (bigints as strings). */
async function rowsOf(store: MemoryStore, paths: readonly string[]): Promise<unknown[]> {
  const rows: unknown[] = []
  for (const path of paths) {
    const key = decodeLogPath(path)
    if (key.kind !== 'relative') throw new Error(path)
    const table = await readParquet((await store.get(key.key)).bytes)
    for (const row of rowsOfTable(table)) {
      rows.push(
        JSON.parse(
          JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
        ),
      )
    }
  }
  return rows
}

describe('matching the data to the table', () => {
  const target = targetOf(schemaOf(['id', 'long', false], ['name', 'string']))

  it('refuses a column the table does not have, naming it', async () => {
    const error = await rejection(
      write(
        target,
        batchOf([
          { name: 'id', type: I64, values: [1n] },
          { name: 'extra', type: I32, values: [1] },
        ]),
      ),
    )
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toContain('"extra"')
  })

  it('refuses a type that does not fit, naming the column', async () => {
    const error = await rejection(
      write(target, batchOf([{ name: 'id', type: UTF8, values: ['1'] }])),
    )
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toMatch(/^Column id has Arrow type Utf8/)
  })

  it('refuses NULL in a non-nullable column, naming column and row', async () => {
    const error = await rejection(
      write(target, batchOf([{ name: 'id', type: I64, values: [1n, null] }])),
    )
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toBe('Column id is not nullable, but row 1 holds NULL')
  })

  it('fills a missing nullable column with NULLs, refuses a missing non-nullable one', async () => {
    const { store, adds } = await write(target, batchOf([{ name: 'id', type: I64, values: [7n] }]))
    expect(
      await rowsOf(
        store,
        adds.map((a) => a.path),
      ),
    ).toEqual([{ id: '7', name: null }])
    const error = await rejection(
      write(target, batchOf([{ name: 'name', type: UTF8, values: ['x'] }])),
    )
    expect(error.message).toBe('Column id is not nullable but is missing from the data')
  })

  it('matches names ignoring case and converts lossless widenings', async () => {
    const t = targetOf(
      schemaOf(['ID', 'long'], ['d', 'double'], ['ts', 'timestamp'], ['ntz', 'timestamp_ntz']),
    )
    const { store, adds } = await write(
      t,
      batchOf([
        { name: 'id', type: I32, values: [-5] },
        { name: 'D', type: new arrow.Float32(), values: [0.5] },
        { name: 'ts', type: new arrow.TimestampMillisecond('America/New_York'), values: [1_000n] },
        { name: 'ntz', type: new arrow.TimestampNanosecond(), values: [-1n] },
      ]),
    )
    // apache-arrow's toJSON shows timestamps in milliseconds: 1000 ms is 1_000_000 µs, and
    // -0.001 ms is -1 µs (nanoseconds floor to microseconds, as Spark floors INT96).
    expect(
      await rowsOf(
        store,
        adds.map((a) => a.path),
      ),
    ).toEqual([{ ID: '-5', d: 0.5, ts: 1000, ntz: -0.001 }])
  })

  it.each([
    [
      'a zoned timestamp into timestamp_ntz',
      'timestamp_ntz',
      new arrow.TimestampMicrosecond('UTC'),
      1n,
    ],
    ['a zone-less timestamp into timestamp', 'timestamp', new arrow.TimestampMicrosecond(), 1n],
    ['binary into string', 'string', new arrow.Binary(), new Uint8Array([0xff])],
    ['long into integer', 'integer', I64, 1n],
    ['double into long', 'long', new arrow.Float64(), 1],
  ])('refuses %s', async (_name, deltaType, arrowType, value) => {
    const error = await rejection(
      write(
        targetOf(schemaOf(['c', deltaType])),
        batchOf([{ name: 'c', type: arrowType, values: [value] }]),
      ),
    )
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toMatch(/^Column c has Arrow type/)
  })

  it('decodes dictionary-encoded strings, NULL keys included', async () => {
    const dictionary = arrow.vectorFromArray(['x', 'y'], UTF8).data[0]!
    const type = new arrow.Dictionary(UTF8, new arrow.Int8())
    const keys = arrow.makeData({
      type,
      length: 3,
      nullCount: 1,
      nullBitmap: new Uint8Array([0b101]),
      data: new Int8Array([1, 99, 0]),
      dictionary: arrow.makeVector(dictionary),
    })
    const batch = new arrow.RecordBatch(
      new arrow.Schema([new arrow.Field('name', type)]),
      arrow.makeData({
        type: new arrow.Struct([new arrow.Field('name', type)]),
        length: 3,
        nullCount: 0,
        children: [keys],
      }),
    )
    const t = targetOf(schemaOf(['name', 'string']))
    const { store, adds } = await write(t, batch)
    expect(
      await rowsOf(
        store,
        adds.map((a) => a.path),
      ),
    ).toEqual([{ name: 'y' }, { name: null }, { name: 'x' }])
  })

  it('decodes dictionaries of LargeUtf8 and reads LargeUtf8 columns', async () => {
    const large = new arrow.LargeUtf8()
    const dictionary = arrow.vectorFromArray(['p', 'qq'], large).data[0]!
    const type = new arrow.Dictionary(large, new arrow.Int32())
    const keys = arrow.makeData({
      type,
      length: 2,
      nullCount: 0,
      data: new Int32Array([1, 0]),
      dictionary: arrow.makeVector(dictionary),
    })
    const fields = [new arrow.Field('name', type, true), new arrow.Field('plain', large, true)]
    const batch = new arrow.RecordBatch(
      new arrow.Schema(fields),
      arrow.makeData({
        type: new arrow.Struct(fields),
        length: 2,
        nullCount: 0,
        children: [keys, arrow.vectorFromArray(['x', null], large).data[0]!],
      }),
    )
    const t = targetOf(schemaOf(['name', 'string'], ['plain', 'string']))
    const { store, adds } = await write(t, batch)
    expect(
      await rowsOf(
        store,
        adds.map((a) => a.path),
      ),
    ).toEqual([
      { name: 'qq', plain: 'x' },
      { name: 'p', plain: null },
    ])
  })

  it('writes a sliced table (non-zero offsets) with the right rows', async () => {
    const table = new arrow.Table([
      batchOf([
        { name: 'id', type: I64, values: [1n, 2n, 3n, 4n, 5n] },
        { name: 'name', type: UTF8, values: ['a', null, 'c', 'd', 'e'] },
      ]),
    ]).slice(1, 4)
    const { store, adds } = await write(target, table)
    expect(
      await rowsOf(
        store,
        adds.map((a) => a.path),
      ),
    ).toEqual([
      { id: '2', name: null },
      { id: '3', name: 'c' },
      { id: '4', name: 'd' },
    ])
  })

  it('accepts an Arrow Null column for a nullable column', async () => {
    const { store, adds } = await write(
      target,
      batchOf([
        { name: 'id', type: I64, values: [1n] },
        { name: 'name', type: new arrow.Null(), values: [null] },
      ]),
    )
    expect(
      await rowsOf(
        store,
        adds.map((a) => a.path),
      ),
    ).toEqual([{ id: '1', name: null }])
  })

  it('a NULL in a non-nullable field is fine inside a NULL struct, refused inside a valid one', async () => {
    const t = targetOf(
      schemaOf([
        's',
        { type: 'struct', fields: [{ name: 'x', type: 'integer', nullable: false, metadata: {} }] },
      ]),
    )
    const type = new arrow.Struct([new arrow.Field('x', I32)])
    const ok = await write(t, batchOf([{ name: 's', type, values: [{ x: 1 }, null] }]))
    expect(
      await rowsOf(
        ok.store,
        ok.adds.map((a) => a.path),
      ),
    ).toEqual([{ s: { x: 1 } }, { s: null }])
    const error = await rejection(write(t, batchOf([{ name: 's', type, values: [{ x: null }] }])))
    expect(error.message).toBe('Column s.x is not nullable, but row 0 holds NULL')
  })

  it('refuses a NULL element in an array without containsNull', async () => {
    const t = targetOf(
      schemaOf(['a', { type: 'array', elementType: 'integer', containsNull: false }]),
    )
    const type = new arrow.List(new arrow.Field('element', I32))
    const error = await rejection(
      write(t, batchOf([{ name: 'a', type, values: [[1], [2, null]] }])),
    )
    expect(error.message).toBe('Column a.element is not nullable, but row 2 holds NULL')
  })
})

describe('partitions', () => {
  const target = targetOf(schemaOf(['p', 'string'], ['n', 'integer']), { partitionColumns: ['p'] })

  it('writes one file per partition, Spark-escaped directories, values from the log', async () => {
    const values = ['a b', '100%', 'x=y', 'a/b', 'ü€', '', null, 'a b']
    const { store, adds } = await write(
      target,
      batchOf([
        { name: 'p', type: UTF8, values },
        { name: 'n', type: I32, values: values.map((_, i) => i) },
      ]),
    )
    const summary = adds.map((a) => {
      const key = decodeLogPath(a.path)
      return [
        a.partitionValues,
        a.path.slice(0, a.path.indexOf('/part-')),
        key.kind === 'relative' ? key.key.split('/')[0] : '',
      ]
    })
    expect(summary).toEqual([
      [{ p: 'a b' }, 'p=a%20b', 'p=a b'],
      [{ p: '100%' }, 'p=100%2525', 'p=100%25'],
      [{ p: 'x=y' }, 'p=x%253Dy', 'p=x%3Dy'],
      [{ p: 'a/b' }, 'p=a%252Fb', 'p=a%2Fb'],
      [{ p: 'ü€' }, 'p=%C3%BC%E2%82%AC', 'p=ü€'],
      // The empty string is NULL, as Spark writes it: one partition with the NULL directory.
      [{ p: null }, 'p=__HIVE_DEFAULT_PARTITION__', 'p=__HIVE_DEFAULT_PARTITION__'],
    ])
    expect(JSON.parse(adds[0]!.stats!)).toMatchObject({
      numRecords: 2,
      minValues: { n: 0 },
      maxValues: { n: 7 },
    })
    // Partition columns are not in the files.
    expect(await rowsOf(store, [adds[5]!.path])).toEqual([{ n: 5 }, { n: 6 }])
    expect((await keys(store)).length).toBe(6)
  })

  it('serializes typed partition values as the protocol says', async () => {
    const t = targetOf(
      schemaOf(
        ['ts', 'timestamp'],
        ['ntz', 'timestamp_ntz'],
        ['d', 'date'],
        ['dec', 'decimal(5,2)'],
        ['n', 'integer'],
      ),
      { partitionColumns: ['ts', 'ntz', 'd', 'dec'] },
    )
    const { adds } = await write(
      t,
      batchOf([
        { name: 'ts', type: new arrow.TimestampMicrosecond('UTC'), values: [1_500_000n] },
        { name: 'ntz', type: new arrow.TimestampMicrosecond(), values: [1_500_000n] },
        { name: 'd', type: new arrow.DateDay(), values: [19723] },
        { name: 'dec', type: new arrow.Decimal(2, 5, 128), values: [-5n] },
        { name: 'n', type: I32, values: [1] },
      ]),
    )
    expect(adds[0]!.partitionValues).toEqual({
      ts: '1970-01-01T00:00:01.500000Z',
      ntz: '1970-01-01 00:00:01.5',
      d: '2024-01-01',
      dec: '-0.05',
    })
  })

  it('calls checkPartition once per partition; a refusal leaves no file behind', async () => {
    const seen: unknown[] = []
    const store = new MemoryStore()
    const error = await rejection(
      write(
        target,
        [
          batchOf([
            { name: 'p', type: UTF8, values: ['a', 'a'] },
            { name: 'n', type: I32, values: [1, 2] },
          ]),
          batchOf([
            { name: 'p', type: UTF8, values: ['a', 'b'] },
            { name: 'n', type: I32, values: [3, 4] },
          ]),
        ],
        {
          maxRowsPerFile: 1,
          checkPartition: (values) => {
            seen.push(values)
            if (values['p'] === 'b') throw new InvalidArgumentError('not b')
          },
        },
        store,
      ),
    )
    expect(error.message).toBe('not b')
    expect(seen).toEqual([{ p: 'a' }, { p: 'b' }])
    expect(await keys(store)).toEqual([])
  })
})

describe('files', () => {
  const target = (configuration: Record<string, string> = {}) =>
    targetOf(schemaOf(['n', 'integer']), { configuration })
  const rows = (count: number) =>
    batchOf([{ name: 'n', type: I32, values: Array.from({ length: count }, (_, i) => i) }])

  it('names files part-<index>-<uuid>-c000.<codec>.parquet, zstd by default', async () => {
    const { adds } = await write(target(), rows(3), { maxRowsPerFile: 2 })
    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
    expect(adds.map((a) => a.path)).toEqual([
      expect.stringMatching(new RegExp(`^part-00000-${uuid}-c000\\.zstd\\.parquet$`)),
      expect.stringMatching(new RegExp(`^part-00001-${uuid}-c000\\.zstd\\.parquet$`)),
    ])
    expect(new Set(adds.map((a) => a.path)).size).toBe(2)
  })

  it.each([
    ['snappy', '.snappy.parquet'],
    ['gzip', '.gz.parquet'],
    ['uncompressed', '-c000.parquet'],
    ['lz4', '.lz4raw.parquet'],
  ])('delta.parquet.compression.codec=%s names files *%s', async (codec, suffix) => {
    const { adds } = await write(target({ 'delta.parquet.compression.codec': codec }), rows(1))
    expect(adds[0]!.path.endsWith(suffix)).toBe(true)
  })

  it('delta.randomizeFilePrefixes puts files under random alphanumeric directories', async () => {
    const { adds } = await write(
      targetOf(schemaOf(['p', 'string'], ['n', 'integer']), {
        partitionColumns: ['p'],
        configuration: { 'delta.randomizeFilePrefixes': 'true', 'delta.randomPrefixLength': '5' },
      }),
      batchOf([
        { name: 'p', type: UTF8, values: ['x'] },
        { name: 'n', type: I32, values: [1] },
      ]),
    )
    expect(adds[0]!.path).toMatch(/^[0-9A-Za-z]{5}\/part-00000-/)
    expect(adds[0]!.partitionValues).toEqual({ p: 'x' })
  })

  it('maxRowsPerFile cuts files exactly, across input batches', async () => {
    const { adds } = await write(target(), [rows(5), rows(4)], { maxRowsPerFile: 3 })
    expect(adds.map((a) => (JSON.parse(a.stats!) as { numRecords: number }).numRecords)).toEqual([
      3, 3, 3,
    ])
  })

  it('targetFileSize bounds the estimated Arrow bytes of a file', async () => {
    // Int32 without NULLs: 4 bytes per row, so 40 bytes hold 10 rows.
    const { adds, numRecords } = await write(target(), rows(25), { targetFileSize: 40 })
    expect(adds.map((a) => (JSON.parse(a.stats!) as { numRecords: number }).numRecords)).toEqual([
      10, 10, 5,
    ])
    expect(numRecords).toBe(25)
  })

  it('fills add fields: size of the stored object, time from the clock, dataChange', async () => {
    const { store, adds, numBytes } = await write(target(), rows(2), { dataChange: false })
    const stored = await store.head(adds[0]!.path)
    expect(adds[0]).toMatchObject({
      partitionValues: {},
      size: stored.size,
      modificationTime: 1_700_000_000_000,
      dataChange: false,
    })
    expect(numBytes).toBe(stored.size)
    expect(Object.keys(adds[0]!)).toEqual([
      'path',
      'partitionValues',
      'size',
      'modificationTime',
      'dataChange',
      'stats',
    ])
  })

  it('refuses invalid sizes, and stops on abort without leaving files', async () => {
    expect((await rejection(write(target(), rows(1), { maxRowsPerFile: 0 }))).code).toBe(
      'INVALID_ARGUMENT',
    )
    const store = new MemoryStore()
    const controller = new AbortController()
    async function* batches(): AsyncGenerator<arrow.RecordBatch> {
      yield rows(3)
      controller.abort()
      yield rows(3)
    }
    const error = await rejection(
      write(target(), batches(), { maxRowsPerFile: 1, signal: controller.signal }, store),
    )
    expect(error.code).toBe('ABORTED')
    expect(await keys(store)).toEqual([])
  })

  it('writes nothing for empty input', async () => {
    const { store, adds } = await write(target(), [rows(0)])
    expect(adds).toEqual([])
    expect(await keys(store)).toEqual([])
  })

  it('under column mapping, files use physical names and Parquet field ids', async () => {
    const t = targetOf(
      JSON.stringify({
        type: 'struct',
        fields: [
          {
            name: 'n',
            type: 'integer',
            nullable: true,
            metadata: { 'delta.columnMapping.id': 7, 'delta.columnMapping.physicalName': 'col-n' },
          },
        ],
      }),
      {
        mode: 'id',
        configuration: { 'delta.columnMapping.mode': 'id', 'delta.columnMapping.maxColumnId': '7' },
      },
    )
    const { store, adds } = await write(t, rows(2))
    const schema = readParquetSchema((await store.get(adds[0]!.path)).bytes)
    expect(schema.fields.map((f) => [f.name, f.metadata.get('PARQUET:field_id')])).toEqual([
      ['col-n', '7'],
    ])
    expect(JSON.parse(adds[0]!.stats!)).toMatchObject({ nullCount: { 'col-n': 0 } })
  })

  it('deletes the files it wrote when a later batch fails', async () => {
    const store = new MemoryStore()
    const error = await rejection(
      write(
        targetOf(schemaOf(['n', 'integer', false])),
        [rows(3), batchOf([{ name: 'n', type: I32, values: [null] }])],
        { maxRowsPerFile: 1 },
        store,
      ),
    )
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(await keys(store)).toEqual([])
  })
})
