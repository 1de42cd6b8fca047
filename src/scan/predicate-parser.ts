/**
 * The filter text of the CLI and of `planScan({ filter: '...' })`: a small SQL WHERE dialect.
 *
 * ```
 * filter     := or
 * or         := and (OR and)*
 * and        := not (AND not)*
 * not        := NOT not | predicate
 * predicate  := operand [ op operand | IS [NOT] NULL | [NOT] IN '(' operand (',' operand)* ')'
 *                       | [NOT] BETWEEN operand AND operand ]
 * operand    := literal | column | '(' or ')'
 * op         := = | == | != | <> | < | <= | > | >=
 * column     := name ('.' name)*          name: letters/digits/_ or `any text` (`` escapes `)
 * literal    := 'text' ('' escapes ') | [-]number | TRUE | FALSE | NULL
 *             | DATE 'yyyy-mm-dd' | TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.ffffff][zone]' (UTC when no
 *               zone) | TIMESTAMP_NTZ 'yyyy-mm-dd hh:mm:ss[.ffffff]'
 * ```
 * Keywords are case-insensitive. AND binds tighter than OR; NOT tighter than both. `x BETWEEN a
 * AND b` is `x >= a AND x <= b`.
 *
 * With a schema, names are resolved (exactly, else ignoring case) and every literal compared with
 * a column becomes a value of that column's type: `date >= '2024-01-01'` compares days with days,
 * a string against a timestamp column is read as a timestamp, `12.50` against a decimal column
 * keeps every digit, an integer against a long column is a bigint. Without a schema, integers are
 * numbers (bigints beyond 2^53), other numbers are doubles.
 */
import { parseDate, parseTimestamp } from '../protocol/datetime.js'
import { parseDecimalText } from '../protocol/decimal.js'
import type { DataType, StructType } from '../protocol/schema.js'
import type { ComparisonOperator, Expression, Scalar } from './expression.js'
import {
  checkPredicateIsBoolean,
  coerceLiteral,
  dateToMicros,
  formatColumnPath,
  resolveColumn,
  typeText,
} from './predicate-bind.js'
import { LiteralTypeError, PredicateSyntaxError } from './predicate-errors.js'
import { RESERVED_WORDS, type Token, describeToken, tokenize } from './predicate-lexer.js'

/** A literal as written, typed only by its syntax until it meets a column. */
type RawLiteral =
  | { readonly type: 'number'; readonly text: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' }
  | { readonly type: 'date'; readonly days: number }
  | { readonly type: 'timestamp'; readonly micros: bigint; readonly ntz: boolean }

/** Parse tree: the Expression shapes plus source positions and not-yet-typed literals. */
type Node =
  | { readonly kind: 'column'; readonly path: readonly string[]; readonly pos: number }
  | { readonly kind: 'literal'; readonly raw: RawLiteral; readonly pos: number }
  | {
      readonly kind: 'compare'
      readonly op: ComparisonOperator
      readonly left: Node
      readonly right: Node
    }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly Node[] }
  | { readonly kind: 'not'; readonly operand: Node }
  | { readonly kind: 'isNull'; readonly operand: Node }
  | { readonly kind: 'in'; readonly value: Node; readonly list: readonly Node[] }

const OPERATORS: Readonly<Record<string, ComparisonOperator>> = {
  '=': '=',
  '==': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
}

/**
 * Parses filter text into an Expression. With `schema`, columns are resolved and literals typed
 * (see above). Throws `PredicateSyntaxError` (with `position`), `UnknownColumnError` (with
 * `column`, `available`) or `LiteralTypeError`; all have code `INVALID_ARGUMENT`.
 */
export function parsePredicate(text: string, schema?: StructType): Expression {
  const tree = new Parser(text, tokenize(text)).parseFilter()
  const expression = lower(tree, schema)
  if (schema !== undefined) checkPredicateIsBoolean(expression, schema)
  return expression
}

class Parser {
  private at = 0
  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseFilter(): Node {
    if (this.peek().kind === 'end') this.fail(this.peek(), 'a condition')
    const node = this.parseOr()
    if (this.peek().kind !== 'end') this.fail(this.peek(), 'AND, OR or the end of the filter')
    return node
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)]!
  }
  private next(): Token {
    const token = this.peek()
    if (token.kind !== 'end') this.at++
    return token
  }
  private fail(token: Token, expected: string): never {
    throw new PredicateSyntaxError(
      this.text,
      token.pos,
      `expected ${expected}, found ${describeToken(token)}`,
    )
  }
  private isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset)
    return token.kind === 'name' && !token.quoted && token.value.toLowerCase() === word
  }
  private isSymbol(symbol: string, offset = 0): boolean {
    const token = this.peek(offset)
    return token.kind === 'symbol' && token.value === symbol
  }
  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.fail(this.peek(), word.toUpperCase())
    this.next()
  }
  private expectSymbol(symbol: string): void {
    if (!this.isSymbol(symbol)) this.fail(this.peek(), `'${symbol}'`)
    this.next()
  }

  private parseOr(): Node {
    const operands = [this.parseAnd()]
    while (this.isKeyword('or')) {
      this.next()
      operands.push(this.parseAnd())
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands }
  }

  private parseAnd(): Node {
    const operands = [this.parseNot()]
    while (this.isKeyword('and')) {
      this.next()
      operands.push(this.parseNot())
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands }
  }

  private parseNot(): Node {
    if (this.isKeyword('not')) {
      this.next()
      return { kind: 'not', operand: this.parseNot() }
    }
    return this.parsePredicate()
  }

  private parsePredicate(): Node {
    const left = this.parseOperand()
    const token = this.peek()
    if (token.kind === 'symbol' && OPERATORS[token.value] !== undefined) {
      this.next()
      return { kind: 'compare', op: OPERATORS[token.value]!, left, right: this.parseOperand() }
    }
    if (this.isKeyword('is')) {
      this.next()
      const negated = this.isKeyword('not')
      if (negated) this.next()
      this.expectKeyword('null')
      const node: Node = { kind: 'isNull', operand: left }
      return negated ? { kind: 'not', operand: node } : node
    }
    // `x NOT IN (...)`: this NOT belongs to the predicate; one token of lookahead tells it from
    // a NOT that would start a new condition (which is a syntax error here anyway).
    const negated =
      this.isKeyword('not') && (this.isKeyword('in', 1) || this.isKeyword('between', 1))
    if (negated) this.next()
    if (this.isKeyword('in')) {
      this.next()
      this.expectSymbol('(')
      const list = [this.parseOperand()]
      while (this.isSymbol(',')) {
        this.next()
        list.push(this.parseOperand())
      }
      this.expectSymbol(')')
      const node: Node = { kind: 'in', value: left, list }
      return negated ? { kind: 'not', operand: node } : node
    }
    if (this.isKeyword('between')) {
      this.next()
      const low = this.parseOperand()
      this.expectKeyword('and')
      const high = this.parseOperand()
      const node: Node = {
        kind: 'and',
        operands: [
          { kind: 'compare', op: '>=', left, right: low },
          { kind: 'compare', op: '<=', left, right: high },
        ],
      }
      return negated ? { kind: 'not', operand: node } : node
    }
    return left
  }

  private parseOperand(): Node {
    const token = this.peek()
    if (token.kind === 'string') {
      this.next()
      return { kind: 'literal', raw: { type: 'string', value: token.value }, pos: token.pos }
    }
    if (token.kind === 'number') {
      this.next()
      return { kind: 'literal', raw: { type: 'number', text: token.text }, pos: token.pos }
    }
    // There is no arithmetic: a minus sign is only the sign of a number literal.
    if (token.kind === 'symbol' && token.value === '-') {
      const number = this.peek(1)
      if (number.kind !== 'number') this.fail(number, 'a number after -')
      this.at += 2
      return { kind: 'literal', raw: { type: 'number', text: `-${number.text}` }, pos: token.pos }
    }
    if (token.kind === 'symbol' && token.value === '(') {
      this.next()
      const inner = this.parseOr()
      this.expectSymbol(')')
      return inner
    }
    if (token.kind !== 'name') return this.fail(token, 'a column, a literal or (')
    if (!token.quoted) {
      const word = token.value.toLowerCase()
      if (word === 'true' || word === 'false') {
        this.next()
        return { kind: 'literal', raw: { type: 'boolean', value: word === 'true' }, pos: token.pos }
      }
      if (word === 'null') {
        this.next()
        return { kind: 'literal', raw: { type: 'null' }, pos: token.pos }
      }
      // `DATE '2024-01-01'` is a typed literal, while `date >= ...` names a column called date.
      const typed = this.peek(1)
      if (
        (word === 'date' || word === 'timestamp' || word === 'timestamp_ntz') &&
        typed.kind === 'string'
      ) {
        this.at += 2
        return { kind: 'literal', raw: this.typedLiteral(word, typed), pos: token.pos }
      }
      if (RESERVED_WORDS.has(word)) this.fail(token, 'a column, a literal or (')
    }
    return this.parseColumn()
  }

  private typedLiteral(word: string, token: Token & { kind: 'string' }): RawLiteral {
    const bad = (): never => {
      throw new PredicateSyntaxError(
        this.text,
        token.pos,
        `invalid ${word.toUpperCase()} literal '${token.value}'`,
      )
    }
    if (word === 'date') return { type: 'date', days: parseDate(token.value) ?? bad() }
    const parsed = parseTimestamp(token.value) ?? bad()
    const ntz = word === 'timestamp_ntz'
    // A wall-clock literal may not name a zone (a trailing Z is tolerated, as in partition values).
    if (ntz && parsed.hasZone && !/z$/i.test(token.value.trim())) bad()
    return { type: 'timestamp', micros: parsed.micros, ntz }
  }

  private parseColumn(): Node {
    const first = this.next()
    if (first.kind !== 'name') return this.fail(first, 'a column')
    const path = [first.value]
    while (this.isSymbol('.')) {
      this.next()
      const part = this.next()
      if (part.kind !== 'name') this.fail(part, 'a field name after .')
      path.push(part.value)
    }
    return { kind: 'column', path, pos: first.pos }
  }
}

// ---------------------------------------------------------------------------------------------
// Lowering: parse tree -> Expression, typing literals by the column they meet.

// Columns are resolved here rather than while parsing so that the whole filter is known to be
// well-formed before a name is looked up; each node still carries its position for errors.
function lower(node: Node, schema: StructType | undefined): Expression {
  const go = (n: Node): Expression => lower(n, schema)
  switch (node.kind) {
    case 'column':
      return {
        kind: 'column',
        path: schema === undefined ? node.path : resolveColumn(schema, node.path, node.pos).path,
      }
    case 'literal':
      return { kind: 'literal', value: literalValue(node, undefined, '') }
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map(go) }
    case 'not':
      return { kind: 'not', operand: go(node.operand) }
    case 'isNull':
      return { kind: 'isNull', operand: go(node.operand) }
    case 'compare': {
      const left = go(node.left)
      const right = go(node.right)
      return {
        kind: 'compare',
        op: node.op,
        left: node.left.kind === 'literal' ? typed(node.left, right, schema) : left,
        right: node.right.kind === 'literal' ? typed(node.right, left, schema) : right,
      }
    }
    case 'in': {
      const value = go(node.value)
      return {
        kind: 'in',
        value,
        list: node.list.map((item) =>
          item.kind === 'literal' ? typed(item, value, schema) : go(item),
        ),
      }
    }
  }
}

/**
 * The literal `node` as a value of the type of `other` when that is a column of `schema`.
 * Between two literals or two columns nothing is typed: such comparisons are folded or read
 * as they are.
 */
function typed(
  node: Node & { kind: 'literal' },
  other: Expression,
  schema: StructType | undefined,
): Expression {
  if (schema === undefined || other.kind !== 'column') {
    return { kind: 'literal', value: literalValue(node, undefined, '') }
  }
  const field = resolveColumn(schema, other.path)
  return {
    kind: 'literal',
    value: literalValue(node, field.field.type, formatColumnPath(other.path)),
  }
}

function literalValue(
  node: Node & { kind: 'literal' },
  type: DataType | undefined,
  column: string,
): Scalar | null {
  const raw = node.raw
  const mismatch = (what: string): never => {
    throw new LiteralTypeError(column, type === undefined ? '?' : typeText(type), what, node.pos)
  }
  let value: Scalar | null
  switch (raw.type) {
    case 'null':
      return null
    case 'boolean':
    case 'string':
      value = raw.value
      break
    case 'number':
      value = numberLiteral(raw.text, type)
      break
    case 'date':
      if (type?.type === 'timestamp' || type?.type === 'timestamp_ntz')
        return dateToMicros(raw.days)
      if (type !== undefined && type.type !== 'date') mismatch('a DATE literal')
      return raw.days
    case 'timestamp':
      if (type !== undefined && type.type !== 'timestamp' && type.type !== 'timestamp_ntz') {
        mismatch('a TIMESTAMP literal')
      }
      return raw.micros
  }
  if (type === undefined) return value
  // A bare number never means a date, a timestamp or a string (Spark would cast; we refuse).
  if (
    raw.type === 'number' &&
    !['long', 'integer', 'short', 'byte', 'float', 'double', 'decimal'].includes(type.type)
  ) {
    mismatch(`the number ${raw.text}`)
  }
  return coerceLiteral(value, type, column, node.pos)
}

/**
 * Number text as the most exact value for `type`: every digit of a decimal against a decimal
 * column, a bigint against a long column (values beyond 2^53 stay exact), else a double. Any
 * numeric kinds compare exactly with each other, so this only avoids losing digits.
 */
function numberLiteral(text: string, type: DataType | undefined): Scalar {
  const integer = /^-?\d+$/.test(text)
  if (type?.type === 'decimal') return parseDecimalText(text)!
  if (integer && (type?.type === 'long' || !Number.isSafeInteger(Number(text)))) return BigInt(text)
  return Number(text)
}
