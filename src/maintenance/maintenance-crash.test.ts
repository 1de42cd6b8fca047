/**
 * Crashes in the middle of maintenance (FaultyStore `crash`: the call and every later one fail,
 * as if the process died there). After each, with the process "restarted", the table must load
 * at every version it still claims to have, equal to replaying its JSON commits, and nothing
 * committed may be lost.
 */
import { describe, expect, it } from 'vitest'
import { LogStore } from '../log/log-store.js'
import type { Action } from '../protocol/actions.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { FaultyStore } from '../storage/fault.js'
import { seededIds } from '../util/clock.js'
import { writeCheckpoint, type CheckpointOptions } from './checkpoint.js'
import { DAY_MS, cleanupExpiredLogs } from './log-cleanup.js'
import { LAST_CHECKPOINT_KEY } from './last-checkpoint-write.js'
import {
  PROTOCOL_DV,
  PROTOCOL_V2,
  TestTable,
  addFile,
  metadata,
  removeFile,
  stateOf,
} from './maintenance.test-util.js'

const DAY0 = Date.UTC(2024, 0, 1)

/** Ten commits on ten days; files come and go. */
async function history(v2 = false): Promise<TestTable> {
  const t = new TestTable(DAY0)
  for (let n = 0; n < 10; n++) {
    const actions: Action[] =
      n === 0
        ? [{ protocol: v2 ? PROTOCOL_V2 : PROTOCOL_DV }, { metaData: metadata() }]
        : [{ add: addFile(`f${n}.parquet`) }, { add: addFile(`g${n}.parquet`) }]
    if (n >= 3) actions.push({ remove: removeFile(`g${n - 1}.parquet`, DAY0 + n * DAY_MS) })
    await t.commit(n, actions, DAY0 + n * DAY_MS)
  }
  return t
}

function faultyView(t: TestTable): {
  faulty: FaultyStore
  snapshot: (v?: number) => Promise<Snapshot>
} {
  const faulty = new FaultyStore(t.memory)
  const log = new LogStore(faulty)
  return { faulty, snapshot: (version) => loadSnapshot(log, { version, clock: t.clock }) }
}

/** Every version from `from` to the latest loads, and equals JSON replay. */
async function expectReadable(
  t: TestTable,
  from: number,
  jsonOnly?: Awaited<ReturnType<TestTable['jsonOnly']>>,
) {
  const oracle = jsonOnly ?? (await t.jsonOnly())
  const latest = (await t.snapshot()).version
  expect(latest).toBe(9)
  for (let version = from; version <= latest; version++) {
    expect(stateOf(await t.snapshot(version), t.time), `version ${version}`).toEqual(
      stateOf(await t.snapshot(version, oracle), t.time),
    )
  }
}

describe('a crash while writing a checkpoint', () => {
  const kinds: readonly [string, boolean, CheckpointOptions][] = [
    ['classic', false, { kind: 'classic' }],
    ['multi-part', false, { kind: 'multi-part', partSize: 3 }],
    ['v2', true, { kind: 'v2', partSize: 3 }],
  ]
  for (const [name, v2, options] of kinds) {
    it(`${name}: at every store write, leaves every version readable and the hint untouched`, async () => {
      // Count the writes of an undisturbed run, then crash at each one in turn.
      const probe = await history(v2)
      await writeCheckpoint(await probe.snapshot(4), { ...options, ids: seededIds(1) })
      const { faulty: counting, snapshot: countingSnapshot } = faultyView(probe)
      const before = counting.calls.length
      await writeCheckpoint(await countingSnapshot(8), { ...options, ids: seededIds(2) })
      const writes = counting.calls.slice(before).filter((c) => c.op === 'put').length
      expect(writes).toBeGreaterThanOrEqual(2)

      for (let nth = 1; nth <= writes; nth++) {
        const t = await history(v2)
        await writeCheckpoint(await t.snapshot(4), { ...options, ids: seededIds(1) })
        const hint = (await t.memory.get(LAST_CHECKPOINT_KEY)).bytes
        const { faulty, snapshot } = faultyView(t)
        const base = await snapshot(8)
        faulty.inject({ op: 'put', nth, action: 'crash' })
        await expect(
          writeCheckpoint(base, { ...options, ids: seededIds(2) }),
          `crash at write ${nth}`,
        ).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
        faulty.heal()
        // The hint is written last: a crash anywhere before or at it leaves the old one.
        expect((await t.memory.get(LAST_CHECKPOINT_KEY)).bytes).toEqual(hint)
        await expectReadable(t, 0)
        // A checkpoint at 8 is used only if it is complete, and then it is right.
        const at8 = await t.snapshot(8)
        expect([4, 8]).toContain(at8.segment.checkpoint?.version)
      }
    })
  }

  it('v2: orphan sidecars of a crashed checkpoint are removed by cleanup once old', async () => {
    const t = await history(true)
    await writeCheckpoint(await t.snapshot(4), { kind: 'v2', partSize: 3, ids: seededIds(1) })
    const { faulty, snapshot } = faultyView(t)
    const base = await snapshot(8)
    // Sidecar 1 written, crash on sidecar 2.
    faulty.inject({ op: 'put', nth: 2, action: 'crash' })
    await expect(
      writeCheckpoint(base, { kind: 'v2', partSize: 3, ids: seededIds(2) }),
    ).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
    faulty.heal()
    const orphans = (await t.keys('_delta_log/_sidecars/')).filter((k) =>
      k.includes('/00000000000000000008.'),
    )
    expect(orphans).toHaveLength(1)
    // A later checkpoint at 9, then cleanup 40 days on: the checkpoint at 4 is deleted, and
    // so are its sidecars and the orphan; the checkpoint at 9 keeps its own.
    await writeCheckpoint(await t.snapshot(9), { kind: 'v2', partSize: 3, ids: seededIds(3) })
    const result = await cleanupExpiredLogs(await t.snapshot(), { now: DAY0 + 40 * DAY_MS })
    expect(result.checkpointVersion).toBe(9)
    expect(result.deleted).toContain(orphans[0])
    const left = await t.keys('_delta_log/_sidecars/')
    expect(left.length).toBeGreaterThan(0)
    expect(left.every((k) => k.includes('/00000000000000000009.'))).toBe(true)
    expect((await t.snapshot()).numFiles).toBe(11)
  })
})

describe('a crash while cleaning up the log', () => {
  it('at every delete batch, leaves every version from the kept checkpoint readable; a rerun finishes', async () => {
    const prepare = async () => {
      const t = await history()
      await writeCheckpoint(await t.snapshot(3))
      await writeCheckpoint(await t.snapshot(6), { kind: 'multi-part', partSize: 2 })
      return t
    }
    const now = DAY0 + 37 * DAY_MS + 12 * 3_600_000
    const reference = await prepare()
    const expected = await cleanupExpiredLogs(await reference.snapshot(), { now, batchSize: 2 })
    expect(expected.checkpointVersion).toBe(6)
    const batches = Math.ceil(expected.deleted.length / 2)
    expect(batches).toBeGreaterThanOrEqual(4)
    const finalKeys = await reference.keys()

    for (let nth = 1; nth <= batches; nth++) {
      const t = await prepare()
      const oracle = await t.jsonOnly()
      const { faulty, snapshot } = faultyView(t)
      const s = await snapshot()
      faulty.inject({ op: 'deleteMany', nth, action: 'crash' })
      await expect(
        cleanupExpiredLogs(s, { now, batchSize: 2 }),
        `crash at batch ${nth}`,
      ).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
      faulty.heal()
      await expectReadable(t, 6, oracle)
      const again = await cleanupExpiredLogs(await t.snapshot(), { now, batchSize: 2 })
      expect(again.checkpointVersion).toBe(6)
      expect(await t.keys()).toEqual(finalKeys)
      await expectReadable(t, 6, oracle)
    }
  })
})
