import { describe, expect, it } from 'vitest'
import { deleteRows, type DeleteOptions } from './delete.js'
import {
  CDF_ON,
  committed,
  deleteTable,
  type DeleteTable,
  DV_ON,
  expected,
  range,
  rows,
} from './delete.test-util.js'
import { Transaction } from './transaction.js'
import { appendData } from './write-data.js'
import { conflict } from './write.test-util.js'

/** Runs `first` and then a delete from the snapshot both started from. */
async function race(
  t: DeleteTable,
  first: (base: Awaited<ReturnType<DeleteTable['snapshot']>>) => Promise<unknown>,
  predicate: string,
  options: DeleteOptions = {},
) {
  const base = await t.snapshot()
  await first(base)
  const keysBefore = await t.dataKeys()
  const attempt = deleteRows(base, predicate, { clock: t.clock, ids: t.ids(), ...options })
  return { attempt, keysBefore }
}

describe('deleteRows: concurrent commits', () => {
  it.each([
    ['deletion vectors', { ...DV_ON }, { inlineDeletionVectorMaxBytes: 0 }],
    ['rewrite with change data', { ...CDF_ON }, {}],
  ])(
    'a delete of a file another delete already changed conflicts, and its files are deleted (%s)',
    async (_name, properties, options) => {
      const t = await deleteTable({ properties })
      await t.append(rows(range(0, 6), 'mon'))
      const { attempt, keysBefore } = await race(
        t,
        (base) => deleteRows(base, 'id = 1', { clock: t.clock, ids: t.ids(), ...options }),
        'id = 2',
        options,
      )
      const error = await conflict(attempt)
      expect(error.code).toBe('COMMIT_CONFLICT')
      // The winner re-added (DV) or rewrote the file: a data-changing add where this delete
      // read (an unpartitioned table), which Spark checks before the removed files.
      expect(error.kind).toBe('concurrent-append')
      expect(error.winningVersion).toBe(2)
      // The losing attempt wrote a DV file, or a rewritten file and a change data file; all gone.
      expect(await t.dataKeys()).toEqual(keysBefore)
      expect(await t.contents()).toEqual(expected([0, 2, 3, 4, 5], 'mon'))
    },
  )

  it('conflicts with a concurrent compaction of a candidate file it read but did not change', async () => {
    const t = await deleteTable({ partitionBy: ['day'] })
    await t.append(rows([1, 2, 3], 'mon'))
    await t.append(rows([4, 5, 6], 'tue'))
    const { attempt } = await race(
      t,
      async (base) => {
        // A dataChange=false rearrangement of the tue file (what OPTIMIZE commits).
        const tue = [...base.files()].find((f) => f.partitionValues['day'] === 'tue')!
        await Transaction.on(base, { operation: 'OPTIMIZE', clock: t.clock, ids: t.ids() })
          .removeFile(tue, { dataChange: false })
          .addFile({ ...tue, path: `copy-${tue.path}`, dataChange: false })
          .commit()
      },
      // Stats skipping keeps mon and tue as candidates; only mon has a match.
      "id = 2 OR (id = 5 AND v != 'v5')",
    )
    expect((await conflict(attempt)).kind).toBe('concurrent-delete-read')
  })

  it('lets a concurrent blind append through under WriteSerializable, not under Serializable', async () => {
    const t = await deleteTable({ partitionBy: ['day'] })
    await t.append(rows([1, 2], 'mon'))
    const appendMon = (base: Awaited<ReturnType<DeleteTable['snapshot']>>) =>
      appendData(base, rows([9], 'mon'), { clock: t.clock, ids: t.ids() })

    const serializable = await race(t, appendMon, 'id = 1', { isolationLevel: 'Serializable' })
    expect((await conflict(serializable.attempt)).kind).toBe('concurrent-append')

    const relaxed = await race(t, appendMon, 'id = 1')
    committed(await relaxed.attempt)
    expect(await t.contents()).toEqual(['2|mon|v2', '9|mon|v9', '9|mon|v9'])
  })

  it('under Serializable, a concurrent append to a partition its predicate excludes does not conflict', async () => {
    const t = await deleteTable({ partitionBy: ['day'] })
    await t.append(rows([1, 2], 'mon'))
    const { attempt } = await race(
      t,
      (base) => appendData(base, rows([3], 'tue'), { clock: t.clock, ids: t.ids() }),
      "day = 'mon' AND id = 1",
      { isolationLevel: 'Serializable' },
    )
    committed(await attempt)
    expect(await t.contents()).toEqual(['2|mon|v2', '3|tue|v3'])
  })

  it('deletes its DV file when the transaction runs out of attempts', async () => {
    const t = await deleteTable({ properties: DV_ON })
    await t.append(rows(range(0, 4), 'mon'))
    const { attempt, keysBefore } = await race(
      t,
      (base) => appendData(base, rows([8], 'tue'), { clock: t.clock, ids: t.ids() }),
      'id = 3',
      { maxAttempts: 1, inlineDeletionVectorMaxBytes: 0 },
    )
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e as { code: string },
    )
    expect(error?.code).toBe('MAX_COMMIT_ATTEMPTS')
    expect(await t.dataKeys()).toEqual(keysBefore)
  })
})
