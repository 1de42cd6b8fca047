import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { batchRows, cellText, cellValue, shortestFloat32 } from './format-values.js'

/** One column of `type` holding `values` (null where the value is null). */
function column(type: arrow.DataType, values: readonly unknown[]): arrow.Data {
  return arrow.vectorFromArray(values, type).data[0]!
}

function values(data: arrow.Data): unknown[] {
  return Array.from({ length: data.length }, (_, i) => cellValue(data, i))
}

function fixed(
  type: arrow.DataType,
  buffer: ArrayBufferView,
  length: number,
  nullBitmap?: Uint8Array,
): arrow.Data {
  return arrow.makeData({
    type,
    length,
    data: buffer,
    ...(nullBitmap === undefined ? {} : { nullBitmap }),
  } as never)
}

describe('cellValue (the jsonl contract)', () => {
  it('prints integers up to 2^53-1 as numbers and larger ones as strings', () => {
    const longs = fixed(
      new arrow.Int64(),
      BigInt64Array.from([0n, -42n, 9007199254740991n, 9007199254740992n, -9223372036854775808n]),
      5,
    )
    expect(values(longs)).toEqual([
      0,
      -42,
      9007199254740991,
      '9007199254740992',
      '-9223372036854775808',
    ])
    expect(values(column(new arrow.Int8(), [-128, 127, null]))).toEqual([-128, 127, null])
    expect(values(column(new arrow.Int16(), [-32768, 5]))).toEqual([-32768, 5])
    expect(values(column(new arrow.Int32(), [2147483647, null]))).toEqual([2147483647, null])
  })

  it('prints floats as numbers, NaN and infinities as strings, float32 in its shortest form', () => {
    const doubles = fixed(
      new arrow.Float64(),
      Float64Array.from([1.5, NaN, Infinity, -Infinity, -0]),
      5,
    )
    expect(values(doubles)).toEqual([1.5, 'NaN', 'Infinity', '-Infinity', -0])
    const floats = fixed(
      new arrow.Float32(),
      Float32Array.from([0.1, 3.4028234663852886e38, 1e-45]),
      3,
    )
    expect(values(floats)).toEqual([0.1, 3.4028235e38, 1e-45])
    expect(shortestFloat32(Math.fround(16777217))).toBe(16777216)
  })

  it('prints decimals as strings with exactly their scale, negative ones included', () => {
    // Decimal128 words, least significant first: 150, -150, and 10^20 + 5 (beyond 64 bits).
    const big = 10n ** 20n + 5n
    const words = new Uint32Array(12)
    const put = (i: number, value: bigint): void => {
      let v = BigInt.asUintN(128, value)
      for (let k = 0; k < 4; k++) {
        words[i * 4 + k] = Number(v & 0xffffffffn)
        v >>= 32n
      }
    }
    put(0, 150n)
    put(1, -150n)
    put(2, big)
    const data = fixed(new arrow.Decimal(2, 38, 128), words, 3)
    expect(values(data)).toEqual(['1.50', '-1.50', '1000000000000000000.05'])
    const zeroScale = fixed(new arrow.Decimal(0, 10, 128), Uint32Array.from([7, 0, 0, 0]), 1)
    expect(values(zeroScale)).toEqual(['7'])
  })

  it('prints dates as YYYY-MM-DD, before the epoch too', () => {
    const days = fixed(new arrow.DateDay(), Int32Array.from([0, 19844, -1, -719162]), 4)
    expect(values(days)).toEqual(['1970-01-01', '2024-05-01', '1969-12-31', '0001-01-01'])
  })

  it('prints timestamps in UTC with microseconds and Z, timestamp_ntz without the Z', () => {
    const micros = BigInt64Array.from([1714564800123456n, -1n, 0n])
    const utc = fixed(new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC'), micros, 3)
    expect(values(utc)).toEqual([
      '2024-05-01T12:00:00.123456Z',
      '1969-12-31T23:59:59.999999Z',
      '1970-01-01T00:00:00.000000Z',
    ])
    const ntz = fixed(new arrow.Timestamp(arrow.TimeUnit.MICROSECOND), micros.slice(0, 1), 1)
    expect(values(ntz)).toEqual(['2024-05-01T12:00:00.123456'])
    // Other units convert exactly; nanoseconds floor toward the past.
    const nanos = fixed(
      new arrow.Timestamp(arrow.TimeUnit.NANOSECOND, '+02:00'),
      BigInt64Array.from([-1n, 1999n]),
      2,
    )
    expect(values(nanos)).toEqual(['1969-12-31T23:59:59.999999Z', '1970-01-01T00:00:00.000001Z'])
    const millis = fixed(
      new arrow.Timestamp(arrow.TimeUnit.MILLISECOND, 'UTC'),
      BigInt64Array.from([1500n]),
      1,
    )
    expect(values(millis)).toEqual(['1970-01-01T00:00:01.500000Z'])
  })

  it('prints strings as strings and binary as base64', () => {
    expect(values(column(new arrow.Utf8(), ['a', '', null, 'é\n"']))).toEqual([
      'a',
      '',
      null,
      'é\n"',
    ])
    const binary = arrow.makeData({
      type: new arrow.Binary(),
      length: 3,
      valueOffsets: Int32Array.from([0, 0, 3, 4]),
      data: Uint8Array.from([0xff, 0x00, 0x61, 0x62]),
    })
    expect(values(binary)).toEqual(['', '/wBh', 'Yg=='])
    expect(values(column(new arrow.Bool(), [true, false, null]))).toEqual([true, false, null])
  })

  it('prints structs as objects, lists as arrays, with nulls at every level', () => {
    const type = new arrow.Struct([
      new arrow.Field('n', new arrow.Int32(), true),
      new arrow.Field(
        'tags',
        new arrow.List(new arrow.Field('element', new arrow.Utf8(), true)),
        true,
      ),
    ])
    const data = column(type, [{ n: 1, tags: ['x', null] }, null, { n: null, tags: null }])
    expect(values(data)).toEqual([{ n: 1, tags: ['x', null] }, null, { n: null, tags: null }])
  })

  it('prints string-keyed maps as objects and other maps as key/value pairs', () => {
    const byString = new arrow.Map_(
      new arrow.Field(
        'entries',
        new arrow.Struct<{ key: arrow.Utf8; value: arrow.Int32 }>([
          new arrow.Field('key', new arrow.Utf8(), false),
          new arrow.Field('value', new arrow.Int32(), true),
        ]),
        false,
      ),
    )
    const strings = column(byString, [
      new Map([
        ['a', 1],
        ['b', null],
      ]),
      null,
      new Map(),
    ])
    expect(values(strings)).toEqual([{ a: 1, b: null }, null, {}])
    const byInt = new arrow.Map_(
      new arrow.Field(
        'entries',
        new arrow.Struct<{ key: arrow.Int32; value: arrow.Utf8 }>([
          new arrow.Field('key', new arrow.Int32(), false),
          new arrow.Field('value', new arrow.Utf8(), true),
        ]),
        false,
      ),
    )
    const ints = column(byInt, [
      new Map([
        [1, 'one'],
        [2, null],
      ]),
    ])
    expect(values(ints)).toEqual([
      [
        { key: 1, value: 'one' },
        { key: 2, value: null },
      ],
    ])
  })

  it('reads sliced data at the slice, not at the start of the buffers', () => {
    const longs = fixed(
      new arrow.Int64(),
      BigInt64Array.from([1n, 2n, 3n, 4n]),
      4,
      Uint8Array.from([0b1101]),
    )
    expect(values(longs.slice(1, 3))).toEqual([null, 3, 4])
    expect(values(column(new arrow.Utf8(), ['a', 'bb', 'ccc']).slice(1, 2))).toEqual(['bb', 'ccc'])
    expect(values(column(new arrow.Bool(), [true, false, true, true, false]).slice(3, 2))).toEqual([
      true,
      false,
    ])
    const words = new Uint32Array(8)
    words[0] = 1
    words[4] = 2
    expect(values(fixed(new arrow.Decimal(1, 10, 128), words, 2).slice(1, 1))).toEqual(['0.2'])
    const lists = column(new arrow.List(new arrow.Field('element', new arrow.Int32(), true)), [
      [1],
      [2, 3],
      [4],
    ])
    expect(values(lists.slice(1, 2))).toEqual([[2, 3], [4]])
  })

  it('reads dictionary-encoded strings through their dictionary', () => {
    const table = arrow.tableFromArrays({ s: ['x', 'y', 'x'] })
    const data = table.getChild('s')!.data[0]!
    expect(arrow.DataType.isDictionary(data.type)).toBe(true)
    expect(values(data)).toEqual(['x', 'y', 'x'])
  })

  it('turns a batch into objects keyed by column name, up to a limit', () => {
    const batch = arrow.tableFromArrays({
      id: Int32Array.from([1, 2, 3]),
      v: Float64Array.from([0.5, 1, 2]),
    }).batches[0]!
    expect([...batchRows(batch, 2)]).toEqual([
      { id: 1, v: 0.5 },
      { id: 2, v: 1 },
    ])
  })

  it('writes cells as text: strings bare, nested values as JSON, null as empty', () => {
    expect(cellText(null)).toBe('')
    expect(cellText('a,b')).toBe('a,b')
    expect(cellText(1.5)).toBe('1.5')
    expect(cellText({ a: [1, null] })).toBe('{"a":[1,null]}')
  })
})
