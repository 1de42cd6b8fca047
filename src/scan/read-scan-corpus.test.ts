/**
 * The scan reader against real tables written by Spark, Databricks, delta-rs and the kernels
 * (the shared corpus, see its README): every row we return must equal, as a multiset and value
 * for value, the rows the writer's own reader returns. The expected rows come from the corpus
 * (`expected/*.parquet` written by Spark, read here by DuckDB, which shares no code with
 * parquet-wasm or apache-arrow) or from facts transcribed from upstream tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DeltaError } from '../errors.js'
import { corpusMissing, inCorpus } from '../engine/engine.test-util.js'
import { LogStore } from '../log/log-store.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { LocalStore } from '../storage/local.js'
import { arrowRows, duckColumns, duckRowsOf } from './data-reader.test-util.js'
import { planScan } from './plan.js'
import { type ReadScanOptions, scanToTable } from './read-scan.js'

const skip = corpusMissing()

function open(table: string, version?: number): Promise<Snapshot> {
  const log = new LogStore(new LocalStore(inCorpus(table)))
  return loadSnapshot(log, version === undefined ? {} : { version })
}

async function ours(
  table: string,
  options: ReadScanOptions = {},
  version?: number,
): Promise<string[]> {
  return arrowRows((await scanToTable(await open(table, version), options)).batches)
}

function parquetFiles(dir: string): string[] {
  const full = inCorpus(dir)
  if (!existsSync(full)) return []
  return readdirSync(full, { recursive: true })
    .map(String)
    .filter(
      (n) =>
        n.endsWith('.parquet') && !n.includes('_delta_log') && !path.basename(n).startsWith('.'),
    )
    .map((n) => path.join(full, n))
    .sort()
}

/** Local paths of the live data files of a table's latest snapshot (for DuckDB). */
async function liveFiles(table: string): Promise<string[]> {
  const snapshot = await open(table)
  return [...planScan(snapshot)].map((f) => {
    if (f.location.kind !== 'key') throw new Error(`${f.logPath} is outside the table`)
    return path.join(inCorpus(table), f.location.key)
  })
}

/** Drops one column from canonical rows (for the documented partition-timestamp gap). */
function without(rows: readonly string[], column: string): string[] {
  return rows
    .map((r) => {
      const { [column]: _dropped, ...rest } = JSON.parse(r) as Record<string, unknown>
      return JSON.stringify(rest)
    })
    .sort()
}

const column = (rows: readonly string[], name: string): unknown[] =>
  rows.map((r) => (JSON.parse(r) as Record<string, unknown>)[name])

const DAT_CASES = skip ? [] : readdirSync(inCorpus('dat-deltaray')).sort()
// Golden tables with Spark's expected rows. The two 1M-row decimal tables are compared on a
// filtered slice (which also exercises the row filter) plus their full row counts.
const LARGE = new Set(['parquet-decimal-dictionaries', 'parquet-decimal-dictionaries-v2'])
const PARTITION_TIMESTAMP_GAP = 'data-reader-partition-values'
const GOLDEN_CASES = skip
  ? []
  : readdirSync(inCorpus('delta-kernel-rs-golden'))
      .filter((c) => parquetFiles(`delta-kernel-rs-golden/${c}/expected`).length > 0)
      .filter((c) => !LARGE.has(c) && c !== PARTITION_TIMESTAMP_GAP)
      .sort()

describe.skipIf(skip)('readScan on the corpus: Delta Acceptance Tests (DAT)', () => {
  it.each(DAT_CASES)('%s returns exactly the expected rows', async (name) => {
    const expected = await duckRowsOf(
      parquetFiles(`dat-deltaray/${name}/expected/latest/table_content`),
    )
    expect(await ours(`dat-deltaray/${name}/delta`)).toEqual(expected)
  })
})

describe.skipIf(skip)('readScan on the corpus: golden tables with expected rows', () => {
  it.each(GOLDEN_CASES)('%s returns exactly the expected rows', async (name) => {
    const expected = await duckRowsOf(parquetFiles(`delta-kernel-rs-golden/${name}/expected`))
    expect(await ours(`delta-kernel-rs-golden/${name}/delta`)).toEqual(expected)
  })

  // The same tables read by ranges (footer, then each row group's column chunks), as files
  // larger than `wholeFileBytes` are: the rows must not change.
  it.each(GOLDEN_CASES)('%s read by byte ranges returns the same rows', async (name) => {
    const table = `delta-kernel-rs-golden/${name}/delta`
    expect(await ours(table, { wholeFileBytes: 0 })).toEqual(await ours(table))
  })

  it.each([...LARGE])(
    '%s (1M rows): every row count, and the rows with id < 20000',
    async (name) => {
      const files = parquetFiles(`delta-kernel-rs-golden/${name}/expected`)
      const table = `delta-kernel-rs-golden/${name}/delta`
      const all = await scanToTable(await open(table), { columns: ['id'] })
      expect(all.numRows).toBe(1_000_000)
      expect(await ours(table, { filter: 'id < 20000' })).toEqual(
        await duckRowsOf(files, { where: 'id < 20000' }),
      )
    },
  )

  it('data-reader-partition-values: every column matches except the zone-less timestamp partition', async () => {
    // The log holds `2021-09-08 11:11:11` with no zone; Spark read it in its session zone
    // (America/Los_Angeles when the expected rows were written), we read it as UTC, as
    // `protocol/partition-values.ts` documents: nothing in the log names the writer's zone.
    const table = `delta-kernel-rs-golden/${PARTITION_TIMESTAMP_GAP}`
    const expected = await duckRowsOf(parquetFiles(`${table}/expected`))
    const rows = await ours(`${table}/delta`)
    expect(without(rows, 'as_timestamp')).toEqual(without(expected, 'as_timestamp'))
    expect(column(rows, 'as_timestamp').sort()).toEqual([
      null,
      'ts:1631099471000000',
      'ts:1631099471000000',
    ])
    expect(column(expected, 'as_timestamp').sort()).toEqual([
      null,
      'ts:1631124671000000', // 7 hours (PDT) later
      'ts:1631124671000000',
    ])
  })
})

const idRows = (name: string, ids: readonly number[]): string[] =>
  ids.map((id) => JSON.stringify({ [name]: String(id) })).sort()

describe.skipIf(skip)('readScan on the corpus: deletion vectors', () => {
  it('delta-spark/table-with-dv-small: v0 has ids 0..9, v1 (with its DV) ids 1..8', async () => {
    // expected-facts.json: DeletionVectorsSuite table2, rowsByVersion.
    const table = 'delta-spark/table-with-dv-small'
    expect(await ours(table, {}, 0)).toEqual(idRows('value', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    expect(await ours(table, {}, 1)).toEqual(idRows('value', [1, 2, 3, 4, 5, 6, 7, 8]))
  })

  it.each(['delta-rs/table-with-dv-small', 'delta-kernel-rs/table-with-dv-small'])(
    '%s (the same table as copied by another project) reads ids 1..8',
    async (table) => {
      expect(await ours(table)).toEqual(idRows('value', [1, 2, 3, 4, 5, 6, 7, 8]))
    },
  )

  it('delta-kernel-java/basic-dv-no-checkpoint reads ids 2..9', async () => {
    // expected-facts.json: DeletionVectorSuite "end-to-end usage: reading a table with dv".
    expect(await ours('delta-kernel-java/basic-dv-no-checkpoint')).toEqual(
      idRows('id', [2, 3, 4, 5, 6, 7, 8, 9]),
    )
  })

  it('delta-kernel-rs/with-short-dv drops physical rows 0, 1, 2 of its first file', async () => {
    // kernel-rs read.rs::short_dv expects ids 3..9 with all other columns as written.
    const table = 'delta-kernel-rs/with-short-dv'
    expect(await ours(table)).toEqual(
      await duckRowsOf(await liveFiles(table), { where: 'id >= 3' }),
    )
  })

  it('dv-partitioned-with-checkpoint returns the 35 rows of the kernel test', async () => {
    // expected-facts.json: tuples (part, col1, col2) = (x % 10, x, "foo" + x % 5).
    const xs = [
      1,
      3,
      5,
      7,
      9,
      11,
      13,
      15,
      17,
      19,
      21,
      23,
      25,
      27,
      29,
      ...Array.from({ length: 20 }, (_, i) => 30 + i),
    ]
    const expected = xs
      .map((x) => JSON.stringify({ col1: String(x), col2: `foo${x % 5}`, part: String(x % 10) }))
      .sort()
    expect(await ours('delta-golden/dv-partitioned-with-checkpoint')).toEqual(expected)
  })

  it('a log-only table (data files not in the corpus) fails with NotFoundError, not fewer rows', async () => {
    const error = await ours('delta-spark/table-with-dv-gigantic').then(
      () => undefined,
      (e: unknown) => e as DeltaError,
    )
    expect(error?.code).toBe('NOT_FOUND')
  })
})

describe.skipIf(skip)('readScan on the corpus: column mapping, widening, evolution', () => {
  it('delta-kernel-java/column-mapping-id resolves the column by field id', async () => {
    const table = 'delta-kernel-java/column-mapping-id'
    const expected = await duckRowsOf(await liveFiles(table), {
      select: '"col-f6363b34-a18d-4117-a4f5-cd443e9d4fda" as value',
    })
    expect(expected).toHaveLength(20)
    expect(await ours(table)).toEqual(expected)
  })

  it('table-with-columnmapping-mode-id resolves every primitive column by field id', async () => {
    // DuckDB reads the files by physical name; the id-mode read must agree column for column.
    const table = 'delta-golden/table-with-columnmapping-mode-id'
    const snapshot = await open(table)
    const primitives = snapshot.schema.fields.filter(
      (f) => !['struct', 'array', 'map'].includes(f.type.type),
    )
    const select = primitives
      .map((f) => `"${f.metadata['delta.columnMapping.physicalName'] as string}" as "${f.name}"`)
      .join(', ')
    const expected = await duckRowsOf(await liveFiles(table), { select })
    expect(primitives).toHaveLength(12)
    expect(expected).toHaveLength(6)
    expect(await ours(table, { columns: primitives.map((f) => f.name) })).toEqual(expected)
  })

  it('type-widening reads old files as the widened types with exact values', async () => {
    expect(await ours('delta-golden/type-widening')).toEqual([
      JSON.stringify({
        byte_decimal: 'dec:1.0',
        byte_double: '5',
        byte_long: '1',
        date_timestamp_ntz: 'ts:1725840000000000', // 2024-09-09 00:00:00
        decimal_decimal_greater_scale: 'dec:67.89000',
        decimal_decimal_same_scale: 'dec:123.45',
        float_double: '3.4000000953674316', // 3.4f widened exactly
        int_decimal: 'dec:3.0',
        int_double: '7',
        int_long: '2',
        long_decimal: 'dec:4.0',
        short_decimal: 'dec:2.0',
        short_double: '6',
      }),
      JSON.stringify({
        byte_decimal: 'dec:123.4',
        byte_double: '1.234567890123',
        byte_long: '9223372036854775807',
        date_timestamp_ntz: 'ts:1725885296123456',
        decimal_decimal_greater_scale: 'dec:12345678901.23456',
        decimal_decimal_same_scale: 'dec:12345678901234.56',
        float_double: '1.234567890123',
        int_decimal: 'dec:1234567890.1',
        int_double: '1.234567890123',
        int_long: '9223372036854775807',
        long_decimal: 'dec:123456789012345678.9',
        short_decimal: 'dec:12345.6',
        short_double: '1.234567890123',
      }),
    ])
  })

  it('external-table-different-nullability reads columns added later as nulls', async () => {
    const table = 'delta-kernel-rs/external-table-different-nullability'
    const expected = await duckRowsOf(await liveFiles(table), { options: 'union_by_name = true' })
    expect(await ours(table)).toEqual(expected)
    expect(expected).toContain('{"i":"1","j":null,"k":null}')
  })

  it('mixed-nulls materialises the partition column from the log', async () => {
    const table = 'delta-kernel-rs/mixed-nulls'
    const expected = await duckRowsOf(await liveFiles(table), {
      options: 'hive_partitioning = true, hive_types = {part: BIGINT}',
    })
    expect(await ours(table)).toEqual(expected)
  })

  it('cdf-table-backtick-column-names reads columns whose names hold dots and backticks', async () => {
    const table = 'delta-kernel-rs/cdf-table-backtick-column-names'
    const select = '"id.num", "id.num`s", struct_col'
    const expected = await duckRowsOf(await liveFiles(table), { select })
    expect(expected).toHaveLength(5)
    expect(await ours(table)).toEqual(expected)
  })

  it('void-column reads the void column as an Arrow Null column', async () => {
    const snapshot = await open('delta-kernel-rs/void-column')
    const result = await scanToTable(snapshot)
    expect(result.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'id:Int64',
      'void_col:Null',
    ])
    expect(arrowRows(result.batches)).toEqual(
      [1, 2, 3].map((id) => JSON.stringify({ id: String(id), void_col: null })),
    )
  })

  it('table_with_edge_timestamps reads INT96 9999-12-31 exactly, past int64 nanoseconds', async () => {
    // arrow-rs alone wraps these to dates in 1816; `int96.ts` reads the raw bytes instead.
    expect(await ours('delta-rs/table_with_edge_timestamps')).toEqual([
      '{"BIG_DATE":"ts:253402128000000000","NORMAL_DATE":"ts:1643673600000000","SOME_VALUE":"2"}',
      '{"BIG_DATE":"ts:253402214400000000","NORMAL_DATE":"ts:1640995200000000","SOME_VALUE":"1"}',
    ])
  })

  it('kernel-timestamp-partition-col-ISO8601 reads ISO partition timestamps exactly', async () => {
    expect(await ours('delta-golden/kernel-timestamp-partition-col-ISO8601')).toEqual([
      '{"str":"2024-01-01 10:00:00","ts":"ts:1704103200000000"}',
      '{"str":"2024-01-02 12:30:00","ts":"ts:1704198600000000"}',
    ])
  })

  it('data-reader-escaped-chars decodes partition paths once', async () => {
    // expected-facts.json: LogReplaySuite "escaped chars sequences in path".
    expect(await ours('delta-golden/data-reader-escaped-chars')).toEqual(
      [1, 2, 3].map((i) => JSON.stringify({ _1: `foo${i}`, _2: `bar+%2${i}` })),
    )
  })
})

interface ManifestEntry {
  readonly path: string
  readonly columnMapping: string
  readonly activeFiles: number
  readonly statsRowCount: number | null
  readonly dv: { readonly inline: number; readonly file: number; readonly absPath: number }
}

// Every other table of the corpus that DuckDB can read on its own (no column mapping, no DVs),
// small enough for a unit-test run: our rows must equal DuckDB's over the same live files.
const GENERIC_CASES = skip
  ? []
  : (JSON.parse(readFileSync(inCorpus('manifest.json'), 'utf8')) as ManifestEntry[])
      .filter(
        (e) =>
          e.columnMapping === 'none' &&
          e.dv.inline + e.dv.file + e.dv.absPath === 0 &&
          e.activeFiles > 0 &&
          (e.statsRowCount ?? 0) <= 20_000,
      )
      .map((e) => e.path)
      .sort()

describe.skipIf(skip)('readScan on the corpus: every small table against DuckDB', () => {
  it.each(GENERIC_CASES)('%s', async (table) => {
    let snapshot: Snapshot
    try {
      snapshot = await open(table)
    } catch (error) {
      // Deliberately broken or unsupported tables (see the corpus README) never reach the reader;
      // they must fail with a typed error.
      expect((error as DeltaError).code).toMatch(/^(CORRUPT_LOG|PROTOCOL_UNSUPPORTED)$/)
      return
    }
    const files = [...planScan(snapshot)].map((f) =>
      f.location.kind === 'key' ? path.join(inCorpus(table), f.location.key) : undefined,
    )
    const partitions = snapshot.partitionColumns
    const columns = snapshot.schema.fields.map((f) => f.name).filter((n) => !partitions.includes(n))
    if (files.some((f) => f === undefined || !existsSync(f))) {
      // A log-only table: the reader must say a file is missing, never return fewer rows.
      const error = await ours(table, { columns }).then(
        () => undefined,
        (e: unknown) => e as DeltaError,
      )
      expect(error?.code).toBe('NOT_FOUND')
      return
    }
    if (files.length === 0) {
      expect(await ours(table, { columns })).toEqual([])
      return
    }
    // Columns no file has (added later, or void) read as NULL in DuckDB too.
    const present = new Set(await duckColumns(files as string[]))
    const select = columns.map((c) => (present.has(c) ? `"${c}"` : `NULL as "${c}"`)).join(', ')
    const expected = await duckRowsOf(files as string[], {
      select: select === '' ? 'NULL as "-"' : select,
      options: 'union_by_name = true',
    })
    const rows = await ours(table, { columns })
    expect(rows).toEqual(select === '' ? expected.map(() => '{}') : expected)
  })
})
