/**
 * The streaming source under random histories, trigger limits and restarts: the rows a
 * consumer commits, concatenated over every micro-batch and every restart, are exactly the
 * rows the batch answer says — no row twice, none missing.
 *
 * A history interleaves commits (appends to random partitions, additive metadata changes,
 * dataChange=false compactions, and the deletes / partition overwrites the options let
 * through) with stream steps (run some micro-batches; restart from the stored JSON offset with
 * new limits, sometimes after losing an uncommitted batch). The stream starts from the
 * snapshot, from a version, or from `latest`, after a random prefix of the history.
 *
 * What the stream must emit:
 * - plain (only appends change data): the batch read of the latest version, minus the batch
 *   read of the version before the stream's first (the snapshot start includes everything);
 * - `ignoreDeletes`, `skipChangeCommits`: the starting snapshot plus the rows of the files
 *   appended since (deleted rows stay emitted; rows an overwrite added are skipped).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SourceOptions } from '../../src/changes/source.js'
import { type ReadRows, StreamConsumer, streamStep, triggerLimits } from './support/consumer.js'
import { type AllowedChanges, HistoryTable, historyCommand } from './support/history.js'
import {
  collectBatches,
  duplicates,
  idRows,
  type IdRow,
  keyOf,
  sortedKeys,
} from './support/rows.js'

type Mode = 'plain' | 'ignoreDeletes' | 'skipChangeCommits'

const ALLOWED: Record<Mode, AllowedChanges> = {
  plain: { deletes: false, updates: false },
  ignoreDeletes: { deletes: true, updates: false },
  skipChangeCommits: { deletes: true, updates: true },
}

const OPTIONS: Record<Mode, SourceOptions> = {
  plain: {},
  ignoreDeletes: { ignoreDeletes: true },
  skipChangeCommits: { skipChangeCommits: true },
}

/** Where the stream starts: the snapshot, `latest`, or a version (as a fraction of the history). */
type Start = 'snapshot' | 'latest' | { readonly versionAt: number }

const scenario = fc
  .constantFrom<Mode>('plain', 'ignoreDeletes', 'skipChangeCommits')
  .chain((mode) =>
    fc.record({
      mode: fc.constant(mode),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      // Small intervals make snapshots (the initial one, and resumed ones) come from checkpoints.
      checkpointInterval: fc.constantFrom(2, 3, 100),
      prefix: fc.array(historyCommand(ALLOWED[mode]), { maxLength: 4 }),
      start: fc.oneof(
        fc.constant<Start>('snapshot'),
        fc.constant<Start>('latest'),
        fc.record({ versionAt: fc.double({ min: 0, max: 1, noNaN: true }) }),
      ),
      limits: triggerLimits,
      steps: fc.array(streamStep(ALLOWED[mode]), { minLength: 1, maxLength: 12 }),
    }),
  )

const readIds: ReadRows<IdRow> = async (source, batch) =>
  idRows(await collectBatches(source.read(batch, { columns: ['id', 'part'] })))

/** The rows a batch read of `version` returns (none before version 0). */
async function rowsAt(history: HistoryTable, version: number): Promise<IdRow[]> {
  if (version < 0) return []
  const table = await history.table.toArrow({ version, columns: ['id', 'part'] })
  return idRows(table.batches)
}

describe('streaming source: random histories, limits and restarts', () => {
  it('emits every row of the batch answer exactly once, across restarts from stored offsets', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const history = await HistoryTable.create({
          seed: s.seed,
          changeDataFeed: false,
          checkpointInterval: s.checkpointInterval,
        })
        for (const command of s.prefix) await history.apply(command)

        const options: SourceOptions =
          s.start === 'snapshot'
            ? OPTIONS[s.mode]
            : s.start === 'latest'
              ? { ...OPTIONS[s.mode], startingVersion: 'latest' }
              : {
                  ...OPTIONS[s.mode],
                  startingVersion: Math.floor(s.start.versionAt * history.version),
                }
        // The first version whose commits the stream reads (after its snapshot, if any).
        const firstVersion =
          typeof options.startingVersion === 'number'
            ? options.startingVersion
            : history.version + 1
        const snapshotRows: IdRow[] =
          s.start === 'snapshot' ? [...history.rows].map(([id, part]) => ({ id, part })) : []
        const consumer = await StreamConsumer.open(history.table.log, options, s.limits, readIds)

        for (const st of s.steps) {
          if (st.kind === 'consume') await consumer.step(st.batches)
          else if (st.kind === 'restart') await consumer.restart(st.limits, st.crashMidBatch)
          else await history.apply(st)
        }
        await consumer.drain()

        expect(duplicates(consumer.rows)).toEqual([])
        const model = [...snapshotRows, ...history.appendedFrom(firstVersion)]
        expect(sortedKeys(consumer.rows)).toEqual(sortedKeys(model))
        if (s.mode === 'plain') {
          // Only appends changed data: the batch read of the table says the same.
          const before = new Set(
            (await rowsAt(history, s.start === 'snapshot' ? -1 : firstVersion - 1)).map(keyOf),
          )
          const added = (await rowsAt(history, history.version)).filter(
            (r) => !before.has(keyOf(r)),
          )
          expect(sortedKeys(consumer.rows)).toEqual(sortedKeys(added))
        }
      }),
      { numRuns: 40 },
    )
  })
})
