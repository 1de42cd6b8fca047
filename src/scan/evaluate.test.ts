import * as arrow from 'apache-arrow'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluatePredicate } from './evaluate.js'
import { and, col, eq, ge, gt, isIn, isNull, le, lit, lt, ne, not, or } from './expression.js'
import type { Expression } from './expression.js'
import { LiteralTypeError, UnknownColumnError } from './predicate-errors.js'
import { parsePredicate } from './predicate-parser.js'
import {
  type Row,
  arbDataRow,
  arbPartition,
  arbPredicateOver,
  referenceEvaluate,
} from './predicate.test-util.js'
import { arrowColumn, toRecordBatch } from './predicate-arrow.test-util.js'

const BASE_TS = 1704067200000000n

/** A row of the test table with defaults, overridden by `values`. */
function row(values: Partial<Record<string, unknown>>): Row {
  return {
    part: 'a',
    pd: 19723,
    x: 0n,
    d: 0,
    s: '',
    ts: BASE_TS,
    dec: null,
    b: null,
    n: null,
    ...values,
  }
}

const ROWS: Row[] = [
  row({ x: 1n, d: 1.5, s: 'abc', b: true, n: { y: 1 }, dec: { unscaled: 150n, scale: 2 } }),
  row({ x: 2n, d: Number.NaN, s: 'abd', b: false, n: { y: null }, ts: BASE_TS + 999n }),
  row({ x: null, d: null, s: null, b: null, n: null, part: null, pd: null, ts: null }),
  row({ x: 5n, d: -0, s: '\u{1f600}', b: true, n: { y: 3 }, dec: { unscaled: -5n, scale: 2 } }),
  row({ x: -3n, d: 2, s: '\ufffd', b: false, n: { y: -1 }, part: 'b', ts: BASE_TS + 1000n }),
]
const BATCH = toRecordBatch(ROWS)

function rowsMatching(filter: string | Expression, batch = BATCH): number[] {
  const expr = typeof filter === 'string' ? parsePredicate(filter) : filter
  const mask = evaluatePredicate(batch, expr)
  return [...mask.keys()].filter((i) => mask[i] === 1)
}

describe('evaluatePredicate', () => {
  it.each([
    ['x = 2', [1]],
    ['x != 2', [0, 3, 4]], // the NULL row is neither
    ['x > 1', [1, 3]],
    ['x >= 1 AND x <= 2', [0, 1]],
    ['x < 0 OR x = 5', [3, 4]],
    ['NOT x = 2', [0, 3, 4]],
    ['x IS NULL', [2]],
    ['x IS NOT NULL', [0, 1, 3, 4]],
    ['x IN (1, 5)', [0, 3]],
    ['x NOT IN (1, 5)', [1, 4]],
    ['x NOT IN (1, NULL)', []],
    ['x IN (1, NULL)', [0]],
    ['NOT (x IN (1, NULL))', []],
    ['x BETWEEN -3 AND 1', [0, 4]],
    ['x = NULL OR x IS NULL', [2]],
    ['2 < x', [3]],
  ])('%s selects rows %j', (filter, expected) => {
    expect(rowsMatching(filter)).toEqual(expected)
  })

  it('uses Kleene logic: NULL AND FALSE is FALSE, NULL OR TRUE is TRUE', () => {
    expect(rowsMatching('NOT (x = 1 AND s = NULL)')).toEqual([1, 3, 4])
    expect(rowsMatching('x = 1 OR s = NULL')).toEqual([0])
    expect(rowsMatching('NOT (x = 1 OR s = NULL)')).toEqual([])
    expect(rowsMatching('TRUE')).toEqual([0, 1, 2, 3, 4])
    expect(rowsMatching('NULL OR TRUE')).toEqual([0, 1, 2, 3, 4])
    expect(rowsMatching('NOT NULL')).toEqual([])
  })

  it('treats NaN as equal to NaN and above every number, and -0 as 0', () => {
    expect(rowsMatching(gt(col('d'), 100))).toEqual([1])
    expect(rowsMatching(eq(col('d'), Number.NaN))).toEqual([1])
    expect(rowsMatching(lt(col('d'), Number.NaN))).toEqual([0, 3, 4])
    expect(rowsMatching(ge(col('d'), Number.NaN))).toEqual([1])
    expect(rowsMatching(eq(col('d'), 0))).toEqual([3])
    expect(rowsMatching(isIn(col('d'), [0, Number.NaN, 7, 8, 9, 10, 11, 12]))).toEqual([1, 3])
  })

  it('orders strings by UTF-8 bytes, comparing without decoding', () => {
    expect(rowsMatching("s > 'abc'")).toEqual([1, 3, 4])
    expect(rowsMatching("s > '\ufffd'")).toEqual([3]) // U+1F600 sorts above U+FFFD in UTF-8
    expect(rowsMatching("s < 'abd'")).toEqual([0])
    expect(rowsMatching("s = 'ab'")).toEqual([])
    expect(rowsMatching("s >= 'ab'")).toEqual([0, 1, 3, 4])
    expect(rowsMatching("s IN ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'abd', NULL)")).toEqual([1])
  })

  it('compares timestamps in microseconds and decimals by value', () => {
    expect(rowsMatching(eq(col('ts'), BASE_TS + 999n))).toEqual([1])
    expect(rowsMatching(gt(col('ts'), BASE_TS))).toEqual([1, 4])
    expect(rowsMatching(eq(col('dec'), { unscaled: 15n, scale: 1 }))).toEqual([0])
    expect(rowsMatching(lt(col('dec'), 0))).toEqual([3])
    expect(rowsMatching(gt(col('dec'), 1.25))).toEqual([0])
    expect(rowsMatching(eq(col('pd'), 19723))).toEqual([0, 1, 3, 4])
  })

  it('reads nested fields through their struct, NULL when the struct is NULL', () => {
    expect(rowsMatching('n.y = 1')).toEqual([0])
    expect(rowsMatching('n.y IS NULL')).toEqual([1, 2])
    expect(rowsMatching('n IS NULL')).toEqual([2])
    expect(rowsMatching('n.y >= -1')).toEqual([0, 3, 4])
  })

  it('uses a boolean column as a condition', () => {
    expect(rowsMatching('b')).toEqual([0, 3])
    expect(rowsMatching('NOT b')).toEqual([1, 4])
    expect(rowsMatching('b = FALSE OR b IS NULL')).toEqual([1, 2, 4])
  })

  it('compares a condition used as a value', () => {
    expect(
      rowsMatching({ kind: 'compare', op: '=', left: gt(col('x'), 1), right: lit(false) }),
    ).toEqual([0, 4])
  })

  it('resolves names ignoring case when no column matches exactly', () => {
    expect(rowsMatching('X = 2 AND N.Y IS NULL')).toEqual([1])
  })

  it('compares column with column', () => {
    const batch = toRecordBatch([
      row({ x: 1n, n: { y: 1 } }),
      row({ x: 2n, n: { y: 1 } }),
      row({ x: 2n }),
    ])
    expect(
      rowsMatching({ kind: 'compare', op: '>', left: col('x'), right: col('n', 'y') }, batch),
    ).toEqual([1])
  })

  it('throws typed errors for unknown columns and impossible comparisons', () => {
    try {
      evaluatePredicate(BATCH, eq(col('nope'), 1))
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownColumnError)
      expect((error as UnknownColumnError).code).toBe('INVALID_ARGUMENT')
      expect((error as UnknownColumnError).column).toBe('nope')
      expect((error as UnknownColumnError).available).toEqual(
        expect.arrayContaining(['x', 'n', 'n.y']),
      )
    }
    expect(() => evaluatePredicate(BATCH, eq(col('x'), 'one'))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', column: 'x' }),
    )
    expect(() => evaluatePredicate(BATCH, col('x'))).toThrow(LiteralTypeError)
    expect(() => evaluatePredicate(BATCH, lit(5))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('returns one byte per row, also for an empty batch', () => {
    expect(evaluatePredicate(BATCH, lit(true))).toEqual(new Uint8Array([1, 1, 1, 1, 1]))
    expect(evaluatePredicate(toRecordBatch([]), eq(col('x'), 1n))).toEqual(new Uint8Array(0))
  })

  it('honours the offsets of a sliced batch', () => {
    const sliced = BATCH.slice(1, 5)
    for (const filter of [
      "s > 'abc'",
      'x IS NULL',
      'b',
      'n.y IS NULL',
      'x IN (1,2,3,4,5,6,7,8,9)',
      'dec < 0',
    ]) {
      const full = evaluatePredicate(BATCH, parsePredicate(filter))
      expect(evaluatePredicate(sliced, parsePredicate(filter))).toEqual(full.subarray(1, 5))
    }
  })

  it('reads timestamps of other units, dictionary strings and other integer widths', () => {
    const ms = arrow.makeData({
      type: new arrow.Timestamp(arrow.TimeUnit.MILLISECOND, 'UTC'),
      length: 2,
      nullCount: 0,
      data: BigInt64Array.of(1000n, 2000n),
    })
    const int8 = arrow.makeData({
      type: new arrow.Int8(),
      length: 2,
      nullCount: 0,
      data: Int8Array.of(-1, 7),
    })
    const dictionary = arrow.vectorFromArray(
      ['b', 'a'],
      new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
    )
    const f32 = arrow.makeData({
      type: new arrow.Float32(),
      length: 2,
      nullCount: 0,
      data: Float32Array.of(0.1, 2),
    })
    const fields = [
      new arrow.Field('t', ms.type, true),
      new arrow.Field('i', int8.type, true),
      new arrow.Field('k', dictionary.type, true),
      new arrow.Field('f', f32.type, true),
    ]
    const batch = new arrow.RecordBatch(
      new arrow.Schema(fields),
      arrow.makeData({
        type: new arrow.Struct(fields),
        length: 2,
        nullCount: 0,
        children: [ms, int8, dictionary.data[0]!, f32],
      }),
    )
    expect(rowsMatching(eq(col('t'), 2_000_000n), batch)).toEqual([1])
    expect(rowsMatching(lt(col('i'), 0), batch)).toEqual([0])
    expect(rowsMatching(eq(col('k'), 'a'), batch)).toEqual([1])
    expect(rowsMatching(eq(col('f'), Math.fround(0.1)), batch)).toEqual([0])
  })

  it('handles every operator on a decimal column', () => {
    const values = [{ unscaled: 100n, scale: 2 }, null, { unscaled: -1n, scale: 2 }]
    const data = arrowColumn('decimal', values)
    const field = new arrow.Field('m', data.type, true)
    const batch = new arrow.RecordBatch(
      new arrow.Schema([field]),
      arrow.makeData({
        type: new arrow.Struct([field]),
        length: 3,
        nullCount: 0,
        children: [data],
      }),
    )
    expect(rowsMatching(eq(col('m'), 1n), batch)).toEqual([0])
    expect(rowsMatching(ne(col('m'), 1n), batch)).toEqual([2])
    expect(rowsMatching(le(col('m'), { unscaled: -1n, scale: 2 }), batch)).toEqual([2])
    expect(rowsMatching(gt(col('m'), -1), batch)).toEqual([0, 2])
    expect(rowsMatching(and(isNull(col('m')), not(or(lit(false)))), batch)).toEqual([1])
  })
})

describe('evaluatePredicate against the reference evaluator', () => {
  const arbRows = fc.array(
    fc.tuple(arbPartition, arbDataRow).map(([p, d]): Row => ({ ...p, ...d })),
    { maxLength: 40 },
  )
  it('selects exactly the rows for which the predicate is TRUE', () => {
    fc.assert(
      fc.property(
        arbRows.chain((rows) => fc.tuple(fc.constant(rows), arbPredicateOver(rows))),
        fc.nat(),
        ([rows, predicate], cut) => {
          const batch = toRecordBatch(rows)
          const expected = rows.map((r) => (referenceEvaluate(predicate, r) === 'T' ? 1 : 0))
          expect([...evaluatePredicate(batch, predicate)]).toEqual(expected)
          // The same rows through a sliced batch (non-zero offsets in every buffer).
          const start = rows.length === 0 ? 0 : cut % rows.length
          expect([...evaluatePredicate(batch.slice(start), predicate)]).toEqual(
            expected.slice(start),
          )
        },
      ),
      { numRuns: 400 },
    )
  })
})
