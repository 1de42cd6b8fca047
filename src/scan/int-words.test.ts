import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import {
  floorDivideInt64,
  multiplyInt64,
  readInt128,
  widenToInt64,
  wordsOf,
  writeInt128,
} from './int-words.js'

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return a % b !== 0n && a < 0n ? q - 1n : q
}

describe('int-words', () => {
  test.prop([fc.array(int64, { maxLength: 20 }), fc.constantFrom(1000, 1_000_000, 86_400)])(
    'floorDivideInt64 equals BigInt floor division',
    (values, divisor) => {
      const input = BigInt64Array.from(values)
      const out = new BigInt64Array(values.length)
      floorDivideInt64(wordsOf(input), divisor, wordsOf(out), values.length)
      expect([...out]).toEqual(values.map((v) => floorDiv(v, BigInt(divisor))))
    },
  )

  test.prop([fc.array(int64, { maxLength: 20 }), fc.constantFrom(1000, 1_000_000)])(
    'multiplyInt64 equals BigInt multiplication, or reports the first overflow',
    (values, factor) => {
      const input = BigInt64Array.from(values)
      const out = new BigInt64Array(values.length)
      const bad = multiplyInt64(wordsOf(input), factor, wordsOf(out), values.length)
      const fits = (v: bigint): boolean => BigInt.asIntN(64, v) === v
      const expectedBad = values.findIndex((v) => !fits(v * BigInt(factor)))
      expect(bad).toBe(expectedBad)
      const checked = expectedBad < 0 ? values.length : expectedBad
      expect([...out].slice(0, checked)).toEqual(
        values.slice(0, checked).map((v) => v * BigInt(factor)),
      )
    },
  )

  test.prop([fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 20 })])(
    'widenToInt64 sign-extends',
    (values) => {
      expect([...widenToInt64(Int32Array.from(values), values.length)]).toEqual(values.map(BigInt))
    },
  )

  test.prop([fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n })])(
    "writeInt128 / readInt128 round-trip two's complement",
    (value) => {
      const words = new Uint32Array(8)
      writeInt128(words, 1, value)
      expect(readInt128(words, 1)).toBe(value)
      expect(readInt128(words, 0)).toBe(0n)
    },
  )
})
