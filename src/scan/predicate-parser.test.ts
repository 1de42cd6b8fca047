import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSchema } from '../protocol/schema.js'
import {
  and,
  between,
  col,
  eq,
  ge,
  gt,
  isIn,
  isNotNull,
  isNull,
  le,
  lit,
  lt,
  ne,
  not,
  notIn,
  or,
} from './expression.js'
import type { Expression } from './expression.js'
import { formatColumnPath } from './predicate-bind.js'
import { LiteralTypeError, PredicateSyntaxError, UnknownColumnError } from './predicate-errors.js'
import { parsePredicate } from './predicate-parser.js'

const SCHEMA = parseSchema(
  JSON.stringify({
    type: 'struct',
    fields: [
      { name: 'id', type: 'long', nullable: true, metadata: {} },
      { name: 'n', type: 'integer', nullable: true, metadata: {} },
      { name: 'f', type: 'float', nullable: true, metadata: {} },
      { name: 'status', type: 'string', nullable: true, metadata: {} },
      { name: 'date', type: 'date', nullable: true, metadata: {} },
      { name: 'ts', type: 'timestamp', nullable: true, metadata: {} },
      { name: 'ntz', type: 'timestamp_ntz', nullable: true, metadata: {} },
      { name: 'price', type: 'decimal(20,2)', nullable: true, metadata: {} },
      { name: 'ok', type: 'boolean', nullable: true, metadata: {} },
      { name: 'bin', type: 'binary', nullable: true, metadata: {} },
      { name: 'odd name', type: 'string', nullable: true, metadata: {} },
      {
        name: 'address',
        type: {
          type: 'struct',
          fields: [{ name: 'city', type: 'string', nullable: true, metadata: {} }],
        },
        nullable: true,
        metadata: {},
      },
      {
        name: 'tags',
        type: { type: 'array', elementType: 'string', containsNull: true },
        nullable: true,
        metadata: {},
      },
    ],
  }),
)

const DAY_2024_01_01 = 19723
const MICROS_2024_01_01 = 1704067200000000n

function syntaxError(text: string): PredicateSyntaxError {
  try {
    parsePredicate(text)
  } catch (error) {
    if (error instanceof PredicateSyntaxError) return error
    throw error
  }
  throw new Error(`expected a syntax error for ${text}`)
}

describe('parsePredicate without a schema', () => {
  it('parses comparisons with every operator spelling', () => {
    expect(parsePredicate('a = 1')).toEqual(eq(col('a'), 1))
    expect(parsePredicate('a == 1')).toEqual(eq(col('a'), 1))
    expect(parsePredicate('a != 1')).toEqual(ne(col('a'), 1))
    expect(parsePredicate('a <> 1')).toEqual(ne(col('a'), 1))
    expect(parsePredicate('a < 1')).toEqual(lt(col('a'), 1))
    expect(parsePredicate('a <= 1')).toEqual(le(col('a'), 1))
    expect(parsePredicate('a > 1')).toEqual(gt(col('a'), 1))
    expect(parsePredicate('a >= 1')).toEqual(ge(col('a'), 1))
    expect(parsePredicate("1 < 'x'")).toEqual({
      kind: 'compare',
      op: '<',
      left: lit(1),
      right: lit('x'),
    })
  })

  it('binds AND tighter than OR and NOT tighter than both', () => {
    expect(parsePredicate('a = 1 OR b = 2 AND c = 3')).toEqual(
      or(eq(col('a'), 1), and(eq(col('b'), 2), eq(col('c'), 3))),
    )
    expect(parsePredicate('(a = 1 OR b = 2) AND c = 3')).toEqual(
      and(or(eq(col('a'), 1), eq(col('b'), 2)), eq(col('c'), 3)),
    )
    expect(parsePredicate('NOT a = 1 AND b = 2')).toEqual(
      and(not(eq(col('a'), 1)), eq(col('b'), 2)),
    )
    expect(parsePredicate('not not a = 1')).toEqual(not(not(eq(col('a'), 1))))
    expect(parsePredicate('a = 1 and b = 2 and c = 3')).toEqual(
      and(eq(col('a'), 1), eq(col('b'), 2), eq(col('c'), 3)),
    )
  })

  it('parses IN, NOT IN, IS [NOT] NULL and desugars BETWEEN', () => {
    expect(parsePredicate("s IN ('a', 'b')")).toEqual(isIn(col('s'), ['a', 'b']))
    expect(parsePredicate('s NOT IN (1)')).toEqual(not(isIn(col('s'), [1])))
    expect(parsePredicate('s IS NULL')).toEqual(isNull(col('s')))
    expect(parsePredicate('s is not null')).toEqual(not(isNull(col('s'))))
    expect(parsePredicate('x BETWEEN 1 AND 5')).toEqual(and(ge(col('x'), 1), le(col('x'), 5)))
    expect(parsePredicate('x BETWEEN 1 AND 5')).toEqual(between(col('x'), 1, 5))
    expect(parsePredicate('s NOT IN (1)')).toEqual(notIn(col('s'), [1]))
    expect(parsePredicate('s IS NOT NULL')).toEqual(isNotNull(col('s')))
    expect(parsePredicate('x NOT BETWEEN 1 AND 5 OR y = 1')).toEqual(
      or(not(and(ge(col('x'), 1), le(col('x'), 5))), eq(col('y'), 1)),
    )
  })

  it('reads literals: strings with doubled quotes, signed numbers, booleans, NULL, typed', () => {
    expect(parsePredicate("s = 'it''s'")).toEqual(eq(col('s'), "it's"))
    expect(parsePredicate('x = -5')).toEqual(eq(col('x'), -5))
    expect(parsePredicate('x = 1.5e3')).toEqual(eq(col('x'), 1500))
    expect(parsePredicate('x = .5')).toEqual(eq(col('x'), 0.5))
    expect(parsePredicate('x = 9007199254740993')).toEqual(eq(col('x'), 9007199254740993n))
    expect(parsePredicate('x = TRUE OR x = false')).toEqual(
      or(eq(col('x'), true), eq(col('x'), false)),
    )
    expect(parsePredicate('x = NULL')).toEqual({
      kind: 'compare',
      op: '=',
      left: col('x'),
      right: lit(null),
    })
    expect(parsePredicate("d = DATE '2024-01-01'")).toEqual(eq(col('d'), DAY_2024_01_01))
    expect(parsePredicate("t = TIMESTAMP '2024-01-01 00:00:00'")).toEqual(
      eq(col('t'), MICROS_2024_01_01),
    )
    expect(parsePredicate("t = TIMESTAMP '2024-01-01T02:00:00+02:00'")).toEqual(
      eq(col('t'), MICROS_2024_01_01),
    )
    expect(parsePredicate("t = timestamp_ntz '2024-01-01 00:00:00.000001'")).toEqual(
      eq(col('t'), MICROS_2024_01_01 + 1n),
    )
  })

  it('reads dotted and backtick-quoted names, keywords as names when they are not literals', () => {
    expect(parsePredicate('a.b.c = 1')).toEqual(eq(col('a', 'b', 'c'), 1))
    expect(parsePredicate('`odd name`.`x``y` = 1')).toEqual(eq(col('odd name', 'x`y'), 1))
    expect(parsePredicate('`and` = 1')).toEqual(eq(col('and'), 1))
    expect(parsePredicate("date >= '2024-01-01'")).toEqual(ge(col('date'), '2024-01-01'))
    expect(parsePredicate('timestamp IS NULL')).toEqual(isNull(col('timestamp')))
    expect(parsePredicate('flag')).toEqual(col('flag'))
    expect(parsePredicate('NOT flag')).toEqual(not(col('flag')))
  })

  it.each([
    ['', 0],
    ['a =', 3],
    ['a = 1 b = 2', 6],
    ["a = 'x", 4],
    ['a IN ()', 6],
    ['a IN (1, 2', 10],
    ['(a = 1', 6],
    ['a = 1)', 5],
    ['a BETWEEN 1 5', 12],
    ['a IS 5', 5],
    ['a = 1 AND', 9],
    ['a # 1', 2],
    ['a = 12abc', 4],
    ['a = - b', 6],
    ["d = DATE '2024-13-01'", 9],
    ["t = TIMESTAMP_NTZ '2024-01-01 00:00:00+02:00'", 18],
    ['and = 1', 0],
    ['a. = 1', 3],
    ['``= 1', 0],
  ])('rejects %j with a syntax error at position %i', (text, position) => {
    const error = syntaxError(text)
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.position).toBe(position)
    expect(error.text).toBe(text)
  })
})

describe('parsePredicate with a schema', () => {
  it('types literals by the column they meet', () => {
    expect(parsePredicate("date >= '2024-01-01' AND status = 'ok'", SCHEMA)).toEqual(
      and(ge(col('date'), DAY_2024_01_01), eq(col('status'), 'ok')),
    )
    expect(parsePredicate("ts > '2024-01-01'", SCHEMA)).toEqual(gt(col('ts'), MICROS_2024_01_01))
    expect(parsePredicate("ts > '2024-01-01 01:00:00+01:00'", SCHEMA)).toEqual(
      gt(col('ts'), MICROS_2024_01_01),
    )
    expect(parsePredicate("ts > DATE '2024-01-01'", SCHEMA)).toEqual(
      gt(col('ts'), MICROS_2024_01_01),
    )
    expect(parsePredicate('id = 5', SCHEMA)).toEqual(eq(col('id'), 5n))
    expect(parsePredicate('5 < id', SCHEMA)).toEqual({
      kind: 'compare',
      op: '<',
      left: lit(5n),
      right: col('id'),
    })
    expect(parsePredicate('id IN (1, 2)', SCHEMA)).toEqual(isIn(col('id'), [1n, 2n]))
    expect(parsePredicate("n = '7'", SCHEMA)).toEqual(eq(col('n'), 7))
    expect(parsePredicate('f = 0.1', SCHEMA)).toEqual(eq(col('f'), Math.fround(0.1)))
    expect(parsePredicate('price = 12345678901234567.891', SCHEMA)).toEqual(
      eq(col('price'), { unscaled: 12345678901234567891n, scale: 3 }),
    )
    expect(parsePredicate("ok = 'true'", SCHEMA)).toEqual(eq(col('ok'), true))
    expect(parsePredicate("bin = 'ab'", SCHEMA)).toEqual(eq(col('bin'), new Uint8Array([97, 98])))
    expect(parsePredicate('address.city IS NULL', SCHEMA)).toEqual(isNull(col('address', 'city')))
    expect(parsePredicate('`odd name` = NULL', SCHEMA)).toEqual({
      kind: 'compare',
      op: '=',
      left: col('odd name'),
      right: lit(null),
    })
  })

  it('resolves names ignoring case when there is no exact match', () => {
    expect(parsePredicate("STATUS = 'ok' AND Address.CITY = 'x'", SCHEMA)).toEqual(
      and(eq(col('status'), 'ok'), eq(col('address', 'city'), 'x')),
    )
  })

  it('names the unknown column and lists the available ones', () => {
    try {
      parsePredicate("id = 1 AND sttaus = 'ok'", SCHEMA)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownColumnError)
      const e = error as UnknownColumnError
      expect(e.code).toBe('INVALID_ARGUMENT')
      expect(e.column).toBe('sttaus')
      expect(e.position).toBe(11)
      expect(e.available).toContain('status')
      expect(e.available).toContain('address.city')
      expect(e.available).toContain('`odd name`')
    }
    expect(() => parsePredicate('address.zip = 1', SCHEMA)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', column: 'address.zip' }),
    )
  })

  it.each([
    ['date > 5', 'date'],
    ["date > 'soon'", 'date'],
    ["id = 'x'", 'id'],
    ['status = 1', 'status'],
    ["ts = DATE '2024-01-01' OR date = TIMESTAMP '2024-01-01 00:00:00'", 'date'],
    ["ntz = '2024-01-01T00:00:00+02:00'", 'ntz'],
    ['ok = 1', 'ok'],
    ["tags = 'a'", 'tags'],
    ['id', 'id'],
  ])('rejects %j with a typed error naming column %s', (text, column) => {
    expect(() => parsePredicate(text, SCHEMA)).toThrow(LiteralTypeError)
    expect(() => parsePredicate(text, SCHEMA)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', column }),
    )
  })
})

// Round trip: print random expressions as filter text and parse them back.
const NAMES = ['a', 'b_1', 'odd name', 'and', 'x`y']
const arbColumn = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 2 })
const arbLiteral = fc.oneof(
  fc.string().map((s) => lit(s)),
  fc.integer().map((n) => lit(n)),
  fc.boolean().map((b) => lit(b)),
  fc.constant(lit(null)),
)
const arbLeaf: fc.Arbitrary<Expression> = fc.oneof(
  fc
    .tuple(arbColumn, fc.constantFrom('=', '!=', '<', '<=', '>', '>=' as const), arbLiteral)
    .map(([path, op, right]): Expression => ({ kind: 'compare', op, left: col(...path), right })),
  arbColumn.map((path) => isNull(col(...path))),
  fc
    .tuple(arbColumn, fc.array(arbLiteral, { minLength: 1, maxLength: 3 }))
    .map(([path, list]): Expression => ({ kind: 'in', value: col(...path), list })),
)
const arbExpr = fc.letrec<{ e: Expression }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    arbLeaf,
    fc.array(tie('e'), { minLength: 2, maxLength: 3 }).map((ops) => and(...ops)),
    fc.array(tie('e'), { minLength: 2, maxLength: 3 }).map((ops) => or(...ops)),
    tie('e').map((e) => not(e)),
  ),
})).e

function print(e: Expression): string {
  switch (e.kind) {
    case 'column':
      return formatColumnPath(e.path)
    case 'literal': {
      const v = e.value
      if (v === null) return 'NULL'
      if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`
      if (typeof v === 'number' || typeof v === 'boolean') return String(v)
      throw new Error('print: unexpected literal')
    }
    case 'compare':
      return `${print(e.left)} ${e.op} ${print(e.right)}`
    case 'and':
    case 'or':
      return e.operands.map((o) => `(${print(o)})`).join(` ${e.kind.toUpperCase()} `)
    case 'not':
      return `NOT (${print(e.operand)})`
    case 'isNull':
      return `${print(e.operand)} IS NULL`
    case 'in':
      return `${print(e.value)} IN (${e.list.map(print).join(', ')})`
  }
}

describe('parsePredicate round trip', () => {
  it('parses the printed form of any expression back to the same expression', () => {
    fc.assert(
      fc.property(arbExpr, (e) => {
        expect(parsePredicate(print(e))).toEqual(e)
      }),
      { numRuns: 300 },
    )
  })
})
