/**
 * A writer and a follower on every backend: the writer appends micro-batches of device
 * events {device, status, ts} through the exactly-once sink — in two runs, the second
 * replaying the last two batches of the first, as a restarted job would — then a marker
 * batch; the follower streams the table as it grows (`batches({ follow: true })`) and counts
 * events per one-minute tumbling window of event time and status until it sees the marker.
 * Its counts must equal a batch recomputation over the final table, and the counts of the
 * events the writer generated (so nothing was lost or written twice on the way).
 *
 * On local disk, S3 (Ceph radosgw) and Azure (Azurite), writer and follower are separate node
 * processes running the built package (run `npm run build` first), each with its own client;
 * the memory store lives in one process, so there they are two concurrent async tasks. Both
 * run the same workload code (processes/event-stream.mjs).
 */
import { existsSync } from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../../src/storage/object-store.js'
import { DeltaTable } from '../../src/table/delta-table.js'
import { childEnv, runNodeScript } from '../support/child-processes.js'
import { allBackends, type Backend } from '../support/backends.js'
import {
  countBatches,
  countEvents,
  eventSchema,
  eventsOf,
  followEvents,
  type FollowEventsResult,
  sortKeys,
  type WindowCounts,
  writeEvents,
  type WriteEventsResult,
} from './processes/event-stream.mjs'

const PROCESSES = path.resolve(import.meta.dirname, 'processes')
const BUILT = path.resolve(import.meta.dirname, '../../dist/index.js')
const SEED = 20_240_601
/** Micro-batches of events; the first writer run writes the first FIRST_RUN of them. */
const BATCHES = 8
const FIRST_RUN = 4
const POLL_MS = 50
const MAX_FILES_PER_TRIGGER = 3
/** Safety nets only: a healthy run takes a few seconds. */
const FOLLOWER_TIMEOUT_MS = 45_000
const PROCESS_TIMEOUT_MS = 50_000

interface Outcome {
  readonly first: WriteEventsResult
  readonly second: WriteEventsResult
  readonly follower: FollowEventsResult
}

/** Runs a script of `processes/`: its stdout lines (JSON each), `onLine` as they arrive. */
function runNode(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: unknown) => void,
): Promise<unknown[]> {
  return runNodeScript(path.join(PROCESSES, script), args, {
    env,
    timeoutMs: PROCESS_TIMEOUT_MS,
    ...(onLine === undefined ? {} : { onLine }),
  }).done
}

async function inProcesses(store: ObjectStore): Promise<Outcome> {
  const env = childEnv(store)
  let ready!: () => void
  const isReady = new Promise<void>((resolve) => (ready = resolve))
  const follower = runNode(
    'follower.mjs',
    [String(POLL_MS), String(MAX_FILES_PER_TRIGGER), String(FOLLOWER_TIMEOUT_MS)],
    env,
    (line) => {
      if (typeof line === 'object' && line !== null && 'ready' in line) ready()
    },
  )
  // Start writing once the follower's stream is open, so it follows the table as it grows;
  // a follower failure before that rejects here instead of waiting for "ready".
  await Promise.race([isReady, follower])
  const writer = async (from: number, to: number, marker: boolean) => {
    const [result] = await runNode(
      'writer.mjs',
      ['events-app', String(SEED), String(from), String(to), marker ? '1' : '0'],
      env,
    )
    return result as WriteEventsResult
  }
  const first = await writer(0, FIRST_RUN, false)
  const second = await writer(FIRST_RUN - 2, BATCHES, true)
  const lines = await follower
  return { first, second, follower: lines.at(-1) as FollowEventsResult }
}

/** The same workload as two async tasks over one in-memory store (separate table handles). */
async function inOneProcess(store: ObjectStore): Promise<Outcome> {
  let ready!: () => void
  const isReady = new Promise<void>((resolve) => (ready = resolve))
  const follower = followEvents(await DeltaTable.open(store.url, { store }), {
    pollIntervalMs: POLL_MS,
    maxFilesPerTrigger: MAX_FILES_PER_TRIGGER,
    signal: AbortSignal.timeout(FOLLOWER_TIMEOUT_MS),
    onReady: ready,
  })
  await Promise.race([isReady, follower])
  const writer = async (from: number, to: number, marker: boolean) =>
    writeEvents(await DeltaTable.open(store.url, { store }), {
      appId: 'events-app',
      seed: SEED,
      from,
      to,
      marker,
    })
  const first = await writer(0, FIRST_RUN, false)
  const second = await writer(FIRST_RUN - 2, BATCHES, true)
  return { first, second, follower: await follower }
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i)

describe.each(allBackends())('writer and follower: $name', (backend: Backend) => {
  afterAll(() => backend.cleanup())

  describe.skipIf(backend.skip !== undefined)(`against ${backend.skip ?? 'its store'}`, () => {
    it('the follower counts per window and status equal a batch recomputation over the final table', async () => {
      if (backend.name !== 'memory' && !existsSync(BUILT)) {
        throw new Error('The processes run the built package: run `npm run build` first')
      }
      const store = await backend.create()
      const table = await DeltaTable.create(store.url, {
        store,
        schema: eventSchema,
        partitionBy: ['status'],
      })

      const outcome =
        backend.name === 'memory' ? await inOneProcess(store) : await inProcesses(store)

      // The restarted writer skipped the two batches it replayed: each was written once.
      expect(outcome.first).toEqual({ committed: range(0, FIRST_RUN), skipped: [] })
      expect(outcome.second).toEqual({
        committed: range(FIRST_RUN, BATCHES + 1),
        skipped: range(FIRST_RUN - 2, FIRST_RUN),
      })

      const generated: WindowCounts = {}
      for (const batchId of range(0, BATCHES)) countEvents(generated, eventsOf(SEED, batchId))
      const recomputed: WindowCounts = {}
      const final = countBatches(recomputed, (await table.toArrow()).batches)

      expect(outcome.follower.markers).toBe(1)
      expect(outcome.follower.events).toBe(final.events)
      expect(outcome.follower.counts).toEqual(sortKeys(recomputed))
      expect(sortKeys(recomputed)).toEqual(sortKeys(generated))
    })
  })
})
