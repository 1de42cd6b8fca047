/**
 * Test helpers for DELETE: a table in a counting memory store with a fixed clock and seeded ids,
 * rows as `id|day|v` strings, and the actions of the latest commit.
 */
import * as arrow from 'apache-arrow'
import { LogStore } from '../log/log-store.js'
import type { Action, Add, AddCdcFile, CommitInfo, Remove } from '../protocol/actions.js'
import type { ColumnMappingMode } from '../protocol/column-mapping.js'
import type { Expression } from '../scan/expression.js'
import { scanToTable } from '../scan/read-scan.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { CountingStore } from '../storage/counting.js'
import { MemoryStore } from '../storage/memory.js'
import { ManualClock, seededIds } from '../util/clock.js'
import { createTable } from './create-table.js'
import { type DeleteOptions, type DeleteResult, deleteRows } from './delete.js'
import { appendData, type WriteOptions } from './write-data.js'
import { batchOf, rowsOfTable } from './write.test-util.js'

export const I64 = new arrow.Int64()
export const UTF8 = new arrow.Utf8()

/** A batch of `(id, day, v)` rows. */
export function rows(
  ids: readonly number[],
  day: string | null | readonly (string | null)[],
  v: readonly (string | null)[] = ids.map((id) => `v${id}`),
): arrow.RecordBatch {
  return batchOf([
    { name: 'id', type: I64, values: ids.map(BigInt) },
    { name: 'day', type: UTF8, values: Array.isArray(day) ? day : ids.map(() => day) },
    { name: 'v', type: UTF8, values: v },
  ])
}

export interface TableSetup {
  readonly partitionBy?: readonly string[]
  readonly properties?: Readonly<Record<string, string>>
  readonly columnMapping?: ColumnMappingMode
}

/** Deletion vectors on (the feature comes with the property). */
export const DV_ON = { 'delta.enableDeletionVectors': 'true' } as const
/** The change data feed on. */
export const CDF_ON = { 'delta.enableChangeDataFeed': 'true' } as const

/** A `(id long, day string, v string)` table, partitioned as asked. */
export async function deleteTable(setup: TableSetup = {}) {
  const memory = new MemoryStore()
  const store = new CountingStore(memory)
  const log = new LogStore(store)
  const clock = new ManualClock(1_700_000_000_000)
  let seed = 1
  const ids = () => seededIds(seed++)
  await createTable(log, {
    schema: new arrow.Schema([
      new arrow.Field('id', I64, true),
      new arrow.Field('day', UTF8, true),
      new arrow.Field('v', UTF8, true),
    ]),
    ...(setup.partitionBy === undefined ? {} : { partitionBy: setup.partitionBy }),
    ...(setup.properties === undefined ? {} : { properties: setup.properties }),
    ...(setup.columnMapping === undefined ? {} : { columnMapping: setup.columnMapping }),
    clock,
    ids: ids(),
  })
  const snapshot = (): Promise<Snapshot> => loadSnapshot(log, { clock })
  return {
    memory,
    store,
    log,
    clock,
    ids,
    snapshot,
    append: async (data: arrow.RecordBatch, options: WriteOptions = {}) =>
      appendData(await snapshot(), data, { clock, ids: ids(), ...options }),
    delete: async (
      predicate: Expression | string | undefined,
      options: DeleteOptions = {},
    ): Promise<DeleteResult> =>
      deleteRows(await snapshot(), predicate, { clock, ids: ids(), ...options }),
    /** The table's rows as `id|day|v`, sorted. */
    contents: async (): Promise<string[]> =>
      rowsOfTable(await scanToTable(await snapshot()))
        .map((r) => `${String(r['id'])}|${String(r['day'])}|${String(r['v'])}`)
        .sort(),
    /** Keys outside `_delta_log/`, sorted. */
    dataKeys: async (): Promise<string[]> => {
      const out: string[] = []
      for await (const meta of memory.list('')) {
        if (!meta.path.startsWith('_delta_log/')) out.push(meta.path)
      }
      return out.sort()
    },
    /** The actions of the latest commit, by kind. */
    lastCommit: async () => commitParts(await log.readCommit((await snapshot()).version)),
  }
}

export type DeleteTable = Awaited<ReturnType<typeof deleteTable>>

/** The actions of a commit, by kind. */
export function commitParts(actions: readonly Action[]) {
  const commitInfo = (actions.find((a) => 'commitInfo' in a) as { commitInfo: CommitInfo })
    .commitInfo
  const adds: Add[] = []
  const removes: Remove[] = []
  const cdcs: AddCdcFile[] = []
  for (const a of actions) {
    if ('add' in a) adds.push(a.add)
    else if ('remove' in a) removes.push(a.remove)
    else if ('cdc' in a) cdcs.push(a.cdc)
  }
  return { commitInfo, adds, removes, cdcs }
}

/** Ids `from..to-1`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

/** The expected `id|day|v` strings of rows with default `v`. */
export function expected(ids: readonly number[], day: string | null): string[] {
  return ids.map((id) => `${id}|${String(day)}|v${id}`)
}

/** The committed result (fails the test otherwise). */
export function committed(result: DeleteResult): Extract<DeleteResult, { status: 'committed' }> {
  if (result.status !== 'committed') throw new Error(`expected a commit, got ${result.status}`)
  return result
}
