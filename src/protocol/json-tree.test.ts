import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseJsonExact, parseJsonTree, stringifyJson } from './json-tree.js'

describe('parseJsonTree', () => {
  it('keeps number text, key order and duplicate keys', () => {
    expect(parseJsonTree('{"b":1.0,"a":[1e2,-0],"b":null}')).toEqual({
      kind: 'object',
      entries: [
        ['b', { kind: 'number', raw: '1.0' }],
        [
          'a',
          {
            kind: 'array',
            items: [
              { kind: 'number', raw: '1e2' },
              { kind: 'number', raw: '-0' },
            ],
          },
        ],
        ['b', { kind: 'literal', value: null }],
      ],
    })
  })

  it('decodes string escapes like JSON.parse', () => {
    expect(parseJsonTree('"a\\"b\\u00e9\\n\\ud83d\\ude08"')).toEqual({
      kind: 'string',
      value: 'a"bé\n😈',
    })
  })

  it('rejects malformed JSON with SyntaxError', () => {
    for (const bad of [
      '',
      '{',
      '{"a"}',
      '{"a":1,}',
      '[1 2]',
      '01',
      'tru',
      '"a\nb"',
      '{"a":1} x',
      '{a:1}',
    ]) {
      expect(() => parseJsonTree(bad)).toThrow(SyntaxError)
    }
  })

  it('agrees with JSON.parse on any JSON value (up to bigint for unsafe integers)', () => {
    const asNumbers = (v: unknown): unknown =>
      typeof v === 'bigint'
        ? Number(v)
        : Array.isArray(v)
          ? v.map(asNumbers)
          : typeof v === 'object' && v !== null
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asNumbers(x)]))
            : v
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value)
        expect(asNumbers(parseJsonExact(text))).toEqual(JSON.parse(text))
      }),
    )
    expect(parseJsonExact('9007199254740994')).toBe(9007199254740994n)
  })
})

describe('parseJsonExact / stringifyJson', () => {
  it('keeps 64-bit integers exact as bigint and writes them back unquoted', () => {
    const text = '{"min":-9223372036854775808,"max":9223372036854775807,"small":5,"f":1.5}'
    const value = parseJsonExact(text)
    expect(value).toEqual({
      min: -9223372036854775808n,
      max: 9223372036854775807n,
      small: 5,
      f: 1.5,
    })
    expect(stringifyJson(value)).toBe(text)
  })

  it('treats "__proto__" as an ordinary key', () => {
    const value = parseJsonExact('{"__proto__":{"x":1}}') as Record<string, unknown>
    expect(Object.keys(value)).toEqual(['__proto__'])
    expect(stringifyJson(value)).toBe('{"__proto__":{"x":1}}')
  })

  it('leaves strings that look like the bigint marker alone', () => {
    const value = { s: '{"\\u0000bigint":"1"}', t: '\u0000bigint' }
    expect(JSON.parse(stringifyJson(value))).toEqual(value)
  })
})
