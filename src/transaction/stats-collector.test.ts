import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { MemoryStore } from '../storage/memory.js'
import { seededIds } from '../util/clock.js'
import { type WriteInput, writeDataFiles } from './data-writer.js'
import { validateStatsColumns } from './stats-columns.js'
import type { WriteTarget } from './write-layout.js'
import { batchOf, mapOf, schemaOf, targetOf } from './write.test-util.js'

async function stats(target: WriteTarget, data: WriteInput): Promise<string[]> {
  const written = await writeDataFiles(new MemoryStore(), target, data, { ids: seededIds(3) })
  return written.adds.map((a) => a.stats!)
}

const I32 = new arrow.Int32()
const UTF8 = new arrow.Utf8()

describe('min, max and nullCount', () => {
  it('integers, doubles, dates, decimals and timestamps in Spark formats', async () => {
    const target = targetOf(
      schemaOf(
        ['b', 'byte'],
        ['l', 'long'],
        ['d', 'double'],
        ['f', 'float'],
        ['day', 'date'],
        ['dec', 'decimal(10,2)'],
        ['ts', 'timestamp'],
        ['ntz', 'timestamp_ntz'],
      ),
    )
    const out = await stats(
      target,
      batchOf([
        { name: 'b', type: new arrow.Int8(), values: [-128, 127, null] },
        { name: 'l', type: new arrow.Int64(), values: [-(2n ** 63n), 2n ** 63n - 1n, 0n] },
        { name: 'd', type: new arrow.Float64(), values: [1e300, -0.5, 3] },
        { name: 'f', type: new arrow.Float32(), values: [0.1, 3.14, null] },
        { name: 'day', type: new arrow.DateDay(), values: [-1, 19723, null] },
        { name: 'dec', type: new arrow.Decimal(2, 10, 128), values: [-150n, 99999n, 5n] },
        // Pre-epoch instants floor to the millisecond: -1 µs is 23:59:59.999.
        {
          name: 'ts',
          type: new arrow.TimestampMicrosecond('UTC'),
          values: [-1n, 1_700_000_000_123_999n, null],
        },
        { name: 'ntz', type: new arrow.TimestampMicrosecond(), values: [0n, 86_400_000_000n, 1n] },
      ]),
    )
    expect(out).toEqual([
      '{"numRecords":3,' +
        '"minValues":{"b":-128,"l":-9223372036854775808,"d":-0.5,"f":0.1,"day":"1969-12-31","dec":-1.50,"ts":"1969-12-31T23:59:59.999Z","ntz":"1970-01-01T00:00:00.000"},' +
        '"maxValues":{"b":127,"l":9223372036854775807,"d":1.0E300,"f":3.14,"day":"2024-01-01","dec":999.99,"ts":"2023-11-14T22:13:20.123Z","ntz":"1970-01-02T00:00:00.000"},' +
        '"nullCount":{"b":1,"l":0,"d":0,"f":1,"day":1,"dec":0,"ts":1,"ntz":0}}',
    ])
  })

  it('booleans and binary get only a nullCount; an all-NULL column has no min or max', async () => {
    const target = targetOf(
      schemaOf(['flag', 'boolean'], ['bin', 'binary'], ['none', 'integer'], ['x', 'integer']),
    )
    const out = await stats(
      target,
      batchOf([
        { name: 'flag', type: new arrow.Bool(), values: [true, null] },
        {
          name: 'bin',
          type: new arrow.Binary(),
          values: [new Uint8Array([1]), new Uint8Array([2])],
        },
        { name: 'none', type: I32, values: [null, null] },
        { name: 'x', type: I32, values: [5, 6] },
      ]),
    )
    expect(out).toEqual([
      '{"numRecords":2,"minValues":{"x":5},"maxValues":{"x":6},"nullCount":{"flag":1,"bin":0,"none":2,"x":0}}',
    ])
  })

  it('a double column holding NaN has no maximum; its minimum ignores NaN', async () => {
    const target = targetOf(schemaOf(['d', 'double'], ['all', 'double']))
    const out = await stats(
      target,
      batchOf([
        { name: 'd', type: new arrow.Float64(), values: [2, NaN, -1] },
        { name: 'all', type: new arrow.Float64(), values: [NaN, NaN, null] },
      ]),
    )
    expect(out).toEqual(['{"numRecords":3,"minValues":{"d":-1.0},"nullCount":{"d":0,"all":1}}'])
  })

  it('strings order by UTF-8 bytes and are cut to 32 characters with an upper-bound maximum', async () => {
    const long = 'a'.repeat(40)
    const target = targetOf(schemaOf(['s', 'string']))
    // U+FFFD sorts below U+1F600 in UTF-8 (and code points), though not in UTF-16 units.
    const out = await stats(
      target,
      batchOf([{ name: 's', type: UTF8, values: ['\u{1F600}', '\uFFFD', long, null] }]),
    )
    const parsed = JSON.parse(out[0]!) as { minValues: { s: string }; maxValues: { s: string } }
    expect(parsed.minValues.s).toBe('a'.repeat(32))
    expect(parsed.maxValues.s).toBe('\u{1F600}')
    const maxOnly = await stats(target, batchOf([{ name: 's', type: UTF8, values: [long, 'a'] }]))
    expect(JSON.parse(maxOnly[0]!)).toMatchObject({
      minValues: { s: 'a' },
      maxValues: { s: `${'a'.repeat(32)}\u007f` },
    })
  })

  it('honours delta.dataSkippingStringPrefixLength', async () => {
    const target = targetOf(schemaOf(['s', 'string']), {
      configuration: { 'delta.dataSkippingStringPrefixLength': '3' },
    })
    const out = await stats(
      target,
      batchOf([{ name: 's', type: UTF8, values: ['abcdef', 'abcz'] }]),
    )
    expect(JSON.parse(out[0]!)).toMatchObject({
      minValues: { s: 'abc' },
      maxValues: { s: 'abc\u007f' },
    })
  })

  it('nested structs are mirrored; a field inside a NULL struct counts as NULL', async () => {
    const inner = new arrow.Struct([new arrow.Field('x', I32), new arrow.Field('y', UTF8)])
    const target = targetOf(
      schemaOf([
        's',
        {
          type: 'struct',
          fields: [
            { name: 'x', type: 'integer', nullable: true, metadata: {} },
            { name: 'y', type: 'string', nullable: true, metadata: {} },
          ],
        },
      ]),
    )
    const out = await stats(
      target,
      batchOf([{ name: 's', type: inner, values: [{ x: 1, y: 'q' }, null, { x: 3, y: null }] }]),
    )
    expect(out).toEqual([
      '{"numRecords":3,"minValues":{"s":{"x":1,"y":"q"}},"maxValues":{"s":{"x":3,"y":"q"}},"nullCount":{"s":{"x":1,"y":2}}}',
    ])
  })

  it('arrays and maps get a nullCount only', async () => {
    const target = targetOf(
      schemaOf(
        ['a', { type: 'array', elementType: 'integer', containsNull: true }],
        ['m', { type: 'map', keyType: 'string', valueType: 'integer', valueContainsNull: true }],
      ),
    )
    const out = await stats(
      target,
      batchOf([
        {
          name: 'a',
          type: new arrow.List(new arrow.Field('element', I32)),
          values: [[1, 2], null],
        },
        {
          name: 'm',
          type: mapOf(UTF8, I32),
          values: [null, new Map([['k', 1]])],
        },
      ]),
    )
    expect(out).toEqual(['{"numRecords":2,"nullCount":{"a":1,"m":1}}'])
  })

  it('merges the chunks of one file (several input batches)', async () => {
    const target = targetOf(schemaOf(['n', 'integer'], ['s', 'string']))
    const out = await stats(target, [
      batchOf([
        { name: 'n', type: I32, values: [5, null] },
        { name: 's', type: UTF8, values: ['m', 'z'] },
      ]),
      batchOf([
        { name: 'n', type: I32, values: [-7, 9] },
        { name: 's', type: UTF8, values: ['a', null] },
      ]),
    ])
    expect(out).toEqual([
      '{"numRecords":4,"minValues":{"n":-7,"s":"a"},"maxValues":{"n":9,"s":"z"},"nullCount":{"n":1,"s":1}}',
    ])
  })

  it('writes tightBounds: true when the protocol supports deletion vectors', async () => {
    const target = targetOf(schemaOf(['n', 'integer']), {
      protocol: {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors'],
        writerFeatures: ['deletionVectors'],
      },
    })
    const out = await stats(target, batchOf([{ name: 'n', type: I32, values: [1] }]))
    expect(out).toEqual([
      '{"numRecords":1,"minValues":{"n":1},"maxValues":{"n":1},"nullCount":{"n":0},"tightBounds":true}',
    ])
  })

  it('a void column counts every row as NULL without being written', async () => {
    const target = targetOf(schemaOf(['n', 'integer'], ['v', 'void']))
    const out = await stats(target, batchOf([{ name: 'n', type: I32, values: [1, 2] }]))
    expect(out).toEqual([
      '{"numRecords":2,"minValues":{"n":1},"maxValues":{"n":2},"nullCount":{"n":0,"v":2}}',
    ])
  })
})

describe('which columns get statistics', () => {
  const wide = schemaOf(
    ['p', 'string'],
    ['a', 'integer'],
    [
      's',
      {
        type: 'struct',
        fields: [
          { name: 'x', type: 'integer', nullable: true, metadata: {} },
          { name: 'y', type: 'integer', nullable: true, metadata: {} },
        ],
      },
    ],
    ['b', 'integer'],
  )
  const rows = batchOf([
    { name: 'p', type: UTF8, values: ['k'] },
    { name: 'a', type: I32, values: [1] },
    {
      name: 's',
      type: new arrow.Struct([new arrow.Field('x', I32), new arrow.Field('y', I32)]),
      values: [{ x: 2, y: 3 }],
    },
    { name: 'b', type: I32, values: [4] },
  ])
  const nullCountOf = async (configuration: Record<string, string>): Promise<unknown> => {
    const target = targetOf(wide, { partitionColumns: ['p'], configuration })
    return (JSON.parse((await stats(target, rows))[0]!) as { nullCount?: unknown }).nullCount
  }

  it('the first 32 leaves by default, partition columns excluded', async () => {
    expect(await nullCountOf({})).toEqual({ a: 0, s: { x: 0, y: 0 }, b: 0 })
  })

  it('dataSkippingNumIndexedCols counts leaves through structs, not counting partition columns', async () => {
    expect(await nullCountOf({ 'delta.dataSkippingNumIndexedCols': '2' })).toEqual({
      a: 0,
      s: { x: 0 },
    })
    expect(await nullCountOf({ 'delta.dataSkippingNumIndexedCols': '3' })).toEqual({
      a: 0,
      s: { x: 0, y: 0 },
    })
    expect(await nullCountOf({ 'delta.dataSkippingNumIndexedCols': '0' })).toBeUndefined()
    expect(await nullCountOf({ 'delta.dataSkippingNumIndexedCols': '-1' })).toEqual({
      a: 0,
      s: { x: 0, y: 0 },
      b: 0,
    })
  })

  it('dataSkippingStatsColumns takes precedence, matches ignoring case, keeps schema order', async () => {
    expect(
      await nullCountOf({
        'delta.dataSkippingStatsColumns': 'B, S.y',
        'delta.dataSkippingNumIndexedCols': '1',
      }),
    ).toEqual({ s: { y: 0 }, b: 0 })
    expect(await nullCountOf({ 'delta.dataSkippingStatsColumns': 's' })).toEqual({
      s: { x: 0, y: 0 },
    })
  })

  it('validateStatsColumns refuses partition columns, unknown columns and types without min/max', () => {
    const codeOf = (value: string): string | undefined => {
      try {
        validateStatsColumns(
          [...wide.fields, ...schemaOf(['flag', 'boolean']).fields],
          ['p'],
          value.split(','),
        )
        return undefined
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError)
        return (error as InvalidArgumentError).code
      }
    }
    expect(codeOf('a,s.x')).toBeUndefined()
    expect(codeOf('P')).toBe('INVALID_ARGUMENT')
    expect(codeOf('nope')).toBe('INVALID_ARGUMENT')
    expect(codeOf('s.z')).toBe('INVALID_ARGUMENT')
    expect(codeOf('flag')).toBe('INVALID_ARGUMENT')
  })
})
