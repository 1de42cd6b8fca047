import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { decimal, primitive } from '../protocol/schema.js'
import { typeName } from '../engine/arrow-read.js'
import { constantData, nullData } from './arrow-constant.js'
import { arrowType } from './arrow-types.js'
import { arrowValue } from './data-reader.test-util.js'

const values = (data: arrow.Data): unknown[] =>
  Array.from({ length: data.length }, (_, i) => arrowValue(data, i))

describe('constantData', () => {
  it('repeats a typed partition value of every type', () => {
    const cases: [
      Parameters<typeof constantData>[0],
      Parameters<typeof constantData>[1],
      unknown,
    ][] = [
      [primitive('string'), 'a/b é', 'a/b é'],
      [primitive('string'), '', ''],
      [primitive('binary'), new Uint8Array([0, 1]), 'hex:0001'],
      [primitive('boolean'), true, true],
      [primitive('boolean'), false, false],
      [primitive('byte'), -128, '-128'],
      [primitive('short'), 300, '300'],
      [primitive('integer'), -7, '-7'],
      [primitive('long'), -(2n ** 63n), '-9223372036854775808'],
      [primitive('float'), 1.5, '1.5'],
      [primitive('double'), 0.1, '0.1'],
      [primitive('date'), -1, 'date:-1'],
      [primitive('timestamp'), 1_500_000n, 'ts:1500000'],
      [primitive('timestamp_ntz'), -1n, 'ts:-1'],
      [decimal(10, 3), { unscaled: -125n, scale: 1 }, 'dec:-12.500'],
      [decimal(38, 0), { unscaled: 10n ** 37n, scale: 0 }, `dec:1${'0'.repeat(37)}`],
    ]
    for (const [type, value, expected] of cases) {
      const data = constantData(type, value, 21)
      expect(typeName(data.type)).toBe(typeName(arrowType(type)))
      expect(values(data)).toEqual(Array(21).fill(expected))
    }
  })

  it('gives an all-null column for a NULL value (and for void)', () => {
    expect(values(constantData(primitive('long'), null, 3))).toEqual([null, null, null])
    expect(values(constantData(primitive('void'), null, 2))).toEqual([null, null])
  })

  it('rejects a value of the wrong JavaScript type', () => {
    expect(() => constantData(primitive('long'), 5, 1)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => constantData(decimal(5, 0), { unscaled: 15n, scale: 1 }, 1)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

describe('nullData', () => {
  it('builds all-null columns of nested types with full-length children', () => {
    const type = arrowType({
      type: 'struct',
      fields: [
        {
          name: 'l',
          type: { type: 'array', elementType: primitive('string'), containsNull: true },
          nullable: true,
          metadata: {},
        },
        {
          name: 'm',
          type: {
            type: 'map',
            keyType: primitive('integer'),
            valueType: decimal(20, 2),
            valueContainsNull: true,
          },
          nullable: true,
          metadata: {},
        },
        { name: 'd', type: decimal(20, 2), nullable: true, metadata: {} },
      ],
    })
    const data = nullData(type, 4)
    expect(data.nullCount).toBe(4)
    expect(values(data)).toEqual([null, null, null, null])
    expect(data.children.map((c) => c.length)).toEqual([4, 4, 4])
    expect((data.children[2]!.values as Uint32Array).length).toBe(16)
  })
})
