/**
 * The change data feed of a table between two versions (or times), as Arrow record batches:
 * the table's columns plus `_change_type` (`insert`, `delete`, `update_preimage`,
 * `update_postimage`), `_commit_version` and `_commit_timestamp` (UTC microseconds: the
 * in-commit timestamp when the commit has one, else the commit file's modification time,
 * monotonized as the tail reports it).
 *
 * `readChanges` plans and validates the whole range first (`cdf-range.ts`: bounds, feed
 * enabled throughout, readable protocols, compatible schemas), so every such error is thrown
 * by the call itself, before any data is read; then iterating reads the change files version by
 * version (`cdf-read.ts`), in version order. Rows within a version come file by file, in no
 * promised order.
 *
 * For a stream that emits change rows per micro-batch, `ChangeReader.readCommit` reads one
 * tailed commit.
 */
import * as arrow from 'apache-arrow'
import type { LogStore } from '../log/log-store.js'
import { type ChangeRange, type ChangeRangeOptions, planChanges } from './cdf-range.js'
import { ChangeReader, type ChangeReadOptions } from './cdf-read.js'

export interface ChangesOptions extends ChangeRangeOptions, ChangeReadOptions {}

/** The change batches of a range, with their schema and range known before the first batch. */
export interface ChangeBatches extends AsyncIterable<arrow.RecordBatch> {
  readonly schema: arrow.Schema
  /** The versions read; undefined when the bounds selected none (the feed is then empty). */
  readonly range: ChangeRange | undefined
}

/**
 * The change data feed of `table` over the versions the options select. Rejects with
 * `InvalidArgumentError` (bad options, unknown columns), `VersionNotFoundError` (a bound
 * outside the log), `ChangeDataFeedError` (feed not enabled, incompatible schema) or
 * `ProtocolUnsupportedError`; read errors (`NotFoundError` for a missing file,
 * `CorruptDataError`) surface while iterating.
 */
export async function readChanges(
  table: { readonly log: LogStore },
  options: ChangesOptions,
): Promise<ChangeBatches> {
  const plan = await planChanges(table.log, options)
  const reader = new ChangeReader(plan.table, options)
  const signal = options.signal
  async function* batches(): AsyncGenerator<arrow.RecordBatch> {
    for (const version of plan.versions) yield* reader.read(version, { signal })
  }
  return { schema: reader.schema, range: plan.range, [Symbol.asyncIterator]: batches }
}

/** The whole change data feed of a range as one Arrow table (empty, with the schema, for none). */
export async function changesToTable(
  table: { readonly log: LogStore },
  options: ChangesOptions,
): Promise<arrow.Table> {
  const changes = await readChanges(table, options)
  const batches: arrow.RecordBatch[] = []
  for await (const batch of changes) batches.push(batch)
  return batches.length === 0 ? new arrow.Table(changes.schema) : new arrow.Table(batches)
}
