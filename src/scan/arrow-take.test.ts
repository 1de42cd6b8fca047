import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { maskToIndices, takeRows } from './arrow-take.js'
import { arrowValue, dataOf } from './data-reader.test-util.js'

const values = (data: arrow.Data): unknown[] =>
  Array.from({ length: data.length }, (_, i) => arrowValue(data, i))

const PICK = Int32Array.from([4, 0, 2, 2])

describe('takeRows', () => {
  const cases: [string, arrow.DataType, unknown[]][] = [
    ['Int8', new arrow.Int8(), [1, null, -3, 4, 5]],
    ['Int16', new arrow.Int16(), [1, null, -3, 4, 5]],
    ['Int32', new arrow.Int32(), [1, null, -3, 4, 5]],
    ['Int64', new arrow.Int64(), [1n, null, -(2n ** 63n), 4n, 2n ** 62n]],
    ['Float32', new arrow.Float32(), [1.5, null, -3, 4, 5]],
    ['Float64', new arrow.Float64(), [0.1, null, -3, 4, NaN]],
    ['Bool', new arrow.Bool(), [true, null, false, true, false]],
    ['Utf8', new arrow.Utf8(), ['a', null, 'a much longer string value', '', 'é']],
    ['Binary', new arrow.Binary(), [new Uint8Array([1]), null, new Uint8Array(20), null, null]],
    ['Date', new arrow.DateDay(), [new Date(0), null, new Date(-86_400_000), null, null]],
    ['Timestamp', new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC'), [1n, null, -5n, 7n, 8n]],
    ['Decimal', new arrow.Decimal(2, 38, 128), [1n, null, -(10n ** 37n), 4n, 5n]],
  ]
  for (const [name, type, input] of cases) {
    it(`selects rows of ${name} with their nulls`, () => {
      const data = dataOf(type, input)
      const expected = [4, 0, 2, 2].map((i) => arrowValue(data, i))
      const taken = takeRows(data, PICK)
      expect(values(taken)).toEqual(expected)
      expect(taken.nullCount).toBe(expected.filter((v) => v === null).length)
    })
  }

  it('selects rows of sliced data (offset > 0)', () => {
    const data = dataOf(new arrow.Utf8(), ['x', 'a', null, 'c', 'dd', 'e']).slice(1, 5)
    expect(values(takeRows(data, Int32Array.from([3, 1, 0])))).toEqual(['dd', null, 'a'])
    const bools = dataOf(new arrow.Bool(), [true, false, true, true, false]).slice(2, 3)
    expect(values(takeRows(bools, Int32Array.from([2, 0])))).toEqual([false, true])
  })

  it('selects rows of nested data: struct, list of struct, map', () => {
    const struct = new arrow.Struct([
      new arrow.Field('n', new arrow.Int32(), true),
      new arrow.Field('s', new arrow.Utf8(), true),
    ])
    const list = new arrow.List(new arrow.Field('element', struct, true))
    const map = new arrow.Map_(
      new arrow.Field(
        'entries',
        new arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>([
          new arrow.Field('key', new arrow.Utf8(), false),
          new arrow.Field('value', new arrow.Int64(), true),
        ]),
        false,
      ),
    )
    const rows = [
      [{ n: 1, s: 'a' }, null],
      null,
      [],
      [{ n: 4, s: null }],
      [
        { n: 5, s: 'e' },
        { n: 6, s: 'f' },
      ],
    ]
    const listData = dataOf(list, rows)
    expect(values(takeRows(listData, Int32Array.from([4, 1, 0])))).toEqual([
      [
        { n: '5', s: 'e' },
        { n: '6', s: 'f' },
      ],
      null,
      [{ n: '1', s: 'a' }, null],
    ])
    const mapData = dataOf(map, [
      new Map([['k', 1n]]),
      null,
      new Map([
        ['a', null],
        ['b', 2n],
      ]),
    ])
    expect(values(takeRows(mapData, Int32Array.from([2, 0])))).toEqual([
      {
        map: [
          ['a', null],
          ['b', '2'],
        ],
      },
      { map: [['k', '1']] },
    ])
    const structData = dataOf(struct, [{ n: 1, s: 'a' }, null, { n: 3, s: null }])
    expect(values(takeRows(structData, Int32Array.from([2, 1])))).toEqual([
      { n: '3', s: null },
      null,
    ])
  })

  it('copies long runs of kept rows (a sparse deletion) with the same result', () => {
    const n = 200
    const keep = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 37 !== 5)
    const struct = new arrow.Struct([
      new arrow.Field('s', new arrow.Utf8(), true),
      new arrow.Field('n', new arrow.Int32(), true),
    ])
    const rows = Array.from({ length: n }, (_, i) =>
      i % 11 === 0 ? null : { s: `v${i}`.repeat(i % 4), n: i * 1000 },
    )
    const picked = keep.filter((i) => i < n - 6)
    const decimals = dataOf(
      new arrow.Decimal(2, 20, 128),
      Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : BigInt(-i) << 70n)),
    )
    for (const data of [dataOf(struct, rows).slice(3, n - 3), decimals.slice(3, n - 3)]) {
      const expected = [...picked].map((i) => arrowValue(data, i))
      expect(values(takeRows(data, picked))).toEqual(expected)
      expect(expected.filter((v) => v === null).length).toBeGreaterThan(0)
    }
  })

  it('selects rows of a Null column', () => {
    const data = arrow.makeData({ type: new arrow.Null(), length: 5 })
    expect(takeRows(data, PICK).length).toBe(4)
  })
})

describe('maskToIndices', () => {
  it('turns a keep-mask into ascending indices', () => {
    expect([...maskToIndices(Uint8Array.from([0, 1, 1, 0, 1]), 5)]).toEqual([1, 2, 4])
  })
})
