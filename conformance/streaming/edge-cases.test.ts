/**
 * Streaming edge cases through the table facade, with real data files: resuming inside the
 * initial snapshot after the table moved on, `latest` with nothing new, aborting a follower,
 * and resuming after the stream's versions were cleaned up.
 */
import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import type { DeltaSource, MicroBatch, SourceOffset } from '../../src/changes/source.js'
import { AbortedError, VersionNotFoundError } from '../../src/errors.js'
import { CountingStore } from '../../src/storage/counting.js'
import { FaultyStore } from '../../src/storage/fault.js'
import { MemoryStore } from '../../src/storage/memory.js'
import { DeltaTable } from '../../src/table/delta-table.js'
import { collect } from '../../src/util/async.js'
import { type Clock, ManualClock, seededIds, systemClock } from '../../src/util/clock.js'
import { collectBatches, idRows, type IdRow, sortedKeys } from './support/rows.js'

const DAY_MS = 86_400_000

const rows = (ids: readonly number[], part = 'a'): arrow.Table =>
  new arrow.Table({
    id: arrow.vectorFromArray(Int32Array.from(ids)),
    part: arrow.vectorFromArray(
      ids.map(() => part),
      new arrow.Utf8(),
    ),
  })

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i)

const ids = (list: readonly IdRow[]): number[] => list.map((r) => r.id).sort((a, b) => a - b)

async function readAll(source: DeltaSource, batches: readonly MicroBatch[]): Promise<IdRow[]> {
  const out: IdRow[] = []
  for (const batch of batches) out.push(...idRows(await collectBatches(source.read(batch))))
  return out
}

/** An empty table over `store`, with a clock the test moves (commit times follow it). */
async function newTable(
  options: { store?: MemoryStore | CountingStore | FaultyStore; clock?: ManualClock } = {},
): Promise<DeltaTable> {
  return DeltaTable.create('memory://edge/', {
    store: options.store ?? new MemoryStore(),
    schema: rows([0]).schema,
    partitionBy: ['part'],
    ids: seededIds(7),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  })
}

describe('resuming inside the initial snapshot', () => {
  it('emits the rest of that snapshot once, even after a compaction replaced its files, then new commits', async () => {
    const table = await newTable()
    // Five files in the snapshot (one row each).
    await table.append(rows(range(0, 5)), { maxRowsPerFile: 1 })
    const source = await table.stream({ maxFilesPerTrigger: 2 })
    const first = await source.nextBatch()
    expect(first!.end).toMatchObject({ version: 1, index: 1, isInitialSnapshot: true })
    const stored = JSON.stringify(first!.end)
    const emitted = await readAll(source, [first!])

    // The stream stops. Meanwhile the snapshot's files are compacted away (dataChange=false,
    // so not new data), a checkpoint is written, and new rows arrive.
    await table.overwrite(await table.toArrow(), { dataChange: false })
    await table.checkpoint()
    await table.append(rows(range(5, 7)))

    const resumed = await table.stream(
      { maxFilesPerTrigger: 2 },
      JSON.parse(stored) as SourceOffset,
    )
    const rest = await collect(resumed.batches())
    // The remaining snapshot files come from the snapshot the offset was taken in (version 1).
    expect(rest[0]!.files.every((f) => f.isInitialSnapshot && f.version === 1)).toBe(true)
    emitted.push(...(await readAll(resumed, rest)))
    expect(ids(emitted)).toEqual(range(0, 7))
  })
})

describe("startingVersion: 'latest'", () => {
  it('with nothing new, yields no batch, reads no commit while idle, and a restart from its offset sees the next commit', async () => {
    const counting = new CountingStore(new MemoryStore())
    const table = await newTable({ store: counting })
    await table.append(rows([1, 2]))
    const source = await table.stream({ startingVersion: 'latest' })
    expect(await collect(source.batches())).toEqual([])
    expect(source.currentOffset).toMatchObject({ version: 2, index: -1 })

    // Following: poll a few times (the clock counts the waits), then stop.
    const clock = new ManualClock()
    const controller = new AbortController()
    let polls = 0
    clock.sleep = (_ms: number, signal?: AbortSignal) => {
      if (++polls === 3) controller.abort()
      return signal?.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve()
    }
    const follower = await DeltaTable.at('memory://edge/', { store: counting, clock })
    const following = await follower.stream({ startingVersion: 'latest' })
    counting.reset()
    const seen: MicroBatch[] = []
    const error = await (async () => {
      for await (const batch of following.batches({ follow: true, signal: controller.signal }))
        seen.push(batch)
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortedError)
    expect(seen).toEqual([])
    // Idle polls only list the log from the next version; they read nothing.
    expect(counting.reset().gets).toEqual([])

    const stored = JSON.stringify(following.currentOffset)
    await table.append(rows([3]))
    const resumed = await table.stream({}, JSON.parse(stored) as SourceOffset)
    expect(ids(await readAll(resumed, await collect(resumed.batches())))).toEqual([3])
  })
})

describe('aborting a follower', () => {
  it('stops a follower waiting between polls with AbortedError, without waiting out the interval', async () => {
    const table = await newTable()
    await table.append(rows([1]))
    // A ten-minute poll interval: only the abort can end the wait before the test times out.
    let idle!: () => void
    const isIdle = new Promise<void>((resolve) => (idle = resolve))
    const clock: Clock = {
      now: () => systemClock.now(),
      sleep: (ms, signal) => {
        idle()
        return systemClock.sleep(ms, signal)
      },
    }
    const follower = await DeltaTable.at('memory://edge/', { store: table.store, clock })
    const source = await follower.stream()
    const controller = new AbortController()
    const seen: MicroBatch[] = []
    const run = (async () => {
      for await (const batch of source.batches({
        follow: true,
        pollIntervalMs: 600_000,
        signal: controller.signal,
      }))
        seen.push(batch)
    })()
    await isIdle
    controller.abort()
    await expect(run).rejects.toBeInstanceOf(AbortedError)
    expect(seen).toHaveLength(1)
  })

  it('stops a follower reading a commit with AbortedError; the same source then continues without a gap', async () => {
    const memory = new MemoryStore()
    const table = await newTable({ store: memory })
    const faulty = new FaultyStore(memory)
    const follower = await DeltaTable.at('memory://edge/', { store: faulty })
    const source = await follower.stream({ startingVersion: 1 })
    await table.append(rows([1]))
    await table.append(rows([2]))
    const controller = new AbortController()
    // Abort just as the follower fetches commit 2 (it has read commit 1).
    faulty.inject({
      op: 'get',
      path: (p) => {
        const hit = p.endsWith('00000000000000000002.json')
        if (hit) controller.abort()
        return hit
      },
      action: { delayMs: 0 },
      times: 1,
    })
    const aborted = collect(source.batches({ follow: true, signal: controller.signal }))
    await expect(aborted).rejects.toBeInstanceOf(AbortedError)
    expect(ids(await readAll(source, await collect(source.batches())))).toEqual([1, 2])
  })
})

describe('resuming after the log was cleaned up', () => {
  it('fails with VersionNotFoundError naming the earliest version, from a change offset or a snapshot offset', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const memory = new MemoryStore({ now: () => clock.now() })
    const table = await newTable({ store: memory, clock })
    const commit = async (id: number): Promise<void> => {
      clock.advance(1000)
      await table.append(rows([id]))
    }
    await commit(1)
    await commit(2)
    // A stream stopped inside its initial snapshot (version 2), and one caught up.
    const inSnapshot = (await (await table.stream({ maxFilesPerTrigger: 1 })).nextBatch())!.end
    const source = await table.stream()
    await collect(source.batches())
    const caughtUp = source.currentOffset
    expect(inSnapshot).toMatchObject({ version: 2, isInitialSnapshot: true })
    expect(caughtUp).toMatchObject({ version: 3, index: -1 })

    for (const id of range(3, 8)) await commit(id)
    await table.checkpoint()
    // Past the default 30-day log retention: everything before the checkpoint (version 7) goes.
    clock.advance(40 * DAY_MS)
    await commit(8)
    await table.cleanupLogs({ dryRun: false })
    expect((await table.snapshot({ version: 7 })).version).toBe(7)

    for (const offset of [caughtUp, inSnapshot]) {
      const error = await table
        .stream({}, JSON.parse(JSON.stringify(offset)) as SourceOffset)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(VersionNotFoundError)
      expect(error).toMatchObject({ code: 'VERSION_NOT_FOUND', earliest: 7 })
    }
    // What the error tells the user to do works: a new stream from the earliest version.
    const restarted = await table.stream({ startingVersion: 7 })
    expect(sortedKeys(await readAll(restarted, await collect(restarted.batches())))).toEqual(
      sortedKeys([7, 8].map((id) => ({ id, part: 'a' }))),
    )
  })
})
