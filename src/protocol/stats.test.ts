import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AtomicType, decimal, primitive } from './schema.js'
import { serializeStats, truncateMaxString, truncateMinString } from './stats-builder.js'
import {
  fileStats,
  maxValueOf,
  minValueOf,
  nullCountOf,
  parseStats,
  statsValue,
  typedStat,
} from './stats.js'

const t = (name: Parameters<typeof primitive>[0]): AtomicType => primitive(name)

// From delta-golden/data-skipping-basic-stats-all-types (Spark-written), trimmed.
const SPARK_STATS =
  '{"numRecords":1,"minValues":{"as_int":0,"as_long":0,"as_date":"2000-01-01","as_timestamp":"2000-01-01T00:00:00.000Z","as_string":"0","as_big_decimal":0,"nested":{"x":-1.5}},"maxValues":{"as_int":0,"as_long":9007199254740993,"as_date":"2000-01-01","as_timestamp":"2000-01-01T08:00:00.000+08:00","as_string":"0","as_big_decimal":1234567890123456789,"nested":{"x":2.5}},"nullCount":{"as_int":0,"as_long":0,"as_string":1,"nested":{"x":0}}}'

describe('parseStats', () => {
  it('reads Spark stats and defaults tightBounds to true', () => {
    const stats = parseStats(SPARK_STATS)
    expect(stats.numRecords).toBe(1)
    expect(stats.tightBounds).toBe(true)
    expect(statsValue(stats, 'minValues', ['nested', 'x'])).toBe(-1.5)
    expect(statsValue(stats, 'minValues', ['nested', 'y'])).toBeUndefined()
    expect(statsValue(stats, 'minValues', ['as_int', 'deeper'])).toBeUndefined()
    expect(statsValue(stats, 'minValues', ['toString'])).toBeUndefined()
  })

  it('converts statistics to typed values', () => {
    const stats = parseStats(SPARK_STATS)
    expect(minValueOf(stats, ['as_long'], t('long'))).toBe(0n)
    expect(minValueOf(stats, ['as_date'], t('date'))).toBe(10957)
    expect(minValueOf(stats, ['as_timestamp'], t('timestamp'))).toBe(946684800000000n)
    expect(minValueOf(stats, ['as_big_decimal'], decimal(38, 2))).toEqual({
      unscaled: 0n,
      scale: 2,
    })
    expect(minValueOf(stats, ['as_string'], t('string'))).toBe('0')
    expect(minValueOf(stats, ['nested', 'x'], t('double'))).toBe(-1.5)
  })

  it('widens timestamp maxima by 999 µs because stats are truncated to milliseconds', () => {
    const stats = parseStats(SPARK_STATS)
    expect(maxValueOf(stats, ['as_timestamp'], t('timestamp'))).toBe(946684800000000n + 999n)
  })

  it('returns undefined for statistics that a double cannot hold exactly', () => {
    const stats = parseStats(SPARK_STATS)
    expect(maxValueOf(stats, ['as_long'], t('long'))).toBeUndefined() // 2^53 + 1
    expect(maxValueOf(stats, ['as_big_decimal'], decimal(38, 0))).toBeUndefined() // 19 digits
    expect(typedStat('x', t('long'))).toBeUndefined()
    expect(typedStat(1, t('binary'))).toBeUndefined()
  })

  it('trusts null counts under wide bounds only when 0 or numRecords', () => {
    const wide = parseStats(
      '{"numRecords":10,"nullCount":{"a":0,"b":10,"c":4},"tightBounds":false}',
    )
    expect(wide.tightBounds).toBe(false)
    expect([nullCountOf(wide, ['a']), nullCountOf(wide, ['b']), nullCountOf(wide, ['c'])]).toEqual([
      0,
      10,
      undefined,
    ])
    const tight = parseStats('{"numRecords":10,"nullCount":{"c":4}}')
    expect(nullCountOf(tight, ['c'])).toBe(4)
  })

  it('rejects malformed stats with CorruptLogError when the file is known', () => {
    const where = { path: '_delta_log/00000000000000000002.json', line: 5 }
    for (const bad of [
      '{',
      '[]',
      '{"numRecords":-1}',
      '{"numRecords":"1"}',
      '{"minValues":3}',
      '{"tightBounds":"no"}',
    ]) {
      expect(() => parseStats(bad, where)).toThrow(
        expect.objectContaining({ code: 'CORRUPT_LOG', path: where.path, line: 5 }),
      )
      expect(() => parseStats(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    }
  })

  it('parses an action stats string once and caches it', () => {
    const add = { stats: '{"numRecords":3}' }
    const first = fileStats(add)
    expect(first?.numRecords).toBe(3)
    expect(fileStats(add)).toBe(first)
    expect(fileStats({})).toBeUndefined()
  })
})

describe('string truncation', () => {
  it('cuts minimum strings to the prefix, keeping surrogate pairs whole', () => {
    expect(truncateMinString('abcdef', 3)).toBe('abc')
    expect(truncateMinString('ab😈cd', 3)).toBe('ab😈')
    expect(truncateMinString('abc', 3)).toBe('abc')
    expect(truncateMinString('abcd', 0)).toBeUndefined()
  })

  it('appends U+007F or U+10FFFF so a cut maximum stays an upper bound (Spark)', () => {
    expect(truncateMaxString('abcdef', 3)).toBe('abc\u007f')
    expect(truncateMaxString('abc\u00e9f', 3)).toBe('abc\u{10ffff}')
    expect(truncateMaxString('ab😈cd', 3)).toBe('ab😈\u007f')
    expect(truncateMaxString('abc\u{10ffff}\u{10ffff}d', 4)).toBe('abc\u{10ffff}\u{10ffff}\u007f')
    expect(truncateMaxString('abc', 3)).toBe('abc')
    expect(truncateMaxString(`a${'\u{10ffff}'.repeat(10)}b`, 3)).toBeUndefined() // no bound within 6 units
  })

  it('keeps maxima upper bounds and minima lower bounds in UTF-8 byte order', () => {
    const bytes = (s: string): number[] => [...new TextEncoder().encode(s)]
    const compare = (a: string, b: string): number => {
      const x = bytes(a)
      const y = bytes(b)
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
      return x.length - y.length
    }
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.integer({ min: 1, max: 40 }),
        (s, n) => {
          const min = truncateMinString(s, n)!
          expect(compare(min, s)).toBeLessThanOrEqual(0)
          const max = truncateMaxString(s, n)
          if (max !== undefined) expect(compare(max, s)).toBeGreaterThanOrEqual(0)
        },
      ),
    )
  })
})

describe('serializeStats', () => {
  it('writes Spark-shaped stats with nested columns, truncated strings and millisecond timestamps', () => {
    const text = serializeStats({
      numRecords: 3,
      columns: [
        { path: ['id'], type: t('long'), nullCount: 0, min: 1n, max: 9007199254740993n },
        {
          path: ['s', 'name'],
          type: t('string'),
          nullCount: 1,
          min: 'a'.repeat(40),
          max: 'z'.repeat(40),
        },
        { path: ['ts'], type: t('timestamp'), nullCount: 0, min: 1_000_999n, max: -1n },
        { path: ['ntz'], type: t('timestamp_ntz'), nullCount: 0, min: 0n, max: 0n },
        { path: ['d'], type: t('date'), nullCount: 0, min: 0, max: 1 },
        {
          path: ['dec'],
          type: decimal(5, 2),
          nullCount: 0,
          min: { unscaled: -5n, scale: 1 },
          max: { unscaled: 12345n, scale: 2 },
        },
        { path: ['f'], type: t('double'), nullCount: 0, min: -Infinity, max: 1e21 },
        { path: ['bin'], type: t('binary'), nullCount: 2, min: new Uint8Array([1]) },
      ],
      tightBounds: true,
    })
    expect(text).toBe(
      '{"numRecords":3,' +
        `"minValues":{"id":1,"s":{"name":"${'a'.repeat(32)}"},"ts":"1970-01-01T00:00:01.000Z","ntz":"1970-01-01T00:00:00.000","d":"1970-01-01","dec":-0.50},` +
        `"maxValues":{"id":9007199254740993,"s":{"name":"${'z'.repeat(32)}\u007f"},"ts":"1969-12-31T23:59:59.999Z","ntz":"1970-01-01T00:00:00.000","d":"1970-01-02","dec":123.45,"f":1.0E21},` +
        '"nullCount":{"id":0,"s":{"name":1},"ts":0,"ntz":0,"d":0,"dec":0,"f":0,"bin":2},' +
        '"tightBounds":true}',
    )
  })

  it('round-trips typed values through parseStats', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string({ maxLength: 32 }),
        (i, d, s) => {
          const text = serializeStats({
            numRecords: 1,
            columns: [
              { path: ['i'], type: t('integer'), nullCount: 0, min: i, max: i },
              { path: ['d'], type: t('double'), nullCount: 0, min: d, max: d },
              { path: ['s'], type: t('string'), nullCount: 0, min: s, max: s },
            ],
          })
          const stats = parseStats(text)
          expect(minValueOf(stats, ['i'], t('integer'))).toBe(i)
          expect(minValueOf(stats, ['d'], t('double'))).toBe(d)
          expect(maxValueOf(stats, ['s'], t('string'))).toBe(s)
        },
      ),
    )
  })

  it('rejects a bad record count, an empty path or a value of the wrong type', () => {
    expect(() => serializeStats({ numRecords: -1, columns: [] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() =>
      serializeStats({ numRecords: 1, columns: [{ path: [], type: t('long'), nullCount: 0 }] }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() =>
      serializeStats({
        numRecords: 1,
        columns: [{ path: ['a'], type: t('long'), nullCount: 0, min: 1 }],
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
