/**
 * One ordering for every literal and statistic representation (`Scalar`, see
 * `protocol/partition-values.ts`), shared by file skipping and row evaluation so the two can never
 * disagree about what `x < 5` means.
 *
 * The order is Spark's:
 * - numbers compare by value across representations (`5n`, `5`, `{unscaled: 500n, scale: 2}` are
 *   equal), exactly: JavaScript compares a bigint with a number mathematically, and decimals are
 *   compared as scaled integers;
 * - NaN equals NaN and is greater than every other number (Spark SQL's NaN semantics, which Delta's
 *   own stats collection follows: a float column holding NaN gets the max stat NaN), and -0.0
 *   equals 0.0;
 * - strings by their UTF-8 bytes (= code points), binary by unsigned bytes, false < true.
 *
 * Values of unrelated kinds (a string and a number) are incomparable: `undefined`. Skipping treats
 * that as "unknown" and keeps the file; binding rejects such predicates before they get here.
 */
import type { DecimalValue } from '../protocol/decimal.js'
import { parseDecimalText } from '../protocol/decimal.js'
import { compareUtf8 } from '../util/utf8.js'
import type { ComparisonOperator, Scalar } from './expression.js'

export function isDecimalValue(value: unknown): value is DecimalValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    typeof (value as Partial<DecimalValue>).unscaled === 'bigint' &&
    typeof (value as Partial<DecimalValue>).scale === 'number'
  )
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0)

/** Numbers and bigints, NaN last. Mixed number/bigint comparison in JavaScript is exact. */
export function compareNumeric(a: number | bigint, b: number | bigint): -1 | 0 | 1 {
  const aNaN = typeof a === 'number' && Number.isNaN(a)
  const bNaN = typeof b === 'number' && Number.isNaN(b)
  if (aNaN || bNaN) return aNaN && bNaN ? 0 : aNaN ? 1 : -1
  return a < b ? -1 : a > b ? 1 : 0
}

function compareDecimals(a: DecimalValue, b: DecimalValue): -1 | 0 | 1 {
  if (a.scale === b.scale) return a.unscaled < b.unscaled ? -1 : a.unscaled > b.unscaled ? 1 : 0
  const scale = Math.max(a.scale, b.scale)
  const x = a.unscaled * 10n ** BigInt(scale - a.scale)
  const y = b.unscaled * 10n ** BigInt(scale - b.scale)
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * A decimal against a number or bigint. A double is taken at its shortest decimal spelling
 * (`0.1` means 0.1, as the user typed it), which is what SQL engines do when they cast the literal.
 */
function compareDecimalWith(a: DecimalValue, b: number | bigint): -1 | 0 | 1 {
  if (typeof b === 'bigint') return compareDecimals(a, { unscaled: b, scale: 0 })
  if (Number.isNaN(b)) return -1
  if (b === Infinity) return -1
  if (b === -Infinity) return 1
  return compareDecimals(a, parseDecimalText(String(b))!)
}

export function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  }
  return sign(a.length - b.length)
}

/** Orders two non-null scalars; `undefined` when they are of unrelated kinds. */
export function compareScalars(a: Scalar, b: Scalar): -1 | 0 | 1 | undefined {
  const ta = typeof a
  const tb = typeof b
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    return compareNumeric(a as number | bigint, b as number | bigint)
  }
  if (ta === 'string' && tb === 'string') return sign(compareUtf8(a as string, b as string))
  if (ta === 'boolean' && tb === 'boolean') return a === b ? 0 : a === false ? -1 : 1
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b)
  const da = isDecimalValue(a)
  const db = isDecimalValue(b)
  if (da && db) return compareDecimals(a, b)
  if (da && (tb === 'number' || tb === 'bigint')) return compareDecimalWith(a, b as number | bigint)
  if (db && (ta === 'number' || ta === 'bigint')) {
    const r = compareDecimalWith(b, a as number | bigint)
    return r === 0 ? 0 : r === 1 ? -1 : 1
  }
  return undefined
}

/** Whether `order` (the result of comparing left with right) satisfies `op`. */
export function satisfies(op: ComparisonOperator, order: -1 | 0 | 1): boolean {
  switch (op) {
    case '=':
      return order === 0
    case '!=':
      return order !== 0
    case '<':
      return order < 0
    case '<=':
      return order <= 0
    case '>':
      return order > 0
    case '>=':
      return order >= 0
  }
}

/** `a op b` rewritten as `b flip(op) a`. */
export function flipOperator(op: ComparisonOperator): ComparisonOperator {
  switch (op) {
    case '<':
      return '>'
    case '<=':
      return '>='
    case '>':
      return '<'
    case '>=':
      return '<='
    default:
      return op
  }
}

/**
 * The operator of `NOT (a op b)`. Exact under SQL's three-valued logic: both sides are NULL
 * exactly when an operand is NULL, and TRUE/FALSE swap otherwise (NaN included, since NaN is
 * ordered).
 */
export function negateOperator(op: ComparisonOperator): ComparisonOperator {
  switch (op) {
    case '=':
      return '!='
    case '!=':
      return '='
    case '<':
      return '>='
    case '<=':
      return '>'
    case '>':
      return '<='
    case '>=':
      return '<'
  }
}
