/**
 * The write path against a model: random sequences of create, append, overwrite (the whole
 * table, or one partition with replaceWhere), delete, checkpoint (every kind, refused where the
 * protocol forbids it), log cleanup with the clock moved forward, and reloads with time travel,
 * run on a real table and on a model that is just the list of rows at every version.
 *
 * After every step:
 * - the latest snapshot holds exactly the model's rows;
 * - a random older version either loads with the model's rows at that version, or is refused
 *   with VERSION_NOT_FOUND — and only when its commit is outside the log retention window
 *   (cleanup may drop old history, never history inside the window, and never serve wrong data);
 * - the snapshot as loaded (from checkpoints) equals a replay of commit JSON alone (every commit
 *   is mirrored into an archive the moment it lands, so cleanup cannot hide one);
 * - `verify()` finds no problem;
 * and at the end every version is checked that way.
 *
 * Tables vary in partitioning, column mapping, deletion vectors, checkpoint policy, checkpoint
 * interval, in-commit timestamps and automatic log cleanup. Partition values include NULL, the
 * empty string (which reads back as NULL) and characters that need escaping in paths.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { DeltaError } from '../../src/errors.js'
import { commitKey } from '../../src/log/log-store.js'
import { writeCheckpoint, type CheckpointKind } from '../../src/maintenance/checkpoint.js'
import type { Snapshot } from '../../src/snapshot/snapshot.js'
import { LocalStore } from '../../src/storage/local.js'
import { MemoryStore } from '../../src/storage/memory.js'
import type { ObjectStore } from '../../src/storage/object-store.js'
import { DeltaTable } from '../../src/table/delta-table.js'
import { ManualClock, seededIds } from '../../src/util/clock.js'
import {
  AWKWARD_PARTS,
  type Row,
  partPredicate,
  readPart,
  rowsTable,
  snapshotRows,
  sortRows,
  sqlString,
} from './support/rows.js'
import { MirrorStore, tableState } from './support/state.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Short, so that clock moves of a few days expire history. */
const LOG_RETENTION_DAYS = 2

interface TableSetup {
  readonly partitioned: boolean
  readonly columnMapping: 'none' | 'name' | 'id'
  readonly deletionVectors: boolean
  readonly v2Checkpoints: boolean
  readonly checkpointInterval: number
  readonly inCommitTimestamps: boolean
  readonly expiredLogCleanup: boolean
  readonly initialRows: readonly RowSeed[]
}

interface RowSeed {
  readonly part: string | null
  readonly value: string | null
}

type DeleteSpec =
  | { readonly kind: 'all' }
  | { readonly kind: 'partition'; readonly part: string | null }
  /** `id >= from AND id < to`, the bounds as fractions of the ids handed out so far. */
  | { readonly kind: 'ids'; readonly from: number; readonly to: number }
  | { readonly kind: 'value-null' }
  | { readonly kind: 'partition-and-ids'; readonly part: string | null; readonly below: number }

type Step =
  | { readonly kind: 'append'; readonly rows: readonly RowSeed[]; readonly maxRowsPerFile: number }
  | { readonly kind: 'overwrite'; readonly rows: readonly RowSeed[] }
  | {
      readonly kind: 'replace-partition'
      readonly part: string | null
      readonly values: readonly (string | null)[]
    }
  | { readonly kind: 'delete'; readonly spec: DeleteSpec }
  | { readonly kind: 'checkpoint'; readonly checkpoint: CheckpointKind; readonly partSize: number }
  | { readonly kind: 'cleanup'; readonly advanceHours: number }
  | { readonly kind: 'advance-clock'; readonly hours: number }
  | { readonly kind: 'reload' }

const part = fc.constantFrom(...AWKWARD_PARTS)
const value = fc.option(fc.string({ maxLength: 4, unit: 'grapheme' }), { nil: null })
const rowSeed: fc.Arbitrary<RowSeed> = fc.record({ part, value })
const fraction = fc.double({ min: 0, max: 1, noNaN: true })

const tableSetup: fc.Arbitrary<TableSetup> = fc.record({
  partitioned: fc.boolean(),
  columnMapping: fc.constantFrom('none' as const, 'name' as const, 'id' as const),
  deletionVectors: fc.boolean(),
  v2Checkpoints: fc.boolean(),
  checkpointInterval: fc.integer({ min: 2, max: 5 }),
  inCommitTimestamps: fc.boolean(),
  expiredLogCleanup: fc.boolean(),
  initialRows: fc.array(rowSeed, { maxLength: 3 }),
})

const deleteSpec: fc.Arbitrary<DeleteSpec> = fc.oneof(
  fc.constant({ kind: 'all' as const }),
  fc.record({ kind: fc.constant('partition' as const), part }),
  fc.record({ kind: fc.constant('ids' as const), from: fraction, to: fraction }),
  fc.constant({ kind: 'value-null' as const }),
  fc.record({ kind: fc.constant('partition-and-ids' as const), part, below: fraction }),
)

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      rows: fc.array(rowSeed, { minLength: 1, maxLength: 5 }),
      maxRowsPerFile: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('overwrite' as const),
      rows: fc.array(rowSeed, { maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replace-partition' as const),
      part,
      values: fc.array(value, { maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), spec: deleteSpec }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('checkpoint' as const),
      checkpoint: fc.constantFrom<CheckpointKind>('classic', 'multi-part', 'v2'),
      partSize: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cleanup' as const),
      advanceHours: fc.integer({ min: 0, max: 4 * 24 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance-clock' as const),
      hours: fc.integer({ min: 1, max: 3 * 24 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reload' as const }) },
)

/** The model: the rows of every version, and when each was committed. */
class TableModel {
  readonly versions: Row[][] = []
  /** The commit timestamp the library reports for each version (for timestamp time travel). */
  readonly commitTimes: number[] = []
  /** The commit file's modification time (what log retention is measured by). */
  readonly fileTimes: number[] = []
  private nextId = 0

  constructor(readonly partitioned: boolean) {}

  get latest(): number {
    return this.versions.length - 1
  }

  get rows(): readonly Row[] {
    return this.versions.at(-1) ?? []
  }

  get idsHandedOut(): number {
    return this.nextId
  }

  /** Rows for the seeds, with fresh ids. */
  newRows(seeds: readonly RowSeed[]): Row[] {
    return seeds.map((s) => ({ id: this.nextId++, part: s.part, value: s.value }))
  }

  /** A row as a reader sees it: a partition value '' reads back as NULL. */
  asRead(row: Row): Row {
    return this.partitioned ? { ...row, part: readPart(row.part) } : row
  }

  commit(rows: readonly Row[]): void {
    this.versions.push(sortRows(rows.map((r) => this.asRead(r))))
  }
}

/** The predicate text of a delete, and which rows it selects (SQL: NULL is not TRUE). */
function deletePredicate(
  spec: DeleteSpec,
  model: TableModel,
): { text: string | undefined; matches: (row: Row) => boolean } {
  const idAt = (f: number): number => Math.floor(f * model.idsHandedOut)
  switch (spec.kind) {
    case 'all':
      return { text: undefined, matches: () => true }
    case 'partition': {
      const p = readPart(spec.part)
      return { text: partPredicate(spec.part), matches: (r) => r.part === p }
    }
    case 'ids': {
      const [from, to] = [idAt(Math.min(spec.from, spec.to)), idAt(Math.max(spec.from, spec.to))]
      return { text: `id >= ${from} AND id < ${to}`, matches: (r) => r.id >= from && r.id < to }
    }
    case 'value-null':
      return { text: 'value IS NULL', matches: (r) => r.value === null }
    case 'partition-and-ids': {
      // Over a data column, this is a row-level delete even on a partitioned table.
      const p = readPart(spec.part)
      const below = idAt(spec.below)
      const partText = p === null ? 'part IS NULL' : `part = ${sqlString(p)}`
      return {
        text: `${partText} AND id < ${below}`,
        matches: (r) => r.part === p && r.id < below,
      }
    }
  }
}

interface Harness {
  readonly table: DeltaTable
  readonly mirror: MirrorStore
  readonly clock: ManualClock
  readonly model: TableModel
  readonly setup: TableSetup
  /** A snapshot from an earlier step, to check that incremental update lands on the same state. */
  stale: Snapshot | undefined
}

/** Makes the store under test; a memory store takes its modification times from `clock`. */
type StoreFactory = (clock: ManualClock) => Promise<ObjectStore>

async function createHarness(makeStore: StoreFactory, setup: TableSetup, seed: number) {
  // Local files get the real time as modification time, so the table's clock starts there.
  const clock = new ManualClock(Date.now())
  const store = await makeStore(clock)
  const mirror = new MirrorStore(store)
  const model = new TableModel(setup.partitioned)
  const initial = model.newRows(setup.initialRows)
  const table = await DeltaTable.create(mirror.url, {
    store: mirror,
    clock,
    ids: seededIds(seed),
    schema: rowsTable([]).schema,
    ...(setup.partitioned ? { partitionBy: ['part'] } : {}),
    columnMapping: setup.columnMapping,
    properties: {
      'delta.checkpointInterval': String(setup.checkpointInterval),
      'delta.logRetentionDuration': `interval ${LOG_RETENTION_DAYS} days`,
      'delta.enableExpiredLogCleanup': String(setup.expiredLogCleanup),
      ...(setup.deletionVectors ? { 'delta.enableDeletionVectors': 'true' } : {}),
      ...(setup.v2Checkpoints ? { 'delta.checkpointPolicy': 'v2' } : {}),
      ...(setup.inCommitTimestamps ? { 'delta.enableInCommitTimestamps': 'true' } : {}),
    },
    ...(initial.length > 0 ? { data: rowsTable(initial) } : {}),
  })
  const harness: Harness = { table, mirror, clock, model, setup, stale: undefined }
  await recordCommit(harness, initial)
  return harness
}

/** Adds the version just committed to the model, with its times. */
async function recordCommit(h: Harness, rows: readonly Row[]): Promise<void> {
  h.model.commit(rows)
  const version = h.model.latest
  const snapshot = await h.table.snapshot()
  expect(snapshot.version).toBe(version)
  h.model.commitTimes[version] = snapshot.timestamp
  h.model.fileTimes[version] = (await h.table.store.head(commitKey(version))).lastModified
}

/** The error a promise rejects with, as a DeltaError (anything else fails the test). */
async function deltaError(promise: Promise<unknown>): Promise<DeltaError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof DeltaError) return error
    throw error
  }
  throw new Error('expected a DeltaError, but the operation succeeded')
}

async function runStep(h: Harness, s: Step): Promise<void> {
  const { table, model, clock } = h
  // Every step happens a second after the previous one, so commit times strictly increase.
  clock.advance(1000)
  switch (s.kind) {
    case 'append': {
      const rows = model.newRows(s.rows)
      const result = await table.append(rowsTable(rows), { maxRowsPerFile: s.maxRowsPerFile })
      expect(result.status).toBe('committed')
      await recordCommit(h, [...model.rows, ...rows])
      return
    }
    case 'overwrite': {
      const rows = model.newRows(s.rows)
      const result = await table.overwrite(rowsTable(rows))
      expect(result.status).toBe('committed')
      await recordCommit(h, rows)
      return
    }
    case 'replace-partition': {
      if (!h.setup.partitioned) return
      const rows = model.newRows(s.values.map((v) => ({ part: s.part, value: v })))
      const result = await table.overwrite(rowsTable(rows), {
        replaceWhere: partPredicate(s.part),
      })
      expect(result.status).toBe('committed')
      const replaced = readPart(s.part)
      await recordCommit(h, [...model.rows.filter((r) => r.part !== replaced), ...rows])
      return
    }
    case 'delete': {
      const { text, matches } = deletePredicate(s.spec, model)
      const result = await table.delete(text)
      const kept = model.rows.filter((r) => !matches(r))
      // Nothing matched: nothing may be committed (Spark's commitIfNeeded).
      expect(result.status).toBe(kept.length === model.rows.length ? 'unchanged' : 'committed')
      if (result.status === 'committed') {
        expect(result.commit.version).toBe(model.latest + 1)
        await recordCommit(h, kept)
      }
      return
    }
    case 'checkpoint': {
      const snapshot = await table.snapshot()
      const checkpoint = writeCheckpoint(snapshot, {
        kind: s.checkpoint,
        partSize: s.partSize,
        now: clock.now(),
        ids: table.ids,
      })
      const allowed =
        s.checkpoint === 'classic' || (s.checkpoint === 'v2') === h.setup.v2Checkpoints
      if (!allowed) {
        expect((await deltaError(checkpoint)).code).toBe('OPERATION_NOT_ALLOWED')
        return
      }
      expect((await checkpoint).version).toBe(model.latest)
      return
    }
    case 'cleanup': {
      clock.advance(s.advanceHours * HOUR)
      await table.cleanupLogs({ dryRun: false })
      return
    }
    case 'advance-clock':
      clock.advance(s.hours * HOUR)
      return
    case 'reload': {
      // A fresh handle sees the same table, and a snapshot from an earlier step catches up
      // to the same state by reading only what is new.
      const reopened = await DeltaTable.open(table.url, {
        store: table.store,
        clock,
        ids: table.ids,
      })
      const fresh = await reopened.snapshot()
      expect(fresh.version).toBe(model.latest)
      if (h.stale !== undefined) {
        const updated = await h.stale.update()
        expect(tableState(updated, clock.now())).toEqual(tableState(fresh, clock.now()))
        expect(await snapshotRows(updated)).toEqual(model.rows)
      }
      h.stale = fresh
      return
    }
  }
}

/** Midnight UTC at or before now - retention: commits after it must stay readable. */
function retentionCutoff(now: number): number {
  const cutoff = now - LOG_RETENTION_DAYS * DAY
  return Math.floor(cutoff / DAY) * DAY
}

/** Checks one version: the model's rows, JSON replay's state, or a justified refusal. */
async function checkVersion(h: Harness, version: number): Promise<void> {
  const { table, model, clock, mirror } = h
  let snapshot: Snapshot
  try {
    snapshot = await table.snapshot({ version })
  } catch (error) {
    if (!(error instanceof DeltaError)) throw error
    expect(error.code).toBe('VERSION_NOT_FOUND')
    // Only history outside the retention window may be gone.
    expect(model.fileTimes[version]!).toBeLessThanOrEqual(retentionCutoff(clock.now()))
    return
  }
  expect(snapshot.version).toBe(version)
  expect(await snapshotRows(snapshot)).toEqual(model.versions[version])
  const now = clock.now()
  expect(tableState(snapshot, now)).toEqual(
    tableState(await mirror.jsonReplay(version, clock), now),
  )
  // Timestamp time travel lands on the same version (times strictly increase by construction).
  const byTime = await table.snapshot({ timestamp: model.commitTimes[version]! })
  expect(byTime.version).toBe(version)
}

async function checkInvariants(h: Harness, pick: number): Promise<void> {
  const { table, model } = h
  const latest = await table.snapshot()
  expect(latest.version).toBe(model.latest)
  await checkVersion(h, model.latest)
  await checkVersion(h, Math.min(model.latest, Math.floor(pick * (model.latest + 1))))
  const report = await table.verify()
  expect(report.problems).toEqual([])
  expect(report.ok).toBe(true)
}

async function runModel(
  makeStore: StoreFactory,
  setup: TableSetup,
  steps: readonly Step[],
  picks: readonly number[],
  seed: number,
): Promise<void> {
  const h = await createHarness(makeStore, setup, seed)
  await checkInvariants(h, 0)
  for (const [i, s] of steps.entries()) {
    await runStep(h, s)
    await checkInvariants(h, picks[i % picks.length] ?? 0)
  }
  for (let version = 0; version <= h.model.latest; version++) await checkVersion(h, version)
}

const scenario = (steps: { minLength: number; maxLength: number }) =>
  fc.record({
    setup: tableSetup,
    steps: fc.array(step, steps),
    picks: fc.array(fraction, { minLength: 1, maxLength: 8 }),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
  })

describe('write path against a model of rows per version', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
  })

  it('memory store: random histories keep latest, time travel, checkpoint loads and verify equal to the model', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario({ minLength: 1, maxLength: 12 }),
        async ({ setup, steps, picks, seed }) => {
          const memory: StoreFactory = (clock) =>
            Promise.resolve(new MemoryStore({ now: () => clock.now() }))
          await runModel(memory, setup, steps, picks, seed)
        },
      ),
      { numRuns: 25 },
    )
  }, 120_000)

  it('local store: one long random history keeps every invariant of the model', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario({ minLength: 16, maxLength: 24 }),
        async ({ setup, steps, picks, seed }) => {
          const local: StoreFactory = async () => {
            const dir = await mkdtemp(path.join(tmpdir(), 'dlts-write-model-'))
            dirs.push(dir)
            return new LocalStore(dir, { fsync: false })
          }
          await runModel(local, setup, steps, picks, seed)
        },
      ),
      { numRuns: 1, seed: 20240601 },
    )
  }, 120_000)
})
