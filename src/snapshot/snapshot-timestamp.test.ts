/**
 * Regression: a snapshot at a version that has a checkpoint used to report the checkpoint
 * file's modification time as its commit time (and ignore the in-commit timestamp), so the same
 * version's timestamp jumped forward once a checkpoint was written later, and time travel to the
 * latest snapshot's own timestamp failed with VERSION_NOT_FOUND. Found by the write-path model
 * test on the local store (conformance/write/model.property.test.ts).
 */
import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../storage/memory.js'
import { DeltaTable } from '../table/delta-table.js'
import { ManualClock, seededIds } from '../util/clock.js'

const T0 = 1_700_000_000_000

async function tableWithLateCheckpoint(ict: boolean) {
  const clock = new ManualClock(T0)
  // File times run ahead of the writer's clock, as a store's clock may.
  let fileTime = T0 + 5_000
  const store = new MemoryStore({ now: () => fileTime })
  const table = await DeltaTable.create('memory://ts/', {
    store,
    clock,
    ids: seededIds(3),
    schema: new arrow.Schema([new arrow.Field('id', new arrow.Int32(), true)]),
    properties: ict ? { 'delta.enableInCommitTimestamps': 'true' } : {},
  })
  clock.advance(1_000)
  fileTime += 1_000
  await table.append(arrow.tableFromArrays({ id: Int32Array.from([1]) }))
  const beforeCheckpoint = await table.snapshot()
  // The checkpoint of version 1 is written a minute after the commit.
  clock.advance(60_000)
  fileTime += 60_000
  await table.checkpoint()
  return { table, beforeCheckpoint, commitFileTime: T0 + 6_000, ict: T0 + 1_000 }
}

describe('snapshot timestamp at a checkpoint version', () => {
  it('is the commit file time, not the later checkpoint time', async () => {
    const t = await tableWithLateCheckpoint(false)
    const after = await t.table.snapshot()
    expect(after.segment.commits).toEqual([])
    expect(t.beforeCheckpoint.timestamp).toBe(t.commitFileTime)
    expect(after.timestamp).toBe(t.commitFileTime)
    expect((await t.table.snapshot({ timestamp: after.timestamp })).version).toBe(1)
  })

  it('is the in-commit timestamp when in-commit timestamps are enabled', async () => {
    const t = await tableWithLateCheckpoint(true)
    const after = await t.table.snapshot()
    expect(after.segment.commits).toEqual([])
    expect(t.beforeCheckpoint.timestamp).toBe(t.ict)
    expect(after.timestamp).toBe(t.ict)
    expect(after.commitInfo?.inCommitTimestamp).toBe(t.ict)
    expect((await t.table.snapshot({ timestamp: after.timestamp })).version).toBe(1)
  })
})
