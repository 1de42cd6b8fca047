/**
 * The corpus suite: every table of ../shared/corpus (written by Spark, Databricks, delta-rs,
 * the kernels) goes through `checkTable`: versions, protocol, files, facts, DAT metadata and
 * rows, Spark's expected rows, rows against DuckDB, and the typed error of each table that is
 * broken on purpose. `npm run corpus-report` also writes conformance/corpus-report.md.
 */
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { checkTable, type TableResult } from './check-table.js'
import { loadCorpus } from './corpus-tables.js'
import { corpusReport } from './report.js'

const corpusRoot = inject('servers').corpus
const tables = corpusRoot === undefined ? [] : loadCorpus(corpusRoot)
const results: TableResult[] = []

describe.skipIf(corpusRoot === undefined)(
  corpusRoot === undefined
    ? 'corpus: SKIPPED, ../shared/corpus not found (set DELTA_CORPUS)'
    : 'corpus',
  () => {
    afterAll(() => {
      if (process.env.CORPUS_REPORT === '1' && results.length === tables.length) {
        const file = path.resolve(import.meta.dirname, '../corpus-report.md')
        writeFileSync(file, corpusReport(results))
      }
    })

    it('the manifest lists the corpus tables', () => {
      expect(tables.length).toBeGreaterThan(250)
    })

    it.each(tables.map((t) => [t.id, t] as const))('%s', async (_id, table) => {
      const result = await checkTable(table)
      results.push(result)
      expect(result.checks.filter((c) => c.status === 'fail')).toEqual([])
      expect(result.checks.length).toBeGreaterThan(0)
    })
  },
)
