/**
 * Streams read as Arrow: plain micro-batches give the added rows; `readChangeFeed` gives
 * change rows, deletes and updates included, with admission control over change files.
 */
import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { LogStore } from '../log/log-store.js'
import { loadSnapshot } from '../snapshot/load.js'
import { MemoryStore } from '../storage/memory.js'
import { createTable } from '../transaction/create-table.js'
import { appendData, overwriteData } from '../transaction/write-data.js'
import { collect } from '../util/async.js'
import { seededIds } from '../util/clock.js'
import { DeltaSource, type MicroBatch } from './source.js'

const rows = (device: string[], status: string) =>
  arrow.tableFromArrays({ device, status: device.map(() => status) })

async function table(properties: Record<string, string> = {}): Promise<LogStore> {
  const log = new LogStore(new MemoryStore())
  await createTable(log, {
    schema: rows(['x'], 'ok').schema,
    partitionBy: ['status'],
    properties,
    ids: seededIds(3),
  })
  return log
}

async function read(source: DeltaSource, batches: readonly MicroBatch[]): Promise<string[]> {
  const out: string[] = []
  for (const batch of batches) {
    for await (const records of source.read(batch)) {
      for (const row of records.toArray()) {
        const r = row.toJSON() as Record<string, string | bigint | null | undefined>
        const parts = [r.device, r.status, r._change_type, r._commit_version]
        out.push(parts.flatMap((v) => (v === undefined || v === null ? [] : [String(v)])).join(':'))
      }
    }
  }
  return out.sort()
}

describe('reading streams as Arrow', () => {
  it('plain micro-batches return the rows of the files they admit', async () => {
    const log = await table()
    await appendData(await loadSnapshot(log), rows(['a', 'b'], 'ok'), { ids: seededIds(4) })
    const source = await DeltaSource.open(log, { startingVersion: 0 })
    await appendData(await loadSnapshot(log), rows(['c'], 'error'), { ids: seededIds(5) })
    expect(await read(source, await collect(source.batches()))).toEqual(['a:ok', 'b:ok', 'c:error'])
  })

  it('readChangeFeed streams inserts and the deletes of an overwrite, version by version', async () => {
    const log = await table({ 'delta.enableChangeDataFeed': 'true' })
    await appendData(await loadSnapshot(log), rows(['a', 'b'], 'ok'), { ids: seededIds(6) })
    await overwriteData(await loadSnapshot(log), rows(['z'], 'ok'), {
      replaceWhere: "status = 'ok'",
      ids: seededIds(7),
    })
    const source = await DeltaSource.open(log, {
      startingVersion: 1,
      readChangeFeed: true,
      maxFilesPerTrigger: 1,
    })
    const batches = await collect(source.batches())
    // One change file per batch: the insert of v1, then the remove and the add of v2.
    expect(batches.map((b) => b.files.length)).toEqual([1, 1, 1])
    expect(await read(source, batches)).toEqual([
      'a:ok:delete:2',
      'a:ok:insert:1',
      'b:ok:delete:2',
      'b:ok:insert:1',
      'z:ok:insert:2',
    ])
  })

  it('readChangeFeed refuses a table without the feed', async () => {
    const log = await table()
    await expect(DeltaSource.open(log, { readChangeFeed: true })).rejects.toMatchObject({
      code: 'OPERATION_NOT_ALLOWED',
      problem: 'not-enabled',
    })
  })
})
