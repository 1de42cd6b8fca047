import * as arrow from 'apache-arrow'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LogStore } from '../log/log-store.js'
import { scanToTable } from '../scan/read-scan.js'
import { loadSnapshot } from '../snapshot/load.js'
import { FaultyStore, isInjectedFault } from '../storage/fault.js'
import { MemoryStore } from '../storage/memory.js'
import { createTable } from '../transaction/create-table.js'
import { seededIds } from '../util/clock.js'
import { DeltaSink } from './sink.js'

const batch = (batchId: number, rows = 2): arrow.Table =>
  arrow.tableFromArrays({
    batch: Int32Array.from({ length: rows }, () => batchId),
    seq: Int32Array.from({ length: rows }, (_, i) => i),
  })

async function newTable(store = new MemoryStore()): Promise<LogStore> {
  const log = new LogStore(store)
  await createTable(log, { schema: batch(0).schema, ids: seededIds(1) })
  return log
}

async function batchesInTable(log: LogStore): Promise<number[]> {
  const table = await scanToTable(await loadSnapshot(log), { columns: ['batch'] })
  const column = table.getChild('batch')!
  return Array.from({ length: table.numRows }, (_, i) => Number(column.get(i))).sort(
    (a, b) => a - b,
  )
}

describe('DeltaSink', () => {
  it('commits each batch with its app transaction and skips a replayed one', async () => {
    const log = await newTable()
    const sink = new DeltaSink(log, { appId: 'stream-a', ids: seededIds(2) })
    expect(await sink.write(0, batch(0))).toMatchObject({
      status: 'committed',
      batchId: 0,
      version: 1,
    })
    expect(await sink.write(1, batch(1))).toMatchObject({ status: 'committed', version: 2 })
    expect(await sink.write(1, batch(1))).toEqual({
      status: 'skipped',
      batchId: 1,
      committedBatchId: 1,
    })
    // A new sink (a restart) knows where the stream got to.
    const restarted = new DeltaSink(log, { appId: 'stream-a' })
    expect(await restarted.lastBatchId()).toBe(1)
    expect(await restarted.write(0, batch(0))).toMatchObject({ status: 'skipped' })
    expect(await batchesInTable(log)).toEqual([0, 0, 1, 1])
  })

  it('keeps app ids apart', async () => {
    const log = await newTable()
    await new DeltaSink(log, { appId: 'a' }).write(5, batch(5, 1))
    expect(await new DeltaSink(log, { appId: 'b' }).write(5, batch(5, 1))).toMatchObject({
      status: 'committed',
    })
  })

  it('under random crashes writes every batch exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: 40 }),
            fc.constantFrom('crash' as const, 'ambiguous' as const),
          ),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.integer({ min: 2, max: 6 }),
        async (crashAtCalls, batches) => {
          const memory = new MemoryStore()
          const log = await newTable(memory)
          const faulty = new FaultyStore(memory)
          const crashLog = new LogStore(faulty)
          // The producer writes batches 0..n-1; a crash at a random store call kills the
          // process (or a call lands but its answer is lost), and the producer restarts and
          // replays from the batch it was writing.
          let next = 0
          const crashes = [...crashAtCalls]
          while (next < batches) {
            faulty.heal()
            const crash = crashes.shift()
            if (crash !== undefined) faulty.inject({ nth: crash[0], action: crash[1] })
            const sink = new DeltaSink(crashLog, { appId: 'producer' })
            try {
              for (; next < batches; next++) await sink.write(next, batch(next))
            } catch (error) {
              if (!isInjectedFault(error)) throw error
            }
          }
          const rows = await batchesInTable(log)
          expect(rows).toEqual(Array.from({ length: batches }, (_, i) => [i, i]).flat())
        },
      ),
      { numRuns: 40 },
    )
  })
})
