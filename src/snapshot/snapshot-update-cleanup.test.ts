/**
 * Regression: `Snapshot.update()` failed with CORRUPT_LOG ("commit n is missing") when the
 * commits right after the held snapshot had been removed by metadata cleanup — a healthy table,
 * cleaned up by another process while a long-lived writer or stream held an old snapshot. It
 * now loads the latest version afresh from its checkpoint. A real gap still fails. Found by the
 * write-path concurrency proof (conformance/write/concurrency-scheduled.test.ts).
 */
import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { commitKey } from '../log/log-store.js'
import { cleanupExpiredLogs } from '../maintenance/log-cleanup.js'
import { MemoryStore } from '../storage/memory.js'
import { DeltaTable } from '../table/delta-table.js'
import { ManualClock, seededIds } from '../util/clock.js'

const DAY = 86_400_000

async function tableWithHeldSnapshot() {
  const clock = new ManualClock(Date.UTC(2024, 0, 1))
  const store = new MemoryStore({ now: () => clock.now() })
  const table = await DeltaTable.create('memory://held/', {
    store,
    clock,
    ids: seededIds(9),
    schema: new arrow.Schema([new arrow.Field('id', new arrow.Int32(), true)]),
    properties: { 'delta.checkpointInterval': '5', 'delta.enableExpiredLogCleanup': 'false' },
  })
  const append = (id: number) => table.append(arrow.tableFromArrays({ id: Int32Array.from([id]) }))
  await append(1)
  const held = await table.snapshot()
  for (let id = 2; id <= 7; id++) {
    clock.advance(DAY)
    await append(id)
  }
  return { table, store, clock, held }
}

describe('Snapshot.update after metadata cleanup', () => {
  it('catches up to the latest version when the commits after it were cleaned up', async () => {
    const { table, store, clock, held } = await tableWithHeldSnapshot()
    expect(held.version).toBe(1)
    clock.advance(40 * DAY)
    const cleaned = await cleanupExpiredLogs(await table.snapshot(), { dryRun: false })
    expect(cleaned.checkpointVersion).toBe(5)
    await expect(store.head(commitKey(2))).rejects.toMatchObject({ code: 'NOT_FOUND' })

    const updated = await held.update()
    const fresh = await table.snapshot()
    expect(updated.version).toBe(7)
    expect([...updated.files()].map((f) => f.path).sort()).toEqual(
      [...fresh.files()].map((f) => f.path).sort(),
    )
  })

  it('still fails with CORRUPT_LOG on a real gap that no checkpoint covers', async () => {
    const { store, held } = await tableWithHeldSnapshot()
    // Commit 2 lost and no checkpoint after it: the log starts at 0 and has a hole.
    await store.delete('_delta_log/00000000000000000005.checkpoint.parquet')
    await store.delete('_delta_log/_last_checkpoint')
    await store.delete(commitKey(2))
    await expect(held.update()).rejects.toMatchObject({ code: 'CORRUPT_LOG' })
  })
})
