import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { parseSchema } from '../protocol/schema.js'
import { and, col, isIn, isNull, not, or } from '../scan/expression.js'
import { formatExpression, partitionPredicate } from './partition-predicate.js'
import { schemaOf } from './write.test-util.js'

const table = {
  schema: schemaOf(['day', 'date'], ['region', 'string'], ['n', 'long'], ['v', 'double']),
  partitionColumns: ['day', 'region', 'n'],
  columnMappingMode: 'none' as const,
}

/** Whether the predicate selects a file with these serialized partition values. */
const selects = (predicate: string, values: Record<string, string | null>): boolean =>
  partitionPredicate(predicate, table).matchesFile({ partitionValues: values })

describe('partitionPredicate', () => {
  const file = { day: '2024-01-01', region: 'eu', n: '5' }

  it('compares typed partition values: dates as dates, longs as numbers', () => {
    expect(selects("day = '2024-01-01'", file)).toBe(true)
    expect(selects("day > DATE '2023-12-31' AND n >= 5", file)).toBe(true)
    expect(selects('n < 5', file)).toBe(false)
    expect(selects("region IN ('us', 'eu')", file)).toBe(true)
    expect(selects("NOT (region = 'eu')", file)).toBe(false)
    expect(selects("region = 'us' OR n = 5", file)).toBe(true)
  })

  it('NULL partition values are selected only by IS NULL (three-valued logic)', () => {
    const nullRegion = { ...file, region: null }
    expect(selects("region = 'eu'", nullRegion)).toBe(false)
    expect(selects("NOT (region = 'eu')", nullRegion)).toBe(false)
    expect(selects("region != 'eu'", nullRegion)).toBe(false)
    expect(selects('region IS NULL', nullRegion)).toBe(true)
    expect(selects("region IS NULL OR region = 'eu'", { ...file, region: '' })).toBe(true)
  })

  it('accepts expressions, names matched ignoring case', () => {
    const predicate = partitionPredicate(
      and(or(isIn(col('REGION'), ['eu']), isNull(col('n'))), not(isNull(col('day')))),
      table,
    )
    expect(predicate.matches({ day: 19723, region: 'eu', n: 1n })).toBe(true)
    expect(predicate.matches({ day: null, region: 'eu', n: 1n })).toBe(false)
    expect(predicate.text).toBe("(((REGION IN ('eu')) OR (n IS NULL)) AND (NOT (day IS NULL)))")
  })

  it('reads partition values by physical name under column mapping', () => {
    const mapped = {
      schema: parseSchema(
        JSON.stringify({
          type: 'struct',
          fields: [
            {
              name: 'p',
              type: 'integer',
              nullable: true,
              metadata: {
                'delta.columnMapping.id': 1,
                'delta.columnMapping.physicalName': 'col-p',
              },
            },
            {
              name: 'x',
              type: 'integer',
              nullable: true,
              metadata: {
                'delta.columnMapping.id': 2,
                'delta.columnMapping.physicalName': 'col-x',
              },
            },
          ],
        }),
      ),
      partitionColumns: ['p'],
      columnMappingMode: 'name' as const,
    }
    const predicate = partitionPredicate('p = 3', mapped)
    expect(predicate.matchesFile({ partitionValues: { 'col-p': '3' } })).toBe(true)
    expect(predicate.matchesFile({ partitionValues: { p: '3' } })).toBe(false)
  })

  it.each(['v > 1', 'n = 1 AND v = 2', 'nope = 1', 'day =', "region = 'eu' AND"])(
    'refuses %s with INVALID_ARGUMENT',
    (text) => {
      let error: unknown
      try {
        partitionPredicate(text, table)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect((error as InvalidArgumentError).code).toBe('INVALID_ARGUMENT')
    },
  )
})

describe('formatExpression', () => {
  it('quotes strings and odd names, spells NULL, booleans and bytes as SQL', () => {
    expect(
      formatExpression(
        or(
          isIn(col('a b'), ["it's", null, true, 5n]),
          isIn(col('c'), [new Uint8Array([1, 255]), { unscaled: -5n, scale: 2 }]),
        ),
      ),
    ).toBe("((`a b` IN ('it''s', NULL, TRUE, 5)) OR (c IN (X'01ff', -0.05)))")
  })
})
