/**
 * A stream consumer as an engine runs one: it reads each micro-batch and stores the batch's
 * rows together with its `end` offset (as JSON, like an offset log), so a crash loses either
 * both or neither. A restart opens a new `DeltaSource` from the stored offset, possibly with
 * different trigger limits (Spark allows changing them between runs). Every batch is checked
 * against the limits and for continuity with the stored offset.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import {
  DeltaSource,
  type MicroBatch,
  type SourceOffset,
  type SourceOptions,
} from '../../../src/changes/source.js'
import type { LogStore } from '../../../src/log/log-store.js'
import { type AllowedChanges, type HistoryCommand, historyCommand } from './history.js'

export interface TriggerLimits {
  readonly maxFilesPerTrigger?: number
  readonly maxBytesPerTrigger?: number
}

/** No limit, a file limit, a byte limit (from below one file to several), or both. */
export const triggerLimits: fc.Arbitrary<TriggerLimits> = fc.record(
  {
    maxFilesPerTrigger: fc.integer({ min: 1, max: 4 }),
    maxBytesPerTrigger: fc.integer({ min: 1, max: 4000 }),
  },
  { requiredKeys: [] },
)

/** One step of a streaming scenario: change the table, consume some batches, or restart. */
export type StreamStep =
  | HistoryCommand
  | { readonly kind: 'consume'; readonly batches: number }
  | {
      readonly kind: 'restart'
      readonly limits: TriggerLimits
      readonly crashMidBatch: boolean
    }

/** Steps that change the table as `allowed` says, consume batches, or restart the consumer. */
export function streamStep(allowed: AllowedChanges): fc.Arbitrary<StreamStep> {
  return fc.oneof(
    { weight: 3, arbitrary: historyCommand(allowed) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('consume' as const),
        batches: fc.integer({ min: 1, max: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('restart' as const),
        limits: triggerLimits,
        crashMidBatch: fc.boolean(),
      }),
    },
  )
}

export type ReadRows<Row> = (source: DeltaSource, batch: MicroBatch) => Promise<Row[]>

export class StreamConsumer<Row> {
  /** Rows of every batch committed by the consumer, in order. */
  readonly rows: Row[] = []
  batches = 0
  restarts = 0

  private constructor(
    private readonly log: LogStore,
    private readonly options: SourceOptions,
    private readonly readRows: ReadRows<Row>,
    private source: DeltaSource,
    private limits: TriggerLimits,
    /** The offset the consumer would resume from, as stored. */
    private stored: string,
  ) {}

  static async open<Row>(
    log: LogStore,
    options: SourceOptions,
    limits: TriggerLimits,
    readRows: ReadRows<Row>,
  ): Promise<StreamConsumer<Row>> {
    const source = await DeltaSource.open(log, { ...options, ...limits })
    // Before its first batch, a stream resumes from where it started (`currentOffset`).
    const stored = JSON.stringify(source.currentOffset)
    return new StreamConsumer(log, options, readRows, source, limits, stored)
  }

  /** Runs up to `count` micro-batches; false when the stream had nothing more. */
  async step(count: number): Promise<boolean> {
    for (let i = 0; i < count; i++) {
      const batch = await this.source.nextBatch()
      if (batch === undefined) return false
      this.check(batch)
      const rows = await this.readRows(this.source, batch)
      // Commit rows and offset together.
      this.rows.push(...rows)
      this.stored = JSON.stringify(batch.end)
      this.batches++
    }
    return true
  }

  /** Reads until caught up. */
  async drain(): Promise<void> {
    while (await this.step(10));
  }

  /**
   * Restarts from the stored offset with new limits. With `crashMidBatch`, the consumer first
   * reads a batch and dies before storing it: its rows must come again after the restart.
   */
  async restart(limits: TriggerLimits, crashMidBatch: boolean): Promise<void> {
    if (crashMidBatch) {
      const lost = await this.source.nextBatch()
      if (lost !== undefined) await this.readRows(this.source, lost)
    }
    this.limits = limits
    const offset = JSON.parse(this.stored) as SourceOffset
    this.source = await DeltaSource.open(this.log, { ...this.options, ...limits }, offset)
    this.restarts++
  }

  private check(batch: MicroBatch): void {
    // Each batch starts exactly where the last stored one ended: no gap, no overlap.
    expect(batch.start).toEqual(JSON.parse(this.stored))
    const { maxFilesPerTrigger, maxBytesPerTrigger } = this.limits
    if (maxFilesPerTrigger !== undefined) {
      expect(batch.files.length).toBeLessThanOrEqual(maxFilesPerTrigger)
    }
    // The byte limit is soft: a batch may exceed it only with its first file.
    if (maxBytesPerTrigger !== undefined && batch.files.length > 1) {
      const bytes = batch.files.reduce((sum, f) => sum + f.size, 0)
      expect(bytes).toBeLessThanOrEqual(maxBytesPerTrigger)
    }
  }
}
