/**
 * Binding a predicate to a table schema: every column must exist (matched exactly, else ignoring
 * case, as Spark resolves names), and every literal compared with a column is converted to that
 * column's representation (`'2024-01-01'` against a date column becomes day 19723, `5` against a
 * long column becomes `5n`). After binding, skipping and row evaluation compare like with like,
 * and a predicate that cannot mean anything (`date > true`) has already failed with a typed
 * error instead of silently matching nothing.
 */
import type { DataType, StructField, StructType } from '../protocol/schema.js'
import { findField } from '../protocol/schema.js'
import { parseDate, parseTimestamp } from '../protocol/datetime.js'
import { parseDecimalText } from '../protocol/decimal.js'
import { utf8Encode } from '../util/utf8.js'
import type { Expression, Scalar } from './expression.js'
import { LiteralTypeError, UnknownColumnError } from './predicate-errors.js'
import { RESERVED_WORDS } from './predicate-lexer.js'
import { isDecimalValue } from './scalar-compare.js'

const MICROS_PER_DAY = 86_400_000_000n
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * A column path as a user would write it in a filter: dotted, with backticks around names that
 * are not plain identifiers or are keywords (so `parsePredicate` reads it back).
 */
export function formatColumnPath(path: readonly string[]): string {
  return path
    .map((n) =>
      PLAIN_NAME.test(n) && !RESERVED_WORDS.has(n.toLowerCase())
        ? n
        : `\`${n.replaceAll('`', '``')}\``,
    )
    .join('.')
}

/** The Delta name of a type, for messages and error fields. */
export function typeText(type: DataType): string {
  return type.type === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.type
}

/** Every column path of a schema (struct fields and what they contain), in schema order. */
export function availableColumns(schema: StructType): string[] {
  const out: string[] = []
  const visit = (struct: StructType, prefix: readonly string[]): void => {
    for (const field of struct.fields) {
      const path = [...prefix, field.name]
      out.push(formatColumnPath(path))
      if (field.type.type === 'struct') visit(field.type, path)
    }
  }
  visit(schema, [])
  return out
}

export interface ResolvedColumn {
  /** The path with the schema's own spelling of each name. */
  readonly path: readonly string[]
  readonly field: StructField
}

/** Finds a column by path, exactly or else ignoring case; throws `UnknownColumnError`. */
export function resolveColumn(
  schema: StructType,
  path: readonly string[],
  position?: number,
): ResolvedColumn {
  // An exact match wins even when another field differs only in case (Delta forbids such
  // schemas, but old tables may have them).
  const exact = findField(schema, path)
  if (exact !== undefined) return { path, field: exact }
  // Retry ignoring case, level by level, to recover the schema's spelling of the path.
  const spelled: string[] = []
  let struct: StructType | undefined = schema
  let field: StructField | undefined
  for (const name of path) {
    const lower = name.toLowerCase()
    const matches: StructField[] =
      struct?.fields.filter((f) => f.name.toLowerCase() === lower) ?? []
    field = matches.length === 1 ? matches[0] : undefined
    if (field === undefined) break
    spelled.push(field.name)
    struct = field.type.type === 'struct' ? field.type : undefined
  }
  if (field === undefined || spelled.length !== path.length) {
    throw new UnknownColumnError(formatColumnPath(path), availableColumns(schema), position)
  }
  return { path: spelled, field }
}

function describeScalar(value: Scalar): string {
  if (value instanceof Uint8Array) return 'a binary literal'
  if (isDecimalValue(value)) return 'a decimal literal'
  if (typeof value === 'string') return `the string '${value}'`
  return `the ${typeof value} ${String(value)}`
}

/**
 * Converts `value` to the representation of a column of `type` (see
 * `protocol/partition-values.ts`). Numbers stay numbers of any kind where the comparison is exact
 * anyway (a long column against 1.5); text is parsed as the column's type. Throws
 * `LiteralTypeError` when the literal cannot be a value of that type.
 */
export function coerceLiteral(
  value: Scalar | null,
  type: DataType,
  column: string,
  position?: number,
): Scalar | null {
  if (value === null) return null
  const fail = (): never => {
    throw new LiteralTypeError(column, typeText(type), describeScalar(value), position)
  }
  const isNumeric = typeof value === 'number' || typeof value === 'bigint' || isDecimalValue(value)
  const text = typeof value === 'string' ? value.trim() : undefined
  switch (type.type) {
    case 'string':
      return typeof value === 'string' ? value : fail()
    case 'binary':
      if (value instanceof Uint8Array) return value
      return typeof value === 'string' ? utf8Encode(value) : fail()
    case 'boolean': {
      if (typeof value === 'boolean') return value
      const lower = text?.toLowerCase()
      return lower === 'true' ? true : lower === 'false' ? false : fail()
    }
    case 'long':
      // Longs are bigints (exact beyond 2^53); a fractional literal stays a number, which
      // compares exactly with them (`x < 1.5` is `x <= 1`).
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
      if (isNumeric) return value
      if (text !== undefined && /^[+-]?\d+$/.test(text)) return BigInt(text)
      return text === undefined ? fail() : (numberText(text) ?? fail())
    case 'integer':
    case 'short':
    case 'byte':
    case 'double':
      if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) return Number(value)
      if (isNumeric) return value
      return text === undefined ? fail() : (numberText(text) ?? fail())
    case 'float': {
      // Rounded to the nearest float, as the column stores it: `f = 0.1` then finds the rows
      // written as 0.1 (a double 0.1 equals no float at all).
      const n =
        typeof value === 'number' ? value : text === undefined ? undefined : numberText(text)
      if (n !== undefined) return Math.fround(n)
      return isNumeric ? value : fail()
    }
    case 'decimal':
      if (isNumeric) return value
      return text === undefined ? fail() : (parseDecimalText(text) ?? fail())
    case 'date':
      if (typeof value === 'number' && Number.isInteger(value)) return value
      return text === undefined ? fail() : (parseDate(text) ?? fail())
    case 'timestamp':
    case 'timestamp_ntz': {
      // Text without a zone is UTC (as partition values are read); `2024-01-01` is midnight.
      if (typeof value === 'bigint') return value
      if (text === undefined) return fail()
      const parsed = parseTimestamp(text)
      // A wall-clock column cannot be compared with an instant in another zone.
      if (
        parsed === undefined ||
        (type.type === 'timestamp_ntz' && parsed.hasZone && !/z$/i.test(text))
      ) {
        return fail()
      }
      return parsed.micros
    }
    default:
      // struct, array, map, variant, void: no literal compares with these.
      return fail()
  }
}

/** Spark casts number text leniently (`' 5 '`, `1e3`); NaN and Infinity are allowed for floats. */
function numberText(text: string): number | undefined {
  if (!/^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/.test(text)) return undefined
  return Number(text.replace(/^[+-](NaN)$/, '$1'))
}

/** Days since the epoch as the microseconds of that midnight (UTC): a DATE literal against a timestamp. */
export function dateToMicros(days: number): bigint {
  return BigInt(days) * MICROS_PER_DAY
}

/**
 * Binds `expression` to `schema`: resolves columns (throwing `UnknownColumnError`), converts
 * literals compared with columns (throwing `LiteralTypeError`), and checks that the predicate is
 * boolean. Binding a bound predicate changes nothing.
 */
export function bindPredicate(expression: Expression, schema: StructType): Expression {
  const bound = bindNode(expression, schema)
  checkPredicateIsBoolean(bound, schema)
  return bound
}

function bindNode(e: Expression, schema: StructType): Expression {
  switch (e.kind) {
    case 'column':
      return { kind: 'column', path: resolveColumn(schema, e.path).path }
    case 'literal':
      return e
    case 'and':
    case 'or':
      return { kind: e.kind, operands: e.operands.map((o) => bindNode(o, schema)) }
    case 'not':
      return { kind: 'not', operand: bindNode(e.operand, schema) }
    case 'isNull':
      return { kind: 'isNull', operand: bindNode(e.operand, schema) }
    case 'compare': {
      const left = bindNode(e.left, schema)
      const right = bindNode(e.right, schema)
      return {
        kind: 'compare',
        op: e.op,
        left: coerceAgainst(left, right, schema),
        right: coerceAgainst(right, left, schema),
      }
    }
    case 'in': {
      const value = bindNode(e.value, schema)
      return {
        kind: 'in',
        value,
        list: e.list.map((item) => coerceAgainst(bindNode(item, schema), value, schema)),
      }
    }
  }
}

/**
 * `side` converted to the type of `other` when `side` is a literal and `other` a column; IN
 * lists are converted item by item against the tested column.
 */
function coerceAgainst(side: Expression, other: Expression, schema: StructType): Expression {
  if (side.kind !== 'literal' || other.kind !== 'column') return side
  const field = findField(schema, other.path)!
  const value = coerceLiteral(side.value, field.type, formatColumnPath(other.path))
  return value === null ? { kind: 'literal', value: null } : { kind: 'literal', value }
}

/**
 * Throws `LiteralTypeError` unless `e` (bound to `schema`) is boolean: a bare column must be a
 * boolean column, a bare literal TRUE, FALSE or NULL.
 */
export function checkPredicateIsBoolean(e: Expression, schema: StructType): void {
  switch (e.kind) {
    case 'column': {
      const field = findField(schema, e.path)!
      if (field.type.type !== 'boolean') {
        throw new LiteralTypeError(
          formatColumnPath(e.path),
          typeText(field.type),
          'TRUE (a filter must be a condition, not a value)',
        )
      }
      return
    }
    case 'literal':
      if (e.value !== null && typeof e.value !== 'boolean') {
        throw new LiteralTypeError('(literal)', 'boolean', describeScalar(e.value))
      }
      return
    case 'and':
    case 'or':
      for (const o of e.operands) checkPredicateIsBoolean(o, schema)
      return
    case 'not':
      checkPredicateIsBoolean(e.operand, schema)
      return
    default:
      return
  }
}

/** Column paths an expression reads, deduplicated (by their dotted form). */
export function referencedColumns(expression: Expression): (readonly string[])[] {
  const seen = new Map<string, readonly string[]>()
  const visit = (e: Expression): void => {
    switch (e.kind) {
      case 'column':
        seen.set(e.path.join('\u0000'), e.path)
        return
      case 'literal':
        return
      case 'compare':
        visit(e.left)
        visit(e.right)
        return
      case 'and':
      case 'or':
        e.operands.forEach(visit)
        return
      case 'not':
      case 'isNull':
        visit(e.operand)
        return
      case 'in':
        visit(e.value)
        e.list.forEach(visit)
        return
    }
  }
  visit(expression)
  return [...seen.values()]
}
