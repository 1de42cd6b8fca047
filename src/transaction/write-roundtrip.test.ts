/**
 * Round trips: tables written by this writer, read back (a) through our scan layer and (b) by
 * DuckDB, an independent Parquet reader sharing no code with parquet-wasm or apache-arrow. Every
 * value must come back exactly as written (in the canonical form of `data-reader.test-util`).
 */
import * as arrow from 'apache-arrow'
import { mkdtempSync, rmSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { duckRows, sqlString } from '../engine/engine.test-util.js'
import { LogStore } from '../log/log-store.js'
import { physicalName } from '../protocol/column-mapping.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { arrowRows, duckRowsOf } from '../scan/data-reader.test-util.js'
import { scanToTable } from '../scan/read-scan.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { LocalStore } from '../storage/local.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { type CreateTableOptions, createTable } from './create-table.js'
import { type Column, batchOf, mapOf } from './write.test-util.js'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** Creates a table on local disk with `data` in version 0; returns its snapshot and root. */
async function tableWith(
  columns: readonly Column[],
  options: Partial<CreateTableOptions> = {},
): Promise<{ snapshot: Snapshot; root: string; batch: arrow.RecordBatch }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'deltalake-ts-write-'))
  dirs.push(root)
  const log = new LogStore(new LocalStore(root))
  const batch = batchOf(columns)
  await createTable(log, {
    schema: batch.schema,
    data: batch,
    clock: new ManualClock(1_700_000_000_000),
    ids: seededIds(21),
    ...options,
  })
  return { snapshot: await loadSnapshot(log), root, batch }
}

function filesOf(snapshot: Snapshot, root: string): string[] {
  return [...snapshot.files()].map((f) => {
    const target = decodeLogPath(f.path)
    if (target.kind !== 'relative') throw new Error(f.path)
    return path.join(root, target.key)
  })
}

async function scanned(snapshot: Snapshot): Promise<string[]> {
  return arrowRows((await scanToTable(snapshot)).batches)
}

/** Every primitive type, NULLs, edge values and nested types. */
const ALL_TYPES: readonly Column[] = [
  { name: 'byte', type: new arrow.Int8(), values: [-128, 127, null] },
  { name: 'short', type: new arrow.Int16(), values: [-32768, 32767, null] },
  { name: 'int', type: new arrow.Int32(), values: [-2147483648, 2147483647, null] },
  { name: 'long', type: new arrow.Int64(), values: [-(2n ** 63n), 2n ** 63n - 1n, null] },
  { name: 'float', type: new arrow.Float32(), values: [-3.4028234663852886e38, 1.5, null] },
  { name: 'double', type: new arrow.Float64(), values: [-0.1, 1e-300, null] },
  { name: 'bool', type: new arrow.Bool(), values: [true, false, null] },
  { name: 'string', type: new arrow.Utf8(), values: ['', 'ü€\u{1F600} "q"', null] },
  {
    name: 'binary',
    type: new arrow.Binary(),
    values: [new Uint8Array([0, 255]), new Uint8Array([]), null],
  },
  { name: 'date', type: new arrow.DateDay(), values: [-719162, 2932896, null] },
  {
    name: 'ts',
    type: new arrow.TimestampMicrosecond('UTC'),
    values: [-1n, 1_700_000_000_123_456n, null],
  },
  {
    name: 'ntz',
    type: new arrow.TimestampMicrosecond(),
    values: [-62135596800000000n, 253402300799999999n, null],
  },
  { name: 'dec', type: new arrow.Decimal(2, 10, 128), values: [-99999999n, 12345n, null] },
  { name: 'wide', type: new arrow.Decimal(6, 38, 128), values: [10n ** 37n, -(10n ** 37n), null] },
  {
    name: 'struct',
    type: new arrow.Struct([
      new arrow.Field('x', new arrow.Int32(), true),
      new arrow.Field('y', new arrow.Utf8(), true),
    ]),
    values: [{ x: 1, y: null }, null, { x: null, y: 'z' }],
  },
  {
    name: 'list',
    type: new arrow.List(new arrow.Field('element', new arrow.Int64(), true)),
    values: [[1n, null], [], null],
  },
  {
    name: 'map',
    type: mapOf(new arrow.Utf8(), new arrow.Int32()),
    values: [
      new Map([
        ['a', 1],
        ['b', null],
      ]),
      null,
      new Map(),
    ],
  },
]

describe('every type round-trips through our scan and through DuckDB', () => {
  it('unpartitioned, no column mapping', async () => {
    const { snapshot, root, batch } = await tableWith(ALL_TYPES)
    const expected = arrowRows([batch])
    expect(await scanned(snapshot)).toEqual(expected)
    expect(await duckRowsOf(filesOf(snapshot, root))).toEqual(expected)
  })

  it.each(['name', 'id'] as const)('column mapping %s mode', async (mode) => {
    const { snapshot, root, batch } = await tableWith(ALL_TYPES, { columnMapping: mode })
    expect(await scanned(snapshot)).toEqual(arrowRows([batch]))
    // DuckDB sees physical names: select the top-level leaves back under their logical names.
    const leaves = snapshot.schema.fields.filter((f) => !['struct', 'list', 'map'].includes(f.name))
    const select = leaves.map((f) => `"${physicalName(f, mode)}" as "${f.name}"`).join(', ')
    const expected = arrowRows(
      new arrow.Table(Object.fromEntries(leaves.map((f) => [f.name, batch.getChild(f.name)!])))
        .batches,
    )
    expect(await duckRowsOf(filesOf(snapshot, root), { select })).toEqual(expected)
  })
})

describe('partitions round-trip with their values from the log', () => {
  it('special characters, unicode, NULL; the empty string reads back as NULL (as in Spark)', async () => {
    const values = ['a b', '100%', 'x=y', 'a/b', 'ü€', '', null, '%2F']
    const { snapshot, root } = await tableWith(
      [
        { name: 'p', type: new arrow.Utf8(), values },
        {
          name: 'd',
          type: new arrow.DateDay(),
          values: values.map((_, i) => (i % 2 === 0 ? 19723 : null)),
        },
        { name: 'n', type: new arrow.Int32(), values: values.map((_, i) => i) },
      ],
      { partitionBy: ['p', 'd'] },
    )
    const expected = arrowRows([
      batchOf([
        { name: 'p', type: new arrow.Utf8(), values: values.map((v) => (v === '' ? null : v)) },
        {
          name: 'd',
          type: new arrow.DateDay(),
          values: values.map((_, i) => (i % 2 === 0 ? 19723 : null)),
        },
        { name: 'n', type: new arrow.Int32(), values: values.map((_, i) => i) },
      ]),
    ])
    expect(await scanned(snapshot)).toEqual(expected)
    // The files hold only the data column; DuckDB recovers the partition columns from the Hive
    // directory names, which checks our escaping against an independent reader.
    expect(await duckRowsOf(filesOf(snapshot, root))).toEqual(expected)
    expect(
      await duckRowsOf(filesOf(snapshot, root), { options: 'hive_partitioning = false' }),
    ).toEqual(values.map((_, i) => JSON.stringify({ n: String(i) })).sort())
  })

  it('timestamp and timestamp_ntz partitions under column mapping', async () => {
    const columns: Column[] = [
      { name: 'ts', type: new arrow.TimestampMicrosecond('UTC'), values: [1_500_000n, -1n, null] },
      { name: 'ntz', type: new arrow.TimestampMicrosecond(), values: [1_500_000n, 0n, 7n] },
      { name: 'n', type: new arrow.Int32(), values: [1, 2, 3] },
    ]
    const { snapshot, batch } = await tableWith(columns, {
      partitionBy: ['ts', 'ntz'],
      columnMapping: 'name',
    })
    expect(snapshot.protocol.readerFeatures).toEqual(['timestampNtz', 'columnMapping'])
    expect(await scanned(snapshot)).toEqual(arrowRows([batch]))
  })
})

describe('the Parquet files look like what Spark reads', () => {
  it('INT64 timestamps in microseconds with the right isAdjustedToUTC, optional fields, field ids', async () => {
    const { snapshot, root } = await tableWith(ALL_TYPES, { columnMapping: 'id' })
    const [file] = filesOf(snapshot, root)
    const schema = await duckRows(
      `select name, type, logical_type, repetition_type, field_id from parquet_schema(${sqlString(file!)})`,
    )
    const byName = new Map(schema.map((r) => [r['name'], r]))
    const leaf = (logical: string) =>
      byName.get(
        physicalName(
          snapshot.schema.fields.find((f) => f.name === logical)!,
          'id',
        ),
      )
    expect(leaf('ts')).toMatchObject({ type: 'INT64', repetition_type: 'OPTIONAL' })
    expect(String(leaf('ts')!['logical_type'])).toContain('isAdjustedToUTC=1')
    expect(String(leaf('ts')!['logical_type'])).toContain('MICROS=MicroSeconds()')
    expect(String(leaf('ntz')!['logical_type'])).toContain('isAdjustedToUTC=0')
    expect(leaf('byte')).toMatchObject({ type: 'INT32', field_id: 1n })
    // Every field is optional, as Spark writes them, except map keys.
    const required = schema.filter((r) => r['repetition_type'] === 'REQUIRED').map((r) => r['name'])
    expect(required).toEqual(['key'])
    const codecs = await duckRows(
      `select distinct compression from parquet_metadata(${sqlString(file!)})`,
    )
    expect(codecs).toEqual([{ compression: 'ZSTD' }])
  })
})

describe('dictionary encoding', () => {
  it('is kept for repetitive columns and dropped for mostly distinct ones', async () => {
    const n = 1000
    const { snapshot, root } = await tableWith([
      {
        name: 'id',
        type: new arrow.Int64(),
        values: Array.from({ length: n }, (_, i) => BigInt(i)),
      },
      {
        name: 'tag',
        type: new arrow.Utf8(),
        values: Array.from({ length: n }, (_, i) => `t${i % 3}`),
      },
    ])
    const [file] = filesOf(snapshot, root)
    const encodings = await duckRows(
      `select path_in_schema as name, encodings from parquet_metadata(${sqlString(file!)}) order by column_id`,
    )
    expect(
      encodings.map((r) => [r['name'], String(r['encodings']).includes('DICTIONARY')]),
    ).toEqual([
      ['id', false],
      ['tag', true],
    ])
  })
})
