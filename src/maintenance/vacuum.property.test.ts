/**
 * Model-based property test of vacuum's safety: random histories — appends, deletes, overwrites,
 * deletion-vector updates, orphaned uploads, checkpoints — with random commit times, file times
 * and (sometimes missing or skewed) deletion timestamps, interleaved with vacuums of random mode
 * and retention, some racing a writer that has just uploaded a file it has not committed.
 *
 * After every vacuum:
 * - every file (data or DV) that any version a reader can still reach references exists — the
 *   versions from the boundary (newest committed at or before the cutoff) on, by the commit
 *   times time travel uses;
 * - nothing outside the table root and nothing in `_delta_log/` was deleted;
 * - the racing writer's fresh file exists;
 * and, so that a vacuum deleting nothing cannot pass: full mode deleted every orphan older than
 * the cutoff and every file an expired remove outside the window removed; lite mode deleted the
 * latter for the commits it had not covered before.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Action, DeletionVectorDescriptor } from '../protocol/actions.js'
import { loadSnapshot } from '../snapshot/load.js'
import { compareUtf8, utf8Decode } from '../util/utf8.js'
import { writeCheckpoint } from './checkpoint.js'
import { cleanupExpiredLogs } from './log-cleanup.js'
import { LAST_VACUUM_INFO_KEY } from './vacuum-lite.js'
import {
  DAY,
  HOUR,
  PROTOCOL_DV,
  T0,
  VacuumTable,
  addAction,
  asRoundTripStore,
  dvKeyOf,
  removeAction,
} from './vacuum.test-util.js'
import { vacuum, type VacuumMode } from './vacuum.js'

type Skew = 'exact' | 'missing' | 'early' | 'late'

type Op =
  | { readonly kind: 'append'; readonly n: number; readonly gap: number; readonly lag: number }
  | {
      readonly kind: 'delete'
      readonly pick: number
      readonly gap: number
      readonly skew: Skew
      readonly skewMs: number
    }
  | {
      readonly kind: 'overwrite'
      readonly n: number
      readonly gap: number
      readonly skew: Skew
      readonly skewMs: number
    }
  | { readonly kind: 'dv'; readonly pick: number; readonly gap: number; readonly lag: number }
  | { readonly kind: 'orphan'; readonly age: number }
  | { readonly kind: 'checkpoint' }
  | { readonly kind: 'cleanup'; readonly retentionHours: number }
  | {
      readonly kind: 'vacuum'
      readonly mode: VacuumMode
      /** Hours, or a cutoff placed at (or just after) the commit time of version `at % n`. */
      readonly retention:
        { readonly hours: number } | { readonly at: number; readonly after: boolean }
      readonly wait: number
      readonly racingWriter: boolean
    }

const gap = fc.integer({ min: 0, max: 3 * DAY })
const lag = fc.integer({ min: 1, max: 2 * HOUR })
const skew = fc.constantFrom<Skew>('exact', 'missing', 'early', 'late')
const skewMs = fc.integer({ min: 1, max: 10 * DAY })
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      n: fc.integer({ min: 1, max: 3 }),
      gap,
      lag,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      pick: fc.nat(),
      gap,
      skew,
      skewMs,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('overwrite' as const),
      n: fc.integer({ min: 1, max: 2 }),
      gap,
      skew,
      skewMs,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('dv' as const), pick: fc.nat(), gap, lag }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('orphan' as const),
      age: fc.integer({ min: 0, max: 20 * DAY }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cleanup' as const),
      retentionHours: fc.integer({ min: 0, max: 200 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('vacuum' as const),
      mode: fc.constantFrom<VacuumMode>('full', 'lite'),
      retention: fc.oneof(
        fc.record({ hours: fc.integer({ min: 0, max: 400 }) }),
        fc.record({ at: fc.nat(), after: fc.boolean() }),
      ),
      wait: fc.integer({ min: 0, max: 10 * DAY }),
      racingWriter: fc.boolean(),
    }),
  },
)

/** What the model knows about one version. */
interface Version {
  /** Commit file time (monotonized below). */
  readonly rawTime: number
  /** Every data and DV key the version references. */
  readonly referenced: ReadonlySet<string>
  /** Removes: key (data and DV) -> deletionTimestamp. */
  readonly removes: ReadonlyMap<string, number | undefined>
}

class Model {
  readonly versions: Version[] = []
  /** The oldest version still reconstructable (log cleanup moves it up). */
  earliest = 0
  /** Live data file -> its DV key, if any. */
  readonly live = new Map<
    string,
    { dv: DeletionVectorDescriptor | undefined; dvKey: string | undefined }
  >()
  readonly orphans = new Map<string, number>() // key -> mtime
  private counter = 0

  constructor(readonly t: VacuumTable) {}

  nextName(): string {
    this.counter++
    return `part=${this.counter % 2 === 0 ? 'a' : 'b'}/f${this.counter}.parquet`
  }

  nextUuid(): string {
    this.counter++
    return `00000000-0000-4000-8000-${String(this.counter).padStart(12, '0')}`
  }

  snapshotReferences(): Set<string> {
    const out = new Set<string>()
    for (const [key, { dvKey }] of this.live) {
      out.add(key)
      if (dvKey !== undefined) out.add(dvKey)
    }
    return out
  }

  async commit(
    actions: readonly Action[],
    at: number,
    removes = new Map<string, number | undefined>(),
  ): Promise<void> {
    await this.t.commit(actions, at)
    this.versions.push({ rawTime: at, referenced: this.snapshotReferences(), removes })
  }

  /** Commit times as time travel sees them: never earlier than the previous + 1 ms. */
  times(): number[] {
    const out: number[] = []
    for (const v of this.versions) out.push(Math.max(v.rawTime, (out.at(-1) ?? -Infinity) + 1))
    return out
  }
}

function deletionTimestamp(at: number, s: Skew, ms: number): number | undefined {
  if (s === 'missing') return undefined
  if (s === 'early') return at - ms
  if (s === 'late') return at + ms
  return at
}

async function apply(model: Model, o: Op): Promise<void> {
  const t = model.t
  switch (o.kind) {
    case 'append': {
      const at = t.time + o.gap
      const keys = Array.from({ length: o.n }, () => model.nextName())
      for (const key of keys) {
        await t.putFile(key, 10, at - o.lag)
        model.live.set(key, { dv: undefined, dvKey: undefined })
      }
      await model.commit(
        keys.map((k) => addAction(k)),
        at,
      )
      return
    }
    case 'delete':
    case 'overwrite': {
      const live = [...model.live.keys()]
      if (live.length === 0) return
      const victims = o.kind === 'delete' ? [live[o.pick % live.length]!] : live
      const at = t.time + o.gap
      const dt = deletionTimestamp(at, o.skew, o.skewMs)
      const actions: Action[] = []
      const removes = new Map<string, number | undefined>()
      for (const key of victims) {
        const { dv, dvKey } = model.live.get(key)!
        actions.push(removeAction(key, dt, dv === undefined ? {} : { deletionVector: dv }))
        removes.set(key, dt)
        if (dvKey !== undefined) removes.set(dvKey, dt)
        model.live.delete(key)
      }
      if (o.kind === 'overwrite') {
        for (let i = 0; i < o.n; i++) {
          const key = model.nextName()
          await t.putFile(key, 10, at - 1)
          model.live.set(key, { dv: undefined, dvKey: undefined })
          actions.push(addAction(key))
        }
      }
      await model.commit(actions, at, removes)
      return
    }
    case 'dv': {
      const live = [...model.live.keys()]
      if (live.length === 0) return
      const key = live[o.pick % live.length]!
      const at = t.time + o.gap
      const uuid = model.nextUuid()
      const dv = await t.putDv(uuid, [model.versions.length], at - o.lag, 'dv')
      const old = model.live.get(key)!
      const removes = new Map<string, number | undefined>([[key, at]])
      if (old.dvKey !== undefined) removes.set(old.dvKey, at)
      model.live.set(key, { dv, dvKey: dvKeyOf(uuid, 'dv') })
      await model.commit(
        [
          removeAction(key, at, old.dv === undefined ? {} : { deletionVector: old.dv }),
          addAction(key, { deletionVector: dv }),
        ],
        at,
        removes,
      )
      return
    }
    case 'orphan': {
      const key = `part=a/orphan-${model.nextUuid()}.parquet`
      const mtime = t.time - o.age
      await t.putFile(key, 10, mtime)
      model.orphans.set(key, mtime)
      return
    }
    case 'checkpoint': {
      await writeCheckpoint(await loadSnapshot(t.log, { clock: t.clock }), { now: t.time })
      return
    }
    case 'cleanup': {
      const snapshot = await loadSnapshot(t.log, { clock: t.clock })
      const result = await cleanupExpiredLogs(snapshot, {
        now: t.time,
        retentionMs: o.retentionHours * HOUR,
      })
      if (result.checkpointVersion !== undefined) model.earliest = result.checkpointVersion
      return
    }
    case 'vacuum':
      await checkVacuum(model, o)
  }
}

async function checkVacuum(model: Model, o: Extract<Op, { kind: 'vacuum' }>): Promise<void> {
  const t = model.t
  t.time += o.wait
  const now = t.time
  const pending = o.racingWriter ? `part=b/pending-${model.nextUuid()}.parquet` : undefined
  if (pending !== undefined) await t.putFile(pending, 10, now)
  const outsideBefore = (await t.bucketKeys()).filter((k) => !k.startsWith('tables/t/'))
  const logBefore = await t.keys('_delta_log/')
  // An earlier vacuum with a shorter (forced) retention may already have taken some files.
  const before = new Set(await t.keys())
  const infoBefore = await lastVacuumInfo(t)

  // Cutoffs right at a commit time, or between two commits, are where the window's edge bites.
  const retentionMs =
    'hours' in o.retention
      ? o.retention.hours * HOUR
      : Math.max(
          0,
          now -
            model.times()[o.retention.at % model.versions.length]! -
            (o.retention.after ? 1 : 0),
        )
  const run = vacuum(t, {
    mode: o.mode,
    retentionHours: retentionMs / HOUR,
    force: true,
    dryRun: false,
    clock: t.clock,
    listConcurrency: 3,
  })
  const outcome = await run.then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  )
  if ('error' in outcome) {
    // The one refusal allowed: lite after log cleanup took commits no vacuum had covered.
    expect(o.mode).toBe('lite')
    expect(model.earliest).toBeGreaterThan(0)
    expect(outcome.error).toMatchObject({ code: 'OPERATION_NOT_ALLOWED' })
    expect(await t.keys()).toEqual([...before].sort(compareUtf8))
    return
  }
  const report = outcome.report
  const cutoff = now - retentionMs
  expect(report.cutoff).toBe(cutoff)
  const after = new Set(await t.keys())

  // Safety: every version from the boundary on is fully readable.
  const times = model.times()
  let boundary = 0
  for (let v = 0; v < times.length; v++) if (times[v]! <= cutoff) boundary = v
  const reachable = new Set<string>()
  // Versions before the oldest reconstructable one cannot be read, whatever vacuum does.
  for (let v = Math.max(boundary, model.earliest); v < model.versions.length; v++) {
    for (const key of model.versions[v]!.referenced) {
      reachable.add(key)
      if (!before.has(key)) continue
      expect(after.has(key), `${key} (referenced by version ${v}) was deleted`).toBe(true)
    }
  }
  expect((await t.bucketKeys()).filter((k) => !k.startsWith('tables/t/'))).toEqual(outsideBefore)
  for (const key of logBefore) expect(after.has(key), key).toBe(true)
  if (pending !== undefined) expect(after.has(pending)).toBe(true)

  // Liveness: what an expired remove before the boundary removed is gone — unless a remove
  // not yet expired, or one inside the window, names it too (a DV update removes and re-adds).
  for (const [v, version] of model.versions.entries()) {
    for (const [key, dt] of version.removes) {
      if ((dt ?? 0) >= cutoff || v > boundary) reachable.add(key)
    }
  }
  const firstUnread = o.mode === 'full' ? 0 : infoBefore === undefined ? 0 : infoBefore + 1
  for (let v = firstUnread; v <= boundary && times[boundary]! <= cutoff; v++) {
    for (const [key, dt] of model.versions[v]!.removes) {
      if ((dt ?? 0) < cutoff && !reachable.has(key)) {
        expect(after.has(key), `${key} removed in ${v} survived`).toBe(false)
      }
    }
  }
  if (o.mode === 'full') {
    for (const [key, mtime] of model.orphans) {
      if (mtime < cutoff) expect(after.has(key), `orphan ${key} survived`).toBe(false)
    }
  }
  for (const key of model.orphans.keys()) if (!after.has(key)) model.orphans.delete(key)
  if (pending !== undefined) model.orphans.set(pending, now)

  // VACUUM START and END are new versions that reference what the last one did.
  for (let i = 0; i < 2; i++) {
    model.versions.push({
      rawTime: now,
      referenced: model.snapshotReferences(),
      removes: new Map(),
    })
  }
  t.version = report.endVersion!
  expect(report.endVersion).toBe(model.versions.length - 1)
  expect((await loadSnapshot(t.log, { clock: t.clock })).numFiles).toBe(model.live.size)
}

async function lastVacuumInfo(t: VacuumTable): Promise<number | undefined> {
  const bytes = await t.log.readOptional(LAST_VACUUM_INFO_KEY)
  if (bytes === undefined) return undefined
  const parsed = JSON.parse(utf8Decode(bytes)) as {
    latestCommitVersionOutsideOfRetentionWindow?: number
  }
  return parsed.latestCommitVersionOutsideOfRetentionWindow
}

describe('vacuum (property)', () => {
  it('never deletes a file a reachable version references, nor outside the root, nor a racing upload', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 14 }),
        fc.boolean(),
        async (ops, remote) => {
          // Either listing path: one walk, or discovery and concurrent prefixes (S3, Azure).
          const t = await VacuumTable.create(
            { protocol: PROTOCOL_DV, partitionColumns: ['part'] },
            remote ? asRoundTripStore : undefined,
          )
          const model = new Model(t)
          model.versions.push({ rawTime: T0, referenced: new Set(), removes: new Map() })
          // Files beside the table, and a commit whose removes point at them.
          t.time = T0
          await t.bucket.put('tables/other/x.parquet', new Uint8Array(10))
          await t.bucket.put('tables/t2/y.parquet', new Uint8Array(10))
          await model.commit(
            [
              removeAction('../other/x.parquet', T0),
              removeAction('memory://bucket/tables/t2/y.parquet', T0),
            ],
            T0,
          )
          for (const o of [
            ...ops,
            {
              kind: 'vacuum',
              mode: 'full',
              retention: { hours: 0 },
              wait: 0,
              racingWriter: true,
            } as const,
          ]) {
            await apply(model, o)
          }
        },
      ),
      { numRuns: 100 },
    )
  })
})
