/**
 * DELETE on tables written by Spark, Databricks and the kernels (the shared corpus): each table
 * is copied whole (data, DV files, log) into a temporary directory, a few of its own rows are
 * appended again (so a delete spans files of both writers), rows are deleted, and the table is
 * read back: exactly the rows not deleted must remain, and `verify()` must find nothing wrong
 * (DV checksums and offsets included). Where the table holds Spark's change data files, ours
 * must have the same columns and types. The corpus itself is never written.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type * as arrow from 'apache-arrow'
import { afterAll, describe, expect, test } from 'vitest'
import { corpusMissing, inCorpus } from '../engine/engine.test-util.js'
import { readParquetSchema } from '../engine/parquet.js'
import { LogStore } from '../log/log-store.js'
import { verify } from '../maintenance/verify.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { arrowRows } from '../scan/data-reader.test-util.js'
import { scanToTable } from '../scan/read-scan.js'
import { loadSnapshot } from '../snapshot/load.js'
import { LocalStore } from '../storage/local.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { type DeleteOptions, type DeleteStrategy, deleteRows } from './delete.js'
import { commitParts } from './delete.test-util.js'
import { appendData } from './write-data.js'

const skip = corpusMissing()
const temps: string[] = []
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })))

const clock = new ManualClock(Date.UTC(2030, 0, 1))

/** A temporary copy of a whole corpus table, opened for writing. */
function copyOf(table: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deltalake-ts-delete-'))
  temps.push(dir)
  cpSync(inCorpus(table), dir, { recursive: true })
  const log = new LogStore(new LocalStore(dir))
  return { dir, log, snapshot: () => loadSnapshot(log, { clock }) }
}

type Row = Record<string, unknown>

interface Case {
  readonly table: string
  /** Rows of the table (first ones read) appended again before deleting. */
  readonly append: number
  readonly predicate: string
  /** The same predicate over canonical rows (`arrowRows`: numbers as strings). */
  readonly deleted: (row: Row) => boolean
  readonly strategy: DeleteStrategy
  readonly options?: DeleteOptions
  /** A directory of Spark's change data files to compare ours with. */
  readonly sparkChangeData?: string
}

const num = (v: unknown): number => Number(v)

const CASES: readonly Case[] = [
  {
    // A Databricks DV (stored, rows 0 and 9) is merged with ours.
    table: 'delta-kernel-rs/table-with-dv-small',
    append: 2,
    predicate: 'value < 3 OR value = 8',
    deleted: (r) => num(r['value']) < 3 || num(r['value']) === 8,
    strategy: 'deletion-vectors',
  },
  {
    table: 'delta-golden/dv-partitioned-with-checkpoint',
    append: 3,
    predicate: "col1 >= 40 OR col2 = 'foo1'",
    deleted: (r) => num(r['col1']) >= 40 || r['col2'] === 'foo1',
    strategy: 'deletion-vectors',
  },
  {
    // Every Spark type, nested ones included, goes through a rewrite under column mapping.
    table: 'delta-golden/table-with-columnmapping-mode-name',
    append: 2,
    predicate: 'IntegerType = 1 OR IntegerType IS NULL',
    deleted: (r) => r['IntegerType'] === '1' || r['IntegerType'] === null,
    strategy: 'rewrite',
  },
  {
    table: 'dat-deltaray/basic_partitioned/delta',
    append: 2,
    predicate: 'number >= 5 OR a_float < 2.0',
    deleted: (r) => num(r['number']) >= 5 || num(r['a_float']) < 2,
    strategy: 'rewrite',
  },
  {
    table: 'delta-kernel-rs/cdf-table',
    append: 1,
    predicate: 'id >= 5',
    deleted: (r) => num(r['id']) >= 5,
    strategy: 'rewrite',
    sparkChangeData: '_change_data/birthday=2023-12-24',
  },
  {
    // DVs supported but not enabled: a rewrite, with change data under physical names.
    table: 'delta-kernel-rs/cdf-column-mapping-name-mode-3-7',
    append: 1,
    predicate: 'id < 3',
    deleted: (r) => num(r['id']) < 3,
    strategy: 'rewrite',
    sparkChangeData: '_change_data',
  },
]

/** Column names and Arrow types of a Parquet file. */
function columnsOf(bytes: Uint8Array): string[] {
  return readParquetSchema(bytes).fields.map((f) => `${f.name}: ${String(f.type)}`)
}

describe.skipIf(skip)('deleteRows on corpus tables', () => {
  test.each(CASES)('$table: $predicate', async (c) => {
    const t = copyOf(c.table)
    let ids = 1
    const before = await scanToTable(await t.snapshot())
    const again: arrow.Table = before.slice(0, c.append)
    const appended = await appendData(await t.snapshot(), again, { clock, ids: seededIds(ids++) })
    expect(appended.status).toBe('committed')
    const all = [...arrowRows(before.batches), ...arrowRows(again.batches)]
    const gone = all.filter((r) => c.deleted(JSON.parse(r) as Row))
    expect(gone.length).toBeGreaterThan(0)

    const result = await deleteRows(await t.snapshot(), c.predicate, {
      clock,
      ids: seededIds(ids++),
      ...c.options,
    })
    expect(result.status).toBe('committed')
    expect(result.strategy).toBe(c.strategy)
    expect(result.metrics.numDeletedRows).toBe(gone.length)
    const after = arrowRows((await scanToTable(await t.snapshot())).batches)
    expect(after).toEqual(all.filter((r) => !c.deleted(JSON.parse(r) as Row)).sort())
    const report = await verify({ log: t.log }, { clock })
    expect(report.problems).toEqual([])

    const commit = commitParts(await t.log.readCommit((await t.snapshot()).version))
    if (c.strategy === 'deletion-vectors') {
      // Every re-added file carries a DV with exact physical numRecords and wide bounds.
      for (const add of commit.adds) {
        expect(add.deletionVector).toBeDefined()
        expect(JSON.parse(add.stats!)).toMatchObject({ tightBounds: false })
      }
    }
    if (c.sparkChangeData !== undefined) {
      expect(commit.cdcs.length).toBeGreaterThan(0)
      const sparkDir = path.join(t.dir, c.sparkChangeData)
      const spark = readdirSync(sparkDir).find((f) => /^cdc-.*\.parquet$/.test(f))!
      const theirs = columnsOf(readFileSync(path.join(sparkDir, spark)))
      for (const cdc of commit.cdcs) {
        const target = decodeLogPath(cdc.path)
        if (target.kind !== 'relative') throw new Error(`unexpected path ${cdc.path}`)
        expect(columnsOf(readFileSync(path.join(t.dir, target.key)))).toEqual(theirs)
      }
    }
  })

  test('a partition delete on a Spark DV table with a checkpoint removes whole files, DVs included', async () => {
    const t = copyOf('delta-golden/dv-partitioned-with-checkpoint')
    const before = arrowRows((await scanToTable(await t.snapshot())).batches)
    const result = await deleteRows(await t.snapshot(), 'part = 3 OR part = 7', {
      clock,
      ids: seededIds(9),
    })
    expect(result.strategy).toBe('metadata')
    const commit = commitParts(await t.log.readCommit((await t.snapshot()).version))
    expect(new Set(commit.removes.map((r) => r.partitionValues?.['part']))).toEqual(
      new Set(['3', '7']),
    )
    expect(result.metrics.numDeletionVectorsRemoved).toBe(
      commit.removes.filter((r) => r.deletionVector !== undefined).length,
    )
    const kept = before.filter(
      (r) => !['3', '7'].includes((JSON.parse(r) as Row)['part'] as string),
    )
    expect(result.metrics.numDeletedRows).toBe(before.length - kept.length)
    expect(arrowRows((await scanToTable(await t.snapshot())).batches)).toEqual(kept)
  })
})
