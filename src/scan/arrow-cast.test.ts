import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { decimal, type DataType, primitive } from '../protocol/schema.js'
import { typeName } from '../engine/arrow-read.js'
import { leafConverter } from './arrow-cast.js'
import { arrowValue, dataOf } from './data-reader.test-util.js'

/** Casts `values` of file type `from` to Delta type `to`; canonical values out. */
function cast(from: arrow.DataType, to: DataType, values: readonly unknown[]): unknown[] {
  const convert = leafConverter(from, to)
  if (convert === undefined) throw new Error(`no converter from ${typeName(from)}`)
  const out = convert(dataOf(from, values))
  return Array.from({ length: out.length }, (_, i) => arrowValue(out, i))
}

const micro = arrow.TimeUnit.MICROSECOND

describe('leafConverter: type widening (PROTOCOL.md "Type Widening")', () => {
  it('widens byte/short/int to long with sign extension', () => {
    expect(cast(new arrow.Int8(), primitive('long'), [-128, 127, null])).toEqual([
      '-128',
      '127',
      null,
    ])
    expect(cast(new arrow.Int32(), primitive('long'), [-2147483648, 2147483647])).toEqual([
      '-2147483648',
      '2147483647',
    ])
    expect(cast(new arrow.Int8(), primitive('short'), [-1])).toEqual(['-1'])
    expect(cast(new arrow.Int16(), primitive('integer'), [-32768])).toEqual(['-32768'])
  })

  it('widens float to double keeping the float value exactly, as Spark does', () => {
    expect(cast(new arrow.Float32(), primitive('double'), [3.4, null])).toEqual([
      '3.4000000953674316',
      null,
    ])
  })

  it('widens byte/short/int to double', () => {
    expect(cast(new arrow.Int32(), primitive('double'), [-2147483648, 7])).toEqual([
      '-2147483648',
      '7',
    ])
    expect(cast(new arrow.Int8(), primitive('double'), [-5])).toEqual(['-5'])
  })

  it('widens date to timestamp_ntz at midnight, before 1970 too', () => {
    const days = [
      new Date(-86_400_000),
      new Date(Date.UTC(2024, 8, 9)),
      new Date(Date.UTC(9999, 11, 31)),
    ]
    expect(cast(new arrow.DateDay(), primitive('timestamp_ntz'), [...days, null])).toEqual([
      'ts:-86400000000',
      'ts:1725840000000000',
      'ts:253402214400000000',
      null,
    ])
  })

  it('widens decimals to a larger precision and scale, rescaling the unscaled value', () => {
    const from = new arrow.Decimal(2, 10, 128)
    expect(cast(from, decimal(20, 5), [12345n, -6789n, null])).toEqual([
      'dec:123.45000',
      'dec:-67.89000',
      null,
    ])
    expect(cast(from, decimal(20, 2), [12345n])).toEqual(['dec:123.45'])
  })

  it('widens integers to decimals with enough integer digits', () => {
    expect(cast(new arrow.Int8(), decimal(11, 1), [-128, 1])).toEqual(['dec:-128.0', 'dec:1.0'])
    expect(cast(new arrow.Int32(), decimal(12, 2), [-2147483648])).toEqual(['dec:-2147483648.00'])
    expect(cast(new arrow.Int64(), decimal(21, 1), [-(2n ** 63n)])).toEqual([
      'dec:-9223372036854775808.0',
    ])
  })

  it('refuses narrowing and changes the spec does not allow', () => {
    const refused: [arrow.DataType, DataType][] = [
      [new arrow.Int64(), primitive('integer')],
      [new arrow.Int64(), primitive('double')],
      [new arrow.Float64(), primitive('float')],
      [new arrow.Decimal(2, 10, 128), decimal(10, 3)], // loses an integer digit
      [new arrow.Decimal(3, 10, 128), decimal(12, 2)], // loses a fraction digit
      [new arrow.Int32(), decimal(9, 0)],
      [new arrow.Int64(), decimal(20, 1)],
      [new arrow.DateDay(), primitive('timestamp')],
      [new arrow.Int32(), primitive('string')],
      [new arrow.Utf8(), primitive('integer')],
      [new arrow.Uint32(), primitive('long')],
    ]
    for (const [from, to] of refused) expect(leafConverter(from, to)).toBeUndefined()
  })
})

describe('leafConverter: timestamps', () => {
  it('normalises milliseconds, seconds and nanoseconds to microseconds', () => {
    const ms = new arrow.Timestamp(arrow.TimeUnit.MILLISECOND, 'UTC')
    expect(cast(ms, primitive('timestamp'), [-1n, 1_700_000_000_123n])).toEqual([
      'ts:-1000',
      'ts:1700000000123000',
    ])
    const s = new arrow.Timestamp(arrow.TimeUnit.SECOND)
    expect(cast(s, primitive('timestamp_ntz'), [-2n])).toEqual(['ts:-2000000'])
  })

  it('floors nanoseconds (INT96) to microseconds, also before 1970 and at the int64 limits', () => {
    const ns = new arrow.Timestamp(arrow.TimeUnit.NANOSECOND)
    expect(
      cast(ns, primitive('timestamp'), [
        1n,
        -1n,
        -1000n,
        -1001n,
        1_631_124_671_123_456_789n,
        -(2n ** 63n),
        2n ** 63n - 1n,
        null,
      ]),
    ).toEqual([
      'ts:0',
      'ts:-1',
      'ts:-1',
      'ts:-2',
      'ts:1631124671123456',
      'ts:-9223372036854776',
      'ts:9223372036854775',
      null,
    ])
  })

  it('labels the result by the table type: UTC for timestamp, no zone for timestamp_ntz', () => {
    const file = new arrow.Timestamp(micro, 'UTC')
    const ntz = leafConverter(file, primitive('timestamp_ntz'))!(dataOf(file, [5n]))
    expect(typeName(ntz.type)).toBe('Timestamp<MICROSECOND>')
    const utc = leafConverter(new arrow.Timestamp(micro), primitive('timestamp'))!(
      dataOf(new arrow.Timestamp(micro), [5n]),
    )
    expect(typeName(utc.type)).toBe('Timestamp<MICROSECOND, UTC>')
  })

  it('fails on a millisecond value that does not fit in microseconds, but not for a null row', () => {
    const ms = new arrow.Timestamp(arrow.TimeUnit.MILLISECOND)
    const convert = leafConverter(ms, primitive('timestamp'))!
    expect(() => convert(dataOf(ms, [0n, 2n ** 62n]))).toThrow(RangeError)
    const nullRow = dataOf(ms, [0n, null])
    ;(nullRow.values as BigInt64Array)[1] = 2n ** 62n
    expect(() => convert(nullRow)).not.toThrow()
  })

  it('keeps validity of sliced input (offset > 0)', () => {
    const ms = new arrow.Timestamp(arrow.TimeUnit.MILLISECOND)
    const sliced = dataOf(ms, [1n, null, 3n, null]).slice(1, 3)
    const out = leafConverter(ms, primitive('timestamp'))!(sliced)
    expect([0, 1, 2].map((i) => arrowValue(out, i))).toEqual([null, 'ts:3000', null])
  })
})

describe('leafConverter: lax writers', () => {
  it('reads BYTE_ARRAY without the UTF8 annotation as string, and strings as binary', () => {
    expect(cast(new arrow.Binary(), primitive('string'), [new Uint8Array([104, 105])])).toEqual([
      'hi',
    ])
    expect(cast(new arrow.Utf8(), primitive('binary'), ['hi'])).toEqual(['hex:6869'])
  })

  it('reads any column as nulls for a void table column', () => {
    expect(cast(new arrow.Int32(), primitive('void'), [1, 2])).toEqual([null, null])
  })
})
