import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { CommitConflictError } from '../errors.js'
import { LogStore } from '../log/log-store.js'
import type { CommitInfo } from '../protocol/actions.js'
import { scanToTable } from '../scan/read-scan.js'
import { loadSnapshot } from '../snapshot/load.js'
import { MemoryStore } from '../storage/memory.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { type CreateTableOptions, createTable } from './create-table.js'
import { batchOf, rejection, rowsOfTable } from './write.test-util.js'

const ARROW_SCHEMA = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('day', new arrow.Utf8(), true),
])

function setup() {
  const memory = new MemoryStore()
  const log = new LogStore(memory)
  const clock = new ManualClock(1_700_000_000_000)
  const create = (options: Partial<CreateTableOptions> = {}, seed = 1) =>
    createTable(log, { schema: ARROW_SCHEMA, clock, ids: seededIds(seed), ...options })
  return { memory, log, clock, create }
}

async function keys(store: MemoryStore): Promise<string[]> {
  const out: string[] = []
  for await (const meta of store.list('')) out.push(meta.path)
  return out
}

describe('createTable', () => {
  it('commits version 0 with commitInfo, protocol and metadata, as Spark records CREATE TABLE', async () => {
    const t = setup()
    const result = await t.create({
      partitionBy: ['day'],
      properties: { 'delta.appendOnly': 'true' },
    })
    expect(result.commit.version).toBe(0)
    expect(result.commit.actions.map((a) => Object.keys(a)[0])).toEqual([
      'commitInfo',
      'protocol',
      'metaData',
    ])
    const info = (result.commit.actions[0] as { commitInfo: CommitInfo }).commitInfo
    expect(info).toMatchObject({
      operation: 'CREATE TABLE',
      operationParameters: {
        isManaged: 'false',
        description: null,
        partitionBy: '["day"]',
        properties: '{"delta.appendOnly":"true"}',
      },
    })
    const snapshot = await loadSnapshot(t.log)
    expect(snapshot.version).toBe(0)
    expect(snapshot.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 })
    expect(snapshot.partitionColumns).toEqual(['day'])
    expect(snapshot.schema.fields.map((f) => [f.name, f.type.type, f.nullable])).toEqual([
      ['id', 'long', false],
      ['day', 'string', true],
    ])
    expect(snapshot.metadata.createdTime).toBe(1_700_000_000_000)
  })

  it('refuses a location that already holds a table, before writing anything', async () => {
    const t = setup()
    await t.create()
    const before = await keys(t.memory)
    const error = await rejection(
      t.create({ data: batchOf([{ name: 'id', type: new arrow.Int64(), values: [1n] }]) }, 2),
    )
    expect(error.code).toBe('TABLE_ALREADY_EXISTS')
    expect(await keys(t.memory)).toEqual(before)
  })

  it('of two concurrent creators one wins; the other gets a conflict and its files are removed', async () => {
    const t = setup()
    const data = () => batchOf([{ name: 'id', type: new arrow.Int64(), values: [1n, 2n] }])
    const outcomes = await Promise.allSettled([
      t.create({ data: data() }, 1),
      t.create({ data: data() }, 2),
    ])
    const won = outcomes.filter((o) => o.status === 'fulfilled')
    const lost = outcomes.flatMap((o) =>
      o.status === 'rejected' && o.reason instanceof CommitConflictError ? [o.reason] : [],
    )
    expect(won.length).toBe(1)
    expect(lost.map((e) => [e.code, e.kind])).toEqual([
      ['COMMIT_CONFLICT', 'table-created-concurrently'],
    ])
    const dataFiles = (await keys(t.memory)).filter((k) => !k.startsWith('_delta_log/'))
    const snapshot = await loadSnapshot(t.log)
    expect(dataFiles).toEqual([...snapshot.files()].map((f) => f.path))
  })

  it('writes data into version 0 as a WRITE with mode ErrorIfExists, readable through a scan', async () => {
    const t = setup()
    const result = await t.create({
      partitionBy: ['day'],
      data: batchOf([
        { name: 'id', type: new arrow.Int64(), values: [1n, 2n, 3n] },
        { name: 'day', type: new arrow.Utf8(), values: ['mon', 'tue', 'mon'] },
      ]),
    })
    const info = (result.commit.actions[0] as { commitInfo: CommitInfo }).commitInfo
    expect(info).toMatchObject({
      operation: 'WRITE',
      operationParameters: { mode: 'ErrorIfExists', partitionBy: '["day"]' },
      operationMetrics: {
        numFiles: '2',
        numOutputRows: '3',
        numOutputBytes: String(result.files.numBytes),
      },
    })
    const table = await scanToTable(await loadSnapshot(t.log), { filter: "day = 'mon'" })
    expect(table.getChild('id')!.toArray()).toEqual(BigInt64Array.from([1n, 3n]))
  })

  it('refuses a table needing a feature this library cannot write, before writing anything', async () => {
    const t = setup()
    const error = await rejection(
      t.create({
        properties: { 'delta.enableRowTracking': 'true' },
        data: batchOf([{ name: 'id', type: new arrow.Int64(), values: [1n] }]),
      }),
    )
    expect(error.code).toBe('PROTOCOL_UNSUPPORTED')
    expect(await keys(t.memory)).toEqual([])
  })

  it('column mapping name mode: the scan reads the data back by physical names', async () => {
    const t = setup()
    await t.create({
      columnMapping: 'name',
      partitionBy: ['day'],
      data: batchOf([
        { name: 'id', type: new arrow.Int64(), values: [5n] },
        { name: 'day', type: new arrow.Utf8(), values: ['x'] },
      ]),
    })
    const snapshot = await loadSnapshot(t.log)
    const [file] = [...snapshot.files()]
    expect(Object.keys(file!.partitionValues)[0]).toMatch(/^col-/)
    expect(file!.path).toMatch(/^col-[0-9a-f-]+=x\/part-00000-/)
    const table = await scanToTable(snapshot)
    expect(rowsOfTable(table)).toEqual([{ id: 5n, day: 'x' }])
  })
})
