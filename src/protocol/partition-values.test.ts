import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { civilFromDays, daysFromCivil, formatTimestampMicros, parseTimestamp } from './datetime.js'
import { parseDecimalText } from './decimal.js'
import {
  formatJavaDouble,
  formatJavaFloat,
  parsePartitionValue,
  serializePartitionValue,
} from './partition-values.js'
import { type AtomicType, decimal, primitive } from './schema.js'

const t = (name: Parameters<typeof primitive>[0]): AtomicType => primitive(name)
const where = { path: '_delta_log/00000000000000000000.json', line: 4 }

// Bounds of Spark's supported range: 0001-01-01 to 9999-12-31.
const MIN_MICROS = -62135596800000000n
const MAX_MICROS = 253402300799999999n

describe('parsePartitionValue', () => {
  it('reads null, the empty string and absence as NULL for every type', () => {
    for (const type of [
      t('string'),
      t('long'),
      t('date'),
      t('timestamp'),
      decimal(5, 2),
      t('binary'),
    ]) {
      expect(parsePartitionValue(null, type)).toBeNull()
      expect(parsePartitionValue('', type)).toBeNull()
      expect(parsePartitionValue(undefined, type)).toBeNull()
    }
  })

  it('reads the values of the golden table data-reader-partition-values', () => {
    expect(parsePartitionValue('1', t('integer'))).toBe(1)
    expect(parsePartitionValue('1', t('long'))).toBe(1n)
    expect(parsePartitionValue('1', t('byte'))).toBe(1)
    expect(parsePartitionValue('1', t('short'))).toBe(1)
    expect(parsePartitionValue('false', t('boolean'))).toBe(false)
    expect(parsePartitionValue('1.0', t('float'))).toBe(1)
    expect(parsePartitionValue('0.0', t('double'))).toBe(0)
    expect(parsePartitionValue('null', t('string'))).toBe('null') // the string "null" is not NULL
    expect(parsePartitionValue('2021-09-08', t('date'))).toBe(daysFromCivil(2021, 9, 8))
    expect(parsePartitionValue('2021-09-08 11:11:11', t('timestamp'))).toBe(1631099471000000n)
    expect(parsePartitionValue('1', decimal(38, 0))).toEqual({ unscaled: 1n, scale: 0 })
  })

  it('reads timestamps in the space form (as UTC) and the ISO form with Z or an offset', () => {
    const micros = 1631099471123456n
    expect(parsePartitionValue('2021-09-08 11:11:11.123456', t('timestamp'))).toBe(micros)
    expect(parsePartitionValue('2021-09-08T11:11:11.123456Z', t('timestamp'))).toBe(micros)
    expect(parsePartitionValue('2021-09-08T13:11:11.123456+02:00', t('timestamp'))).toBe(micros)
    expect(parsePartitionValue('2021-09-08T11:11:11.123456789Z', t('timestamp'))).toBe(micros) // nanos cut
    expect(parsePartitionValue('1970-01-01 00:00:00', t('timestamp'))).toBe(0n)
    expect(parsePartitionValue('1969-12-31 23:59:59.999999', t('timestamp'))).toBe(-1n)
  })

  it('reads timestamp_ntz as wall-clock time, refusing real offsets', () => {
    expect(parsePartitionValue('2021-09-08 11:11:11', t('timestamp_ntz'))).toBe(1631099471000000n)
    expect(parsePartitionValue('2021-09-08T11:11:11Z', t('timestamp_ntz'))).toBe(1631099471000000n)
    expect(() => parsePartitionValue('2021-09-08T11:11:11+02:00', t('timestamp_ntz'))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('reads decimals exactly, rescaling to the column scale', () => {
    expect(parsePartitionValue('1.50', decimal(10, 2))).toEqual({ unscaled: 150n, scale: 2 })
    expect(parsePartitionValue('1.5', decimal(10, 2))).toEqual({ unscaled: 150n, scale: 2 })
    expect(parsePartitionValue('-0.01', decimal(3, 2))).toEqual({ unscaled: -1n, scale: 2 })
    expect(parsePartitionValue('1E+3', decimal(10, 2))).toEqual({ unscaled: 100000n, scale: 2 })
    expect(parsePartitionValue('12345678901234567890123456789012345678', decimal(38, 0))).toEqual({
      unscaled: 12345678901234567890123456789012345678n,
      scale: 0,
    })
  })

  it('reads binary as the UTF-8 bytes of the string', () => {
    expect(parsePartitionValue('\u0001\u0002\u0003', t('binary'))).toEqual(
      new Uint8Array([1, 2, 3]),
    )
    expect(parsePartitionValue('é', t('binary'))).toEqual(new Uint8Array([0xc3, 0xa9]))
  })

  it('reads Java float and double spellings', () => {
    expect(parsePartitionValue('1.0E10', t('double'))).toBe(1e10)
    expect(parsePartitionValue('NaN', t('double'))).toBeNaN()
    expect(parsePartitionValue('-Infinity', t('double'))).toBe(-Infinity)
    expect(Object.is(parsePartitionValue('-0.0', t('double')), -0)).toBe(true)
    expect(parsePartitionValue('0.1', t('float'))).toBe(Math.fround(0.1))
  })

  it('rejects invalid text with CorruptLogError when the log file is known', () => {
    const bad: [string, AtomicType][] = [
      ['x', t('integer')],
      ['2147483648', t('integer')],
      ['128', t('byte')],
      ['1.5', t('long')],
      ['9223372036854775808', t('long')],
      ['yes', t('boolean')],
      ['2021-02-30', t('date')],
      ['2021-13-01', t('date')],
      ['2021-09-08 25:00:00', t('timestamp')],
      ['1.234', decimal(10, 2)],
      ['1000', decimal(3, 0)],
      ['0x10', t('double')],
      ['v', t('variant')],
    ]
    for (const [raw, type] of bad) {
      expect(() => parsePartitionValue(raw, type, where)).toThrow(
        expect.objectContaining({ code: 'CORRUPT_LOG', path: where.path, line: where.line }),
      )
      expect(() => parsePartitionValue(raw, type)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      )
    }
  })
})

describe('serializePartitionValue', () => {
  it('writes timestamps in the UTC ISO form with microseconds, NTZ in Spark form', () => {
    expect(serializePartitionValue(1631099471000000n, t('timestamp'))).toBe(
      '2021-09-08T11:11:11.000000Z',
    )
    expect(serializePartitionValue(-1n, t('timestamp'))).toBe('1969-12-31T23:59:59.999999Z')
    expect(serializePartitionValue(1631099471000000n, t('timestamp_ntz'))).toBe(
      '2021-09-08 11:11:11',
    )
    expect(serializePartitionValue(1631099471120000n, t('timestamp_ntz'))).toBe(
      '2021-09-08 11:11:11.12',
    )
    expect(serializePartitionValue(-1_000_001n, t('timestamp_ntz'))).toBe(
      '1969-12-31 23:59:58.999999',
    )
  })

  it('writes numbers as Java does', () => {
    expect(serializePartitionValue(1, t('double'))).toBe('1.0')
    expect(serializePartitionValue(1e7, t('double'))).toBe('1.0E7')
    expect(serializePartitionValue(1.5e-4, t('double'))).toBe('1.5E-4')
    expect(serializePartitionValue(0.001, t('double'))).toBe('0.001')
    expect(serializePartitionValue(-0, t('double'))).toBe('-0.0')
    expect(serializePartitionValue(NaN, t('double'))).toBe('NaN')
    expect(serializePartitionValue(Math.fround(0.1), t('float'))).toBe('0.1')
    expect(serializePartitionValue(9007199254740993n, t('long'))).toBe('9007199254740993')
  })

  it('writes decimals with exactly the column scale and dates as YYYY-MM-DD', () => {
    expect(serializePartitionValue({ unscaled: 15n, scale: 1 }, decimal(10, 2))).toBe('1.50')
    expect(serializePartitionValue({ unscaled: -5n, scale: 3 }, decimal(4, 3))).toBe('-0.005')
    expect(serializePartitionValue(daysFromCivil(1, 1, 1), t('date'))).toBe('0001-01-01')
  })

  it('writes NULL and the empty string as null', () => {
    expect(serializePartitionValue(null, t('long'))).toBeNull()
    expect(serializePartitionValue('', t('string'))).toBeNull()
  })

  it('rejects values of the wrong JavaScript type or out of range', () => {
    const bad: [unknown, AtomicType][] = [
      [1, t('long')],
      [1n, t('integer')],
      [40000, t('short')],
      ['1', t('double')],
      [1.5, t('date')],
      [1, t('timestamp')],
      [{ unscaled: 12345n, scale: 0 }, decimal(4, 0)],
      [{ unscaled: 1n, scale: 3 }, decimal(10, 2)],
      [new Uint8Array([0xff]), t('binary')], // not UTF-8: would not read back
      ['x', t('variant')],
    ]
    for (const [value, type] of bad) {
      expect(() => serializePartitionValue(value as never, type)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      )
    }
  })
})

describe('partition value round trips', () => {
  const roundTrip = <T>(
    type: AtomicType,
    arb: fc.Arbitrary<T>,
    normalize: (v: T) => unknown = (v) => v,
  ): void => {
    fc.assert(
      fc.property(arb, (value) => {
        const text = serializePartitionValue(value as never, type)
        expect(parsePartitionValue(text, type)).toEqual(normalize(value))
      }),
    )
  }

  it('round-trips strings, unicode included (the empty string becomes NULL)', () => {
    roundTrip(t('string'), fc.string({ unit: 'grapheme' }), (v) => (v === '' ? null : v))
    roundTrip(t('string'), fc.string({ unit: 'binary' }), (v) => (v === '' ? null : v))
  })

  it('round-trips every integer type over its full range', () => {
    roundTrip(t('long'), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))
    roundTrip(t('integer'), fc.integer())
    roundTrip(t('short'), fc.integer({ min: -32768, max: 32767 }))
    roundTrip(t('byte'), fc.integer({ min: -128, max: 127 }))
  })

  it('round-trips doubles and floats bit for bit, specials included', () => {
    roundTrip(t('double'), fc.double())
    roundTrip(t('float'), fc.float())
  })

  it('round-trips booleans and binary that is valid UTF-8', () => {
    roundTrip(t('boolean'), fc.boolean())
    roundTrip(
      t('binary'),
      fc.string({ unit: 'grapheme', minLength: 1 }).map((s) => new TextEncoder().encode(s)),
    )
  })

  it('round-trips dates and timestamps before the epoch and far in the future', () => {
    roundTrip(
      t('date'),
      fc.integer({ min: daysFromCivil(1, 1, 1), max: daysFromCivil(9999, 12, 31) }),
    )
    roundTrip(t('timestamp'), fc.bigInt({ min: MIN_MICROS, max: MAX_MICROS }))
    roundTrip(t('timestamp_ntz'), fc.bigInt({ min: MIN_MICROS, max: MAX_MICROS }))
  })

  it('round-trips decimals at every precision and scale', () => {
    const arb = fc
      .integer({ min: 1, max: 38 })
      .chain((precision) =>
        fc.tuple(
          fc.constant(precision),
          fc.integer({ min: 0, max: precision }),
          fc.bigInt({ min: -(10n ** BigInt(precision) - 1n), max: 10n ** BigInt(precision) - 1n }),
        ),
      )
    fc.assert(
      fc.property(arb, ([precision, scale, unscaled]) => {
        const type = decimal(precision, scale)
        expect(
          parsePartitionValue(serializePartitionValue({ unscaled, scale }, type), type),
        ).toEqual({ unscaled, scale })
      }),
    )
  })
})

describe('calendar helpers', () => {
  it('converts day numbers both ways over the whole supported range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800_000, max: 3_000_000 }), (days) => {
        const { year, month, day } = civilFromDays(days)
        expect(daysFromCivil(year, month, day)).toBe(days)
        const viaDate = new Date(days * 86_400_000)
        if (year >= 1 && year <= 9999) {
          expect([
            viaDate.getUTCFullYear(),
            viaDate.getUTCMonth() + 1,
            viaDate.getUTCDate(),
          ]).toEqual([year, month, day])
        }
      }),
    )
  })

  it('formats years outside 0000..9999 with a sign, as Java does', () => {
    expect(
      formatTimestampMicros(MAX_MICROS + 1n, { separator: 'T', fraction: 'micros', zone: 'Z' }),
    ).toBe('+10000-01-01T00:00:00.000000Z')
    expect(parseTimestamp('+10000-01-01T00:00:00Z')?.micros).toBe(MAX_MICROS + 1n)
  })

  it('agrees with Date on millisecond timestamps', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const micros = BigInt(date.getTime()) * 1000n
          expect(
            formatTimestampMicros(micros, { separator: 'T', fraction: 'millis', zone: 'Z' }),
          ).toBe(date.toISOString())
        },
      ),
    )
  })

  it('parses decimal text with exponents and keeps written scale', () => {
    expect(parseDecimalText('1.230')).toEqual({ unscaled: 1230n, scale: 3 })
    expect(parseDecimalText('1.23E-5')).toEqual({ unscaled: 123n, scale: 7 })
    expect(parseDecimalText('-.5')).toEqual({ unscaled: -5n, scale: 1 })
    expect(parseDecimalText('1e')).toBeUndefined()
    expect(parseDecimalText('.')).toBeUndefined()
  })

  it('formats doubles like Java Double.toString for representative values', () => {
    expect([1e21, 123456789, 1234567.5, 0.000123, -3.25].map(formatJavaDouble)).toEqual([
      '1.0E21',
      '1.23456789E8',
      '1234567.5',
      '1.23E-4',
      '-3.25',
    ])
    expect(formatJavaFloat(3.4028234663852886e38)).toBe('3.4028235E38')
  })
})
