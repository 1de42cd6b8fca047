/**
 * Regression: the sink loaded its snapshots with the system clock instead of its injected one,
 * so the post-commit log cleanup after a checkpoint measured retention by the wrong time. With a
 * table clock behind the system clock, the sink's tenth commit deleted commits that were
 * minutes old by the table's clock. Found by the write-path concurrency proof
 * (conformance/write/concurrency-scheduled.test.ts), where it broke other writers' snapshots.
 */
import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { commitKey } from '../log/log-store.js'
import { MemoryStore } from '../storage/memory.js'
import { DeltaTable } from '../table/delta-table.js'
import { ManualClock, seededIds } from '../util/clock.js'

describe('DeltaSink clock', () => {
  it('measures log retention by the injected clock: nothing young by it is cleaned up', async () => {
    // Years before the system clock: by system time, every commit would be long expired.
    const clock = new ManualClock(Date.UTC(2020, 0, 1))
    const store = new MemoryStore({ now: () => clock.now() })
    const table = await DeltaTable.create('memory://sink-clock/', {
      store,
      clock,
      ids: seededIds(5),
      schema: new arrow.Schema([new arrow.Field('batch', new arrow.Int32(), true)]),
    })
    const sink = table.sink('stream')
    for (let batch = 0; batch < 10; batch++) {
      clock.advance(60_000)
      await sink.write(batch, arrow.tableFromArrays({ batch: Int32Array.from([batch]) }))
    }
    // Version 10 was checkpointed by the post-commit hook, then cleanup ran.
    expect((await table.snapshot()).segment.checkpoint?.version).toBe(10)
    await expect(store.head(commitKey(0))).resolves.toMatchObject({ path: commitKey(0) })
    expect((await table.snapshot({ version: 0 })).version).toBe(0)
  })
})
