import * as arrow from 'apache-arrow'
import { describe, expect, test } from 'vitest'
import { buildRecordBatch } from './arrow-build.js'
import {
  formatDate,
  formatTimestampMillis,
  parseDate,
  parseDecimal,
  parseTimestampMicros,
  partitionValueToTyped,
  statsJsonToParsed,
  statsParsedToJson,
} from './stats-parsed.js'

describe('text to typed values', () => {
  test.each([
    ['1970-01-01', 0],
    ['2024-02-29', 19782],
    ['1969-12-31', -1],
    ['0001-01-01', -719162],
    ['2023-02-29', null],
    ['2024-13-01', null],
    ['yesterday', null],
  ])('parseDate(%s) = %s', (text, days) => {
    expect(parseDate(text)).toBe(days)
  })

  test.each([
    ['1970-01-01 00:00:00', 0n],
    ['1970-01-01 00:00:00.123456', 123456n],
    ['1970-01-01T00:00:00.123456Z', 123456n],
    ['1970-01-01T01:00:00+01:00', 0n],
    ['1970-01-01T00:00:00.1-0130', 100000n + 5_400_000_000n],
    ['2024-01-01 10:00:00', 1_704_103_200_000_000n],
    ['1969-12-31 23:59:59.999999', -1n],
    ['not a time', null],
  ])('parseTimestampMicros(%s) = %s', (text, micros) => {
    expect(parseTimestampMicros(text)).toBe(micros)
  })

  test.each([
    ['1.25', 10, 2, 125n],
    ['-1.255', 10, 2, -126n], // half up, away from zero
    ['1.254', 10, 2, 125n],
    ['12', 5, 2, 1200n],
    ['1e2', 5, 0, 100n],
    ['123456', 5, 2, null], // does not fit precision 5
    ['abc', 5, 2, null],
    ['.5', 3, 1, 5n],
  ])('parseDecimal(%s, %i, %i) = %s', (text, precision, scale, unscaled) => {
    expect(parseDecimal(text, precision, scale)).toBe(unscaled)
  })

  test('partition values parse per type; empty strings and garbage are null (Spark casts)', () => {
    expect(partitionValueToTyped('42', new arrow.Int32())).toBe(42)
    expect(partitionValueToTyped('2147483648', new arrow.Int32())).toBeNull()
    expect(partitionValueToTyped('9007199254740993', new arrow.Int64())).toBe(9007199254740993n)
    expect(partitionValueToTyped('-7', new arrow.Int8())).toBe(-7)
    expect(partitionValueToTyped('1.5', new arrow.Float64())).toBe(1.5)
    expect(partitionValueToTyped('NaN', new arrow.Float32())).toBeNaN()
    expect(partitionValueToTyped('true', new arrow.Bool())).toBe(true)
    expect(partitionValueToTyped('maybe', new arrow.Bool())).toBeNull()
    expect(partitionValueToTyped('', new arrow.Int32())).toBeNull()
    expect(partitionValueToTyped('', new arrow.Utf8())).toBe('')
    expect(partitionValueToTyped(null, new arrow.Utf8())).toBeNull()
    expect(partitionValueToTyped('2024-01-01', new arrow.DateDay())).toBe(19723)
    expect(partitionValueToTyped('\u0001\u00ff', new arrow.Binary())).toEqual(
      new Uint8Array([1, 255]),
    )
    expect(partitionValueToTyped('3.14', new arrow.Decimal(2, 5, 128))).toBe(314n)
  })
})

describe('typed values to text', () => {
  test('formatDate and formatTimestampMillis', () => {
    expect(formatDate(0)).toBe('1970-01-01')
    expect(formatDate(-719162)).toBe('0001-01-01')
    expect(formatTimestampMillis(1_704_103_200_123, true)).toBe('2024-01-01T10:00:00.123Z')
    expect(formatTimestampMillis(-1, false)).toBe('1969-12-31T23:59:59.999')
  })
})

describe('stats JSON <-> stats_parsed', () => {
  const statsType = new arrow.Struct([
    new arrow.Field('numRecords', new arrow.Int64()),
    new arrow.Field(
      'minValues',
      new arrow.Struct([
        new arrow.Field('i', new arrow.Int32()),
        new arrow.Field('l', new arrow.Int64()),
        new arrow.Field('f', new arrow.Float32()),
        new arrow.Field('d', new arrow.Float64()),
        new arrow.Field('s', new arrow.Utf8()),
        new arrow.Field('day', new arrow.DateDay()),
        new arrow.Field('ts', new arrow.TimestampMicrosecond('UTC')),
        new arrow.Field('ntz', new arrow.TimestampMicrosecond()),
        new arrow.Field('dec', new arrow.Decimal(3, 20, 128)),
        new arrow.Field('nested', new arrow.Struct([new arrow.Field('x', new arrow.Int16())])),
      ]),
    ),
    new arrow.Field('tightBounds', new arrow.Bool()),
  ])
  const schema = new arrow.Schema([new arrow.Field('stats_parsed', statsType)])
  const json = {
    numRecords: 9007199254740991,
    minValues: {
      i: -5,
      l: 1234567890123,
      f: 0.1,
      d: -2.5e-8,
      s: 'é "quoted"',
      day: '2024-02-29',
      ts: '2024-01-01T10:00:00.123Z',
      ntz: '2024-01-01T10:00:00.123',
      dec: 12345.678,
      nested: { x: 7 },
    },
    tightBounds: false,
  }

  function roundTrip(text: string | undefined): (string | null)[] {
    const parsed = statsJsonToParsed(text, statsType)
    const batch = buildRecordBatch(schema, [{ stats_parsed: parsed }])
    return statsParsedToJson(batch.data.children[0]!)
  }

  test('JSON -> typed struct -> JSON gives back the same object (float32 printed shortest)', () => {
    const [text] = roundTrip(JSON.stringify(json))
    expect(JSON.parse(text!)).toEqual(json)
  })

  test('null fields are left out, as Spark to_json does', () => {
    const [text] = roundTrip('{"numRecords":1,"minValues":{"i":1}}')
    expect(text).toBe('{"numRecords":1,"minValues":{"i":1}}')
  })

  test('no stats or malformed stats give a null struct', () => {
    expect(roundTrip(undefined)).toEqual([null])
    expect(roundTrip('{"numRecords":')).toEqual([null])
  })

  test('values that do not fit the column type become null', () => {
    const [text] = roundTrip('{"numRecords":1,"minValues":{"i":3000000000,"day":"soon","s":5}}')
    expect(text).toBe('{"numRecords":1,"minValues":{}}')
  })

  test('NaN and infinities are written as strings, like Spark', () => {
    const type = new arrow.Struct([new arrow.Field('d', new arrow.Float64())])
    const s = new arrow.Schema([new arrow.Field('v', type)])
    const batch = buildRecordBatch(s, [
      { v: { d: Number.NaN } },
      { v: { d: Number.NEGATIVE_INFINITY } },
    ])
    expect(statsParsedToJson(batch.data.children[0]!)).toEqual(['{"d":"NaN"}', '{"d":"-Infinity"}'])
  })

  test('nanosecond timestamps (from INT96) are UTC, floored to milliseconds', () => {
    const type = new arrow.Struct([new arrow.Field('t', new arrow.TimestampNanosecond())])
    const data = arrow.makeData({
      type: new arrow.TimestampNanosecond(),
      length: 2,
      nullCount: 0,
      data: new BigInt64Array([1_704_103_200_123_999_999n, -1n]),
    })
    const struct = arrow.makeData({ type, length: 2, nullCount: 0, children: [data] })
    expect(statsParsedToJson(struct)).toEqual([
      '{"t":"2024-01-01T10:00:00.123Z"}',
      '{"t":"1969-12-31T23:59:59.999Z"}',
    ])
  })
})
