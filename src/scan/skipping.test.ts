import { describe, expect, it } from 'vitest'
import type { PartitionValue } from '../protocol/partition-values.js'
import { parseSchema } from '../protocol/schema.js'
import { parseStats } from '../protocol/stats.js'
import { and, col, eq, ge, gt, isIn, isNull, le, lit, lt, ne, not, or } from './expression.js'
import type { Expression } from './expression.js'
import { bindPredicate } from './predicate-bind.js'
import { parsePredicate } from './predicate-parser.js'
import { type TableShape, compileFileFilter, rangeMayMatch } from './skipping.js'

const field = (name: string, type: unknown, metadata: Record<string, unknown> = {}) => ({
  name,
  type,
  nullable: true,
  metadata,
})
const SCHEMA = parseSchema(
  JSON.stringify({
    type: 'struct',
    fields: [
      field('x', 'long'),
      field('i', 'integer'),
      field('d', 'double'),
      field('s', 'string'),
      field('ts', 'timestamp'),
      field('day', 'date'),
      field('dec', 'decimal(38,2)'),
      field('b', 'boolean'),
      field('bin', 'binary'),
      field('n', { type: 'struct', fields: [field('y', 'integer')] }),
      field('arr', { type: 'array', elementType: 'integer', containsNull: true }),
      field('p', 'string'),
      field('q', 'long'),
    ],
  }),
)
const TABLE: TableShape = {
  schema: SCHEMA,
  partitionColumns: ['p', 'q'],
  columnMappingMode: 'none',
}

interface File {
  readonly stats?: Record<string, unknown>
  readonly partitionValues?: Record<string, PartitionValue>
}

/** Whether the filter keeps a file with these stats (a JSON object) and partition values. */
function keeps(filter: string | Expression, file: File, table: TableShape = TABLE): boolean {
  const predicate =
    typeof filter === 'string'
      ? parsePredicate(filter, table.schema)
      : bindPredicate(filter, table.schema)
  return compileFileFilter(predicate, table).mayMatch({
    partitionValues: file.partitionValues ?? { p: 'a', q: 1n },
    stats: file.stats === undefined ? undefined : parseStats(JSON.stringify(file.stats)),
  })
}

/** Stats of `numRecords` rows for one top-level column. */
function stats(column: string, min: unknown, max: unknown, nulls = 0, numRecords = 10, extra = {}) {
  return {
    stats: {
      numRecords,
      minValues: min === undefined ? {} : { [column]: min },
      maxValues: max === undefined ? {} : { [column]: max },
      nullCount: { [column]: nulls },
      ...extra,
    },
  }
}

describe('stats skipping per operator (x in [10, 20])', () => {
  const file = stats('x', 10, 20)
  it.each([
    ['x = 9', false],
    ['x = 10', true],
    ['x = 20', true],
    ['x = 21', false],
    ['x < 10', false],
    ['x < 11', true],
    ['x <= 9', false],
    ['x <= 10', true],
    ['x > 20', false],
    ['x > 19', true],
    ['x >= 21', false],
    ['x >= 20', true],
    ['x != 15', true],
    ['x IN (1, 2, 30)', false],
    ['x IN (1, 15)', true],
    ['x NOT IN (15)', true],
    ['x BETWEEN 21 AND 30', false],
    ['x BETWEEN 5 AND 10', true],
    ['15 < x', true],
    ['25 < x', false],
    ['25 >= x', true],
    ['5 >= x', false],
  ])('%s keeps the file: %s', (filter, expected) => {
    expect(keeps(filter, file)).toBe(expected)
  })

  it('skips x != v only when every value equals v', () => {
    expect(keeps('x != 7', stats('x', 7, 7))).toBe(false)
    expect(keeps('x != 7', stats('x', 7, 8))).toBe(true)
    expect(keeps('x != 8', stats('x', 7, 7))).toBe(true)
  })
})

describe('NOT is pushed down with flipped operators and three-valued logic', () => {
  const file = stats('x', 10, 20)
  it.each([
    ['NOT x > 5', false], // x <= 5: min is 10
    ['NOT x > 10', true], // x <= 10
    ['NOT x < 20', true], // x >= 20
    ['NOT x < 21', false],
    ['NOT (x < 5 OR x > 25)', true], // x >= 5 AND x <= 25
    ['NOT (x >= 10 AND x <= 20)', false], // x < 10 OR x > 20
    ['NOT (x >= 10 AND x <= 19)', true],
    ['NOT NOT x = 30', false],
    ['NOT x IN (10, 11)', true],
    ['NOT x BETWEEN 0 AND 30', false],
  ])('%s keeps the file: %s', (filter, expected) => {
    expect(keeps(filter, file)).toBe(expected)
  })

  it('NOT (x = 1) does not select NULL rows: a file of only NULLs is skipped for it', () => {
    const allNull = stats('x', undefined, undefined, 10, 10)
    expect(keeps('NOT (x = 1)', allNull)).toBe(false)
    expect(keeps('x = 1', allNull)).toBe(false)
    expect(keeps('x != 1', allNull)).toBe(false)
    expect(keeps('x IS NULL', allNull)).toBe(true)
    expect(keeps('NOT (x IS NULL)', allNull)).toBe(false)
    expect(keeps('x IS NOT NULL', allNull)).toBe(false)
    expect(keeps('NOT (x = 1) OR x IS NULL', allNull)).toBe(true)
  })

  it('NOT (x = 1) keeps a file whose only non-NULL value is not 1', () => {
    expect(keeps('NOT (x = 1)', stats('x', 2, 2, 5, 10))).toBe(true)
    expect(keeps('NOT (x = 2)', stats('x', 2, 2, 5, 10))).toBe(false)
  })

  it('comparisons with NULL are never TRUE, in either polarity', () => {
    const file = stats('x', 10, 20, 3)
    expect(keeps(eq(col('x'), lit(null)), file)).toBe(false)
    expect(keeps(not(eq(col('x'), lit(null))), file)).toBe(false)
    expect(keeps('x NOT IN (1, NULL)', file)).toBe(false)
    expect(keeps('x IN (15, NULL)', file)).toBe(true)
    expect(keeps('x IN (1, NULL)', file)).toBe(false)
    expect(keeps('NULL OR x = 15', file)).toBe(true)
    expect(keeps('NOT (NULL AND x = 1)', file)).toBe(true) // NOT NULL OR x != 1
    expect(keeps('NOT (NULL OR x = 15)', file)).toBe(false) // NULL AND x != 15
  })

  it('constant predicates keep all files or none without reading anything', () => {
    const t = compileFileFilter(parsePredicate('1 = 1', SCHEMA), TABLE)
    expect(t.constant).toBe('true')
    expect(compileFileFilter(parsePredicate('1 = 2 AND x = 5', SCHEMA), TABLE).constant).toBe(
      'false',
    )
    expect(compileFileFilter(parsePredicate('NOT NULL', SCHEMA), TABLE).constant).toBe('false')
    expect(compileFileFilter(parsePredicate('x = 5', SCHEMA), TABLE).constant).toBeUndefined()
  })
})

describe('null counts', () => {
  it('IS NULL is ruled out by nullCount 0 and IS NOT NULL by nullCount = numRecords', () => {
    expect(keeps('x IS NULL', stats('x', 1, 2, 0))).toBe(false)
    expect(keeps('x IS NULL', stats('x', 1, 2, 1))).toBe(true)
    expect(keeps('x IS NOT NULL', stats('x', 1, 2, 9))).toBe(true)
    expect(keeps('x IS NOT NULL', stats('x', undefined, undefined, 10))).toBe(false)
  })

  it('keeps the file when nullCount or numRecords is missing', () => {
    expect(keeps('x IS NULL', { stats: { numRecords: 10 } })).toBe(true)
    expect(keeps('x = 1', { stats: { nullCount: { x: 10 } } })).toBe(true)
    expect(keeps('x IS NOT NULL', { stats: { nullCount: { x: 10 } } })).toBe(true)
  })

  it('skips files with no rows for any comparison or IS NULL', () => {
    const empty = { stats: { numRecords: 0, nullCount: { x: 0 } } }
    expect(keeps('x = 1', empty)).toBe(false)
    expect(keeps('x IS NULL', empty)).toBe(false)
    expect(keeps('x IS NULL', { stats: { numRecords: 0 } })).toBe(false)
  })
})

describe('tightBounds false (wide bounds)', () => {
  const wide = (nulls: number) => stats('x', 10, 20, nulls, 10, { tightBounds: false })
  it('still uses min and max as bounds', () => {
    expect(keeps('x = 25', wide(0))).toBe(false)
    expect(keeps('x = 15', wide(0))).toBe(true)
  })
  it('trusts nullCount only when it is 0 or numRecords', () => {
    expect(keeps('x IS NULL', wide(0))).toBe(false)
    expect(keeps('x IS NULL', wide(3))).toBe(true)
    expect(keeps('x IS NOT NULL', wide(10))).toBe(false)
    expect(keeps('x = 15', wide(10))).toBe(false)
    // A wide nullCount of 3 says nothing, so the file is kept for IS NULL (above) and compared
    // by bounds otherwise.
    expect(keeps('x = 25', wide(3))).toBe(false)
  })
})

describe('unknowns keep the file', () => {
  it.each([
    ['no stats', {}],
    [
      'column not in stats',
      { stats: { numRecords: 10, minValues: { i: 1 }, maxValues: { i: 1 } } },
    ],
    ['only a min', stats('x', 1, undefined)],
    ['a long beyond 2^53', stats('x', 9007199254740993, 9007199254740993)],
    ['a malformed value', stats('x', 'ten', 'twenty')],
  ])('%s', (_name, file) => {
    expect(keeps('x = 5', file)).toBe(true)
  })

  it('a min alone still rules out smaller values', () => {
    expect(keeps('x < 50', stats('x', 100, undefined))).toBe(false)
  })

  it('decimals with more digits than a double holds', () => {
    expect(keeps("dec = '1.00'", stats('dec', 12345678901234567.5, 12345678901234567.5))).toBe(true)
    expect(keeps("dec = '1.00'", stats('dec', 2.5, 3.5))).toBe(false)
    expect(keeps("dec = '2.50'", stats('dec', 2.5, 3.5))).toBe(true)
  })

  it('column against column, binary, arrays and nested structs without stats', () => {
    const file = stats('x', 10, 20)
    expect(keeps({ kind: 'compare', op: '=', left: col('x'), right: col('i') }, file)).toBe(true)
    expect(keeps("bin = 'a'", stats('bin', 'a', 'a'))).toBe(true)
    expect(keeps('arr IS NULL', stats('arr', undefined, undefined, 0))).toBe(false)
    expect(keeps('n.y = 1', file)).toBe(true)
  })
})

describe('strings: min is a lower bound, max only a prefix envelope', () => {
  const file = stats('s', 'abc', 'abc')
  it.each([
    ["s = 'abc'", true],
    ["s = 'abcz'", true], // the max may have been cut from 'abcz...'
    ["s = 'abd'", false],
    ["s = 'ab'", false], // below the min
    ["s > 'abc'", true],
    ["s > 'abcz'", true],
    ["s > 'abd'", false],
    ["s >= 'abd'", false],
    ["s >= 'abc'", true],
    ["s < 'abc'", false],
    ["s <= 'abc'", true],
    ["s != 'abc'", true],
    ["s IN ('x', 'abczz')", true],
  ])('%s keeps the file: %s', (filter, expected) => {
    expect(keeps(filter, file)).toBe(expected)
  })

  it('a Spark tie-breaker max is an upper bound for everything but its own extensions', () => {
    const spark = stats('s', 'aaa', 'abc\u{10ffff}')
    expect(keeps("s = 'abd'", spark)).toBe(false)
    expect(keeps("s = 'abcz'", spark)).toBe(true)
    expect(keeps("s = 'abc\u{10ffff}x'", spark)).toBe(true)
  })

  it('orders by code point (UTF-8 bytes), not UTF-16 units', () => {
    // U+FFFD sorts below U+1F600 in UTF-8, above it in UTF-16.
    const file = stats('s', '\u{1f600}', '\u{1f600}')
    expect(keeps("s = '\ufffd'", file)).toBe(false)
    expect(keeps("s < '\ufffd'", file)).toBe(false)
    expect(keeps("s > '\ufffd'", file)).toBe(true)
  })

  it('an empty max is a prefix of everything', () => {
    expect(keeps("s = 'zzz'", stats('s', '', ''))).toBe(true)
  })
})

describe('timestamps: max stats are truncated to milliseconds', () => {
  const file = stats('ts', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z')
  it.each([
    ["ts = '2024-01-01 00:00:00'", true],
    ["ts = '2024-01-01 00:00:00.000999'", true],
    ["ts = '2024-01-01 00:00:00.001'", false],
    ["ts > '2024-01-01 00:00:00.000998'", true],
    ["ts > '2024-01-01 00:00:00.000999'", false],
    ["ts >= '2024-01-01 00:00:00.000999'", true],
    ["ts >= '2024-01-01 00:00:00.001'", false],
    ["ts < '2024-01-01 00:00:00'", false],
    ["ts < '2024-01-01 00:00:00.000001'", true],
    ["ts != '2024-01-01 00:00:00'", true], // the true max may be .000999
  ])('%s keeps the file: %s', (filter, expected) => {
    expect(keeps(filter, file)).toBe(expected)
  })

  it('reads stats written with a zone offset', () => {
    const offset = stats('ts', '2000-01-01T00:00:00.000-08:00', '2000-01-01T00:00:00.000-08:00')
    expect(keeps("ts = '2000-01-01 08:00:00'", offset)).toBe(true)
    expect(keeps("ts = '2000-01-01 00:00:00'", offset)).toBe(false)
  })
})

describe('other types', () => {
  it('dates, booleans, integers and doubles', () => {
    expect(keeps("day = '2024-01-02'", stats('day', '2024-01-01', '2024-01-01'))).toBe(false)
    expect(keeps("day >= '2024-01-01'", stats('day', '2024-01-01', '2024-01-01'))).toBe(true)
    expect(keeps('b = TRUE', stats('b', false, false))).toBe(false)
    expect(keeps('b', stats('b', false, false))).toBe(false)
    expect(keeps('NOT b', stats('b', false, false))).toBe(true)
    expect(keeps('NOT b', stats('b', true, true))).toBe(false)
    expect(keeps('i > 2.5', stats('i', 1, 2))).toBe(false)
    expect(keeps('i > 1.5', stats('i', 1, 2))).toBe(true)
    expect(keeps('d < -0.5', stats('d', -0.25, 3.5))).toBe(false)
    expect(keeps('d = 0', stats('d', -0.0, 0.0))).toBe(true)
  })

  it('NaN sorts above every number; a NaN max (written as a string) is unknown', () => {
    expect(keeps(gt(col('d'), Number.NaN), stats('d', 1, 2))).toBe(false)
    expect(keeps(eq(col('d'), Number.NaN), stats('d', 1, 2))).toBe(false)
    expect(keeps(eq(col('d'), Number.NaN), stats('d', 1, 'NaN'))).toBe(true)
    expect(keeps(gt(col('d'), 5), stats('d', 1, 'NaN'))).toBe(true)
    expect(keeps(lt(col('d'), Number.NaN), stats('d', 1, 2))).toBe(true)
  })

  it('nested columns read nested stats', () => {
    const nested = {
      stats: {
        numRecords: 2,
        minValues: { n: { y: 5 } },
        maxValues: { n: { y: 6 } },
        nullCount: { n: { y: 0 } },
      },
    }
    expect(keeps('n.y = 7', nested)).toBe(false)
    expect(keeps('n.y = 6', nested)).toBe(true)
    expect(keeps('n.y IS NULL', nested)).toBe(false)
  })
})

describe('partition columns are decided exactly', () => {
  const part = (p: string | null, q: bigint | null = 1n): File => ({ partitionValues: { p, q } })
  it.each([
    ["p = 'a'", 'a', true],
    ["p = 'b'", 'a', false],
    ["p = 'a'", null, false],
    ["NOT (p = 'a')", null, false],
    ["p != 'a'", 'b', true],
    ["p != 'a'", 'a', false],
    ['p IS NULL', null, true],
    ['p IS NULL', 'a', false],
    ['p IS NOT NULL', null, false],
    ["p != 'a' OR p IS NULL", null, true],
    ["p IN ('x', 'a')", 'a', true],
    ["p NOT IN ('x', 'a')", 'a', false],
    ["p NOT IN ('x', 'a')", 'b', true],
    ["p > 'a'", 'b', true],
    ["p > 'b'", 'b', false],
  ])('%s with p = %j keeps the file: %s', (filter, p, expected) => {
    expect(keeps(filter, part(p))).toBe(expected)
  })

  it('partition values are exact: a string value is not a prefix', () => {
    expect(keeps("p = 'abcz'", part('abc'))).toBe(false)
  })

  it('mixes partition and stats leaves; reads only what it needs', () => {
    const filter = compileFileFilter(parsePredicate("p = 'a' AND q > 5", SCHEMA), TABLE)
    expect(filter.usesStats).toBe(false)
    expect(filter.usesPartitionValues).toBe(true)
    expect(filter.mayMatch({ partitionValues: { p: 'a', q: 6n }, stats: undefined })).toBe(true)
    expect(filter.mayMatch({ partitionValues: { p: 'a', q: 5n }, stats: undefined })).toBe(false)
    const mixed = compileFileFilter(parsePredicate("p = 'a' OR x = 5", SCHEMA), TABLE)
    expect(mixed.usesStats).toBe(true)
    expect(
      keeps("p = 'a' OR x = 5", { partitionValues: { p: 'b', q: 1n }, ...stats('x', 1, 2) }),
    ).toBe(false)
    expect(
      keeps("p = 'a' OR x = 5", { partitionValues: { p: 'b', q: 1n }, ...stats('x', 1, 9) }),
    ).toBe(true)
    expect(
      keeps("p = 'a' AND x = 5", { partitionValues: { p: 'a', q: 1n }, ...stats('x', 6, 9) }),
    ).toBe(false)
  })

  it('a missing partition value is NULL', () => {
    expect(keeps('p IS NULL', { partitionValues: { q: 1n } })).toBe(true)
  })
})

describe('column mapping: stats are keyed by physical names', () => {
  const cm = (name: string, id: number, type: unknown) =>
    field(name, type, {
      'delta.columnMapping.id': id,
      'delta.columnMapping.physicalName': `col-${name}`,
    })
  const schema = parseSchema(
    JSON.stringify({
      type: 'struct',
      fields: [
        cm('x', 1, 'long'),
        cm('n', 2, { type: 'struct', fields: [cm('y', 3, 'integer')] }),
        cm('p', 4, 'string'),
      ],
    }),
  )
  const table: TableShape = { schema, partitionColumns: ['p'], columnMappingMode: 'name' }
  const file: File = {
    partitionValues: { p: 'a' },
    stats: {
      numRecords: 1,
      minValues: { 'col-x': 10, 'col-n': { 'col-y': 1 } },
      maxValues: { 'col-x': 20, 'col-n': { 'col-y': 1 } },
      nullCount: { 'col-x': 0, 'col-n': { 'col-y': 0 } },
    },
  }
  it('reads stats by the physical path of a logical column', () => {
    expect(keeps('x = 30', file, table)).toBe(false)
    expect(keeps('x = 15', file, table)).toBe(true)
    expect(keeps('n.y = 2', file, table)).toBe(false)
    expect(keeps('n.y IS NULL', file, table)).toBe(false)
    expect(keeps("p = 'b'", file, table)).toBe(false)
  })
  it('stats keyed by logical names are not used (they are not the columns)', () => {
    const logical: File = { stats: { numRecords: 1, minValues: { x: 10 }, maxValues: { x: 20 } } }
    expect(keeps('x = 30', logical, table)).toBe(true)
  })
  it('in none mode the display names are the keys', () => {
    expect(keeps('x = 30', file, { ...table, columnMappingMode: 'none' })).toBe(true)
  })
})

describe('rangeMayMatch', () => {
  it('treats a missing bound as open', () => {
    expect(rangeMayMatch('=', 5n, undefined, undefined, false)).toBe(true)
    expect(rangeMayMatch('<', 5n, 5n, undefined, false)).toBe(false)
    expect(rangeMayMatch('>', 5n, undefined, 5n, false)).toBe(false)
    expect(rangeMayMatch('>', 'abc', undefined, 'abc', true)).toBe(true)
  })
  it('keeps the file when literal and bound are incomparable', () => {
    expect(rangeMayMatch('=', 'x', 1n, 2n, false)).toBe(true)
  })
})

describe('combinations', () => {
  it('AND needs every operand possible, OR one', () => {
    const file = { ...stats('x', 10, 20), partitionValues: { p: 'a', q: 1n } }
    expect(keeps(and(gt(col('x'), 15), lt(col('x'), 12)), file)).toBe(true) // each leaf alone is possible
    expect(keeps(and(gt(col('x'), 25), lt(col('x'), 30)), file)).toBe(false)
    expect(keeps(or(gt(col('x'), 25), le(col('x'), 10)), file)).toBe(true)
    expect(keeps(or(gt(col('x'), 25), lt(col('x'), 10)), file)).toBe(false)
    expect(keeps(isIn(col('x'), [1n, 2n]), file)).toBe(false)
    expect(keeps(not(and(ge(col('x'), 10), isNull(col('x')))), file)).toBe(true)
    expect(keeps(ne(col('x'), 15n), file)).toBe(true)
  })
})
