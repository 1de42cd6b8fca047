/**
 * Skipping is sound: over random rows with stats computed from them the way writers write them,
 * a file holding a row that satisfies the predicate is never ruled out. (The log-level version,
 * with replay, re-adds and deletion vectors, is `plan.property.test.ts`.)
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSchema } from '../protocol/schema.js'
import { parseStats } from '../protocol/stats.js'
import { bindPredicate } from './predicate-bind.js'
import { arbStatsStyle, statsJson } from './predicate-stats.test-util.js'
import {
  arbDataRow,
  arbPartition,
  arbPredicateOver,
  referenceEvaluate,
  schemaString,
} from './predicate.test-util.js'
import { type TableShape, compileFileFilter } from './skipping.js'

describe('skipping is sound against the rows (property)', () => {
  // Many files of random rows, stats computed from them as real writers write them; the filter
  // may keep a file without a match, but must keep every file with one.
  const schema = parseSchema(schemaString('name'))
  const table: TableShape = { schema, partitionColumns: ['part', 'pd'], columnMappingMode: 'name' }
  it('never rules out a file that holds a row satisfying the predicate', () => {
    let skipped = 0
    fc.assert(
      fc.property(
        arbPartition,
        fc
          .array(arbDataRow, { minLength: 1, maxLength: 8 })
          .chain((rows) => fc.tuple(fc.constant(rows), arbPredicateOver(rows))),
        arbStatsStyle,
        (partition, [rows, predicate], style) => {
          const filter = compileFileFilter(bindPredicate(predicate, schema), table)
          const keep = filter.mayMatch({
            partitionValues: partition,
            stats: parseStats(statsJson(rows, style, 'name')),
          })
          const matches = rows.some(
            (r) => referenceEvaluate(predicate, { ...partition, ...r }) === 'T',
          )
          if (!keep) skipped++
          if (matches) expect(keep).toBe(true)
        },
      ),
      { numRuns: 3000 },
    )
    // The property is only worth something if skipping happens.
    expect(skipped).toBeGreaterThan(300)
  })
})
