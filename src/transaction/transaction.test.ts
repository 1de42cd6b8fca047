import { describe, expect, it } from 'vitest'
import {
  CommitConflictError,
  MaxCommitAttemptsError,
  OperationNotAllowedError,
  ProtocolUnsupportedError,
} from '../errors.js'
import { LogStore, commitKey } from '../log/log-store.js'
import type { Add, Metadata, Protocol } from '../protocol/actions.js'
import { loadSnapshot } from '../snapshot/load.js'
import { FaultyStore } from '../storage/fault.js'
import { MemoryStore } from '../storage/memory.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { Transaction } from './transaction.js'

const SCHEMA =
  '{"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},{"name":"part","type":"string","nullable":true,"metadata":{}}]}'
const metadata = (configuration: Record<string, string> = {}): Metadata => ({
  id: 'tbl',
  format: { provider: 'parquet', options: {} },
  schemaString: SCHEMA,
  partitionColumns: ['part'],
  configuration,
  createdTime: 0,
})
const PROTOCOL: Protocol = { minReaderVersion: 1, minWriterVersion: 2 }
const file = (path: string, part = 'a'): Add => ({
  path,
  partitionValues: { part },
  size: 1,
  modificationTime: 0,
  dataChange: true,
})

async function setup(
  options: { configuration?: Record<string, string>; protocol?: Protocol } = {},
) {
  const clock = new ManualClock(1_000_000)
  const ids = seededIds(7)
  const memory = new MemoryStore()
  const faulty = new FaultyStore(memory)
  const log = new LogStore(faulty)
  await Transaction.create(log, { operation: 'CREATE TABLE', clock, ids })
    .updateProtocol(options.protocol ?? PROTOCOL)
    .updateMetadata(metadata(options.configuration))
    .commit()
  const snapshot = () => loadSnapshot(log, { clock })
  const txn = async (operation = 'WRITE') =>
    Transaction.on(await snapshot(), { operation, clock, ids })
  return { clock, ids, memory, faulty, log, snapshot, txn }
}

describe('Transaction.commit', () => {
  it('commits version readVersion + 1 with commitInfo first', async () => {
    const t = await setup()
    const result = await (await t.txn()).addFile(file('a.parquet')).commit()
    expect(result.version).toBe(1)
    expect(result.attempts).toBe(1)
    expect(Object.keys(result.actions[0]!)).toEqual(['commitInfo'])
    const info = (result.actions[0] as { commitInfo: Record<string, unknown> }).commitInfo
    expect(info).toMatchObject({
      operation: 'WRITE',
      readVersion: 0,
      isBlindAppend: true,
      txnId: result.txnId,
      isolationLevel: 'WriteSerializable',
    })
    expect((await t.snapshot()).numFiles).toBe(1)
  })

  it('concurrent blind appends all land, on contiguous versions, each exactly once', async () => {
    const t = await setup()
    const base = await t.snapshot()
    const txns = Array.from({ length: 8 }, (_, i) =>
      Transaction.on(base, { operation: 'WRITE', clock: t.clock, ids: seededIds(100 + i) }).addFile(
        file(`f${i}.parquet`),
      ),
    )
    const results = await Promise.all(txns.map((x) => x.commit()))
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const after = await t.snapshot()
    expect([...after.files()].map((f) => f.path).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `f${i}.parquet`).sort(),
    )
    expect(results.some((r) => r.attempts > 1)).toBe(true)
  })

  it('a delete that read a file concurrently removed fails with CommitConflictError naming the winner', async () => {
    const t = await setup()
    await (await t.txn()).addFile(file('x.parquet')).commit()
    const base = await t.snapshot()
    const x = [...base.files()][0]!
    const first = Transaction.on(base, { operation: 'DELETE', clock: t.clock, ids: seededIds(1) })
      .readFiles([x])
      .removeFile(x)
    const second = Transaction.on(base, { operation: 'DELETE', clock: t.clock, ids: seededIds(2) })
      .readFiles([x])
      .removeFile(x)
    await first.commit()
    const error = await second.commit().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommitConflictError)
    expect(error).toMatchObject({
      code: 'COMMIT_CONFLICT',
      kind: 'concurrent-delete-read',
      winningVersion: 2,
    })
    expect((await t.snapshot()).version).toBe(2)
  })

  it('an ambiguous put that landed is recognised by its txnId and not written twice', async () => {
    const t = await setup()
    t.faulty.inject({ op: 'put', path: (p) => p === commitKey(1), action: 'ambiguous' })
    const result = await (await t.txn()).addFile(file('a.parquet')).commit()
    expect(result.version).toBe(1)
    const after = await t.snapshot()
    expect(after.version).toBe(1)
    expect(after.numFiles).toBe(1)
  })

  it('an ambiguous put that lost to another writer retries after it', async () => {
    const t = await setup()
    const base = await t.snapshot()
    // Another writer lands version 1, then our put of version 1 fails ambiguously.
    await Transaction.on(base, { operation: 'WRITE', clock: t.clock, ids: seededIds(9) })
      .addFile(file('other.parquet'))
      .commit()
    t.faulty.inject({ op: 'put', path: (p) => p === commitKey(1), action: 'fail' })
    const result = await Transaction.on(base, {
      operation: 'WRITE',
      clock: t.clock,
      ids: seededIds(10),
    })
      .addFile(file('mine.parquet'))
      .commit()
    expect(result.version).toBe(2)
    expect((await t.snapshot()).numFiles).toBe(2)
  })

  it('a put that failed before reaching the store is retried at the same version', async () => {
    const t = await setup()
    t.faulty.inject({ op: 'put', path: (p) => p === commitKey(1), action: 'fail', times: 1 })
    const result = await (await t.txn()).addFile(file('a.parquet')).commit()
    expect(result.version).toBe(1)
    expect(t.faulty.calls.filter((c) => c.op === 'put' && c.path === commitKey(1))).toHaveLength(2)
  })

  it('gives up after maxAttempts with MaxCommitAttemptsError', async () => {
    const t = await setup()
    const base = await t.snapshot()
    await Transaction.on(base, { operation: 'WRITE', clock: t.clock, ids: seededIds(3) })
      .addFile(file('w.parquet'))
      .commit()
    const loser = Transaction.on(base, {
      operation: 'WRITE',
      clock: t.clock,
      ids: seededIds(4),
      maxAttempts: 1,
    }).addFile(file('l.parquet'))
    await expect(loser.commit()).rejects.toBeInstanceOf(MaxCommitAttemptsError)
  })

  it('creating a table that another writer just created is a conflict', async () => {
    const t = await setup()
    const again = Transaction.create(t.log, {
      operation: 'CREATE TABLE',
      clock: t.clock,
      ids: seededIds(5),
    })
      .updateProtocol(PROTOCOL)
      .updateMetadata(metadata())
    await expect(again.commit()).rejects.toMatchObject({
      code: 'COMMIT_CONFLICT',
      kind: 'table-created-concurrently',
    })
  })

  it('refuses data removal on an append-only table before writing anything', async () => {
    const t = await setup({ configuration: { 'delta.appendOnly': 'true' } })
    await (await t.txn()).addFile(file('a.parquet')).commit()
    const snap = await t.snapshot()
    const txn = Transaction.on(snap, {
      operation: 'DELETE',
      clock: t.clock,
      ids: t.ids,
    }).removeFile([...snap.files()][0]!)
    await expect(txn.commit()).rejects.toBeInstanceOf(OperationNotAllowedError)
    expect((await t.snapshot()).version).toBe(1)
    // Rearranging without changing data is still allowed.
    const compact = Transaction.on(snap, {
      operation: 'OPTIMIZE',
      clock: t.clock,
      ids: t.ids,
    }).removeFile([...snap.files()][0]!, { dataChange: false })
    await expect(compact.commit()).resolves.toMatchObject({ version: 2 })
  })

  it('refuses to write to a table with a writer feature it does not implement', async () => {
    const protocol: Protocol = {
      minReaderVersion: 1,
      minWriterVersion: 7,
      writerFeatures: ['rowTracking', 'domainMetadata'],
    }
    const clock = new ManualClock(0)
    const log = new LogStore(new MemoryStore())
    const txn = Transaction.create(log, { operation: 'CREATE TABLE', clock })
      .updateProtocol(protocol)
      .updateMetadata(metadata())
    const error = await txn.commit().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProtocolUnsupportedError)
    expect(error).toMatchObject({ operation: 'write', missing: ['rowTracking'] })
    expect(await log.listAll()).toEqual([])
  })

  it('in-commit timestamps strictly increase even when the clock goes backwards', async () => {
    const protocol: Protocol = {
      minReaderVersion: 1,
      minWriterVersion: 7,
      writerFeatures: ['inCommitTimestamp', 'appendOnly', 'invariants'],
    }
    const t = await setup({ protocol, configuration: { 'delta.enableInCommitTimestamps': 'true' } })
    const first = await (await t.txn()).addFile(file('a.parquet')).commit()
    t.clock.set(5) // far in the past
    const second = await (await t.txn()).addFile(file('b.parquet')).commit()
    expect(second.timestamp).toBe(first.timestamp + 1)
    const snap = await t.snapshot()
    expect(snap.timestamp).toBe(second.timestamp)
    expect(Object.keys(second.actions[0]!)).toEqual(['commitInfo'])
    expect(
      (second.actions[0] as { commitInfo: { inCommitTimestamp?: number } }).commitInfo
        .inCommitTimestamp,
    ).toBe(second.timestamp)
  })

  it('protects delta.* domains and needs the domainMetadata feature for others', async () => {
    const t = await setup()
    expect(() =>
      Transaction.create(t.log, { operation: 'X' }).setDomainMetadata('delta.rowTracking', '{}'),
    ).toThrow(OperationNotAllowedError)
    const txn = (await t.txn()).setDomainMetadata('my.app', '{"a":1}')
    await expect(txn.commit()).rejects.toBeInstanceOf(OperationNotAllowedError)
  })

  it('records app transactions so a replayed batch can be detected', async () => {
    const t = await setup()
    await (await t.txn()).setAppTransaction('sink-1', 41).addFile(file('b41.parquet')).commit()
    expect((await t.snapshot()).appTransactionVersion('sink-1')).toBe(41)
  })
})
