/**
 * Test helpers for the predicate half of the scan layer: one test table shape, random rows and
 * predicates over it (fast-check), and a *reference* evaluator that shares no code with
 * `evaluate.ts`, `skipping.ts` or `scalar-compare.ts`, so that it can serve as the oracle of the
 * property tests.
 */
import fc from 'fast-check'
import type { DecimalValue } from '../protocol/decimal.js'
import type { ColumnMappingMode } from '../protocol/column-mapping.js'
import type { ComparisonOperator, Expression } from './expression.js'

// ---------------------------------------------------------------------------------------------
// The table: two partition columns and data columns of most types, one of them nested.

export type ColumnKind =
  'string' | 'date' | 'long' | 'double' | 'timestamp' | 'decimal' | 'boolean' | 'integer'

export interface TestColumn {
  /** Logical path. */
  readonly path: readonly string[]
  readonly kind: ColumnKind
  readonly partition: boolean
}

export const COLUMNS: readonly TestColumn[] = [
  { path: ['part'], kind: 'string', partition: true },
  { path: ['pd'], kind: 'date', partition: true },
  { path: ['x'], kind: 'long', partition: false },
  { path: ['d'], kind: 'double', partition: false },
  { path: ['s'], kind: 'string', partition: false },
  { path: ['ts'], kind: 'timestamp', partition: false },
  { path: ['dec'], kind: 'decimal', partition: false },
  { path: ['b'], kind: 'boolean', partition: false },
  { path: ['n', 'y'], kind: 'integer', partition: false },
]
export const DECIMAL_SCALE = 2

const TYPE_NAME: Readonly<Record<ColumnKind, string>> = {
  string: 'string',
  date: 'date',
  long: 'long',
  double: 'double',
  timestamp: 'timestamp',
  decimal: `decimal(10,${DECIMAL_SCALE})`,
  boolean: 'boolean',
  integer: 'integer',
}

/** Physical name of a logical field under column mapping (`col-<name>`), or the name itself. */
export function physical(name: string, mode: ColumnMappingMode): string {
  return mode === 'none' ? name : `col-${name}`
}

/** The `schemaString` of the test table, with column-mapping metadata unless `mode` is none. */
export function schemaString(mode: ColumnMappingMode): string {
  let id = 0
  const meta = (name: string): Record<string, unknown> =>
    mode === 'none'
      ? {}
      : { 'delta.columnMapping.id': ++id, 'delta.columnMapping.physicalName': physical(name, mode) }
  const field = (name: string, type: unknown) => ({
    name,
    type,
    nullable: true,
    metadata: meta(name),
  })
  const top = COLUMNS.filter((c) => c.path.length === 1).map((c) =>
    field(c.path[0]!, TYPE_NAME[c.kind]),
  )
  top.push(field('n', { type: 'struct', fields: [field('y', 'integer')] }))
  return JSON.stringify({ type: 'struct', fields: top })
}

// ---------------------------------------------------------------------------------------------
// Values

export type Value = string | number | bigint | boolean | DecimalValue | null

/** A row by logical top-level name; `n` is a struct `{ y }` or null. */
export type Row = Readonly<Record<string, Value | { readonly y: Value } | null>>

const BASE_TS = 1704067200000000n // 2024-01-01T00:00:00Z
const BASE_DAY = 19723

// A small alphabet (so that literals often extend a truncated stat) with characters whose UTF-8
// and UTF-16 orders differ (U+FFFD sorts below U+1F600 in UTF-8 only) and the largest one.
const arbString = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('a', 'b') },
      { weight: 1, arbitrary: fc.constantFrom('\ufffd', '\u{1f600}', '\u{10ffff}') },
    ),
    { maxLength: 3 },
  )
  .map((cs) => cs.join(''))

/** A non-null value of a column kind, from a small domain so that comparisons often tie. */
export function arbValue(kind: ColumnKind): fc.Arbitrary<Exclude<Value, null>> {
  switch (kind) {
    case 'string':
      return arbString
    case 'date':
      return fc.integer({ min: BASE_DAY - 2, max: BASE_DAY + 2 })
    case 'long':
      return fc.bigInt({ min: -5n, max: 5n })
    case 'double':
      return fc.constantFrom(-1.5, -0, 0, 0.5, 2, 3, Number.NaN, Number.POSITIVE_INFINITY)
    case 'timestamp':
      // Microseconds around millisecond boundaries: stats truncated to ms must not lose them.
      return fc.bigInt({ min: 0n, max: 3000n }).map((us) => BASE_TS + us)
    case 'decimal':
      return fc
        .bigInt({ min: -300n, max: 300n })
        .map((unscaled) => ({ unscaled, scale: DECIMAL_SCALE }))
    case 'boolean':
      return fc.boolean()
    case 'integer':
      return fc.integer({ min: -3, max: 3 })
  }
}

function nullable<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.option(arb, { nil: null, freq: 5 })
}

/** Data columns of one row (partition columns come from the file). */
export const arbDataRow: fc.Arbitrary<Row> = fc.record({
  x: nullable(arbValue('long')),
  d: nullable(arbValue('double')),
  s: nullable(arbValue('string')),
  ts: nullable(arbValue('timestamp')),
  dec: nullable(arbValue('decimal')),
  b: nullable(arbValue('boolean')),
  n: nullable(fc.record({ y: nullable(arbValue('integer')) })),
})

export type Partition = { readonly part: string | null; readonly pd: number | null }

export const arbPartition: fc.Arbitrary<{ part: string | null; pd: number | null }> = fc.record({
  part: nullable(fc.constantFrom('a', 'b', 'é')),
  pd: nullable(fc.integer({ min: BASE_DAY - 2, max: BASE_DAY + 2 })),
})

/** The value of a column in a row (NULL when a struct on the way is NULL). */
export function valueAt(row: Row, path: readonly string[]): Value {
  let v: unknown = row
  for (const name of path) {
    if (v === null || v === undefined) return null
    v = (v as Record<string, unknown>)[name]
  }
  return (v ?? null) as Value
}

// ---------------------------------------------------------------------------------------------
// Random predicates over the test columns, with literals of each column's kind.

const OPS: readonly ComparisonOperator[] = ['=', '!=', '<', '<=', '>', '>=']

/**
 * Random predicates over the test columns. Literals come from each column's domain, and when
 * `rows` are given, half the time from the values those rows hold: random literals rarely land
 * exactly on a truncated string or a millisecond edge, the values of the data itself do.
 */
export function arbPredicateOver(rows: readonly Row[] = []): fc.Arbitrary<Expression> {
  const leaf: fc.Arbitrary<Expression> = fc.constantFrom(...COLUMNS).chain((c) => {
    const column: Expression = { kind: 'column', path: c.path }
    const present = rows.map((r) => valueAt(r, c.path)).filter((v) => v !== null)
    const value =
      present.length === 0
        ? arbValue(c.kind)
        : fc.oneof(arbValue(c.kind), fc.constantFrom(...present))
    const literal = nullable(value).map((v): Expression => ({ kind: 'literal', value: v }))
    return fc.oneof(
      fc
        .tuple(fc.constantFrom(...OPS), literal, fc.boolean())
        .map(([op, lit, flipped]): Expression =>
          flipped
            ? { kind: 'compare', op, left: lit, right: column }
            : { kind: 'compare', op, left: column, right: lit },
        ),
      fc.constant<Expression>({ kind: 'isNull', operand: column }),
      fc
        .array(literal, { minLength: 1, maxLength: 10 })
        .map((list): Expression => ({ kind: 'in', value: column, list })),
      ...(c.kind === 'boolean' ? [fc.constant(column)] : []),
    )
  })
  return fc.letrec<{ e: Expression }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc
        .array(tie('e'), { minLength: 2, maxLength: 3 })
        .map((operands): Expression => ({ kind: 'and', operands })),
      fc
        .array(tie('e'), { minLength: 2, maxLength: 3 })
        .map((operands): Expression => ({ kind: 'or', operands })),
      tie('e').map((operand): Expression => ({ kind: 'not', operand })),
    ),
  })).e
}

export const arbPredicate: fc.Arbitrary<Expression> = arbPredicateOver()

// ---------------------------------------------------------------------------------------------
// The reference evaluator: three-valued logic written out the long way.

type Truth = 'T' | 'F' | 'N'

const encoder = new TextEncoder()

/** The order of two values of one kind, as the reference sees it. */
export function refOrder(a: Exclude<Value, null>, b: Exclude<Value, null>): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = encoder.encode(a)
    const y = encoder.encode(b)
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
    return x.length - y.length
  }
  if (typeof a === 'number' && typeof b === 'number') {
    // Spark: NaN = NaN, NaN above everything; -0 = 0.
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1
    return a === b ? 0 : a < b ? -1 : 1
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b ? 0 : a < b ? -1 : 1
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (typeof a === 'object' && typeof b === 'object' && a.scale === b.scale) {
    return a.unscaled === b.unscaled ? 0 : a.unscaled < b.unscaled ? -1 : 1
  }
  throw new Error(`reference: cannot compare ${typeof a} with ${typeof b}`)
}

function refCompare(a: Value, op: ComparisonOperator, b: Value): Truth {
  if (a === null || b === null) return 'N'
  const o = refOrder(a, b)
  const ok =
    op === '='
      ? o === 0
      : op === '!='
        ? o !== 0
        : op === '<'
          ? o < 0
          : op === '<='
            ? o <= 0
            : op === '>'
              ? o > 0
              : o >= 0
  return ok ? 'T' : 'F'
}

function refOperand(e: Expression, row: Row): Value {
  if (e.kind === 'literal') return e.value as Value
  if (e.kind === 'column') return valueAt(row, e.path)
  throw new Error(`reference: unsupported operand ${e.kind}`)
}

export function referenceEvaluate(e: Expression, row: Row): Truth {
  switch (e.kind) {
    case 'literal':
      return e.value === null ? 'N' : e.value === true ? 'T' : 'F'
    case 'column': {
      const v = valueAt(row, e.path)
      return v === null ? 'N' : v === true ? 'T' : 'F'
    }
    case 'compare':
      return refCompare(refOperand(e.left, row), e.op, refOperand(e.right, row))
    case 'isNull':
      return refOperand(e.operand, row) === null ? 'T' : 'F'
    case 'not': {
      const v = referenceEvaluate(e.operand, row)
      return v === 'T' ? 'F' : v === 'F' ? 'T' : 'N'
    }
    case 'and': {
      const vs = e.operands.map((o) => referenceEvaluate(o, row))
      return vs.includes('F') ? 'F' : vs.includes('N') ? 'N' : 'T'
    }
    case 'or': {
      const vs = e.operands.map((o) => referenceEvaluate(o, row))
      return vs.includes('T') ? 'T' : vs.includes('N') ? 'N' : 'F'
    }
    case 'in': {
      const vs = e.list.map((item) =>
        refCompare(refOperand(e.value, row), '=', refOperand(item, row)),
      )
      return vs.includes('T') ? 'T' : vs.includes('N') ? 'N' : 'F'
    }
  }
}
