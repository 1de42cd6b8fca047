/**
 * Eight concurrent writers on one table, for the concurrency proofs, and the audit of what they
 * leave behind.
 *
 * Roles (by writer index):
 * - 0-3 general writers: blind appends to their own partition and to a `shared` one, overwrites
 *   of their own partition and of `shared`, and row-level deletes in `shared` — the last two
 *   conflict with each other legitimately;
 * - 4-5 idempotent writers: blind appends with an app transaction `(app-<n>, batch)`; some
 *   commits lose their response (the commit lands, the writer sees an error) and some puts
 *   fail before reaching the store. After an error the writer retries the batch and must be
 *   told `skipped` exactly when the batch had landed;
 * - 6-7 a duplicated stream: both write the same batches under one app id, 6 through the sink
 *   and 7 with `append` + `appTransaction`; every batch must land exactly once.
 *
 * Every outcome is recorded: acknowledged commits (with their adds), conflicts (with the
 * snapshot they read, to re-check the rule against the winner), and the effect of each commit
 * on the rows, so the final table can be compared with a replay of the log in version order.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import { CommitConflictError, MaxCommitAttemptsError, StorageError } from '../../../src/errors.js'
import type { Action } from '../../../src/protocol/actions.js'
import type { Snapshot } from '../../../src/snapshot/snapshot.js'
import { FaultyStore } from '../../../src/storage/fault.js'
import type { ObjectStore } from '../../../src/storage/object-store.js'
import { DeltaTable } from '../../../src/table/delta-table.js'
import type { Clock } from '../../../src/util/clock.js'
import { seededIds } from '../../../src/util/clock.js'
import {
  addsOf,
  auditLog,
  commitInfoOf,
  dataFiles,
  expectAcknowledged,
  readCommits,
  referencedKeys,
  removedPathsOf,
  txnsOf,
  type LoggedCommit,
} from './log-audit.js'
import { armFault, type AppFault } from '../processes/shared.mjs'
import { type Row, repeatedIds, rowsTable, snapshotRows, sortRows } from './rows.js'

export const WRITERS = 8
const GENERAL = [0, 1, 2, 3]
const IDEMPOTENT = [4, 5]
const DUP_APP = 'dup-app'

export type GeneralOp =
  | { readonly kind: 'append-own'; readonly rows: number }
  | { readonly kind: 'append-shared'; readonly rows: number }
  | { readonly kind: 'overwrite-own'; readonly rows: number }
  | { readonly kind: 'overwrite-shared'; readonly rows: number }
  /** Deletes shared rows with ids in a range (fractions of the ids written so far). */
  | { readonly kind: 'delete-shared'; readonly from: number; readonly to: number }

/** What happens to an idempotent writer's commit. */
export type { AppFault }

export interface WriterPlans {
  readonly general: readonly (readonly GeneralOp[])[]
  readonly faults: readonly (readonly AppFault[])[]
  readonly deletionVectors: boolean
  readonly seed: number
}

const rows = fc.integer({ min: 1, max: 3 })
const fraction = fc.double({ min: 0, max: 1, noNaN: true })
const generalOp: fc.Arbitrary<GeneralOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append-own' as const), rows }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('append-shared' as const), rows }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('overwrite-own' as const), rows }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('overwrite-shared' as const), rows }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delete-shared' as const),
      from: fraction,
      to: fraction,
    }),
  },
)
const appFault = fc.constantFrom<AppFault>('none', 'none', 'lost-response', 'failed-put')

/** Plans for `opsPerWriter` operations per writer. */
export function writerPlans(opsPerWriter: number): fc.Arbitrary<WriterPlans> {
  const exactly = { minLength: opsPerWriter, maxLength: opsPerWriter }
  return fc.record({
    general: fc.array(fc.array(generalOp, exactly), {
      minLength: GENERAL.length,
      maxLength: GENERAL.length,
    }),
    faults: fc.array(fc.array(appFault, exactly), {
      minLength: IDEMPOTENT.length,
      maxLength: IDEMPOTENT.length,
    }),
    deletionVectors: fc.boolean(),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
  })
}

/** A commit's effect on the rows, applied in version order to replay the log. */
export type Effect =
  | { readonly kind: 'append'; readonly rows: readonly Row[] }
  /** Removes the rows of `part` the commit read, adds `rows`. */
  | { readonly kind: 'replace'; readonly part: string; readonly rows: readonly Row[] }
  /** Removes the rows the commit read that match. */
  | { readonly kind: 'delete'; readonly matches: (row: Row) => boolean }

interface Acknowledged {
  readonly version: number
  readonly txnId: string
  readonly actions: readonly Action[]
  readonly attempts: number
}

/** A conflict a writer got: what it read, and the error (in-process, or as a child reported it). */
export interface Conflict {
  readonly writer: number
  /** The snapshot the failed operation read. */
  readonly read: Snapshot
  /** The partition whose files it read, or the app id it wrote. */
  readonly readPart: string | undefined
  readonly appId: string | undefined
  readonly error: Pick<CommitConflictError, 'code' | 'kind' | 'winningVersion'>
}

/** The effects a replay needs: by commit version, and by `appId:version` for unknown outcomes. */
export interface EffectLedger {
  readonly effects: ReadonlyMap<number, Effect>
  readonly appEffects: ReadonlyMap<string, Effect>
}

export interface RunResult {
  readonly acknowledged: number
  readonly attempts: readonly number[]
  readonly conflicts: number
  readonly gaveUp: number
  readonly lostResponses: number
}

/** Everything the writers report, and the checks on it once they are done. */
class Ledger {
  readonly acknowledged: Acknowledged[] = []
  /** Effects by commit version, for acknowledged commits. */
  readonly effects = new Map<number, Effect>()
  /** Effects by `appId:version`, for commits whose acknowledgement was lost. */
  readonly appEffects = new Map<string, Effect>()
  readonly conflicts: Conflict[] = []
  gaveUp = 0
  lostResponses = 0
  /** Lost responses whose commit did not land: their data files stay behind, unreferenced. */
  orphanedWrites = 0

  acknowledge(result: Acknowledged, effect: Effect): void {
    this.acknowledged.push(result)
    expect(this.effects.has(result.version)).toBe(false)
    this.effects.set(result.version, effect)
  }
}

function generalRows(writer: number, op: number, count: number, part: string): Row[] {
  return Array.from({ length: count }, (_, k) => ({
    id: writer * 100_000 + op * 10 + k,
    part,
    value: `w${writer}-op${op}`,
  }))
}

function dupRows(batch: number): Row[] {
  return [0, 1].map((k) => ({ id: 9_000_000 + batch * 10 + k, part: 'dup', value: `b${batch}` }))
}

/** Whether a commit after `fromVersion` carries the app transaction `(appId, version)`. */
async function appCommitLanded(
  store: ObjectStore,
  fromVersion: number,
  appId: string,
  version: number,
): Promise<boolean> {
  for (const commit of await readCommits(store, fromVersion)) {
    if (txnsOf(commit.actions).some((t) => t.appId === appId && t.version === version)) return true
  }
  return false
}

export interface WritersContext {
  /** The store as the test sees it (no scheduling, no faults). */
  readonly inner: ObjectStore
  /** The store one writer uses: scheduled, delayed, or the inner one. */
  readonly storeFor: (writer: number) => ObjectStore
  readonly clock: Clock
}

/** Creates the empty table the writers share. */
export async function createSharedTable(
  ctx: WritersContext,
  plans: WriterPlans,
): Promise<DeltaTable> {
  return DeltaTable.create(ctx.inner.url, {
    store: ctx.inner,
    clock: ctx.clock,
    ids: seededIds(plans.seed),
    schema: rowsTable([]).schema,
    partitionBy: ['part'],
    properties: plans.deletionVectors ? { 'delta.enableDeletionVectors': 'true' } : {},
  })
}

async function writerTable(ctx: WritersContext, writer: number, seed: number, store?: ObjectStore) {
  return DeltaTable.at(ctx.inner.url, {
    store: store ?? ctx.storeFor(writer),
    clock: ctx.clock,
    ids: seededIds(seed * 31 + writer),
  })
}

async function generalWriter(
  ctx: WritersContext,
  ledger: Ledger,
  writer: number,
  ops: readonly GeneralOp[],
  seed: number,
): Promise<void> {
  const table = await writerTable(ctx, writer, seed)
  const own = `own${writer}`
  let snapshot = await table.snapshot()
  for (const [i, op] of ops.entries()) {
    snapshot = await snapshot.update()
    const read = snapshot
    try {
      switch (op.kind) {
        case 'append-own':
        case 'append-shared': {
          const part = op.kind === 'append-own' ? own : 'shared'
          const added = generalRows(writer, i, op.rows, part)
          const result = await table.append(rowsTable(added), { snapshot })
          if (result.status !== 'committed') throw new Error('a plain append was skipped')
          ledger.acknowledge(result.commit, { kind: 'append', rows: added })
          break
        }
        case 'overwrite-own':
        case 'overwrite-shared': {
          const part = op.kind === 'overwrite-own' ? own : 'shared'
          const added = generalRows(writer, i, op.rows, part)
          const result = await table.overwrite(rowsTable(added), {
            snapshot,
            replaceWhere: `part = '${part}'`,
          })
          if (result.status !== 'committed') throw new Error('an overwrite was skipped')
          ledger.acknowledge(result.commit, { kind: 'replace', part, rows: added })
          break
        }
        case 'delete-shared': {
          // Ids of writer w's op i are w * 100_000 + i * 10 + k: a range over op numbers
          // selects some shared rows of every writer.
          const [lo, hi] = [Math.min(op.from, op.to), Math.max(op.from, op.to)]
          const from = Math.floor(lo * ops.length) * 10
          const to = Math.ceil(hi * ops.length) * 10
          const matches = (row: Row): boolean =>
            row.part === 'shared' && row.id % 100_000 >= from && row.id % 100_000 < to
          const ranges = GENERAL.map(
            (w) => `(id >= ${w * 100_000 + from} AND id < ${w * 100_000 + to})`,
          ).join(' OR ')
          const result = await table.delete(`part = 'shared' AND (${ranges})`, { snapshot })
          if (result.status === 'committed') {
            ledger.acknowledge(result.commit, { kind: 'delete', matches })
          }
          break
        }
      }
    } catch (error) {
      if (error instanceof CommitConflictError) {
        const readPart = op.kind === 'append-own' || op.kind === 'overwrite-own' ? own : 'shared'
        ledger.conflicts.push({ writer, read, readPart, appId: undefined, error })
      } else if (error instanceof MaxCommitAttemptsError) {
        // Nothing was committed; the replay would show it if something had been.
        ledger.gaveUp++
      } else {
        throw error
      }
    }
  }
}

async function idempotentWriter(
  ctx: WritersContext,
  ledger: Ledger,
  writer: number,
  faults: readonly AppFault[],
  seed: number,
): Promise<void> {
  const faulty = new FaultyStore(ctx.storeFor(writer))
  const table = await writerTable(ctx, writer, seed, faulty)
  const appId = `app-${writer}`
  let snapshot = await table.snapshot()
  for (const [batch, fault] of faults.entries()) {
    snapshot = await snapshot.update()
    const added = generalRows(writer, batch, 2, `app${writer}`)
    const write = (at: Snapshot) =>
      table.append(rowsTable(added), { snapshot: at, appTransaction: { appId, version: batch } })
    const disarm = armFault(faulty, fault)
    let result: Awaited<ReturnType<typeof write>> | undefined
    try {
      result = await write(snapshot)
    } catch (error) {
      if (!(error instanceof StorageError) || fault !== 'lost-response') throw error
    } finally {
      disarm()
    }
    if (result === undefined) {
      // The outcome is unknown to the writer; the log says whether it landed.
      ledger.lostResponses++
      const landed = await appCommitLanded(ctx.inner, snapshot.version + 1, appId, batch)
      if (landed) ledger.appEffects.set(`${appId}:${batch}`, { kind: 'append', rows: added })
      else ledger.orphanedWrites++
      snapshot = await table.snapshot()
      const retry = await write(snapshot)
      // Idempotence: a landed batch is skipped, a lost one is written now.
      expect(retry.status).toBe(landed ? 'skipped' : 'committed')
      result = retry
    }
    if (result.status === 'committed') {
      ledger.acknowledge(result.commit, { kind: 'append', rows: added })
    } else {
      expect(result.committedVersion).toBeGreaterThanOrEqual(batch)
    }
  }
}

/** Writer 6: the duplicated stream through the exactly-once sink. */
async function sinkWriter(ctx: WritersContext, ledger: Ledger, batches: number, seed: number) {
  const table = await writerTable(ctx, 6, seed)
  const sink = table.sink(DUP_APP)
  for (let batch = 0; batch < batches; batch++) {
    const result = await sink.write(batch, rowsTable(dupRows(batch)))
    if (result.status === 'committed') {
      expect(ledger.effects.has(result.version)).toBe(false)
      ledger.effects.set(result.version, { kind: 'append', rows: dupRows(batch) })
    }
  }
}

/** Writer 7: the same stream with append + appTransaction, retrying after a conflict. */
async function dupAppendWriter(ctx: WritersContext, ledger: Ledger, batches: number, seed: number) {
  const table = await writerTable(ctx, 7, seed)
  let snapshot = await table.snapshot()
  for (let batch = 0; batch < batches; batch++) {
    for (;;) {
      snapshot = await snapshot.update()
      try {
        const result = await table.append(rowsTable(dupRows(batch)), {
          snapshot,
          appTransaction: { appId: DUP_APP, version: batch },
        })
        if (result.status === 'committed') {
          ledger.acknowledge(result.commit, { kind: 'append', rows: dupRows(batch) })
        }
        break
      } catch (error) {
        if (!(error instanceof CommitConflictError)) throw error
        ledger.conflicts.push({
          writer: 7,
          read: snapshot,
          readPart: undefined,
          appId: DUP_APP,
          error,
        })
      }
    }
  }
}

/** Runs every writer to the end. */
export function runWriters(
  ctx: WritersContext,
  plans: WriterPlans,
  opsPerWriter: number,
): { ledger: Ledger; done: Promise<void> } {
  const ledger = new Ledger()
  const done = Promise.all([
    ...GENERAL.map((w, i) => generalWriter(ctx, ledger, w, plans.general[i]!, plans.seed)),
    ...IDEMPOTENT.map((w, i) => idempotentWriter(ctx, ledger, w, plans.faults[i]!, plans.seed)),
    sinkWriter(ctx, ledger, opsPerWriter, plans.seed),
    dupAppendWriter(ctx, ledger, opsPerWriter, plans.seed),
  ]).then(() => undefined)
  return { ledger, done }
}

/** Re-checks a conflict's rule against the commit it names as the winner. */
export function expectJustified(conflict: Conflict, commits: readonly LoggedCommit[]): void {
  const { error, read } = conflict
  expect(error.code).toBe('COMMIT_CONFLICT')
  expect(error.winningVersion).toBeGreaterThan(read.version)
  const winner = commits[error.winningVersion]!.actions
  const readFiles = new Set(
    [...read.files()]
      .filter((f) => f.partitionValues.part === conflict.readPart)
      .map((f) => f.path),
  )
  switch (error.kind) {
    case 'concurrent-transaction':
      expect(txnsOf(winner).map((t) => t.appId)).toContain(conflict.appId)
      return
    case 'concurrent-append':
      // Only a commit that was not a blind append can invalidate what we read (WriteSerializable).
      expect(commitInfoOf(winner)?.isBlindAppend).not.toBe(true)
      expect(
        addsOf(winner).some((a) => a.dataChange && a.partitionValues.part === conflict.readPart),
      ).toBe(true)
      return
    case 'concurrent-delete-read':
    case 'concurrent-delete-delete':
      expect(removedPathsOf(winner).some((p) => readFiles.has(p))).toBe(true)
      return
    default:
      throw new Error(
        `unexpected conflict kind ${error.kind} (no metadata or protocol changes here)`,
      )
  }
}

/** The rows of every version, replaying the commits' effects in version order. */
export function replayEffects(ledger: EffectLedger, commits: readonly LoggedCommit[]): Row[][] {
  const states: Row[][] = [[]]
  for (const commit of commits.slice(1)) {
    let effect = ledger.effects.get(commit.version)
    for (const txn of txnsOf(commit.actions)) {
      effect ??= ledger.appEffects.get(`${txn.appId}:${txn.version}`)
    }
    if (effect === undefined) throw new Error(`commit ${commit.version} is nobody's: a duplicate?`)
    const readVersion = commitInfoOf(commit.actions)?.readVersion
    if (typeof readVersion !== 'number') throw new Error(`commit ${commit.version}: no readVersion`)
    const wasRead = new Set(states[readVersion]!.map((r) => r.id))
    const previous = states.at(-1)!
    switch (effect.kind) {
      case 'append':
        states.push([...previous, ...effect.rows])
        break
      case 'replace':
        states.push([
          ...previous.filter((r) => !(r.part === effect.part && wasRead.has(r.id))),
          ...effect.rows,
        ])
        break
      case 'delete':
        states.push(previous.filter((r) => !(effect.matches(r) && wasRead.has(r.id))))
        break
    }
  }
  return states
}

/** Every check of a finished run; returns the numbers the suites report. */
export async function auditRun(
  ctx: WritersContext,
  ledger: Ledger,
  opsPerWriter: number,
): Promise<RunResult> {
  const commits = await readCommits(ctx.inner)
  auditLog(commits)
  for (const ack of ledger.acknowledged) expectAcknowledged(commits, ack)
  for (const conflict of ledger.conflicts) expectJustified(conflict, commits)

  // Each app transaction landed exactly once, and every batch of every app did.
  const landings = new Map<string, number>()
  for (const commit of commits) {
    for (const txn of txnsOf(commit.actions)) {
      const key = `${txn.appId}:${txn.version}`
      landings.set(key, (landings.get(key) ?? 0) + 1)
    }
  }
  for (const appId of [...IDEMPOTENT.map((w) => `app-${w}`), DUP_APP]) {
    for (let batch = 0; batch < opsPerWriter; batch++) {
      expect(landings.get(`${appId}:${batch}`), `${appId} batch ${batch}`).toBe(1)
    }
  }

  // The table holds exactly what replaying the log's commits in order says.
  const table = await DeltaTable.open(ctx.inner.url, { store: ctx.inner, clock: ctx.clock })
  const latest = await table.snapshot()
  expect(latest.version).toBe(commits.length - 1)
  const rows = await snapshotRows(latest)
  expect(repeatedIds(rows)).toEqual([])
  expect(rows).toEqual(sortRows(replayEffects(ledger, commits).at(-1)!))
  for (const appId of [...IDEMPOTENT.map((w) => `app-${w}`), DUP_APP]) {
    expect(latest.appTransactionVersion(appId)).toBe(opsPerWriter - 1)
  }
  const report = await table.verify()
  expect(report.problems).toEqual([])

  // Losers clean up after themselves: the only unreferenced data files are those of writes
  // whose outcome the writer could not know (their files must stay: they might have landed).
  const referenced = referencedKeys(commits)
  const unreferenced = (await dataFiles(ctx.inner)).filter((k) => !referenced.has(k))
  expect(unreferenced.every((k) => k.startsWith('part=app'))).toBe(true)
  expect(unreferenced.length).toBeLessThanOrEqual(ledger.orphanedWrites)

  return {
    acknowledged: ledger.acknowledged.length,
    attempts: ledger.acknowledged.map((a) => a.attempts),
    conflicts: ledger.conflicts.length,
    gaveUp: ledger.gaveUp,
    lostResponses: ledger.lostResponses,
  }
}

/** `mean 1.42, max 6 over 180 commits` */
export function describeAttempts(attempts: readonly number[]): string {
  if (attempts.length === 0) return 'no commits'
  const mean = attempts.reduce((a, b) => a + b, 0) / attempts.length
  return `mean ${mean.toFixed(2)}, max ${Math.max(...attempts)} over ${attempts.length} commits`
}
