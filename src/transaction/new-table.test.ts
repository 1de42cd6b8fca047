import { describe, expect, it } from 'vitest'
import type { DeltaError } from '../errors.js'
import type { Protocol } from '../protocol/actions.js'
import { parseSchema } from '../protocol/schema.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { type NewTableRequest, newTable, newTableProtocol, replacedSchema } from './new-table.js'
import { schemaOf } from './write.test-util.js'

const clock = new ManualClock(1_234)
const make = (request: Partial<NewTableRequest> & { schema?: NewTableRequest['schema'] }) =>
  newTable(
    { schema: schemaOf(['id', 'long'], ['name', 'string']), ...request },
    clock,
    seededIds(5),
  )

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as DeltaError).code
  }
  return 'no error'
}

describe('the protocol of a new table', () => {
  it.each<[string, Partial<NewTableRequest>, Protocol]>([
    ['a plain table is (1, 2)', {}, { minReaderVersion: 1, minWriterVersion: 2 }],
    [
      'appendOnly stays (1, 2)',
      { properties: { 'delta.appendOnly': 'true' } },
      { minReaderVersion: 1, minWriterVersion: 2 },
    ],
    [
      'change data feed is (1, 4)',
      { properties: { 'delta.enableChangeDataFeed': 'true' } },
      { minReaderVersion: 1, minWriterVersion: 4 },
    ],
    [
      'column mapping is (2, 5)',
      { columnMapping: 'name' },
      { minReaderVersion: 2, minWriterVersion: 5 },
    ],
    [
      'timestamp_ntz is (3, 7) with only timestampNtz',
      { schema: schemaOf(['t', 'timestamp_ntz'], ['n', 'integer']) },
      {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['timestampNtz'],
        writerFeatures: ['timestampNtz'],
      },
    ],
    [
      'timestamp_ntz with column mapping lists both, as Spark does',
      { schema: schemaOf(['t', 'timestamp_ntz']), columnMapping: 'id' },
      {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['timestampNtz', 'columnMapping'],
        writerFeatures: ['timestampNtz', 'columnMapping'],
      },
    ],
    [
      'deletion vectors are (3, 7)',
      { properties: { 'delta.enableDeletionVectors': 'true' } },
      {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors'],
        writerFeatures: ['deletionVectors'],
      },
    ],
    [
      'in-commit timestamps are (1, 7)',
      { properties: { 'delta.enableInCommitTimestamps': 'true' } },
      { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['inCommitTimestamp'] },
    ],
    [
      'delta.feature.<name>=supported adds the feature',
      { properties: { 'delta.feature.domainMetadata': 'supported' } },
      { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['domainMetadata'] },
    ],
    [
      'delta.minWriterVersion=7 lists the features of (1, 2)',
      { properties: { 'delta.minWriterVersion': '7' } },
      { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly', 'invariants'] },
    ],
    [
      'delta.minWriterVersion=4 raises a legacy protocol',
      { properties: { 'delta.minWriterVersion': '4' } },
      { minReaderVersion: 1, minWriterVersion: 4 },
    ],
  ])('%s', (_name, request, protocol) => {
    expect(make(request).protocol).toEqual(protocol)
  })

  it('consumes protocol requests: they stay out of the configuration', () => {
    const { metadata } = make({
      properties: {
        'delta.feature.deletionVectors': 'supported',
        'delta.minReaderVersion': '1',
        'delta.appendOnly': 'false',
      },
    })
    expect(metadata.configuration).toEqual({ 'delta.appendOnly': 'false' })
  })

  it('refuses unknown features, bad feature values and impossible versions', () => {
    expect(codeOf(() => make({ properties: { 'delta.feature.noSuchThing': 'supported' } }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => make({ properties: { 'delta.feature.appendOnly': 'enabled' } }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => newTableProtocol([], { minReaderVersion: 3, minWriterVersion: 5 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => newTableProtocol([], { minWriterVersion: 8 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('new table metadata', () => {
  it('has a fresh id, the clock time, Spark key order and the serialized schema', () => {
    const { metadata } = make({ name: 'events', description: 'd', partitionBy: ['NAME'] })
    expect(Object.keys(metadata)).toEqual([
      'id',
      'name',
      'description',
      'format',
      'schemaString',
      'partitionColumns',
      'configuration',
      'createdTime',
    ])
    expect(metadata.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/)
    expect(metadata.createdTime).toBe(1_234)
    expect(metadata.format).toEqual({ provider: 'parquet', options: {} })
    // Matched ignoring case, stored with the schema's spelling.
    expect(metadata.partitionColumns).toEqual(['name'])
  })

  it('column mapping gives every field, nested ones too, an id and a physical name', () => {
    const schema = parseSchema(
      JSON.stringify({
        type: 'struct',
        fields: [
          { name: 'a b', type: 'integer', nullable: true, metadata: {} },
          {
            name: 's',
            nullable: true,
            metadata: {},
            type: {
              type: 'struct',
              fields: [{ name: 'x', type: 'string', nullable: true, metadata: {} }],
            },
          },
        ],
      }),
    )
    const table = make({ schema, properties: { 'delta.columnMapping.mode': 'name' } })
    expect(table.columnMappingMode).toBe('name')
    expect(table.metadata.configuration).toEqual({
      'delta.columnMapping.mode': 'name',
      'delta.columnMapping.maxColumnId': '3',
    })
    const ids = (fields: typeof table.schema.fields): unknown[] =>
      fields.flatMap((f) => [
        [
          f.name,
          f.metadata['delta.columnMapping.id'],
          (f.metadata['delta.columnMapping.physicalName'] as string).slice(0, 4),
        ],
        ...(f.type.type === 'struct' ? ids(f.type.fields) : []),
      ])
    expect(ids(table.schema.fields)).toEqual([
      ['a b', 1, 'col-'],
      ['s', 2, 'col-'],
      ['x', 3, 'col-'],
    ])
  })

  it.each<[string, Partial<NewTableRequest>]>([
    ['an unknown partition column', { partitionBy: ['nope'] }],
    ['the same partition column twice', { partitionBy: ['id', 'ID'] }],
    ['every column a partition column', { partitionBy: ['id', 'name'] }],
    [
      'a struct partition column',
      {
        schema: schemaOf(
          [
            's',
            {
              type: 'struct',
              fields: [{ name: 'x', type: 'integer', nullable: true, metadata: {} }],
            },
          ],
          ['n', 'integer'],
        ),
        partitionBy: ['s'],
      },
    ],
    [
      'an array partition column',
      {
        schema: schemaOf(
          ['a', { type: 'array', elementType: 'integer', containsNull: true }],
          ['n', 'integer'],
        ),
        partitionBy: ['a'],
      },
    ],
    ['names equal ignoring case', { schema: schemaOf(['a', 'integer'], ['A', 'integer']) }],
    [
      'a name Parquet cannot hold, without column mapping',
      { schema: schemaOf(['a b', 'integer']) },
    ],
    ['an invalid property value', { properties: { 'delta.appendOnly': 'maybe' } }],
    [
      'contradicting column mapping modes',
      { columnMapping: 'id', properties: { 'delta.columnMapping.mode': 'name' } },
    ],
    ['a maxColumnId set by hand', { properties: { 'delta.columnMapping.maxColumnId': '5' } }],
    [
      'stats columns naming a partition column',
      { partitionBy: ['name'], properties: { 'delta.dataSkippingStatsColumns': 'name' } },
    ],
    ['no columns', { schema: { type: 'struct', fields: [] } }],
  ])('refuses %s with INVALID_ARGUMENT', (_name, request) => {
    expect(codeOf(() => make(request))).toBe('INVALID_ARGUMENT')
  })
})

describe('replacedSchema (overwriteSchema)', () => {
  it('keeps id and properties, gives fresh column-mapping ids above maxColumnId, upgrades the protocol', () => {
    const table = make({ columnMapping: 'name' })
    const replaced = replacedSchema(
      { metadata: table.metadata, protocol: table.protocol, columnMappingMode: 'name' },
      schemaOf(['id', 'long'], ['t', 'timestamp_ntz']),
      undefined,
      seededIds(8),
    )
    expect(replaced.metadata.id).toBe(table.metadata.id)
    expect(replaced.metadata.configuration['delta.columnMapping.maxColumnId']).toBe('4')
    expect(replaced.schema.fields.map((f) => f.metadata['delta.columnMapping.id'])).toEqual([3, 4])
    expect(replaced.protocol).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['timestampNtz', 'columnMapping'],
      writerFeatures: [
        'timestampNtz',
        'columnMapping',
        'appendOnly',
        'invariants',
        'checkConstraints',
        'changeDataFeed',
        'generatedColumns',
      ],
    })
  })
})
