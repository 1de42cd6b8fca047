import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { corpusMissing, inCorpus } from '../engine/engine.test-util.js'
import { readParquetSchema } from '../engine/parquet.js'
import { parquetOf } from './data-reader.test-util.js'
import { exposeInt96, int96ToMicros, isInt96Bytes } from './int96.js'

/** A FixedSizeBinary(12) column of INT96 values given as [nanosOfDay, julianDay]. */
function int96Column(values: readonly (readonly [bigint, number])[]): arrow.Data {
  const bytes = new Uint8Array(12 * values.length)
  const view = new DataView(bytes.buffer)
  values.forEach(([nanos, day], i) => {
    view.setBigInt64(12 * i, nanos, true)
    view.setInt32(12 * i + 8, day, true)
  })
  return arrow.makeData({ type: new arrow.FixedSizeBinary(12), length: values.length, data: bytes })
}

describe('int96ToMicros', () => {
  it("converts Julian day + nanos of day to microseconds as Spark does, far outside int64 nanos' range", () => {
    const micros = int96ToMicros(
      int96Column([
        [1_000_999n, 2_440_588], // 1970-01-01 00:00:00.001000999
        [0n, 2_440_587], // 1969-12-31
        [86_399_999_999_999n, 2_440_587], // 1969-12-31 23:59:59.999999999
        [0n, 5_373_484], // 9999-12-31 (overflows int64 nanoseconds)
        [0n, 2_299_161], // 1582-10-15 (before 1677: overflows too)
        [0n, 1_721_426], // 0001-01-01
      ]),
    )
    expect([...micros]).toEqual([
      1000n,
      -86_400_000_000n,
      -1n,
      253_402_214_400_000_000n,
      -12_219_292_800_000_000n,
      -62_135_596_800_000_000n,
    ])
  })

  it('recognises the decoded type of an exposed INT96 column only', () => {
    expect(isInt96Bytes(new arrow.FixedSizeBinary(12))).toBe(true)
    expect(isInt96Bytes(new arrow.FixedSizeBinary(16))).toBe(false)
    expect(isInt96Bytes(new arrow.Timestamp(arrow.TimeUnit.NANOSECOND))).toBe(false)
  })
})

describe('exposeInt96', () => {
  it('returns a file without INT96 columns untouched (no copy)', () => {
    const bytes = parquetOf([{ name: 'id', type: new arrow.Int32(), values: [1] }])
    expect(exposeInt96(bytes, 'f.parquet')).toBe(bytes)
  })

  it('rejects a file that is not Parquet with CorruptDataError', () => {
    expect(() => exposeInt96(new Uint8Array(20), 'bad.parquet')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_DATA', path: 'bad.parquet' }),
    )
  })

  it.skipIf(corpusMissing())(
    're-declares the INT96 columns of a Spark file as 12-byte binaries',
    () => {
      const dir = inCorpus('delta-golden/kernel-timestamp-INT96/part=2021-10-01 08%3A09%3A20')
      const file = path.join(
        dir,
        readdirSync(dir).find((n) => n.endsWith('.parquet'))!,
      )
      const bytes = readFileSync(file)
      const before = readParquetSchema(bytes).fields.map((f) => String(f.type))
      const after = readParquetSchema(exposeInt96(bytes, file)).fields.map((f) => String(f.type))
      expect(before).toEqual(['Int32', 'Timestamp<NANOSECOND>'])
      expect(after).toEqual(['Int32', 'FixedSizeBinary[12]'])
    },
  )
})
