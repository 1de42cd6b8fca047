import { describe, expect, it } from 'vitest'
import type { Metadata, Protocol } from '../protocol/actions.js'
import { checkpointColumnOptions, statsCollectionSchema } from './checkpoint-layout.js'
import { writeCheckpoint } from './checkpoint.js'
import { readCheckpointFile } from '../engine/checkpoint-read.js'
import { PROTOCOL_DV, TestTable } from './maintenance.test-util.js'

const field = (name: string, type: unknown, physical?: string) => ({
  name,
  type,
  nullable: true,
  metadata:
    physical === undefined
      ? {}
      : { 'delta.columnMapping.id': 1, 'delta.columnMapping.physicalName': physical },
})

const SCHEMA = {
  type: 'struct',
  fields: [
    field('a', 'long', 'col-a'),
    field(
      's',
      { type: 'struct', fields: [field('x', 'string', 'col-x'), field('y', 'boolean', 'col-y')] },
      'col-s',
    ),
    field('b', 'double', 'col-b'),
    field('day', 'date', 'col-day'),
    field('arr', { type: 'array', elementType: 'long', containsNull: true }, 'col-arr'),
  ],
}

async function tableWith(configuration: Record<string, string>, protocol: Protocol = PROTOCOL_DV) {
  const t = new TestTable()
  const metaData: Metadata = {
    id: 't',
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify(SCHEMA),
    partitionColumns: ['day'],
    configuration,
  }
  await t.commit(0, [{ protocol }, { metaData }])
  return t.snapshot()
}

const names = (fields: readonly { name: string; type: unknown }[]): unknown[] =>
  fields.map((f) =>
    typeof f.type === 'object' && f.type !== null && 'fields' in f.type
      ? { [f.name]: names((f.type as { fields: { name: string; type: unknown }[] }).fields) }
      : f.name,
  )

describe('statsCollectionSchema', () => {
  it('is the data columns (no partition columns), all of them by default', async () => {
    const s = await tableWith({})
    expect(names(statsCollectionSchema(s).fields)).toEqual(['a', { s: ['x', 'y'] }, 'b', 'arr'])
  })

  it('keeps the first dataSkippingNumIndexedCols leaves, counting struct leaves depth first', async () => {
    const s = await tableWith({ 'delta.dataSkippingNumIndexedCols': '2' })
    expect(names(statsCollectionSchema(s).fields)).toEqual(['a', { s: ['x'] }])
    const none = await tableWith({ 'delta.dataSkippingNumIndexedCols': '0' })
    expect(statsCollectionSchema(none).fields).toEqual([])
    const all = await tableWith({ 'delta.dataSkippingNumIndexedCols': '-1' })
    expect(statsCollectionSchema(all).fields).toHaveLength(4)
  })

  it('keeps exactly the dataSkippingStatsColumns, case-insensitively, nested ones too', async () => {
    const s = await tableWith({ 'delta.dataSkippingStatsColumns': 'B, S.y, day' })
    expect(names(statsCollectionSchema(s).fields)).toEqual([{ s: ['y'] }, 'b'])
  })
})

describe('checkpointColumnOptions', () => {
  it('writes stats JSON and, as Spark does by default, stats_parsed and partitionValues_parsed by physical name', async () => {
    const s = await tableWith(
      { 'delta.columnMapping.mode': 'name' },
      {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['columnMapping', 'deletionVectors'],
        writerFeatures: ['columnMapping', 'deletionVectors'],
      },
    )
    expect(checkpointColumnOptions(s)).toEqual({
      statsAsJson: true,
      statsParsed: {
        columns: [
          { name: 'col-a', type: 'long' },
          {
            name: 'col-s',
            type: {
              fields: [
                { name: 'col-x', type: 'string' },
                { name: 'col-y', type: 'boolean' },
              ],
            },
          },
          { name: 'col-b', type: 'double' },
          { name: 'col-arr', type: 'other' },
        ],
        tightBounds: true,
      },
      partitionValuesParsed: [{ name: 'col-day', type: 'date' }],
    })
  })

  it('leaves the struct columns out when writeStatsAsStruct is false', async () => {
    const s = await tableWith({ 'delta.checkpoint.writeStatsAsStruct': 'false' })
    expect(checkpointColumnOptions(s)).toEqual({ statsAsJson: true })
  })

  it('with both stats properties false, checkpoints keep no statistics (as in Spark)', async () => {
    const t = new TestTable()
    await t.commit(0, [
      { protocol: PROTOCOL_DV },
      {
        metaData: {
          id: 't',
          format: { provider: 'parquet', options: {} },
          schemaString: JSON.stringify(SCHEMA),
          partitionColumns: [],
          configuration: {
            'delta.checkpoint.writeStatsAsJson': 'false',
            'delta.checkpoint.writeStatsAsStruct': 'false',
          },
        },
      },
      {
        add: {
          path: 'f.parquet',
          partitionValues: {},
          size: 1,
          modificationTime: 1,
          dataChange: true,
          stats: '{"numRecords":3}',
        },
      },
    ])
    const result = await writeCheckpoint(await t.snapshot())
    const { bytes } = await t.memory.get(result.files[0]!)
    const adds = []
    for await (const batch of readCheckpointFile(bytes, 'parquet', { path: 'cp' })) {
      for (const a of batch) if ('add' in a) adds.push(a.add)
    }
    expect(adds).toHaveLength(1)
    expect(adds[0]!.stats).toBeUndefined()
  })
})
