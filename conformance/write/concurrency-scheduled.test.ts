/**
 * Eight concurrent writers on every backend, their store calls interleaved by fast-check's
 * scheduler (`support/concurrent-writers.ts` describes the writers). Afterwards:
 * - versions are contiguous from 0, no transaction is committed twice, no file is added twice;
 * - every acknowledged commit is in the log at its version, with its txnId and exactly its adds;
 * - every CommitConflictError is justified: its rule holds against the winning commit it names,
 *   and blind appends never get one;
 * - every app transaction batch landed exactly once, and a writer that retried a batch after an
 *   error was told `skipped` exactly when the batch had landed;
 * - the table holds exactly the rows of a replay of the log's commits in version order, and
 *   verifies clean; only writes with an unknown outcome leave unreferenced files.
 *
 * On the memory store the interleavings are deterministic (a failure prints a replayable seed);
 * on real servers the scheduler orders the requests and the servers' timing adds to it.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/storage/memory.js'
import type { ObjectStore } from '../../src/storage/object-store.js'
import { ManualClock } from '../../src/util/clock.js'
import { allBackends } from '../support/backends.js'
import {
  WRITERS,
  auditRun,
  createSharedTable,
  describeAttempts,
  runWriters,
  writerPlans,
  type WriterPlans,
} from './support/concurrent-writers.js'
import { ScheduledStore } from './support/scheduled-store.js'

async function scheduledRun(
  s: fc.Scheduler,
  inner: ObjectStore,
  clock: ManualClock,
  plans: WriterPlans,
  opsPerWriter: number,
) {
  const stores = Array.from({ length: WRITERS }, (_, w) => new ScheduledStore(inner, s, `w${w}`))
  const ctx = { inner, clock, storeFor: (w: number) => stores[w]! }
  await createSharedTable(ctx, plans)
  const { ledger, done } = runWriters(ctx, plans, opsPerWriter)
  await s.waitFor(done)
  return auditRun(ctx, ledger, opsPerWriter)
}

describe('eight scheduled writers on the memory store', () => {
  it('many short interleavings: no lost or duplicated commit, every conflict justified, exactly-once app batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), writerPlans(4), async (s, plans) => {
        const clock = new ManualClock(Date.UTC(2024, 0, 1))
        const inner = new MemoryStore({ now: () => clock.now() })
        await scheduledRun(s, inner, clock, plans, 4)
      }),
      { numRuns: 12 },
    )
  }, 120_000)
})

describe.each(allBackends())('eight scheduled writers, 25 operations each: $name', (backend) => {
  afterAll(() => backend.cleanup())

  describe.skipIf(backend.skip !== undefined)(`against ${backend.skip ?? 'its server'}`, () => {
    it('200 interleaved operations: contiguous versions, acknowledged adds exactly once, justified conflicts, exactly-once app batches', async () => {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), writerPlans(25), async (s, plans) => {
          const clock = new ManualClock(Date.now())
          const result = await scheduledRun(s, await backend.create(), clock, plans, 25)
          expect(result.acknowledged).toBeGreaterThan(0)
          console.log(
            `[${backend.name}] scheduled writers: attempts per commit ${describeAttempts(result.attempts)}; ` +
              `${result.conflicts} justified conflicts, ${result.gaveUp} gave up, ${result.lostResponses} lost responses`,
          )
        }),
        { numRuns: 1 },
      )
    }, 180_000)
  })
})
