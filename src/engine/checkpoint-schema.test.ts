import type * as arrow from 'apache-arrow'
import { afterAll, describe, expect, test } from 'vitest'
import type { Action } from '../protocol/actions.js'
import {
  checkpointSchema,
  statsParsedType,
  type CheckpointSchemaOptions,
} from './checkpoint-schema.js'
import { writeCheckpoint } from './checkpoint-write.js'
import { corpusMissing, inCorpus, parquetSchema, schemaTree, tempFile } from './engine.test-util.js'

const cleanups: (() => void)[] = []
afterAll(() => cleanups.forEach((c) => c()))

const minimal: Action[] = [
  { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
  {
    metaData: {
      id: 'id',
      format: { provider: 'parquet', options: {} },
      schemaString: '{}',
      partitionColumns: [],
      configuration: {},
    },
  },
]

/** Our checkpoint's Parquet schema as DuckDB sees it, one line per node (root dropped). */
async function ourTree(
  options: CheckpointSchemaOptions,
  actions: Action[] = minimal,
): Promise<string[]> {
  const { bytes } = await writeCheckpoint(actions, options)
  const t = tempFile('ours.parquet', bytes)
  cleanups.push(t.cleanup)
  return schemaTree(await parquetSchema(t.file))
}

async function sparkTree(file: string): Promise<string[]> {
  return schemaTree(await parquetSchema(inCorpus(file)))
}

/** The lines of the subtree rooted at the line `head` (its descendants are indented deeper). */
function subtree(tree: readonly string[], head: string): string[] {
  const start = tree.indexOf(head)
  if (start < 0) return []
  const depth = head.length - head.trimStart().length
  let end = start + 1
  while (end < tree.length && tree[end]!.length - tree[end]!.trimStart().length > depth) end++
  return tree.slice(start, end)
}

describe('checkpointSchema', () => {
  test('every field at every depth is nullable, except map keys and entries', () => {
    const walk = (
      fields: readonly { name: string; nullable: boolean; type: { children?: readonly never[] } }[],
      path: string,
    ): string[] =>
      fields.flatMap((f) => [
        ...(f.nullable ? [] : [`${path}${f.name}`]),
        ...walk((f.type.children ?? []) as never[], `${path}${f.name}.`),
      ])
    const schema = checkpointSchema({
      layout: 'v2',
      statsParsed: { columns: [{ name: 'a', type: 'long' }], tightBounds: true },
    })
    const required = walk(schema.fields as never[], '')
    expect(required.length).toBeGreaterThan(0)
    expect(required.every((p) => p.endsWith('.key_value') || p.endsWith('.key_value.key'))).toBe(
      true,
    )
  })

  test('stats_parsed follows Spark: min/max only for skipping-eligible types, null counts for all', () => {
    const type = statsParsedType({
      columns: [
        { name: 'id', type: 'long' },
        { name: 'flag', type: 'boolean' },
        { name: 'bin', type: 'binary' },
        { name: 'arr', type: 'other' },
        {
          name: 's',
          type: {
            fields: [
              { name: 'ts', type: 'timestamp' },
              { name: 'b', type: 'boolean' },
            ],
          },
        },
        { name: 'only_bool', type: { fields: [{ name: 'b', type: 'boolean' }] } },
        { name: 'd', type: 'decimal(10,2)' },
      ],
      tightBounds: true,
    })
    expect(String(type)).toBe(
      'Struct<{numRecords:Int64, ' +
        'minValues:Struct<{id:Int64, s:Struct<{ts:Timestamp<MICROSECOND, UTC>}>, d:Decimal[10e+2]}>, ' +
        'maxValues:Struct<{id:Int64, s:Struct<{ts:Timestamp<MICROSECOND, UTC>}>, d:Decimal[10e+2]}>, ' +
        'nullCount:Struct<{id:Int64, flag:Int64, bin:Int64, arr:Int64, s:Struct<{ts:Int64, b:Int64}>, only_bool:Struct<{b:Int64}>, d:Int64}>, ' +
        'tightBounds:Bool}>',
    )
    // (apache-arrow prints precision 10, scale 2 as `10e+2`.)
    const d = (type.children[1]!.type as arrow.Struct).children[2]!.type as arrow.Decimal
    expect([d.precision, d.scale, d.bitWidth]).toEqual([10, 2, 128])
  })

  test('a table without stats columns gets only numRecords', () => {
    expect(String(statsParsedType({ columns: [] }))).toBe('Struct<{numRecords:Int64}>')
  })

  test('an unknown Delta type is an INVALID_ARGUMENT', () => {
    expect(() =>
      checkpointSchema({ partitionValuesParsed: [{ name: 'x', type: 'decimal(50,2)' }] }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe.skipIf(corpusMissing())('our checkpoint Parquet schema matches what Spark writes', () => {
  test('classic: identical to a Spark 4.0 checkpoint (names, physical and converted types, repetition)', async () => {
    const spark = await sparkTree(
      'delta-golden/spark-variant-checkpoint/_delta_log/00000000000000000002.checkpoint.parquet',
    )
    expect(await ourTree({})).toEqual(spark)
  })

  test('classic: a Spark 3.5 checkpoint is ours without add.clusteringProvider', async () => {
    const spark = await sparkTree(
      'delta-golden/checkpoint/_delta_log/00000000000000000010.checkpoint.parquet',
    )
    const ours = (await ourTree({})).filter((l) => !l.includes('clusteringProvider'))
    expect(ours).toEqual(spark)
  })

  test('V2 sidecar: identical to a Spark 3.5 sidecar', async () => {
    const spark = await sparkTree(
      'delta-golden/v2-checkpoint-parquet/_delta_log/_sidecars/00000000000000000002.checkpoint.0000000001.0000000002.055454d8-329c-4e0e-864d-7f867075af33.parquet',
    )
    expect(await ourTree({ layout: 'sidecar' }, [])).toEqual(spark)
  })

  test('V2 top level: same columns, and identical non-file actions, checkpointMetadata and sidecar', async () => {
    const spark = await sparkTree(
      'delta-golden/v2-checkpoint-parquet/_delta_log/00000000000000000002.checkpoint.e8fa2696-9728-4e9c-b285-634743fdd4fb.parquet',
    )
    const ours = await ourTree({ layout: 'v2' })
    const top = (t: string[]): string[] => t.filter((l) => !l.startsWith(' '))
    expect(top(ours)).toEqual(top(spark))
    // Spark's top-level file carries add/remove in the raw action layout (no rows use them);
    // every other column must match exactly.
    for (const head of [
      'txn',
      'metaData',
      'protocol',
      'domainMetadata',
      'checkpointMetadata',
      'sidecar',
    ]) {
      expect(subtree(ours, `${head} OPTIONAL group`)).toEqual(
        subtree(spark, `${head} OPTIONAL group`),
      )
    }
  })

  test('partitionValues_parsed: identical to Spark for an integer partition column', async () => {
    const spark = await sparkTree(
      'delta-golden/dv-partitioned-with-checkpoint/_delta_log/00000000000000000010.checkpoint.parquet',
    )
    const ours = await ourTree({ partitionValuesParsed: [{ name: 'part', type: 'integer' }] })
    const head = '  partitionValues_parsed OPTIONAL group'
    expect(subtree(spark, head)).toEqual([
      '  partitionValues_parsed OPTIONAL group',
      '    part OPTIONAL INT32',
    ])
    expect(subtree(ours, head)).toEqual(subtree(spark, head))
  })

  test('stats_parsed without JSON stats: identical to a Databricks Runtime checkpoint', async () => {
    const spark = await sparkTree(
      'delta-kernel-rs/v1-single-part-struct-stats-only/_delta_log/00000000000000000005.checkpoint.parquet',
    )
    const ours = await ourTree({
      statsAsJson: false,
      statsParsed: {
        columns: [
          { name: 'id', type: 'long' },
          { name: 'value', type: 'string' },
        ],
        tightBounds: true,
      },
    })
    expect(ours).toEqual(spark)
  })
})
