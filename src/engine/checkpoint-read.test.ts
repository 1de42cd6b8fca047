/**
 * Reading checkpoints that other (older, sloppier) writers produced: crafted with apache-arrow's
 * own builders and parquet-wasm, independent of our checkpoint writer.
 */
import * as arrow from 'apache-arrow'
import { describe, expect, test } from 'vitest'
import { CorruptLogError } from '../errors.js'
import type { Add } from '../protocol/actions.js'
import {
  readCheckpointFile,
  readCheckpointFileColumns,
  type CheckpointAction,
  type CheckpointSlice,
} from './checkpoint-read.js'
import { stringMap } from './checkpoint-schema.js'
import { writeCheckpoint } from './checkpoint-write.js'
import { writeParquet } from './parquet.js'

async function readAll(bytes: Uint8Array, path = 'cp.parquet'): Promise<CheckpointAction[]> {
  const out: CheckpointAction[] = []
  for await (const batch of readCheckpointFile(bytes, 'parquet', { path })) out.push(...batch)
  return out
}

/** The slices of the columnar reader (adds decoded but for their stats). */
async function slices(bytes: Uint8Array, path: string): Promise<CheckpointSlice[]> {
  const out: CheckpointSlice[] = []
  for await (const slice of readCheckpointFileColumns(bytes, 'parquet', { path })) out.push(slice)
  return out
}

const add = (over: Partial<Add> = {}): { add: Add } => ({
  add: {
    path: 'a.parquet',
    partitionValues: {},
    size: 1,
    modificationTime: 2,
    dataChange: false,
    ...over,
  },
})

function craft(fields: arrow.Field[], rows: Record<string, unknown>[]): Uint8Array {
  const schema = new arrow.Schema(fields)
  const builders = fields.map((f) =>
    arrow.makeBuilder({ type: f.type as arrow.DataType, nullValues: [null, undefined] }),
  )
  for (const row of rows) fields.forEach((f, k) => builders[k]!.append(row[f.name] ?? null))
  const children = builders.map((b) => b.finish().flush() as arrow.Data)
  const data = arrow.makeData({
    type: new arrow.Struct(fields),
    length: rows.length,
    nullCount: 0,
    children,
  })
  return writeParquet(new arrow.Table([new arrow.RecordBatch(schema, data)]))
}

const f = (name: string, type: arrow.DataType): arrow.Field => new arrow.Field(name, type, true)
// apache-arrow's default map layout: `entries` rather than Spark's `key_value`.
const entriesMap = (): arrow.Map_ =>
  new arrow.Map_(
    new arrow.Field(
      'entries',
      new arrow.Struct([
        new arrow.Field('key', new arrow.Utf8(), false),
        f('value', new arrow.Utf8()),
      ]),
      false,
    ),
  )

describe('tolerant reading', () => {
  test('missing optional columns, extra unknown columns and `entries` maps', async () => {
    const bytes = craft(
      [
        f('commitInfo', new arrow.Struct([f('timestamp', new arrow.Int64())])),
        f(
          'add',
          new arrow.Struct([
            f('path', new arrow.Utf8()),
            f('partitionValues', entriesMap()),
            f('size', new arrow.Int64()),
            f('modificationTime', new arrow.Int64()),
            f('dataChange', new arrow.Bool()),
            f('futureField', new arrow.Utf8()),
          ]),
        ),
        f(
          'protocol',
          new arrow.Struct([
            f('minReaderVersion', new arrow.Int32()),
            f('minWriterVersion', new arrow.Int32()),
          ]),
        ),
      ],
      [
        { commitInfo: { timestamp: 5n } },
        {
          add: {
            path: 'a',
            partitionValues: new Map([['p', '1']]),
            size: 1n,
            modificationTime: 2n,
            dataChange: true,
            futureField: 'x',
          },
        },
        { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
      ],
    )
    expect(await readAll(bytes)).toStrictEqual([
      {
        add: {
          path: 'a',
          partitionValues: { p: '1' },
          size: 1,
          modificationTime: 2,
          dataChange: true,
        },
      },
      { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    ])
  })

  test('null maps and flags take their protocol defaults', async () => {
    const bytes = craft(
      [
        f(
          'add',
          new arrow.Struct([
            f('path', new arrow.Utf8()),
            f('partitionValues', stringMap()),
            f('size', new arrow.Int64()),
            f('modificationTime', new arrow.Int64()),
            f('dataChange', new arrow.Bool()),
          ]),
        ),
      ],
      [
        {
          add: {
            path: 'a',
            partitionValues: null,
            size: 1n,
            modificationTime: 2n,
            dataChange: null,
          },
        },
      ],
    )
    expect(await readAll(bytes)).toStrictEqual([
      { add: { path: 'a', partitionValues: {}, size: 1, modificationTime: 2, dataChange: false } },
    ])
  })
})

describe('corrupt checkpoints are CORRUPT_LOG errors naming the file', () => {
  const path = '_delta_log/00000000000000000007.checkpoint.parquet'
  const addFields = (sizeType: arrow.DataType): arrow.Field[] => [
    f(
      'add',
      new arrow.Struct([
        f('path', new arrow.Utf8()),
        f('size', sizeType),
        f('modificationTime', new arrow.Int64()),
      ]),
    ),
    f('remove', new arrow.Struct([f('path', new arrow.Utf8())])),
  ]

  test.each([
    ['bytes that are not Parquet', new TextEncoder().encode('not parquet at all, just text')],
    [
      'a required field that is null',
      craft(addFields(new arrow.Int64()), [
        { add: { path: null, size: 1n, modificationTime: 1n } },
      ]),
    ],
    [
      'a field of the wrong type',
      craft(addFields(new arrow.Utf8()), [
        { add: { path: 'a', size: 'big', modificationTime: 1n } },
      ]),
    ],
    [
      'two actions in one row',
      craft(addFields(new arrow.Int64()), [
        { add: { path: 'a', size: 1n, modificationTime: 1n }, remove: { path: 'b' } },
      ]),
    ],
    [
      'an integer beyond 2^53',
      craft(addFields(new arrow.Int64()), [
        { add: { path: 'a', size: 2n ** 60n, modificationTime: 1n } },
      ]),
    ],
  ])('%s', async (_what, bytes) => {
    const error = await readAll(bytes, path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CorruptLogError)
    expect(error).toMatchObject({ code: 'CORRUPT_LOG', path })
    // The columnar reader finds these while reading, before any stats are decoded.
    const early = await slices(bytes, path).catch((e: unknown) => e)
    expect(early).toBeInstanceOf(CorruptLogError)
    expect(early).toMatchObject({ code: 'CORRUPT_LOG', path })
  })

  test('stats the columnar reader keeps as bytes fail as the same error when decoded', async () => {
    const bytes = craft(
      [
        f(
          'add',
          new arrow.Struct([
            f('path', new arrow.Utf8()),
            f('size', new arrow.Int64()),
            f('modificationTime', new arrow.Int64()),
            f('stats', new arrow.Binary()),
          ]),
        ),
      ],
      [{ add: { path: 'a', size: 1n, modificationTime: 1n, stats: new Uint8Array([0x7b, 0xff]) } }],
    )
    const eager = await readAll(bytes, path).catch((e: unknown) => e)
    expect(eager).toMatchObject({ code: 'CORRUPT_LOG', path })
    expect((eager as Error).message).toMatch(/invalid UTF-8/)
    const [slice] = await slices(bytes, path)
    expect(slice?.adds?.paths).toEqual(['a'])
    const late = (() => {
      try {
        return slice?.adds?.pendingStats?.decode()
      } catch (error) {
        return error
      }
    })()
    expect(late).toBeInstanceOf(CorruptLogError)
    expect(late).toMatchObject({ code: 'CORRUPT_LOG', path, message: (eager as Error).message })
  })

  test('a deletion vector with an unknown storage type', async () => {
    const { bytes } = await writeCheckpoint([
      add({
        deletionVector: {
          storageType: 'x' as 'u',
          pathOrInlineDv: 'a',
          sizeInBytes: 1,
          cardinality: 1,
        },
      }),
    ])
    await expect(readAll(bytes, path)).rejects.toMatchObject({ code: 'CORRUPT_LOG', path })
  })
})
