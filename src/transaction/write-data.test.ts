import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { LogStore } from '../log/log-store.js'
import type { Action, CommitInfo, Remove } from '../protocol/actions.js'
import { col, eq } from '../scan/expression.js'
import { scanToTable } from '../scan/read-scan.js'
import { loadSnapshot } from '../snapshot/load.js'
import { MemoryStore } from '../storage/memory.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { createTable } from './create-table.js'
import { Transaction } from './transaction.js'
import { type OverwriteOptions, appendData, overwriteData } from './write-data.js'
import { batchOf, conflict, rejection, rowsOfTable } from './write.test-util.js'

const I64 = new arrow.Int64()
const UTF8 = new arrow.Utf8()

const rows = (ids: readonly bigint[], days: readonly (string | null)[]) =>
  batchOf([
    { name: 'id', type: I64, values: ids },
    { name: 'day', type: UTF8, values: days },
  ])

async function setup(properties: Record<string, string> = {}) {
  const memory = new MemoryStore()
  const log = new LogStore(memory)
  const clock = new ManualClock(1_700_000_000_000)
  let seed = 100
  const ids = () => seededIds(seed++)
  await createTable(log, {
    schema: new arrow.Schema([
      new arrow.Field('id', I64, true),
      new arrow.Field('day', UTF8, true),
    ]),
    partitionBy: ['day'],
    properties,
    clock,
    ids: ids(),
  })
  const snapshot = () => loadSnapshot(log, { clock })
  const append = async (data: arrow.RecordBatch, options = {}) =>
    appendData(await snapshot(), data, { clock, ids: ids(), ...options })
  const overwrite = async (
    data: arrow.RecordBatch | arrow.RecordBatch[],
    options: OverwriteOptions = {},
  ) => overwriteData(await snapshot(), data, { clock, ids: ids(), ...options })
  /** The table's rows as `id:day`, sorted. */
  const contents = async () => {
    const table = await scanToTable(await snapshot())
    return rowsOfTable(table)
      .map((r) => `${String(r['id'])}:${String(r['day'])}`)
      .sort()
  }
  const dataKeys = async () => {
    const out: string[] = []
    for await (const meta of memory.list(''))
      if (!meta.path.startsWith('_delta_log/')) out.push(meta.path)
    return out.sort()
  }
  return { memory, log, clock, ids, snapshot, append, overwrite, contents, dataKeys }
}

function commitInfo(actions: readonly Action[]): CommitInfo {
  return (actions[0] as { commitInfo: CommitInfo }).commitInfo
}

describe('appendData', () => {
  it('commits a blind append recorded as Spark records it', async () => {
    const t = await setup()
    const result = await t.append(rows([1n, 2n], ['mon', 'tue']))
    if (result.status !== 'committed') throw new Error('not committed')
    expect(result.commit.version).toBe(1)
    expect(commitInfo(result.commit.actions)).toMatchObject({
      operation: 'WRITE',
      operationParameters: { mode: 'Append', partitionBy: '["day"]' },
      readVersion: 0,
      isBlindAppend: true,
      operationMetrics: {
        numFiles: '2',
        numOutputRows: '2',
        numOutputBytes: String(result.files.numBytes),
      },
    })
    await t.append(rows([3n], [null]))
    expect(await t.contents()).toEqual(['1:mon', '2:tue', '3:null'])
  })

  it('refuses a partitionBy that differs from the table', async () => {
    const t = await setup()
    const error = await rejection(t.append(rows([1n], ['mon']), { partitionBy: ['id'] }))
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(await t.dataKeys()).toEqual([])
  })

  it('skips a write whose app transaction version was already committed', async () => {
    const t = await setup()
    const first = await t.append(rows([1n], ['mon']), {
      appTransaction: { appId: 'job', version: 3 },
    })
    expect(first.status).toBe('committed')
    expect((await t.snapshot()).appTransactionVersion('job')).toBe(3)
    for (const version of [3, 2]) {
      const again = await t.append(rows([1n], ['mon']), {
        appTransaction: { appId: 'job', version },
      })
      expect(again).toEqual({ status: 'skipped', appId: 'job', version, committedVersion: 3 })
    }
    const next = await t.append(rows([2n], ['mon']), {
      appTransaction: { appId: 'job', version: 4 },
    })
    expect(next.status).toBe('committed')
    expect(await t.contents()).toEqual(['1:mon', '2:mon'])
  })

  it('two writers of the same app transaction from one snapshot: the second conflicts, its files go', async () => {
    const t = await setup()
    const base = await t.snapshot()
    const write = (id: bigint) =>
      appendData(base, rows([id], ['mon']), {
        clock: t.clock,
        ids: t.ids(),
        appTransaction: { appId: 'job', version: 1 },
      })
    await write(1n)
    const error = await conflict(write(2n))
    expect([error.code, error.kind]).toEqual(['COMMIT_CONFLICT', 'concurrent-transaction'])
    expect(await t.contents()).toEqual(['1:mon'])
    expect((await t.dataKeys()).length).toBe(1)
  })
})

describe('overwriteData', () => {
  it('replaces every file, reading the whole table', async () => {
    const t = await setup()
    await t.append(rows([1n, 2n], ['mon', 'tue']))
    const result = await t.overwrite(rows([9n], ['wed']))
    if (result.status !== 'committed') throw new Error('not committed')
    expect(result.removed.length).toBe(2)
    expect(commitInfo(result.commit.actions)).toMatchObject({
      operation: 'WRITE',
      operationParameters: { mode: 'Overwrite', partitionBy: '["day"]' },
      isBlindAppend: false,
      operationMetrics: { numFiles: '1', numOutputRows: '1', numRemovedFiles: '2' },
    })
    const removes = result.commit.actions.flatMap((a) => ('remove' in a ? [a.remove] : []))
    expect(removes.map((r: Remove) => [r.dataChange, r.deletionTimestamp])).toEqual([
      [true, 1_700_000_000_000],
      [true, 1_700_000_000_000],
    ])
    expect(await t.contents()).toEqual(['9:wed'])
  })

  it('replaceWhere (text) removes only the selected partitions', async () => {
    const t = await setup()
    await t.append(rows([1n, 2n, 3n], ['mon', 'tue', null]))
    const result = await t.overwrite(rows([7n, 8n], ['mon', 'mon']), {
      replaceWhere: "day = 'mon'",
    })
    if (result.status !== 'committed') throw new Error('not committed')
    expect(result.removed.map((f) => f.partitionValues)).toEqual([{ day: 'mon' }])
    expect(commitInfo(result.commit.actions).operationParameters).toEqual({
      mode: 'Overwrite',
      partitionBy: '["day"]',
      predicate: '["day = \'mon\'"]',
    })
    expect(await t.contents()).toEqual(['2:tue', '3:null', '7:mon', '8:mon'])
  })

  it('replaceWhere (expression) and IS NULL: NULL partitions are selected only by IS NULL', async () => {
    const t = await setup()
    await t.append(rows([1n, 2n], ['mon', null]))
    const expr = await t.overwrite(rows([5n], ['mon']), { replaceWhere: eq(col('day'), 'mon') })
    if (expr.status !== 'committed') throw new Error('not committed')
    expect(commitInfo(expr.commit.actions).operationParameters).toMatchObject({
      predicate: '["(day = \'mon\')"]',
    })
    await t.overwrite(rows([6n], [null]), { replaceWhere: 'day IS NULL' })
    expect(await t.contents()).toEqual(['5:mon', '6:null'])
  })

  it('refuses rows outside replaceWhere, leaving the table and the store as they were', async () => {
    const t = await setup()
    await t.append(rows([1n], ['mon']))
    const before = await t.dataKeys()
    const error = await rejection(
      t.overwrite([rows([7n], ['mon']), rows([8n], ['tue'])], {
        replaceWhere: "day = 'mon'",
        maxRowsPerFile: 1,
      }),
    )
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toContain('does not satisfy replaceWhere')
    expect((await t.snapshot()).version).toBe(1)
    expect(await t.dataKeys()).toEqual(before)
  })

  it('refuses replaceWhere on a data column, and with overwriteSchema', async () => {
    const t = await setup()
    expect(
      (await rejection(t.overwrite(rows([1n], ['mon']), { replaceWhere: 'id = 1' }))).code,
    ).toBe('INVALID_ARGUMENT')
    expect(
      (
        await rejection(
          t.overwrite(rows([1n], ['mon']), { replaceWhere: "day = 'mon'", overwriteSchema: true }),
        )
      ).code,
    ).toBe('INVALID_ARGUMENT')
    expect(
      (await rejection(t.overwrite(rows([1n], ['mon']), { replaceWhere: 'nope = 1' }))).code,
    ).toBe('INVALID_ARGUMENT')
  })

  it('overwriteSchema replaces schema and partitioning, keeping the table id', async () => {
    const t = await setup()
    await t.append(rows([1n], ['mon']))
    const before = await t.snapshot()
    const data = batchOf([
      { name: 'key', type: UTF8, values: ['a', 'b'] },
      { name: 'n', type: new arrow.Float64(), values: [1.5, null] },
    ])
    const result = await overwriteData(before, data, {
      overwriteSchema: true,
      partitionBy: ['key'],
      clock: t.clock,
      ids: t.ids(),
    })
    expect(result.status).toBe('committed')
    const after = await t.snapshot()
    expect(after.metadata.id).toBe(before.metadata.id)
    expect(after.partitionColumns).toEqual(['key'])
    expect(after.schema.fields.map((f) => `${f.name}:${f.type.type}`)).toEqual([
      'key:string',
      'n:double',
    ])
    const table = await scanToTable(after)
    expect(rowsOfTable(table)).toEqual([
      { key: 'a', n: 1.5 },
      { key: 'b', n: null },
    ])
  })

  it('overwriteSchema under column mapping: fresh physical names, readable through a scan', async () => {
    const memory = new MemoryStore()
    const log = new LogStore(memory)
    const clock = new ManualClock(0)
    await createTable(log, {
      schema: new arrow.Schema([new arrow.Field('id', I64, true)]),
      columnMapping: 'id',
      data: batchOf([{ name: 'id', type: I64, values: [1n] }]),
      clock,
      ids: seededIds(1),
    })
    const before = await loadSnapshot(log)
    const data = batchOf([
      { name: 'id', type: I64, values: [2n] },
      { name: 'extra', type: UTF8, values: ['e'] },
    ])
    await overwriteData(before, data, { overwriteSchema: true, clock, ids: seededIds(2) })
    const after = await loadSnapshot(log)
    const ids = after.schema.fields.map((f) => f.metadata['delta.columnMapping.id'])
    expect(ids).toEqual([2, 3])
    expect(after.metadata.configuration['delta.columnMapping.maxColumnId']).toBe('3')
    expect(rowsOfTable(await scanToTable(after))).toEqual([{ id: 2n, extra: 'e' }])
  })

  it('an append-only table refuses overwrites before writing, but takes appends', async () => {
    const t = await setup({ 'delta.appendOnly': 'true' })
    await t.append(rows([1n], ['mon']))
    const before = await t.dataKeys()
    const error = await rejection(t.overwrite(rows([2n], ['mon'])))
    expect(error.code).toBe('OPERATION_NOT_ALLOWED')
    expect(await t.dataKeys()).toEqual(before)
  })

  it('dataChange: false marks adds and removes as a rearrangement', async () => {
    const t = await setup()
    await t.append(rows([1n, 2n], ['mon', 'mon']))
    const result = await t.overwrite(rows([1n, 2n], ['mon', 'mon']), { dataChange: false })
    if (result.status !== 'committed') throw new Error('not committed')
    const flags = result.commit.actions.flatMap((a) =>
      'add' in a ? [a.add.dataChange] : 'remove' in a ? [a.remove.dataChange] : [],
    )
    expect(flags).toEqual([false, false])
  })
})

describe('overwrite conflicts', () => {
  it('a concurrent delete of a replaced file conflicts; the overwrite leaves no files', async () => {
    const t = await setup()
    await t.append(rows([1n], ['mon']))
    const before = await t.dataKeys()
    const base = await t.snapshot()
    const [file] = [...base.files()]
    await Transaction.on(base, { operation: 'DELETE', clock: t.clock, ids: t.ids() })
      .removeFile(file!)
      .commit()
    const error = await conflict(
      overwriteData(base, rows([2n], ['mon']), {
        replaceWhere: "day = 'mon'",
        clock: t.clock,
        ids: t.ids(),
      }),
    )
    expect(error.code).toBe('COMMIT_CONFLICT')
    // Only the original file (removed from the log, not from the store) is left.
    expect(await t.dataKeys()).toEqual(before)
  })

  it('under Serializable, a concurrent append into a replaced partition conflicts; elsewhere it does not', async () => {
    const t = await setup()
    await t.append(rows([1n], ['mon']))
    const base = await t.snapshot()
    const options = {
      replaceWhere: "day = 'mon'",
      isolationLevel: 'Serializable',
      clock: t.clock,
    } as const
    await appendData(base, rows([2n], ['tue']), { clock: t.clock, ids: t.ids() })
    const ok = await overwriteData(base, rows([3n], ['mon']), { ...options, ids: t.ids() })
    expect(ok.status === 'committed' && ok.commit.version).toBe(3)

    const base2 = await t.snapshot()
    await appendData(base2, rows([4n], ['mon']), { clock: t.clock, ids: t.ids() })
    const error = await conflict(
      overwriteData(base2, rows([5n], ['mon']), { ...options, ids: t.ids() }),
    )
    expect([error.code, error.kind]).toEqual(['COMMIT_CONFLICT', 'concurrent-append'])
    expect(await t.contents()).toEqual(['2:tue', '3:mon', '4:mon'])
  })
})
