/**
 * Tokens of the filter language (see `predicate-parser.ts`). Keywords are not told apart from
 * names here: `date` is a column in `date >= '2024-01-01'` and a type in `DATE '2024-01-01'`, and
 * only the parser, seeing what follows, can tell which.
 */
import { PredicateSyntaxError } from './predicate-errors.js'

export type Token =
  /** A name; `quoted` when written in backticks (then never a keyword). */
  | {
      readonly kind: 'name'
      readonly value: string
      readonly quoted: boolean
      readonly pos: number
    }
  | { readonly kind: 'string'; readonly value: string; readonly pos: number }
  /** A number as written (digits, an optional fraction and exponent), sign not included. */
  | { readonly kind: 'number'; readonly text: string; readonly pos: number }
  | { readonly kind: 'symbol'; readonly value: Punct; readonly pos: number }
  | { readonly kind: 'end'; readonly pos: number }

export type Punct = '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>=' | '(' | ')' | ',' | '.' | '-'

const SYMBOLS: readonly Punct[] = [
  '==',
  '!=',
  '<>',
  '<=',
  '>=',
  '=',
  '<',
  '>',
  '(',
  ')',
  ',',
  '.',
  '-',
]
const NAME_START = /[A-Za-z_\u0080-\uffff]/
const NAME_PART = /[A-Za-z0-9_$\u0080-\uffff]/
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/

/** Words that cannot be unquoted column names: they would make the grammar ambiguous. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'null',
  'between',
  'true',
  'false',
])

/**
 * The text between the quote at `start` and its closing twin, and the offset after it. SQL
 * escapes a quote inside by doubling it (`'it''s'`, `` `a``b` ``), never with a backslash, so
 * Windows paths and regexes in strings need no escaping.
 */
function quoted(text: string, start: number): [string, number] {
  const quote = text[start]!
  let value = ''
  let i = start + 1
  for (;;) {
    if (i >= text.length) {
      throw new PredicateSyntaxError(
        text,
        start,
        `unterminated ${quote === "'" ? 'string' : '`name`'}`,
      )
    }
    if (text[i] === quote) {
      if (text[i + 1] !== quote) return [value, i + 1]
      i++ // a doubled quote stands for one
    }
    value += text[i]!
    i++
  }
}

/** Splits filter text into tokens; throws `PredicateSyntaxError` at the first bad character. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    // Whitespace only separates tokens (newlines too: filters may come from files).
    if (/\s/.test(c)) {
      i++
      continue
    }
    const start = i
    if (c === "'" || c === '`') {
      const [value, next] = quoted(text, start)
      i = next
      if (c === "'") tokens.push({ kind: 'string', value, pos: start })
      else if (value === '') throw new PredicateSyntaxError(text, start, 'empty `name`')
      else tokens.push({ kind: 'name', value, quoted: true, pos: start })
      continue
    }
    // A number starts with a digit, or with a dot directly followed by one when the dot cannot
    // be a path separator (after a name, `a.5` is a path with a bad segment, not `a` then 0.5).
    const previous = tokens.at(-1)
    const afterName = previous?.kind === 'name'
    if (/\d/.test(c) || (c === '.' && !afterName && /\d/.test(text[i + 1] ?? ''))) {
      const m = NUMBER.exec(text.slice(i))!
      i += m[0].length
      if (i < text.length && NAME_PART.test(text[i]!)) {
        throw new PredicateSyntaxError(text, start, `invalid number ${text.slice(start, i + 1)}`)
      }
      tokens.push({ kind: 'number', text: m[0], pos: start })
      continue
    }
    // Names may hold any non-ASCII letter (`größe`); keywords are told apart by the parser.
    if (NAME_START.test(c)) {
      while (i < text.length && NAME_PART.test(text[i]!)) i++
      tokens.push({ kind: 'name', value: text.slice(start, i), quoted: false, pos: start })
      continue
    }
    // Longest match first, so that `<=` is one token and `<>` is not `<` then `>`.
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i))
    if (symbol === undefined) {
      throw new PredicateSyntaxError(text, start, `unexpected character ${JSON.stringify(c)}`)
    }
    i += symbol.length
    tokens.push({ kind: 'symbol', value: symbol, pos: start })
  }
  tokens.push({ kind: 'end', pos: text.length })
  return tokens
}

/** How a token reads in an error message. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'name':
      return token.quoted ? `\`${token.value}\`` : token.value
    case 'string':
      return `'${token.value}'`
    case 'number':
      return token.text
    case 'symbol':
      return token.value
    case 'end':
      return 'the end of the filter'
  }
}
