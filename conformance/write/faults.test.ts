/**
 * A writer that dies between its data files and its commit, on every backend. The table starts
 * at version 1 (two commits of plain appends, so it has no garbage and no tombstones); then an
 * append, an overwrite of one partition or a row-level delete (rewriting files, with and
 * without the change data feed; with deletion vectors stored in files, with and without it)
 * runs on a `FaultyStore` that:
 * - crashes at the commit put, after every data, deletion-vector and `_change_data` file was
 *   written (and, on memory and local disk where it is cheap, at every earlier put too);
 * - makes the commit put ambiguous: it lands, but the writer's request fails. The writer reads
 *   the version back, finds its own txnId and reports the commit, once;
 * - makes the commit put ambiguous and then fails reading it back: the commit landed but the
 *   writer cannot know, reports an error and must not delete its files.
 *
 * After each, a restarted process (a fresh handle on the store, no faults) finds:
 * - the log exactly as before plus, when the commit landed, that one commit: nothing committed
 *   is lost, nothing is committed twice;
 * - the table at the previous version with exactly the previous rows, or at the next one with
 *   exactly the rows of the operation;
 * - `verify()` reports no problem;
 * - the files no version references are exactly the crashed writer's leftovers (none when the
 *   commit landed, apart from what it removed), and a full vacuum with retention 0 (forced)
 *   deletes exactly those and nothing else: the live files remain and read the same rows.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { dvFileLocation } from '../../src/protocol/deletion-vector.js'
import { decodeLogPath } from '../../src/protocol/file-paths.js'
import type { Snapshot } from '../../src/snapshot/snapshot.js'
import { FaultyStore, isInjectedFault } from '../../src/storage/fault.js'
import type { ObjectStore } from '../../src/storage/object-store.js'
import { DeltaTable } from '../../src/table/delta-table.js'
import { systemClock, type Clock } from '../../src/util/clock.js'
import { allBackends, type Backend } from '../support/backends.js'
import { auditLog, dataFiles, readCommits, type LoggedCommit } from './support/log-audit.js'
import { type Row, ROW_SCHEMA, rowsTable, snapshotRows, sortRows } from './support/rows.js'

const COMMIT_FILE = /^_delta_log\/\d{20}\.json$/
/** The commit the faulty writer makes (its snapshot reads versions 0 and 1 first). */
const COMMIT_2 = /^_delta_log\/0{19}2\.json$/

/** Rows 0..19 in partitions a (even ids) and b (odd), written by two commits. */
function initialRows(from: number, to: number): Row[] {
  return Array.from({ length: to - from }, (_, i) => ({
    id: from + i,
    part: (from + i) % 2 === 0 ? 'a' : 'b',
    value: `v${from + i}`,
  }))
}
const PREVIOUS = sortRows(initialRows(0, 20))

interface Scenario {
  readonly name: string
  readonly properties: Readonly<Record<string, string>>
  /** The operation, on the writer's handle (whose store fails as the case says). */
  readonly run: (table: DeltaTable) => Promise<{ readonly version: number }>
  /** The rows after the operation commits. */
  readonly expected: () => Row[]
  /** Keys every complete run writes at least one of (what a crash must leave behind). */
  readonly writes: readonly RegExp[]
}

const PLAIN = {}
const CDF = { 'delta.enableChangeDataFeed': 'true' }
const DV = { 'delta.enableDeletionVectors': 'true' }
const DV_CDF = { ...DV, ...CDF }
const DATA_FILE = /^part=[^/]+\/[^/]+\.parquet$/
const CHANGE_FILE = /^_change_data\/.+\.parquet$/
const DV_FILE = /^deletion_vector_[0-9a-f-]+\.bin$/

const APPENDED: Row[] = [
  { id: 100, part: 'a', value: 'new' },
  { id: 101, part: 'c', value: 'new' },
]
const REPLACEMENT: Row[] = [{ id: 200, part: 'a', value: 'replaced' }]
/** Deletes ids 3..5: part of one file in each partition. */
const DELETE_PREDICATE = 'id >= 3 AND id < 6'

function committed<T extends { status: string }>(result: T): T & { commit: { version: number } } {
  if (!('commit' in result)) throw new Error(`expected a commit, got status ${result.status}`)
  return result as T & { commit: { version: number } }
}

const append = (properties: Readonly<Record<string, string>>, name: string): Scenario => ({
  name,
  properties,
  run: async (table) => committed(await table.append(rowsTable(APPENDED))).commit,
  expected: () => sortRows([...PREVIOUS, ...APPENDED]),
  writes: [DATA_FILE],
})

const overwrite = (properties: Readonly<Record<string, string>>, name: string): Scenario => ({
  name,
  properties,
  run: async (table) =>
    committed(await table.overwrite(rowsTable(REPLACEMENT), { replaceWhere: "part = 'a'" })).commit,
  expected: () => sortRows([...PREVIOUS.filter((r) => r.part !== 'a'), ...REPLACEMENT]),
  writes: [DATA_FILE],
})

const deleteRows = (
  properties: Readonly<Record<string, string>>,
  name: string,
  writes: readonly RegExp[],
): Scenario => ({
  name,
  properties,
  // Deletion vectors go to a file, never inline in the log: there must be a file to leave.
  run: async (table) =>
    committed(await table.delete(DELETE_PREDICATE, { inlineDeletionVectorMaxBytes: 0 })).commit,
  expected: () => PREVIOUS.filter((r) => r.id < 3 || r.id >= 6),
  writes,
})

const SCENARIOS: readonly Scenario[] = [
  append(PLAIN, 'append'),
  overwrite(PLAIN, 'overwrite of one partition'),
  overwrite(DV_CDF, 'overwrite of one partition, deletion vectors and CDF on'),
  deleteRows(PLAIN, 'delete rewriting files', [DATA_FILE]),
  deleteRows(CDF, 'delete rewriting files, with CDF', [DATA_FILE, CHANGE_FILE]),
  deleteRows(DV, 'delete with deletion vectors', [DV_FILE]),
  deleteRows(DV_CDF, 'delete with deletion vectors and CDF', [DV_FILE]),
]

/**
 * Retention 0 deletes unreferenced files older than "now". A clock a minute ahead makes the
 * files just written old enough whatever the store's timestamp granularity (S3 and Azure keep
 * seconds).
 */
const AHEAD: Clock = {
  now: () => Date.now() + 60_000,
  sleep: (ms, signal) => systemClock.sleep(ms, signal),
}

interface Before {
  readonly commits: readonly LoggedCommit[]
  readonly files: readonly string[]
}

/** A fresh store holding the table at version 1, and what it holds. */
async function previousTable(backend: Backend, scenario: Scenario) {
  const store = await backend.create()
  const table = await DeltaTable.create(store.url, {
    store,
    schema: ROW_SCHEMA,
    partitionBy: ['part'],
    properties: scenario.properties,
    data: rowsTable(initialRows(0, 10)),
  })
  await table.append(rowsTable(initialRows(10, 20)))
  const snapshot = await table.snapshot()
  expect(snapshot.version).toBe(1)
  expect(await snapshotRows(snapshot)).toEqual(PREVIOUS)
  const before: Before = { commits: await readCommits(store), files: await dataFiles(store) }
  return { store, before }
}

/** The store keys of the live files of a snapshot and of their deletion vectors. */
function liveKeys(snapshot: Snapshot): Set<string> {
  const keys = new Set<string>()
  const add = (target: ReturnType<typeof decodeLogPath>): void => {
    if (target.kind === 'relative') keys.add(target.key)
  }
  for (const file of snapshot.files()) {
    add(decodeLogPath(file.path))
    const dv = file.deletionVector
    if (dv !== undefined && dv.storageType !== 'i') add(dvFileLocation(dv))
  }
  return keys
}

type Outcome = 'lost' | 'landed'

/**
 * Everything a restarted process must find after the fault: the log, the rows, a clean verify,
 * garbage that is exactly `leftovers` (or, when the commit landed, only files it removed), and
 * a vacuum that deletes exactly the garbage.
 */
async function expectRecovered(
  store: ObjectStore,
  scenario: Scenario,
  before: Before,
  outcome: Outcome,
): Promise<string[]> {
  const table = await DeltaTable.open(store.url, { store, clock: AHEAD })
  const commits = await readCommits(store)
  auditLog(commits)
  expect(commits.slice(0, before.commits.length)).toEqual(before.commits)
  expect(commits).toHaveLength(before.commits.length + (outcome === 'landed' ? 1 : 0))

  const snapshot = await table.snapshot()
  expect(snapshot.version).toBe(commits.length - 1)
  const rows = outcome === 'landed' ? scenario.expected() : PREVIOUS
  expect(await snapshotRows(snapshot)).toEqual(rows)
  expect((await table.verify()).problems).toEqual([])

  const files = await dataFiles(store)
  const leftovers = files.filter((k) => !before.files.includes(k))
  const live = liveKeys(snapshot)
  const garbage = files.filter((k) => !live.has(k))
  if (outcome === 'lost') {
    expect(garbage).toEqual(leftovers)
  } else {
    // Every file the commit wrote is live, except its change data files (they serve the change
    // feed of its version only, so retention 0 makes them garbage at once); the rest of the
    // garbage is what it removed.
    const changeFiles = commits
      .at(-1)!
      .actions.flatMap((a) => ('cdc' in a ? [decodeURIComponent(a.cdc.path)] : []))
      .sort()
    expect(leftovers.filter((k) => !live.has(k))).toEqual(changeFiles)
    expect(garbage.every((k) => before.files.includes(k) || changeFiles.includes(k))).toBe(true)
  }

  const report = await table.vacuum({ retentionHours: 0, force: true, dryRun: false, mode: 'full' })
  expect(report.filesToDeleteComplete).toBe(true)
  expect(report.filesToDelete.map((f) => f.path).sort()).toEqual(garbage)
  expect(report.deleted).toBe(garbage.length)
  expect(await dataFiles(store)).toEqual([...live].sort())
  const after = await table.snapshot()
  expect(after.version).toBeGreaterThan(snapshot.version) // VACUUM START and END
  expect(await snapshotRows(after)).toEqual(rows)
  expect((await table.verify()).problems).toEqual([])
  return leftovers
}

/** Runs the operation on a faulty store and expects it to fail with the injected fault. */
async function expectCrash(store: ObjectStore, scenario: Scenario, arm: (f: FaultyStore) => void) {
  const faulty = new FaultyStore(store)
  arm(faulty)
  const writer = await DeltaTable.open(store.url, { store: faulty })
  const error = await scenario.run(writer).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isInjectedFault(error), String(error)).toBe(true)
  expect(faulty.isCrashed).toBe(true)
}

/** How many puts the operation makes before its commit put, counted on an undisturbed run. */
async function putsBeforeCommit(backend: Backend, scenario: Scenario): Promise<number> {
  const { store } = await previousTable(backend, scenario)
  const counting = new FaultyStore(store)
  await scenario.run(await DeltaTable.open(store.url, { store: counting }))
  const puts = counting.calls.filter((c) => c.op === 'put')
  const commit = puts.findIndex((c) => COMMIT_FILE.test(c.path))
  expect(commit).toBeGreaterThan(0)
  return commit
}

describe.each(allBackends())(
  'a writer dying between its files and its commit: $name',
  (backend) => {
    afterAll(() => backend.cleanup())

    describe.skipIf(backend.skip !== undefined)(`against ${backend.skip ?? 'its store'}`, () => {
      // Cases run a few at a time: on the servers they mostly wait for requests.
      describe.concurrent.each(SCENARIOS)('$name', (scenario) => {
        it('a crash at the commit put: version 1 with its rows, verify clean, its files are the only garbage and vacuum deletes exactly them', async () => {
          const { store, before } = await previousTable(backend, scenario)
          await expectCrash(store, scenario, (f) =>
            f.inject({ op: 'put', path: COMMIT_FILE, nth: 1, action: 'crash' }),
          )
          const leftovers = await expectRecovered(store, scenario, before, 'lost')
          // Every kind of file the operation writes was written, and is garbage now.
          for (const kind of scenario.writes) {
            expect(
              leftovers.some((k) => kind.test(k)),
              `a leftover matching ${kind}`,
            ).toBe(true)
          }
        })

        // Every put position, on the stores without a network round trip per case (the
        // remote stores take the commit-put crash above; the logic under test is the same).
        if (backend.name === 'memory' || backend.name === 'local') {
          it('a crash at each earlier put (some files written): the same', async () => {
            const puts = await putsBeforeCommit(backend, scenario)
            for (let nth = 1; nth <= puts; nth++) {
              const { store, before } = await previousTable(backend, scenario)
              await expectCrash(store, scenario, (f) =>
                f.inject({ op: 'put', nth, action: 'crash' }),
              )
              const leftovers = await expectRecovered(store, scenario, before, 'lost')
              expect(leftovers, `crash at put ${nth}`).toHaveLength(nth - 1)
            }
          })
        }

        it('an ambiguous commit put (landed, response lost): resolved by its txnId, committed once at version 2', async () => {
          const { store, before } = await previousTable(backend, scenario)
          const faulty = new FaultyStore(store)
          faulty.inject({ op: 'put', path: COMMIT_FILE, nth: 1, action: 'ambiguous' })
          const writer = await DeltaTable.open(store.url, { store: faulty })
          const commit = await scenario.run(writer)
          expect(commit.version).toBe(2)
          expect(faulty.calls.some((c) => c.fault === 'ambiguous')).toBe(true)
          await expectRecovered(store, scenario, before, 'landed')
        })

        it('an ambiguous commit put whose read-back fails: the writer reports an error, and the commit stands with all its files', async () => {
          const { store, before } = await previousTable(backend, scenario)
          const faulty = new FaultyStore(store)
          faulty.inject({ op: 'put', path: COMMIT_FILE, nth: 1, action: 'ambiguous' })
          faulty.inject({ op: 'get', path: COMMIT_2, nth: 1, action: 'fail' })
          const writer = await DeltaTable.open(store.url, { store: faulty })
          const error = await scenario.run(writer).then(
            () => undefined,
            (e: unknown) => e,
          )
          // The outcome is unknown to the writer, which keeps running: its clean-up must not
          // delete the files of a commit that may have landed (here, that did).
          expect(isInjectedFault(error), String(error)).toBe(true)
          expect(faulty.isCrashed).toBe(false)
          await expectRecovered(store, scenario, before, 'landed')
        })
      })
    })
  },
)
