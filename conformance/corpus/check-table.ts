/**
 * Every check the corpus suite makes of one table, as data: the suite asserts that none
 * fails, and `npm run corpus-report` writes them all to conformance/corpus-report.md.
 *
 * Checks, where the table offers what they need:
 * - broken-on-purpose tables fail with the expected typed error (never a snapshot);
 * - the latest version, protocol and file count match the manifest (corrected where the
 *   upstream test that owns the table says otherwise) and the upstream facts;
 * - every version the log still holds loads;
 * - DAT: each expected version's metadata and rows (exact values, any order);
 * - golden tables: the rows Spark read (`expected/*.parquet`);
 * - facts: row counts, ids, rows by version;
 * - tables without deletion vectors or column mapping: our rows equal DuckDB's reading of
 *   the same live files (DuckDB shares no code with parquet-wasm or apache-arrow).
 */
import { existsSync, readdirSync } from 'node:fs'
import * as path from 'node:path'
import { arrowRows, duckColumns, duckRowsOf } from '../../src/scan/data-reader.test-util.js'
import { DeltaError } from '../../src/errors.js'
import { LogStore } from '../../src/log/log-store.js'
import { planScan } from '../../src/scan/plan.js'
import { scanToTable } from '../../src/scan/read-scan.js'
import { loadSnapshot } from '../../src/snapshot/load.js'
import type { Snapshot } from '../../src/snapshot/snapshot.js'
import { LocalStore } from '../../src/storage/local.js'
import type { CorpusTable } from './corpus-tables.js'

export interface CheckResult {
  readonly name: string
  readonly status: 'pass' | 'fail' | 'not-applicable'
  readonly detail?: string
}

export interface TableResult {
  readonly table: CorpusTable
  readonly checks: readonly CheckResult[]
  /** pass: every applicable check passed; refused: failed on purpose with the expected error. */
  readonly verdict: 'pass' | 'refused-as-expected' | 'fail'
}

/** What a check body returns when the table offers nothing to check it against. */
const NOT_APPLICABLE = 'n/a'

/** Rows of a table bigger than this are compared by count only (and by DuckDB on a slice). */
const MAX_ROWS_COMPARED = 50_000

/**
 * Where Spark's expected rows differ from the log for a reason the protocol leaves open:
 * columns to leave out of the row comparison, with the reason.
 */
const ROW_EXCEPTIONS: Readonly<
  Record<string, { readonly columns: readonly string[]; readonly reason: string }>
> = {
  'delta-kernel-rs-golden/data-reader-partition-values/delta': {
    columns: ['as_timestamp'],
    reason:
      'the partition value `2021-09-08 11:11:11` has no zone; Spark read it in its session zone (America/Los_Angeles), we read it as UTC — the log does not record the writer zone',
  },
}

export async function checkTable(table: CorpusTable): Promise<TableResult> {
  const checks: CheckResult[] = []
  const run = async (
    name: string,
    /** A detail for the report, `NOT_APPLICABLE`, or nothing. */
    body: () => Promise<string | undefined>,
  ): Promise<void> => {
    try {
      const outcome = await body()
      checks.push(
        outcome === 'n/a'
          ? { name, status: 'not-applicable' }
          : { name, status: 'pass', ...(outcome === undefined ? {} : { detail: outcome }) },
      )
    } catch (error) {
      checks.push({
        name,
        status: 'fail',
        detail: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
      })
    }
  }
  const log = new LogStore(new LocalStore(table.root, { fsync: false }))

  if (table.expectation.kind === 'error') {
    const expected = table.expectation
    await run('fails with the expected typed error', async () => {
      const error = await loadSnapshot(log).then(
        (s) => new Error(`loaded version ${s.version} with ${s.numFiles} files instead of failing`),
        (e: unknown) => e,
      )
      if (!(error instanceof DeltaError) || !expected.codes.includes(error.code)) {
        throw new Error(
          `expected ${expected.codes.join(' or ')}, got ${error instanceof Error ? error.message : String(error)}`,
        )
      }
      return `${error.code}: ${expected.reason}`
    })
    return {
      table,
      checks,
      verdict: checks.every((c) => c.status !== 'fail') ? 'refused-as-expected' : 'fail',
    }
  }

  let latest: Snapshot | undefined
  await run('latest version, protocol and files as the manifest says', async () => {
    latest = await loadSnapshot(log)
    equal(latest.version, table.manifest.latestVersion, 'version')
    equal(
      latest.protocol.minReaderVersion,
      table.manifest.protocol.minReaderVersion,
      'minReaderVersion',
    )
    equal(
      latest.protocol.minWriterVersion,
      table.manifest.protocol.minWriterVersion,
      'minWriterVersion',
    )
    equal(latest.numFiles, table.manifest.activeFiles, 'active files')
    return undefined
  })
  if (latest === undefined) return { table, checks, verdict: 'fail' }
  const snapshot = latest

  await run('every version the log holds loads', async () => {
    for (let v = snapshot.segment.earliestVersion; v < snapshot.version; v++) {
      equal((await loadSnapshot(log, { version: v, stats: 'skip' })).version, v, 'version')
    }
    return `versions ${snapshot.segment.earliestVersion}..${snapshot.version}`
  })

  if (table.facts.length > 0) {
    await run('upstream facts', async () => {
      for (const fact of table.facts) await checkFacts(log, snapshot, fact.facts)
      return table.facts.map((f) => f.source.split(':').at(-1)).join('; ')
    })
  }

  const hasData = dataPresent(table, snapshot)
  for (const expected of table.dat) {
    await run(`DAT ${expected.label}: metadata and rows`, async () => {
      const at = await loadSnapshot(log, { version: expected.version })
      equal(
        at.protocol.minReaderVersion,
        expected.metadata.min_reader_version,
        'min_reader_version',
      )
      equal(
        at.protocol.minWriterVersion,
        expected.metadata.min_writer_version,
        'min_writer_version',
      )
      equal(
        canonical(at.metadata.configuration),
        canonical(expected.metadata.properties),
        'properties',
      )
      await compareRows(
        await ourRows(at),
        await duckRowsOf(parquetIn(expected.contentDir)),
        table.id,
      )
      return `version ${expected.version}`
    })
  }

  if (table.goldenExpected !== undefined) {
    await run('rows Spark read (expected/)', async () => {
      const files = parquetIn(table.goldenExpected!)
      if (files.length === 0) return NOT_APPLICABLE
      if ((table.manifest.statsRowCount ?? 0) > MAX_ROWS_COMPARED) {
        const ours = await scanToTable(snapshot, { filter: 'id < 20000' })
        await compareRows(
          arrowRows(ours.batches),
          await duckRowsOf(files, { where: 'id < 20000' }),
          table.id,
        )
        return 'rows with id < 20000 (large table)'
      }
      await compareRows(await ourRows(snapshot), await duckRowsOf(files), table.id)
      return `${files.length} expected files`
    })
  }

  await run('rows equal DuckDB over the live data files', async () => {
    if (!hasData) return NOT_APPLICABLE
    if (snapshot.columnMappingMode !== 'none' || snapshot.isFeatureSupported('deletionVectors'))
      return NOT_APPLICABLE
    if ((table.manifest.statsRowCount ?? 0) > MAX_ROWS_COMPARED) return NOT_APPLICABLE
    const files = [...planScan(snapshot)].flatMap((f) =>
      f.location.kind === 'key' ? [path.join(table.root, f.location.key)] : [],
    )
    // Compare the table's data columns that the files hold: DuckDB would take partition
    // values from paths (or not at all), shows `_change_type` (which readers must drop), and
    // cannot produce a column no file has (which we return as NULL, as the spec says).
    const inFiles = new Set(await duckColumns(files))
    const columns = snapshot.schema.fields
      .filter(
        (f) =>
          !snapshot.partitionColumns.includes(f.name) &&
          f.type.type !== 'void' &&
          inFiles.has(f.name),
      )
      .map((f) => f.name)
    if (columns.length === 0) return NOT_APPLICABLE
    const ours = arrowRows((await scanToTable(snapshot, { columns })).batches)
    const select = columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ')
    await compareRows(
      ours,
      await duckRowsOf(files, { select, options: 'union_by_name = true' }),
      table.id,
    )
    return `${files.length} files, ${columns.length} columns`
  })

  const failed = checks.some((c) => c.status === 'fail')
  return { table, checks, verdict: failed ? 'fail' : 'pass' }
}

async function ourRows(snapshot: Snapshot): Promise<string[]> {
  return arrowRows((await scanToTable(snapshot)).batches)
}

async function compareRows(
  ours: readonly string[],
  theirs: readonly string[],
  id: string,
): Promise<void> {
  const exception = ROW_EXCEPTIONS[id]
  const strip = (rows: readonly string[]): string[] =>
    exception === undefined
      ? [...rows]
      : rows
          .map((r) => {
            const row = JSON.parse(r) as Record<string, unknown>
            const kept = Object.entries(row).filter(
              ([column]) => !exception.columns.includes(column),
            )
            return JSON.stringify(Object.fromEntries(kept))
          })
          .sort()
  const a = strip(ours)
  const b = strip(theirs)
  if (a.length !== b.length) throw new Error(`${a.length} rows, expected ${b.length}`)
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i])
      throw new Error(`row differs: ours ${a[i]!.slice(0, 300)} expected ${b[i]!.slice(0, 300)}`)
  }
}

async function checkFacts(
  log: LogStore,
  snapshot: Snapshot,
  facts: Readonly<Record<string, unknown>>,
): Promise<void> {
  if (typeof facts.version === 'number') equal(snapshot.version, facts.version, 'version')
  if (typeof facts.minReaderVersion === 'number')
    equal(snapshot.protocol.minReaderVersion, facts.minReaderVersion, 'minReaderVersion')
  if (typeof facts.minWriterVersion === 'number')
    equal(snapshot.protocol.minWriterVersion, facts.minWriterVersion, 'minWriterVersion')
  const names = (): string[] =>
    [...snapshot.files()].map((f) => path.posix.basename(decodeURIComponent(f.path))).sort()
  if (typeof facts.activeFiles === 'number')
    equal(snapshot.numFiles, facts.activeFiles, 'active files')
  if (Array.isArray(facts.activeFiles))
    equal(
      JSON.stringify(names()),
      JSON.stringify([...(facts.activeFiles as string[])].sort()),
      'active file names',
    )
  if (typeof facts.activeFileName === 'string')
    equal(JSON.stringify(names()), JSON.stringify([facts.activeFileName]), 'active file name')
  if (typeof facts.dvCardinality === 'number') {
    equal(
      JSON.stringify([...snapshot.files()].map((f) => f.deletionVector?.cardinality)),
      JSON.stringify([facts.dvCardinality]),
      'DV cardinality',
    )
  }
  if (Array.isArray(facts.schemaFieldNames)) {
    equal(
      JSON.stringify(snapshot.schema.fields.map((f) => f.name)),
      JSON.stringify(facts.schemaFieldNames),
      'schema field names',
    )
  }
  const idColumn = snapshot.schema.fields.find((f) => f.name === 'id' || f.name === 'value')?.name
  if (typeof facts.rowCount === 'number')
    equal(
      (await scanToTable(snapshot, { columns: idColumn === undefined ? [] : [idColumn] })).numRows,
      facts.rowCount,
      'row count',
    )
  const ids: unknown = facts.rows_id ?? facts.rows_id_sorted
  if (Array.isArray(ids) && ids.every((id) => typeof id === 'number') && idColumn !== undefined) {
    equal(
      JSON.stringify(await idsOf(snapshot, idColumn)),
      JSON.stringify([...ids].sort((a, b) => a - b)),
      'ids',
    )
  }
  const byVersion = facts.rowsByVersion as Readonly<Record<string, readonly number[]>> | undefined
  if (byVersion !== undefined && idColumn !== undefined) {
    for (const [version, expected] of Object.entries(byVersion)) {
      const at = await loadSnapshot(log, { version: Number(version) })
      equal(
        JSON.stringify(await idsOf(at, idColumn)),
        JSON.stringify([...expected].sort((a, b) => a - b)),
        `ids at version ${version}`,
      )
    }
  }
}

async function idsOf(snapshot: Snapshot, column: string): Promise<number[]> {
  const table = await scanToTable(snapshot, { columns: [column] })
  const out: number[] = []
  for (const batch of table.batches) {
    const vector = batch.getChildAt(0)!
    for (let i = 0; i < batch.numRows; i++) out.push(Number(vector.get(i)))
  }
  return out.sort((a, b) => a - b)
}

/** Whether the table's live data files are in the corpus (some tables ship their log only). */
function dataPresent(table: CorpusTable, snapshot: Snapshot): boolean {
  for (const file of planScan(snapshot)) {
    if (file.location.kind !== 'key' || !existsSync(path.join(table.root, file.location.key)))
      return false
  }
  return snapshot.numFiles > 0
}

function parquetIn(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((n) => n.endsWith('.parquet') && !path.basename(n).startsWith('.'))
    .map((n) => path.join(dir, n))
    .sort()
}

/** JSON with sorted keys, for comparing maps whose key order means nothing. */
function canonical(map: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : 1))),
  )
}

function equal(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected)
    throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`)
}
