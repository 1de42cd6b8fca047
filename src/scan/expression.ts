/**
 * The predicate language of scans: a small expression tree over logical column names.
 *
 * Used three ways: partition pruning and stats skipping decide which files *may* hold
 * matching rows (conservatively, with SQL three-valued logic), and the Arrow reader keeps
 * exactly the rows for which the predicate is TRUE (NULL and FALSE rows are dropped, as in
 * SQL's WHERE).
 */
import type { PartitionValue } from '../protocol/partition-values.js'

/** A literal value, in the representations of `protocol/partition-values.ts`. */
export type Scalar = Exclude<PartitionValue, undefined>

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>='

export type Expression =
  /** A column by its logical path (`['address', 'city']` for a nested field). */
  | { readonly kind: 'column'; readonly path: readonly string[] }
  | { readonly kind: 'literal'; readonly value: Scalar }
  | {
      readonly kind: 'compare'
      readonly op: ComparisonOperator
      readonly left: Expression
      readonly right: Expression
    }
  | { readonly kind: 'and'; readonly operands: readonly Expression[] }
  | { readonly kind: 'or'; readonly operands: readonly Expression[] }
  | { readonly kind: 'not'; readonly operand: Expression }
  | { readonly kind: 'in'; readonly value: Expression; readonly list: readonly Expression[] }
  | { readonly kind: 'isNull'; readonly operand: Expression }

// Builders, for engines that construct predicates in code.

export function col(...path: string[]): Expression {
  return { kind: 'column', path: path.length === 1 ? path[0]!.split('.') : path }
}
export function lit(value: Scalar): Expression {
  return { kind: 'literal', value }
}
function compare(op: ComparisonOperator) {
  return (left: Expression, right: Expression | Scalar): Expression => ({
    kind: 'compare',
    op,
    left,
    right: isExpression(right) ? right : lit(right),
  })
}
export const eq = compare('=')
export const ne = compare('!=')
export const lt = compare('<')
export const le = compare('<=')
export const gt = compare('>')
export const ge = compare('>=')
export function and(...operands: Expression[]): Expression {
  return { kind: 'and', operands }
}
export function or(...operands: Expression[]): Expression {
  return { kind: 'or', operands }
}
export function not(operand: Expression): Expression {
  return { kind: 'not', operand }
}
export function isIn(value: Expression, list: readonly (Expression | Scalar)[]): Expression {
  return { kind: 'in', value, list: list.map((v) => (isExpression(v) ? v : lit(v))) }
}
export function isNull(operand: Expression): Expression {
  return { kind: 'isNull', operand }
}
// Sugar with no node of its own, as in the filter text (`predicate-parser.ts`).
export function isNotNull(operand: Expression): Expression {
  return not(isNull(operand))
}
export function notIn(value: Expression, list: readonly (Expression | Scalar)[]): Expression {
  return not(isIn(value, list))
}
/** `low <= value <= high`, bounds included (SQL's BETWEEN). */
export function between(
  value: Expression,
  low: Expression | Scalar,
  high: Expression | Scalar,
): Expression {
  return and(ge(value, low), le(value, high))
}

function isExpression(value: unknown): value is Expression {
  return (
    typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'kind' in value
  )
}
