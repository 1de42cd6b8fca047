/**
 * Row-level evaluation of a predicate over an Arrow record batch, with SQL's three-valued logic.
 *
 * Every node evaluates to one byte per row: FALSE = 0, NULL = 1, TRUE = 2. With that order AND
 * is the minimum, OR the maximum and NOT is `2 - v`, which is exactly Kleene logic (FALSE AND
 * NULL = FALSE, TRUE OR NULL = TRUE, NOT NULL = NULL). The result keeps the rows that are TRUE,
 * as SQL's WHERE does.
 *
 * Comparisons follow `scalar-compare.ts` (the order skipping uses, so a file is never skipped for
 * a row this evaluator would keep): NaN equals NaN and sorts above every number, strings compare
 * by UTF-8 bytes, decimals by value. The common shapes `column op literal` over numbers, 64-bit
 * integers and timestamps, strings/binary and booleans run as loops over the raw buffers; strings
 * are compared as bytes, never decoded. Everything else goes through a per-row Scalar reader.
 */
import * as arrow from 'apache-arrow'
import { typeName } from '../engine/arrow-read.js'
import { InvalidArgumentError } from '../errors.js'
import { utf8Encode } from '../util/utf8.js'
import { type ColumnView, findColumn, scalarReader } from './evaluate-columns.js'
import type { ComparisonOperator, Expression, Scalar } from './expression.js'
import { formatColumnPath } from './predicate-bind.js'
import { LiteralTypeError } from './predicate-errors.js'
import { compareLiterals } from './predicate-normalize.js'
import { compareScalars, flipOperator, isDecimalValue, satisfies } from './scalar-compare.js'

const FALSE = 0
const NULL = 1
const TRUE = 2
/** Lists at least this long are tested with a hash set instead of one comparison per item. */
const SET_THRESHOLD = 8

/**
 * One byte per row of `batch`: 1 where `expression` is TRUE, 0 where it is FALSE or NULL.
 * Columns are found by logical name (nested fields through struct children; exact names first,
 * else ignoring case). Throws `UnknownColumnError` for a missing column and `InvalidArgumentError`
 * for values that cannot be compared (a string with a number, a list column).
 */
export function evaluatePredicate(batch: arrow.RecordBatch, expression: Expression): Uint8Array {
  const codes = evaluate(expression, { batch, n: batch.numRows, columns: new Map() })
  const out = new Uint8Array(codes.length)
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] === TRUE ? 1 : 0
  return out
}

interface Context {
  readonly batch: arrow.RecordBatch
  readonly n: number
  readonly columns: Map<string, ColumnView>
}

// A column read by several leaves (`x > 1 AND x < 5`) is located, and its validity folded with
// its parents', once per batch.
function column(ctx: Context, path: readonly string[]): ColumnView {
  const key = path.join('\u0000')
  let view = ctx.columns.get(key)
  if (view === undefined) {
    view = findColumn(ctx.batch, path)
    ctx.columns.set(key, view)
  }
  return view
}

function filled(n: number, code: number): Uint8Array {
  return new Uint8Array(n).fill(code)
}

function evaluate(e: Expression, ctx: Context): Uint8Array {
  switch (e.kind) {
    case 'literal':
      if (e.value === null) return filled(ctx.n, NULL)
      if (typeof e.value !== 'boolean') {
        throw new InvalidArgumentError('A filter literal must be TRUE, FALSE or NULL')
      }
      return filled(ctx.n, e.value ? TRUE : FALSE)
    case 'column':
      return booleanColumn(column(ctx, e.path), ctx.n)
    case 'and':
    case 'or': {
      if (e.operands.length === 0) return filled(ctx.n, e.kind === 'and' ? TRUE : FALSE)
      // Every evaluation returns a fresh array, so the first operand's can be the accumulator.
      const acc = evaluate(e.operands[0]!, ctx)
      for (let k = 1; k < e.operands.length; k++) {
        const next = evaluate(e.operands[k]!, ctx)
        if (e.kind === 'and')
          for (let i = 0; i < acc.length; i++) acc[i] = Math.min(acc[i]!, next[i]!)
        else for (let i = 0; i < acc.length; i++) acc[i] = Math.max(acc[i]!, next[i]!)
      }
      return acc
    }
    case 'not': {
      const codes = evaluate(e.operand, ctx)
      for (let i = 0; i < codes.length; i++) codes[i] = TRUE - codes[i]!
      return codes
    }
    case 'isNull': {
      // IS NULL is never NULL itself: a two-valued test of validity.
      const src = source(e.operand, ctx)
      if (src.kind === 'literal') return filled(ctx.n, src.value === null ? TRUE : FALSE)
      const out = new Uint8Array(ctx.n)
      const valid = src.valid
      for (let i = 0; i < ctx.n; i++) out[i] = valid === undefined || valid[i] === 1 ? FALSE : TRUE
      return out
    }
    case 'compare':
      return compare(source(e.left, ctx), e.op, source(e.right, ctx), ctx.n)
    case 'in':
      return membership(e, ctx)
  }
}

/** Where a comparison operand comes from. */
type Source =
  | { readonly kind: 'literal'; readonly value: Scalar | null }
  | {
      readonly kind: 'rows'
      readonly valid: Uint8Array | undefined
      readonly read: (i: number) => Scalar
      /** The Arrow column, when the operand is one (enables the buffer loops). */
      readonly view: ColumnView | undefined
    }

function source(e: Expression, ctx: Context): Source {
  if (e.kind === 'literal') return { kind: 'literal', value: e.value }
  if (e.kind === 'column') {
    const view = column(ctx, e.path)
    return { kind: 'rows', valid: view.valid, read: scalarReader(view), view }
  }
  // A condition used as a value: TRUE/FALSE as booleans, NULL as NULL.
  const codes = evaluate(e, ctx)
  const valid = new Uint8Array(codes.length)
  for (let i = 0; i < codes.length; i++) valid[i] = codes[i] === NULL ? 0 : 1
  return { kind: 'rows', valid, read: (i) => codes[i] === TRUE, view: undefined }
}

function booleanColumn(view: ColumnView, n: number): Uint8Array {
  if (!arrow.DataType.isBool(view.data.type)) {
    throw new LiteralTypeError(
      formatColumnPath(view.path),
      typeName(view.data.type),
      'TRUE (a filter must be a condition, not a value)',
    )
  }
  return compareColumn(view, '=', true, n)
}

function compare(left: Source, op: ComparisonOperator, right: Source, n: number): Uint8Array {
  if (left.kind === 'literal' && right.kind === 'literal') {
    const truth = compareLiterals(left.value, op, right.value)
    return filled(n, truth === 'true' ? TRUE : truth === 'false' ? FALSE : NULL)
  }
  // A literal on the left is the mirrored comparison (`5 < x` is `x > 5`), so only
  // `column op literal` needs the buffer loops.
  if (left.kind === 'literal' || right.kind === 'literal') {
    const lit = left.kind === 'literal' ? left.value : (right as Source & { kind: 'literal' }).value
    const rows = (left.kind === 'rows' ? left : right) as Source & { kind: 'rows' }
    const effective = left.kind === 'literal' ? flipOperator(op) : op
    if (lit === null) return filled(n, NULL)
    if (rows.view !== undefined) return compareColumn(rows.view, effective, lit, n)
    return compareRows(rows, effective, () => lit, n, undefined)
  }
  const r = right
  return compareRows(left, op, r.read, n, r.valid)
}

/** Code per order (index order + 1) for `op`. */
function table(op: ComparisonOperator): Uint8Array {
  return Uint8Array.of(
    satisfies(op, -1) ? TRUE : FALSE,
    satisfies(op, 0) ? TRUE : FALSE,
    satisfies(op, 1) ? TRUE : FALSE,
  )
}

/** Row-by-row comparison through Scalars: the general path. */
function compareRows(
  rows: Source & { kind: 'rows' },
  op: ComparisonOperator,
  other: (i: number) => Scalar,
  n: number,
  otherValid: Uint8Array | undefined,
): Uint8Array {
  const codes = table(op)
  const out = new Uint8Array(n)
  const valid = rows.valid
  for (let i = 0; i < n; i++) {
    if (
      (valid !== undefined && valid[i] === 0) ||
      (otherValid !== undefined && otherValid[i] === 0)
    ) {
      out[i] = NULL
      continue
    }
    const a = rows.read(i)
    const b = other(i)
    const order = compareScalars(a, b)
    if (order === undefined) {
      throw new InvalidArgumentError(
        `A filter compares ${describe(a)} with ${describe(b)}, which cannot be compared`,
      )
    }
    out[i] = codes[order + 1]!
  }
  return out
}

function describe(value: Scalar): string {
  if (value instanceof Uint8Array) return 'binary'
  if (isDecimalValue(value)) return 'a decimal'
  return `the ${typeof value} ${String(value)}`
}

/** `column op literal` over the raw buffers where the types allow, else row by row. */
function compareColumn(
  view: ColumnView,
  op: ComparisonOperator,
  lit: Scalar,
  n: number,
): Uint8Array {
  const data = view.data
  const type = data.type
  const codes = table(op)
  const out = new Uint8Array(n)
  const valid = view.valid
  const values: unknown = data.values
  // Int8..Int32, floats and DateDay hold plain numbers. A literal of another numeric kind (a
  // decimal, a huge bigint) takes the general path, where mixed comparisons stay exact.
  if (isNumberColumn(type) && (typeof lit === 'number' || isSafeBigInt(lit))) {
    const v = values as ArrayLike<number>
    const l = Number(lit)
    // NaN sorts above every number and equals NaN (Spark): compute the order with that rule.
    const litNaN = Number.isNaN(l)
    for (let i = 0; i < n; i++) {
      if (valid !== undefined && valid[i] === 0) {
        out[i] = NULL
        continue
      }
      const x = v[i]!
      let order: number
      if (litNaN) order = x !== x ? 0 : -1
      else order = x < l ? -1 : x > l ? 1 : x === l ? 0 : 1 // the last case: x is NaN
      out[i] = codes[order + 1]!
    }
    return out
  }
  // Int64 and microsecond timestamps compare as bigints as stored; an integral number literal
  // is promoted exactly (a fractional one takes the general path).
  if (isBigIntColumn(type) && (typeof lit === 'bigint' || Number.isInteger(lit))) {
    const v = values as BigInt64Array | BigUint64Array
    const l = typeof lit === 'bigint' ? lit : BigInt(lit as number)
    for (let i = 0; i < n; i++) {
      if (valid !== undefined && valid[i] === 0) {
        out[i] = NULL
        continue
      }
      const x = v[i]!
      out[i] = codes[(x < l ? -1 : x > l ? 1 : 0) + 1]!
    }
    return out
  }
  const bytesLit =
    arrow.DataType.isUtf8(type) && typeof lit === 'string'
      ? utf8Encode(lit)
      : arrow.DataType.isBinary(type) && (lit instanceof Uint8Array || typeof lit === 'string')
        ? typeof lit === 'string'
          ? utf8Encode(lit)
          : lit
        : undefined
  if (bytesLit !== undefined) {
    // UTF-8 byte order is code point order, Delta's string order: compare without decoding.
    const bytes = values as Uint8Array
    const offsets = data.valueOffsets as Int32Array
    const len = bytesLit.length
    for (let i = 0; i < n; i++) {
      if (valid !== undefined && valid[i] === 0) {
        out[i] = NULL
        continue
      }
      const start = offsets[i]!
      const size = offsets[i + 1]! - start
      let order = 0
      const common = size < len ? size : len
      for (let k = 0; k < common; k++) {
        const a = bytes[start + k]!
        const b = bytesLit[k]!
        if (a !== b) {
          order = a < b ? -1 : 1
          break
        }
      }
      if (order === 0) order = size < len ? -1 : size > len ? 1 : 0
      out[i] = codes[order + 1]!
    }
    return out
  }
  if (arrow.DataType.isBool(type) && typeof lit === 'boolean') {
    const bits = values as Uint8Array
    const offset = data.offset
    const l = lit ? 1 : 0
    // With false < true, `bit - literal` is already the order (-1, 0 or 1).
    for (let i = 0; i < n; i++) {
      if (valid !== undefined && valid[i] === 0) {
        out[i] = NULL
        continue
      }
      const x = (bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1
      out[i] = codes[x - l + 1]!
    }
    return out
  }
  // Everything else (Decimal128, other timestamp units, LargeUtf8, views, dictionaries) row by
  // row through Scalars.
  const read = scalarReader(view)
  if (n > 0) checkComparable(view, read, valid, lit)
  return compareRows({ kind: 'rows', valid, read, view }, op, () => lit, n, undefined)
}

/**
 * Fails with a typed error naming the column when the literal cannot meet its values. A column
 * has one type, so its first non-NULL value decides for all of them.
 */
function checkComparable(
  view: ColumnView,
  read: (i: number) => Scalar,
  valid: Uint8Array | undefined,
  lit: Scalar,
): void {
  const first = valid === undefined ? 0 : valid.indexOf(1)
  if (first < 0) return
  if (compareScalars(read(first), lit) === undefined) {
    throw new LiteralTypeError(formatColumnPath(view.path), typeName(view.data.type), describe(lit))
  }
}

function isSafeBigInt(value: Scalar): boolean {
  return typeof value === 'bigint' && Number.isSafeInteger(Number(value))
}

/** Columns whose values buffer holds plain numbers in the Delta representation. */
function isNumberColumn(type: arrow.DataType): boolean {
  if (arrow.DataType.isInt(type)) return type.bitWidth < 64
  if (arrow.DataType.isFloat(type)) return type.precision !== arrow.Precision.HALF
  return arrow.DataType.isDate(type) && type.unit === arrow.DateUnit.DAY
}

/** Columns whose values buffer holds 64-bit integers in the Delta representation. */
function isBigIntColumn(type: arrow.DataType): boolean {
  if (arrow.DataType.isInt(type)) return type.bitWidth === 64
  return arrow.DataType.isTimestamp(type) && type.unit === arrow.TimeUnit.MICROSECOND
}

/** `x IN (...)`: TRUE on a match, else NULL when x or an item is NULL, else FALSE. */
function membership(e: Expression & { kind: 'in' }, ctx: Context): Uint8Array {
  const n = ctx.n
  const src = source(e.value, ctx)
  // One comparison pass per item is fine for a few items; a long list is one pass with a Set.
  if (
    src.kind === 'rows' &&
    e.list.length >= SET_THRESHOLD &&
    e.list.every((i) => i.kind === 'literal')
  ) {
    const items = e.list.map((i) => i.value)
    const set = hashable(
      items.filter((v): v is Scalar => v !== null),
      src,
    )
    if (set !== undefined) {
      const miss = items.includes(null) ? NULL : FALSE
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        if (src.valid !== undefined && src.valid[i] === 0) out[i] = NULL
        else out[i] = set.has(src.read(i)) ? TRUE : miss
      }
      return out
    }
  }
  const acc = filled(n, FALSE)
  for (const item of e.list) {
    const codes = compare(src, '=', source(item, ctx), n)
    for (let i = 0; i < n; i++) acc[i] = Math.max(acc[i]!, codes[i]!)
  }
  return acc
}

/**
 * The list as a Set that equals `=` for this column's values (SameValueZero: NaN matches NaN,
 * -0 matches 0, as in Spark), or undefined when the kinds do not line up exactly.
 */
function hashable(
  items: readonly Scalar[],
  src: Source & { kind: 'rows' },
): Set<Scalar> | undefined {
  const type = src.view?.data.type
  if (type === undefined) return undefined
  if (isNumberColumn(type) && items.every((v) => typeof v === 'number' || isSafeBigInt(v))) {
    return new Set(items.map(Number))
  }
  if (isBigIntColumn(type) && items.every((v) => typeof v === 'bigint' || Number.isInteger(v))) {
    return new Set(items.map((v) => BigInt(v as number | bigint)))
  }
  if (
    (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) &&
    items.every((v) => typeof v === 'string')
  ) {
    return new Set(items)
  }
  return undefined
}
