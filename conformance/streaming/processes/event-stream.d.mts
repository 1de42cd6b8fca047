// Types of event-stream.mjs (plain JavaScript, so the child processes can run it on the
// built package without a TypeScript loader).
import type * as arrow from 'apache-arrow'
import type { SourceOffset } from '../../../src/changes/source.js'
import type { DeltaTable } from '../../../src/table/delta-table.js'

export declare const WINDOW_MS: number
export declare const STATUSES: readonly string[]
export declare const MARKER_DEVICE: string
export declare const eventSchema: arrow.Schema

/** Events as columns. `ts` in epoch milliseconds. */
export interface Events {
  readonly device: string[]
  readonly status: string[]
  readonly ts: number[]
}

/** Event counts keyed `<window start ms>|<status>`. */
export type WindowCounts = Record<string, number>

export declare function eventsOf(seed: number, batchId: number): Events
export declare function countEvents(counts: WindowCounts, events: Events): WindowCounts
export declare function countBatches(
  counts: WindowCounts,
  batches: Iterable<arrow.RecordBatch>,
): { readonly markers: number; readonly events: number }
export declare function sortKeys(counts: WindowCounts): WindowCounts

export interface WriteEventsOptions {
  readonly appId: string
  readonly seed: number
  readonly from: number
  readonly to: number
  readonly marker: boolean
}

export interface WriteEventsResult {
  readonly committed: number[]
  readonly skipped: number[]
}

export declare function writeEvents(
  table: Pick<DeltaTable, 'sink'>,
  options: WriteEventsOptions,
): Promise<WriteEventsResult>

export interface FollowEventsOptions {
  readonly pollIntervalMs: number
  readonly maxFilesPerTrigger: number
  readonly signal: AbortSignal
  readonly onReady?: () => void
}

export interface FollowEventsResult {
  readonly counts: WindowCounts
  readonly markers: number
  readonly events: number
  readonly batches: number
  readonly end: SourceOffset
}

export declare function followEvents(
  table: Pick<DeltaTable, 'stream'>,
  options: FollowEventsOptions,
): Promise<FollowEventsResult>
