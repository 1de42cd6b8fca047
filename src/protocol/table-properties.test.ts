import { describe, expect, it } from 'vitest'
import {
  checkConstraints,
  featureOverrides,
  parseColumnList,
  parseColumnPath,
  parseIntervalMs,
  TABLE_PROPERTIES,
  tableProperty,
} from './table-properties.js'

const DAY = 86_400_000

describe('parseIntervalMs', () => {
  it('parses Spark interval strings with and without the interval keyword', () => {
    expect(parseIntervalMs('interval 1 week')).toBe(7 * DAY)
    expect(parseIntervalMs('interval 30 days')).toBe(30 * DAY)
    expect(parseIntervalMs('30 days')).toBe(30 * DAY)
    expect(parseIntervalMs('1 hour')).toBe(3_600_000)
    expect(parseIntervalMs('INTERVAL 2 Days 12 hours')).toBe(2.5 * DAY)
    expect(
      parseIntervalMs('interval 1 day 1 minute 1 second 1 millisecond 1000 microseconds'),
    ).toBe(DAY + 60_000 + 1000 + 2)
  })

  it('rejects months, negative values, missing units and junk', () => {
    for (const bad of [
      'interval 1 month',
      'interval -1 day',
      'interval 7',
      '7',
      'a week',
      'interval',
      '',
      'interval 1 fortnight',
    ]) {
      expect(() => parseIntervalMs(bad)).toThrow()
    }
  })
})

describe('tableProperty', () => {
  it('returns Spark defaults when unset', () => {
    const config = {}
    expect(tableProperty(config, TABLE_PROPERTIES.logRetentionDuration)).toBe(30 * DAY)
    expect(tableProperty(config, TABLE_PROPERTIES.deletedFileRetentionDuration)).toBe(7 * DAY)
    expect(tableProperty(config, TABLE_PROPERTIES.checkpointRetentionDuration)).toBe(2 * DAY)
    expect(tableProperty(config, TABLE_PROPERTIES.checkpointInterval)).toBe(10)
    expect(tableProperty(config, TABLE_PROPERTIES.appendOnly)).toBe(false)
    expect(tableProperty(config, TABLE_PROPERTIES.enableExpiredLogCleanup)).toBe(true)
    expect(tableProperty(config, TABLE_PROPERTIES.checkpointPolicy)).toBe('classic')
    expect(tableProperty(config, TABLE_PROPERTIES.columnMappingMode)).toBe('none')
    expect(tableProperty(config, TABLE_PROPERTIES.dataSkippingNumIndexedCols)).toBe(32)
    expect(tableProperty(config, TABLE_PROPERTIES.dataSkippingStringPrefixLength)).toBe(32)
    expect(tableProperty(config, TABLE_PROPERTIES.parquetCompressionCodec)).toBe('zstd')
    expect(tableProperty(config, TABLE_PROPERTIES.setTransactionRetentionDuration)).toBeUndefined()
    expect(tableProperty(config, TABLE_PROPERTIES.isolationLevel)).toBe('Serializable')
  })

  it('parses set values, case-insensitively where Spark does', () => {
    const config = {
      'delta.appendOnly': 'TRUE',
      'delta.logRetentionDuration': 'interval 60 days',
      'delta.checkpointInterval': '100',
      'delta.checkpointPolicy': 'V2',
      'delta.columnMapping.mode': 'Name',
      'delta.dataSkippingNumIndexedCols': '-1',
      'delta.dataSkippingStatsColumns': 'a, `b.c`.d,e',
      'delta.parquet.compression.codec': 'NONE',
      'delta.parquet.format.version': '2.12.0',
      'delta.inCommitTimestampEnablementVersion': '5',
      'delta.rowTracking.materializedRowIdColumnName': '_row_id_col',
    }
    expect(tableProperty(config, TABLE_PROPERTIES.appendOnly)).toBe(true)
    expect(tableProperty(config, TABLE_PROPERTIES.logRetentionDuration)).toBe(60 * DAY)
    expect(tableProperty(config, TABLE_PROPERTIES.checkpointInterval)).toBe(100)
    expect(tableProperty(config, TABLE_PROPERTIES.checkpointPolicy)).toBe('v2')
    expect(tableProperty(config, TABLE_PROPERTIES.columnMappingMode)).toBe('name')
    expect(tableProperty(config, TABLE_PROPERTIES.dataSkippingNumIndexedCols)).toBe(-1)
    expect(tableProperty(config, TABLE_PROPERTIES.dataSkippingStatsColumns)).toEqual([
      'a',
      '`b.c`.d',
      'e',
    ])
    expect(tableProperty(config, TABLE_PROPERTIES.parquetCompressionCodec)).toBe('uncompressed')
    expect(tableProperty(config, TABLE_PROPERTIES.parquetFormatVersion)).toBe('2.12.0')
    expect(tableProperty(config, TABLE_PROPERTIES.inCommitTimestampEnablementVersion)).toBe(5)
    expect(tableProperty(config, TABLE_PROPERTIES.materializedRowIdColumnName)).toBe('_row_id_col')
  })

  it('reads the legacy alias delta.enableChangeDataCapture, preferring the current key', () => {
    expect(
      tableProperty(
        { 'delta.enableChangeDataCapture': 'true' },
        TABLE_PROPERTIES.enableChangeDataFeed,
      ),
    ).toBe(true)
    expect(
      tableProperty(
        { 'delta.enableChangeDataFeed': 'false', 'delta.enableChangeDataCapture': 'true' },
        TABLE_PROPERTIES.enableChangeDataFeed,
      ),
    ).toBe(false)
  })

  it('throws InvalidArgumentError naming the property for an invalid value', () => {
    const cases: [Record<string, string>, keyof typeof TABLE_PROPERTIES, string][] = [
      [{ 'delta.appendOnly': 'yes' }, 'appendOnly', 'delta.appendOnly'],
      [
        { 'delta.logRetentionDuration': 'forever' },
        'logRetentionDuration',
        'delta.logRetentionDuration',
      ],
      [{ 'delta.checkpointInterval': '0' }, 'checkpointInterval', 'delta.checkpointInterval'],
      [{ 'delta.checkpointPolicy': 'v3' }, 'checkpointPolicy', 'delta.checkpointPolicy'],
      [
        { 'delta.dataSkippingNumIndexedCols': '-2' },
        'dataSkippingNumIndexedCols',
        'delta.dataSkippingNumIndexedCols',
      ],
      [
        { 'delta.parquet.format.version': '3.0.0' },
        'parquetFormatVersion',
        'delta.parquet.format.version',
      ],
      [
        { 'delta.enableChangeDataCapture': 'maybe' },
        'enableChangeDataFeed',
        'delta.enableChangeDataCapture',
      ],
      [
        { 'delta.dataSkippingStatsColumns': '`a' },
        'dataSkippingStatsColumns',
        'delta.dataSkippingStatsColumns',
      ],
    ]
    for (const [config, property, key] of cases) {
      const call = (): unknown => tableProperty(config, TABLE_PROPERTIES[property] as never)
      expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
      expect(call).toThrow(key) // no field holds the property: the message must name it
    }
  })
})

describe('configuration helpers', () => {
  it('lists CHECK constraints by name', () => {
    expect(
      checkConstraints({ 'delta.constraints.positive': 'x > 0', 'delta.appendOnly': 'true' }),
    ).toEqual({ positive: 'x > 0' })
  })

  it('lists feature overrides and rejects values other than supported', () => {
    expect(
      featureOverrides({
        'delta.feature.deletionVectors': 'supported',
        'delta.feature.v2Checkpoint': 'SUPPORTED',
      }),
    ).toEqual(['deletionVectors', 'v2Checkpoint'])
    expect(() => featureOverrides({ 'delta.feature.deletionVectors': 'enabled' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('splits column lists and paths with backtick quoting', () => {
    expect(parseColumnList('a,`b,c`, d ')).toEqual(['a', '`b,c`', 'd'])
    expect(parseColumnPath('a.`b.c`.d')).toEqual(['a', 'b.c', 'd'])
    expect(parseColumnPath('`x``y`')).toEqual(['x`y'])
    expect(() => parseColumnPath('`a')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})
