/**
 * The change data feed read as a stream (`readChangeFeed`) under random histories, trigger
 * limits and restarts equals the batch change feed (`readChanges`) over the same versions:
 * the same change rows — inserts, deletes of removed files, the rows of overwritten
 * partitions — with the same `_change_type`, `_commit_version` and `_commit_timestamp`, none
 * twice and none missing, however the versions' change files were split into micro-batches.
 *
 * A stream started from the snapshot first emits the snapshot's rows as inserts of its
 * version; the batch answer for that part is the snapshot's rows.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { changesToTable } from '../../src/changes/cdf.js'
import type { SourceOptions } from '../../src/changes/source.js'
import { type ReadRows, StreamConsumer, streamStep, triggerLimits } from './support/consumer.js'
import { HistoryTable, historyCommand } from './support/history.js'
import {
  changeRows,
  type ChangeRow,
  collectBatches,
  duplicates,
  sortedKeys,
} from './support/rows.js'

const CHANGE_COLUMNS = ['id', 'part', '_change_type', '_commit_version', '_commit_timestamp']
const EVERY_CHANGE = { deletes: true, updates: true }

const step = streamStep(EVERY_CHANGE)

const scenario = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  checkpointInterval: fc.constantFrom(2, 3, 100),
  prefix: fc.array(historyCommand(EVERY_CHANGE), { maxLength: 4 }),
  /** The snapshot, or a starting version as a fraction of the history so far. */
  start: fc.oneof(
    fc.constant('snapshot' as const),
    fc.record({ versionAt: fc.double({ min: 0, max: 1, noNaN: true }) }),
  ),
  limits: triggerLimits,
  steps: fc.array(step, { minLength: 1, maxLength: 12 }),
})

const readChangeRows: ReadRows<ChangeRow> = async (source, batch) =>
  changeRows(await collectBatches(source.read(batch, { columns: CHANGE_COLUMNS })))

describe('change data feed stream: random histories, limits and restarts', () => {
  it('emits exactly the change rows readChanges gives over the same versions', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const history = await HistoryTable.create({
          seed: s.seed,
          changeDataFeed: true,
          checkpointInterval: s.checkpointInterval,
        })
        for (const command of s.prefix) await history.apply(command)

        const openedAt = history.version
        const firstVersion =
          s.start === 'snapshot' ? openedAt + 1 : Math.floor(s.start.versionAt * openedAt)
        const options: SourceOptions = {
          readChangeFeed: true,
          ...(s.start === 'snapshot' ? {} : { startingVersion: firstVersion }),
        }
        // The snapshot part of the answer: its rows, as inserts of its version and time.
        const snapshotRows: ChangeRow[] = []
        if (s.start === 'snapshot') {
          const snapshot = await history.table.snapshot({ version: openedAt })
          for (const [id, part] of history.rows) {
            snapshotRows.push({
              id,
              part,
              changeType: 'insert',
              commitVersion: openedAt,
              commitTimestamp: snapshot.timestamp,
            })
          }
        }
        const consumer = await StreamConsumer.open(
          history.table.log,
          options,
          s.limits,
          readChangeRows,
        )

        for (const st of s.steps) {
          if (st.kind === 'consume') await consumer.step(st.batches)
          else if (st.kind === 'restart') await consumer.restart(st.limits, st.crashMidBatch)
          else await history.apply(st)
        }
        await consumer.drain()

        const batchAnswer =
          firstVersion > history.version
            ? []
            : changeRows(
                (
                  await changesToTable(history.table, {
                    startingVersion: firstVersion,
                    endingVersion: history.version,
                    columns: CHANGE_COLUMNS,
                  })
                ).batches,
              )
        expect(duplicates(consumer.rows)).toEqual([])
        expect(sortedKeys(consumer.rows)).toEqual(sortedKeys([...snapshotRows, ...batchAnswer]))
      }),
      { numRuns: 30 },
    )
  })
})
