/**
 * An exact JSON reader for the few places where `JSON.parse` loses information we need:
 *
 * - the `_last_checkpoint` checksum is computed over the *text* of numbers and must reject
 *   duplicate keys (PROTOCOL.md "JSON checksum"), while `JSON.parse` rounds numbers and keeps the
 *   last duplicate silently;
 * - schema field metadata may hold 64-bit integers (identity column high-water marks) that a
 *   double cannot represent, and a schema must serialize back exactly.
 *
 * It is a plain recursive-descent parser, far slower than `JSON.parse`, so hot paths (commit
 * lines, stats) never use it. Errors are `SyntaxError`s; callers wrap them into typed errors
 * that name the file.
 */

/** A parsed JSON value that keeps number text and key order, duplicates included. */
export type JsonNode =
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, JsonNode])[] }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly raw: string }
  | { readonly kind: 'literal'; readonly value: boolean | null }

/**
 * A JSON value as plain data. Integers outside the safe range are `bigint` so that they survive
 * a round trip; every other number is a `number`.
 */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue }

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

/** Parses one JSON document (surrounding whitespace allowed). Throws `SyntaxError`. */
export function parseJsonTree(text: string): JsonNode {
  let at = 0

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${at}`)
  }
  const skipWhitespace = (): void => {
    while (at < text.length) {
      const c = text.charCodeAt(at)
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      at++
    }
  }
  const readString = (): string => {
    // Delegate escape handling to JSON.parse on the exact string token: it is correct for every
    // escape and lone surrogate, and strings are the only place escapes occur.
    const start = at
    at++ // opening quote
    while (at < text.length) {
      const c = text.charCodeAt(at)
      if (c === 0x22) break
      if (c === 0x5c) at++
      else if (c < 0x20) fail('Control character in string')
      at++
    }
    if (at >= text.length) fail('Unterminated string')
    at++ // closing quote
    return JSON.parse(text.slice(start, at)) as string
  }
  const readValue = (depth: number): JsonNode => {
    if (depth > 512) fail('Nesting too deep')
    skipWhitespace()
    const c = text[at]
    if (c === '{') {
      at++
      const entries: (readonly [string, JsonNode])[] = []
      skipWhitespace()
      if (text[at] === '}') {
        at++
        return { kind: 'object', entries }
      }
      for (;;) {
        skipWhitespace()
        if (text[at] !== '"') fail('Expected a string key')
        const key = readString()
        skipWhitespace()
        if (text[at] !== ':') fail('Expected ":"')
        at++
        entries.push([key, readValue(depth + 1)])
        skipWhitespace()
        if (text[at] === ',') {
          at++
          continue
        }
        if (text[at] === '}') {
          at++
          return { kind: 'object', entries }
        }
        fail('Expected "," or "}"')
      }
    }
    if (c === '[') {
      at++
      const items: JsonNode[] = []
      skipWhitespace()
      if (text[at] === ']') {
        at++
        return { kind: 'array', items }
      }
      for (;;) {
        items.push(readValue(depth + 1))
        skipWhitespace()
        if (text[at] === ',') {
          at++
          continue
        }
        if (text[at] === ']') {
          at++
          return { kind: 'array', items }
        }
        fail('Expected "," or "]"')
      }
    }
    if (c === '"') return { kind: 'string', value: readString() }
    if (text.startsWith('true', at)) {
      at += 4
      return { kind: 'literal', value: true }
    }
    if (text.startsWith('false', at)) {
      at += 5
      return { kind: 'literal', value: false }
    }
    if (text.startsWith('null', at)) {
      at += 4
      return { kind: 'literal', value: null }
    }
    NUMBER.lastIndex = at
    const match = NUMBER.exec(text)
    if (match === null) return fail('Unexpected character')
    at += match[0].length
    return { kind: 'number', raw: match[0] }
  }

  const root = readValue(0)
  skipWhitespace()
  if (at !== text.length) fail('Unexpected text after the JSON value')
  return root
}

/** Converts a tree to plain data; a duplicate key keeps its last value, as `JSON.parse` does. */
export function toJsonValue(node: JsonNode): JsonValue {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, JsonValue> = {}
      for (const [key, value] of node.entries) {
        // defineProperty: a key named "__proto__" must become data, not the prototype.
        Object.defineProperty(out, key, {
          value: toJsonValue(value),
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      return out
    }
    case 'array':
      return node.items.map(toJsonValue)
    case 'string':
    case 'literal':
      return node.value
    case 'number': {
      const value = Number(node.raw)
      const integral = !/[.eE]/.test(node.raw)
      return integral && !Number.isSafeInteger(value) ? BigInt(node.raw) : value
    }
  }
}

/** Parses JSON text into plain data, keeping unsafe integers exact as `bigint`. */
export function parseJsonExact(text: string): JsonValue {
  return toJsonValue(parseJsonTree(text))
}

/**
 * `JSON.stringify` that also writes `bigint` as a bare JSON number. Key order is preserved;
 * `undefined` properties are skipped.
 */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? { [BIGINT_MARK]: v.toString() } : v,
  ).replace(BIGINT_PATTERN, '$1')
}

// bigint values travel through JSON.stringify as a marker object, then the marker is unwrapped.
// The marker key contains a character JSON.stringify always escapes inside strings, so no user
// string can produce the pattern.
const BIGINT_MARK = '\u0000bigint'
const BIGINT_PATTERN = /\{"\\u0000bigint":"(-?[0-9]+)"\}/g
