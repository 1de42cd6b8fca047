/**
 * Negation normal form of a predicate, for file skipping: NOT is pushed down to the leaves so
 * that each leaf can be judged against a file's statistics on its own.
 *
 * Why this is sound under SQL's three-valued logic: a file is kept when *some* row may make the
 * predicate TRUE. De Morgan's laws hold in Kleene logic (NOT (a AND b) = NOT a OR NOT b, for
 * NULLs too), and each leaf negates exactly:
 * - `NOT (x op v)` is `x op' v` with the negated operator (`=`/`!=`, `<`/`>=`, ...): for a NULL
 *   `x` both are NULL, so rows with NULL `x` satisfy neither (SQL's WHERE drops them: `NOT (x = 1)`
 *   does NOT select NULL rows, and a file of only NULLs can be skipped for it);
 * - `NOT (x IS NULL)` is `x IS NOT NULL` (IS NULL is never NULL);
 * - `x IN (a, b)` is `x = a OR x = b`, so `x NOT IN (a, b)` is `x != a AND x != b`; a NULL in
 *   the list makes NOT IN never TRUE (`x != NULL` is NULL), which the constant NULL leaf keeps;
 * - constants negate TRUE <-> FALSE, and NULL stays NULL.
 * Anything the skipper cannot reason about (column against column, non-column operands) becomes
 * `unknown`, which may be TRUE in either polarity.
 */
import type { ComparisonOperator, Expression, Scalar } from './expression.js'
import { compareScalars, flipOperator, negateOperator, satisfies } from './scalar-compare.js'

/** Three-valued truth, ordered FALSE < NULL < TRUE so that AND is min and OR is max. */
export type Truth = 'false' | 'null' | 'true'

export type NormalForm =
  | { readonly kind: 'const'; readonly value: Truth }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly NormalForm[] }
  /** `column op value`, value never NULL. */
  | {
      readonly kind: 'compare'
      readonly column: readonly string[]
      readonly op: ComparisonOperator
      readonly value: Scalar
    }
  | { readonly kind: 'isNull'; readonly column: readonly string[]; readonly negated: boolean }
  | { readonly kind: 'unknown' }

const RANK: Readonly<Record<Truth, number>> = { false: 0, null: 1, true: 2 }
const TRUTHS: readonly Truth[] = ['false', 'null', 'true']
const UNKNOWN: NormalForm = { kind: 'unknown' }

function constant(value: Truth): NormalForm {
  return { kind: 'const', value }
}

function negateTruth(value: Truth): Truth {
  return value === 'true' ? 'false' : value === 'false' ? 'true' : 'null'
}

/** The value of `a op b` for two literals (NULL when either is NULL or they are incomparable). */
export function compareLiterals(a: Scalar | null, op: ComparisonOperator, b: Scalar | null): Truth {
  if (a === null || b === null) return 'null'
  const order = compareScalars(a, b)
  if (order === undefined) return 'null'
  return satisfies(op, order) ? 'true' : 'false'
}

/** `expression` (negated when `negated`) in negation normal form, constants folded. */
export function normalize(expression: Expression, negated = false): NormalForm {
  switch (expression.kind) {
    case 'and':
    case 'or': {
      // NOT flips AND and OR (De Morgan).
      const kind = (expression.kind === 'and') !== negated ? 'and' : 'or'
      return combine(
        kind,
        expression.operands.map((o) => normalize(o, negated)),
      )
    }
    case 'not':
      return normalize(expression.operand, !negated)
    case 'literal': {
      const v = expression.value
      if (v !== null && typeof v !== 'boolean') return UNKNOWN
      const truth: Truth = v === null ? 'null' : v ? 'true' : 'false'
      return constant(negated ? negateTruth(truth) : truth)
    }
    case 'column':
      // A boolean column used as a condition: `flag` is `flag = TRUE`, `NOT flag` is `flag = FALSE`.
      return { kind: 'compare', column: expression.path, op: '=', value: !negated }
    case 'isNull': {
      const operand = expression.operand
      if (operand.kind === 'column') return { kind: 'isNull', column: operand.path, negated }
      if (operand.kind === 'literal') {
        return constant((operand.value === null) !== negated ? 'true' : 'false')
      }
      return UNKNOWN
    }
    case 'compare':
      return normalizeCompare(expression.left, expression.op, expression.right, negated)
    case 'in': {
      // IN is an OR of equalities; its negation the AND of the negated equalities.
      const parts = expression.list.map((item) =>
        normalizeCompare(expression.value, '=', item, negated),
      )
      return combine(negated ? 'and' : 'or', parts)
    }
  }
}

function normalizeCompare(
  left: Expression,
  op: ComparisonOperator,
  right: Expression,
  negated: boolean,
): NormalForm {
  const effective = negated ? negateOperator(op) : op
  if (left.kind === 'literal' && right.kind === 'literal') {
    const truth = compareLiterals(left.value, op, right.value)
    return constant(negated ? negateTruth(truth) : truth)
  }
  // A comparison with NULL is NULL, whatever the other side holds.
  if (
    (left.kind === 'literal' && left.value === null) ||
    (right.kind === 'literal' && right.value === null)
  ) {
    return constant('null')
  }
  if (left.kind === 'column' && right.kind === 'literal' && right.value !== null) {
    return { kind: 'compare', column: left.path, op: effective, value: right.value }
  }
  if (left.kind === 'literal' && right.kind === 'column' && left.value !== null) {
    return { kind: 'compare', column: right.path, op: flipOperator(effective), value: left.value }
  }
  return UNKNOWN
}

/** AND/OR of normal forms, folding constants (AND is min, OR is max over FALSE < NULL < TRUE). */
function combine(kind: 'and' | 'or', parts: readonly NormalForm[]): NormalForm {
  const absorbing: Truth = kind === 'and' ? 'false' : 'true'
  const kept: NormalForm[] = []
  let folded: Truth = kind === 'and' ? 'true' : 'false' // the identity
  for (const part of parts) {
    if (part.kind === 'const') {
      const pick = kind === 'and' ? Math.min : Math.max
      folded = TRUTHS[pick(RANK[folded], RANK[part.value])]!
      if (folded === absorbing) return constant(absorbing)
    } else if (part.kind === kind) {
      kept.push(...part.operands)
    } else {
      kept.push(part)
    }
  }
  // A constant NULL still matters: under AND it means "never TRUE", under OR it is dropped
  // unless nothing else remains (NULL OR x is TRUE only when x is).
  if (kind === 'and' && folded === 'null') return constant('null')
  if (kept.length === 0) return constant(folded)
  if (kept.length === 1) return kept[0]!
  return { kind, operands: kept }
}
