/**
 * Property test of `delta vacuum --execute` as users run it: a subprocess over a local table
 * with a random history written by the library (appends, partition and full overwrites,
 * orphaned uploads, checkpoints) whose files and commits carry random ages, a random retention
 * (forced or not, full or lite), sometimes with a writer committing while the vacuum runs.
 *
 * After every run:
 * - a retention below the table's 7 days without --force is refused (exit 1,
 *   OPERATION_NOT_ALLOWED) and nothing changed;
 * - otherwise every file that any version from the retention boundary on references exists
 *   (the boundary being the newest version committed at or before the cutoff, by the commit
 *   times time travel uses), the log is untouched, nothing outside the table root is touched,
 *   the concurrent writer's files exist and the table verifies;
 * - and, so that a vacuum that deletes nothing cannot pass: files removed by an expired remove
 *   at or before the boundary that no reachable version needs are gone, and in full mode so
 *   are orphans older than the cutoff.
 * Fewer runs than the library's property test (src/maintenance/vacuum.property.test.ts): each
 * spawns a process. A forced retention of 0 hours is not combined with a concurrent writer:
 * that race (an upload older than the cutoff, committed after the listing) is unsafe by
 * definition, in Spark too, and is exactly what the refusal without --force prevents.
 */
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { VersionNotFoundError } from '../errors.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { versionAtTimestamp } from '../snapshot/history.js'
import { DeltaTable } from '../table/delta-table.js'
import { ManualClock } from '../util/clock.js'
import { jsonOf, requireBuild, runDelta, tempDir } from './cli.test-util.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

type Op =
  | { readonly kind: 'append'; readonly gap: number; readonly parts: readonly ('a' | 'b')[] }
  | { readonly kind: 'overwrite-part'; readonly gap: number; readonly part: 'a' | 'b' }
  | { readonly kind: 'overwrite'; readonly gap: number }
  | { readonly kind: 'orphan'; readonly age: number }
  | { readonly kind: 'checkpoint' }

interface VacuumRun {
  /**
   * The table's own retention (7 days), a number of hours, or a cutoff half-way between the
   * commit times of versions `at % n` and the next (robust to the seconds a process takes to
   * start, unlike a cutoff right at a commit time, which the library's property test covers).
   */
  readonly retention:
    | { readonly kind: 'table' }
    | { readonly kind: 'hours'; readonly hours: number }
    | { readonly kind: 'between'; readonly at: number }
  readonly force: boolean
  readonly lite: boolean
  readonly concurrent: boolean
}

/** History spans at most 8 gaps of 2 days from 20 days ago: cutoffs of 0..600 hours cover it. */
const START_AGO = 20 * DAY
// No bias toward small values: short gaps would squeeze the history into one instant.
const gap = fc.noBias(fc.integer({ min: HOUR, max: 2 * DAY }))
const part = fc.constantFrom<'a' | 'b'>('a', 'b')
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      gap,
      parts: fc.array(part, { minLength: 1, maxLength: 2 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('overwrite-part' as const), gap, part }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('overwrite' as const), gap }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('orphan' as const),
      age: fc.integer({ min: 0, max: 30 * DAY }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
)
const run: fc.Arbitrary<VacuumRun> = fc.record({
  retention: fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'table' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('hours' as const),
        hours: fc.noBias(fc.integer({ min: 0, max: 600 })),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('between' as const), at: fc.nat() }) },
  ),
  // Mostly forced: a refusal is quickly checked, a forced run exercises the window.
  force: fc.oneof(
    { weight: 2, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  lite: fc.boolean(),
  concurrent: fc.boolean(),
})

let counter = 0
function rows(parts: readonly string[]): arrow.Table {
  const ids = parts.map(() => ++counter)
  return arrow.tableFromArrays({ id: Int32Array.from(ids), part: [...parts] })
}

/** Every file under `dir` (relative, `/`-separated), with its mtime in ms. */
async function listFiles(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = path.join(entry.parentPath, entry.name)
    out.set(path.relative(dir, full).split(path.sep).join('/'), (await stat(full)).mtimeMs)
  }
  return out
}

/** Gives files that appeared since `before` the simulated time: log files `at`, data a minute older. */
async function age(root: string, before: Map<string, number>, at: number): Promise<void> {
  for (const key of (await listFiles(root)).keys()) {
    if (before.has(key)) continue
    const mtime = key.startsWith('_delta_log/') ? at : at - 60_000
    await utimes(path.join(root, key), mtime / 1000, mtime / 1000)
  }
}

/** Store keys of the data files a version references. */
async function referencedAt(table: DeltaTable, version: number): Promise<string[]> {
  const snapshot = await table.snapshot({ version })
  return [...snapshot.files()].map((add) => {
    const target = decodeLogPath(add.path)
    return target.kind === 'relative' ? target.key : add.path
  })
}

async function checkHistory(ops: readonly Op[], vacuum: VacuumRun): Promise<void> {
  const { dir, remove } = await tempDir('vacuum-property')
  try {
    const root = path.join(dir, 't')
    // Neighbours the vacuum must never touch: a sibling table and a file beside the root.
    await mkdir(path.join(dir, 't-other/part=a'), { recursive: true })
    await writeFile(path.join(dir, 't-other/part=a/x.parquet'), 'x')
    await writeFile(path.join(dir, 't.parquet'), 'y')
    const outside = ['t-other/part=a/x.parquet', 't.parquet']
    await utimes(path.join(dir, 't.parquet'), 0, 0)

    const now = Date.now()
    const clock = new ManualClock(now - START_AGO)
    const commitTimes = [clock.now()]
    let before = new Map<string, number>()
    const table = await DeltaTable.create(root, {
      schema: rows(['a']).schema,
      data: rows(['a', 'b']),
      partitionBy: ['part'],
      // No log cleanup in post-commit hooks: every version stays readable for the checks.
      properties: { 'delta.logRetentionDuration': 'interval 3650 days' },
      clock,
    })
    await age(root, before, clock.now())
    const orphans = new Map<string, number>()
    for (const o of ops) {
      before = await listFiles(root)
      if ('gap' in o) clock.advance(o.gap)
      switch (o.kind) {
        case 'append':
          await table.append(rows(o.parts))
          break
        case 'overwrite-part':
          await table.overwrite(rows([o.part]), { replaceWhere: `part = '${o.part}'` })
          break
        case 'overwrite':
          await table.overwrite(rows(['a', 'b']))
          break
        case 'orphan': {
          const key = `part=b/orphan-${++counter}.parquet`
          await writeFile(path.join(root, key), 'orphan')
          const mtime = clock.now() - o.age
          await utimes(path.join(root, key), mtime / 1000, mtime / 1000)
          orphans.set(key, mtime)
          continue
        }
        case 'checkpoint':
          await table.checkpoint()
          break
      }
      if (o.kind !== 'checkpoint') commitTimes.push(clock.now())
      await age(root, before, clock.now())
    }

    const filesBefore = await listFiles(root)
    const args = ['vacuum', root, '--execute', '--json']
    let hours: number | undefined
    if (vacuum.retention.kind === 'hours') hours = vacuum.retention.hours
    if (vacuum.retention.kind === 'between') {
      const i = vacuum.retention.at % commitTimes.length
      const next = commitTimes[i + 1] ?? commitTimes[i]! + 2 * HOUR
      hours = (Date.now() - (commitTimes[i]! + next) / 2) / HOUR
    }
    if (hours !== undefined) args.push('--retention-hours', hours.toFixed(6))
    if (vacuum.force) args.push('--force')
    if (vacuum.lite) args.push('--lite')
    const refused = (hours ?? 168) < 168 && !vacuum.force
    const concurrent = vacuum.concurrent && (hours ?? 168) >= 1
    const retentionMs = Math.round((hours ?? 168) * HOUR)
    const spawnedAt = Date.now()
    const child = runDelta(args)
    let written: string[] = []
    if (concurrent) {
      // A writer with the real clock, committing while the vacuum lists and deletes.
      const writer = await DeltaTable.open(root)
      const result = await writer.append(rows(['a', 'b']))
      if (result.status === 'committed') {
        written = result.files.adds.flatMap((add) => {
          const target = decodeLogPath(add.path)
          return target.kind === 'relative' ? [target.key] : []
        })
      }
      expect(written.length).toBeGreaterThan(0)
    }
    const result = await child
    const finishedAt = Date.now()
    const filesAfter = await listFiles(root)
    for (const key of outside)
      expect((await listFiles(dir)).has(key), `outside file ${key}`).toBe(true)
    for (const key of written) expect(filesAfter.has(key), `concurrent writer's ${key}`).toBe(true)
    for (const key of filesBefore.keys()) {
      if (key.startsWith('_delta_log/')) expect(filesAfter.has(key), `log file ${key}`).toBe(true)
    }

    if (refused) {
      expect(result.code).toBe(1)
      expect(jsonOf<{ error: { code: string } }>(result).error.code).toBe('OPERATION_NOT_ALLOWED')
      for (const key of filesBefore.keys())
        expect(filesAfter.has(key), `${key} after a refusal`).toBe(true)
      return
    }
    expect(result.code, result.stderr).toBe(0)
    const report = jsonOf<{ cutoff: string; numDeletedFiles: number; endVersion: number }>(result)
    // The cutoff is the CLI's own now minus the retention asked for: check it independently
    // of the report, then judge safety by the earliest cutoff the run could have had.
    const cutoff = Date.parse(report.cutoff)
    expect(cutoff).toBeGreaterThanOrEqual(spawnedAt - retentionMs - 1)
    expect(cutoff).toBeLessThanOrEqual(finishedAt - retentionMs + 1)
    const earliestCutoff = spawnedAt - retentionMs

    // Safety: every version from the boundary on still has all its files.
    const reader = await DeltaTable.open(root)
    const latest = (await reader.snapshot()).version
    let boundary: number | undefined
    try {
      boundary = await versionAtTimestamp(reader.log, earliestCutoff)
    } catch (error) {
      if (!(error instanceof VersionNotFoundError)) throw error
      // The cutoff is before the first commit (every version is in the window) or after the
      // last (only the latest must stay readable).
      boundary = earliestCutoff < now - START_AGO + 1 ? undefined : latest
    }
    const reachable = new Set<string>()
    for (let v = boundary ?? 0; v <= latest; v++) {
      for (const key of await referencedAt(reader, v)) {
        reachable.add(key)
        expect(
          filesAfter.has(key),
          `${key}, referenced by version ${v} (boundary ${boundary}), was deleted`,
        ).toBe(true)
      }
    }
    expect((await reader.verify()).ok).toBe(true)

    // Liveness: expired removes at or before the boundary took their files with them...
    if (boundary !== undefined) {
      const removed = new Map<string, number>()
      for (let v = 0; v <= latest; v++) {
        for (const action of await reader.log.readCommit(v)) {
          if (!('remove' in action)) continue
          const dt = action.remove.deletionTimestamp ?? 0
          const target = decodeLogPath(action.remove.path)
          if (target.kind !== 'relative') continue
          if (v > boundary || dt >= cutoff) reachable.add(target.key)
          else removed.set(target.key, dt)
        }
      }
      for (const key of removed.keys()) {
        if (!reachable.has(key))
          expect(filesAfter.has(key), `${key}, removed before the cutoff, survived`).toBe(false)
      }
    }
    // ...and a full vacuum took the orphans older than the cutoff, and only those.
    if (!vacuum.lite) {
      for (const [key, mtime] of orphans)
        expect(filesAfter.has(key), `orphan ${key}`).toBe(mtime >= cutoff)
    }
  } finally {
    await remove()
  }
}

describe('delta vacuum --execute (property, subprocess)', () => {
  beforeAll(() => requireBuild())

  it('never deletes what a version in the retention window references, nor outside the root', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 2, maxLength: 8 }), run, checkHistory),
      { numRuns: 12 },
    )
  }, 300_000)
})
