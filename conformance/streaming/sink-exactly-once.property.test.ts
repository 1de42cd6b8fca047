/**
 * Exactly-once end to end: a producer writes micro-batches of events through the sink while
 * its store crashes (every later call fails, as if the process died) or loses a response
 * after the call took effect; it restarts each time and replays from a batch at or before
 * the one it was writing (an upstream that replays). Meanwhile a consumer streams the table,
 * restarting from its stored offsets. At the end the consumer has seen every produced event
 * exactly once, and so does a batch read of the table.
 *
 * The unit version (src/changes/sink.test.ts) checks the table only; this one checks what a
 * stream reading the table during the crashes sees, through the table facade (post-commit
 * checkpoints included, so crashes also land in checkpoint writes).
 */
import * as arrow from 'apache-arrow'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DeltaSink } from '../../src/changes/sink.js'
import { LogStore } from '../../src/log/log-store.js'
import { FaultyStore, isInjectedFault } from '../../src/storage/fault.js'
import { MemoryStore } from '../../src/storage/memory.js'
import { DeltaTable } from '../../src/table/delta-table.js'
import { seededIds } from '../../src/util/clock.js'
import { type ReadRows, StreamConsumer, triggerLimits } from './support/consumer.js'
import { collectBatches, duplicates, mapRows, numberOf, sortedKeys } from './support/rows.js'

interface Event {
  readonly batch: number
  readonly seq: number
}

const eventsOf = (batch: number, count: number): arrow.Table =>
  arrow.tableFromArrays({
    batch: Int32Array.from({ length: count }, () => batch),
    seq: Int32Array.from({ length: count }, (_, i) => i),
  })

const eventRows = (batches: Iterable<arrow.RecordBatch>): Event[] =>
  mapRows(batches, (cell) => ({ batch: numberOf(cell('batch')), seq: numberOf(cell('seq')) }))

const readEvents: ReadRows<Event> = async (source, batch) =>
  eventRows(await collectBatches(source.read(batch)))

interface Crash {
  /** The store call of the producer's session that fails (1-based). */
  readonly nth: number
  readonly action: 'crash' | 'ambiguous'
  /** How many batches before the failed one the restarted producer replays from. */
  readonly lag: number
}

/** A producer process: a sink over a store that fails by rule; restarts replay. */
class Producer {
  next = 0
  restarts = 0
  private readonly faulty: FaultyStore
  private readonly pending: Crash[]
  private current: Crash | undefined
  private sink!: DeltaSink

  constructor(
    memory: MemoryStore,
    crashes: readonly Crash[],
    private readonly sizes: readonly number[],
  ) {
    this.faulty = new FaultyStore(memory)
    this.pending = [...crashes]
  }

  get done(): boolean {
    return this.next >= this.sizes.length
  }

  async start(): Promise<void> {
    this.faulty.heal()
    this.current = this.pending.shift()
    if (this.current !== undefined) {
      this.faulty.inject({ nth: this.current.nth, action: this.current.action })
    }
    const table = await DeltaTable.at('memory://events/', {
      store: this.faulty,
      ids: seededIds(1000 + this.restarts),
    })
    this.sink = table.sink('producer')
  }

  /** Writes the next batch; on an injected fault, "restarts the process" and rewinds. */
  async produce(): Promise<void> {
    if (this.done) return
    try {
      await this.sink.write(this.next, eventsOf(this.next, this.sizes[this.next]!))
      this.next++
    } catch (error) {
      if (!isInjectedFault(error)) throw error
      this.next = Math.max(0, this.next - (this.current?.lag ?? 0))
      this.restarts++
      await this.start()
    }
  }
}

const scenario = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 7 }),
  crashes: fc.array(
    fc.record({
      nth: fc.integer({ min: 1, max: 40 }),
      action: fc.constantFrom('crash' as const, 'ambiguous' as const),
      lag: fc.integer({ min: 0, max: 2 }),
    }),
    { maxLength: 5 },
  ),
  limits: triggerLimits,
  schedule: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'produce' as const }) },
      { weight: 2, arbitrary: fc.constant({ kind: 'consume' as const }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('restart' as const), limits: triggerLimits }),
      },
    ),
    { minLength: 4, maxLength: 30 },
  ),
})

describe('sink to stream, end to end under producer crashes', () => {
  it('a streaming consumer sees every produced event exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const memory = new MemoryStore()
        await DeltaTable.create('memory://events/', {
          store: memory,
          schema: eventsOf(0, 1).schema,
          // Checkpoints every few commits, so crashes also hit post-commit work.
          properties: { 'delta.checkpointInterval': '3' },
          ids: seededIds(s.seed),
        })
        const producer = new Producer(memory, s.crashes, s.sizes)
        await producer.start()
        const log = new LogStore(memory)
        const consumer = await StreamConsumer.open(log, {}, s.limits, readEvents)

        for (const step of s.schedule) {
          if (step.kind === 'produce') await producer.produce()
          else if (step.kind === 'consume') await consumer.step(1)
          else await consumer.restart(step.limits, false)
        }
        while (!producer.done) await producer.produce()
        await consumer.drain()

        const produced = s.sizes.flatMap((count, batch) =>
          Array.from({ length: count }, (_, seq) => ({ batch, seq })),
        )
        expect(duplicates(consumer.rows)).toEqual([])
        expect(sortedKeys(consumer.rows)).toEqual(sortedKeys(produced))
        const table = await DeltaTable.at('memory://events/', { store: memory })
        expect(sortedKeys(eventRows((await table.toArrow()).batches))).toEqual(sortedKeys(produced))
      }),
      { numRuns: 40 },
    )
  })
})
