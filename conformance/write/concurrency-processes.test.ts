/**
 * Eight writer processes on one table, on every backend with a server (local disk, S3 on Ceph
 * radosgw, Azure on Azurite): the in-process proof of `concurrency-scheduled.test.ts`, with real
 * parallelism — separate node processes running the built package, each with its own store
 * client, released together. Roles (`processes/writer.mjs`): four general writers (blind
 * appends, overwrites of one partition, deletes by predicate), two idempotent writers whose
 * commit puts sometimes fail or lose their response (they retry the batch) and who replay some
 * batches, and one stream of batches written twice under one app id, through the sink and
 * through `Transaction.setAppTransaction`.
 *
 * Each process reports its ledger on stdout. Afterwards, from the log alone:
 * - versions are contiguous from 0, no transaction is committed twice, no file is added twice;
 * - every acknowledged commit is in the log at the version its writer was told, with its txnId
 *   and exactly its adds, and no two writers were told the same version;
 * - every CommitConflictError is justified by the winning commit it names, and no blind append
 *   (with or without an app transaction) ever got one;
 * - every app-transaction batch landed exactly once; a batch retried after an unknown outcome
 *   was skipped exactly when it had landed, and a replayed batch was always skipped;
 * - every commit in the log is someone's, and the table reads back exactly the rows of a replay
 *   of the commits' effects in version order; it verifies clean, and the only unreferenced data
 *   files are those of writes whose outcome was unknown.
 *
 * The processes run `dist/`: `npm test` builds it first (run `npm run build` for a targeted run).
 */
import { existsSync } from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ConflictKind, DeltaErrorCode } from '../../src/errors.js'
import type { Action } from '../../src/protocol/actions.js'
import type { ObjectStore } from '../../src/storage/object-store.js'
import { DeltaTable } from '../../src/table/delta-table.js'
import { childEnv, runNodeScript } from '../support/child-processes.js'
import { allBackends } from '../support/backends.js'
import {
  expectJustified,
  replayEffects,
  type Conflict,
  type Effect,
} from './support/concurrent-writers.js'
import {
  auditLog,
  dataFiles,
  expectAcknowledged,
  readCommits,
  referencedKeys,
  txnsOf,
} from './support/log-audit.js'
import { type Row, repeatedIds, ROW_SCHEMA, snapshotRows, sortRows } from './support/rows.js'

const WRITER = path.resolve(import.meta.dirname, 'processes/writer.mjs')
const BUILT = path.resolve(import.meta.dirname, '../../dist/index.js')
/** Operations per process: enough that each general writer commits 25+ times despite conflicts. */
const OPS = 32
const SEED = 20_241_121
const ROLES = [
  'general',
  'general',
  'general',
  'general',
  'idempotent',
  'idempotent',
  'sink',
  'transaction',
] as const
const DUP_APP = 'dup-app'
/** A safety net only: a healthy writer takes seconds. */
const PROCESS_TIMEOUT_MS = 240_000

/** A commit's effect as a child reports it (a delete names its id range over op numbers). */
type ReportedEffect =
  | { readonly kind: 'append'; readonly rows: Row[] }
  | { readonly kind: 'replace'; readonly part: string; readonly rows: Row[] }
  | { readonly kind: 'delete'; readonly from: number; readonly to: number }

interface ReportedAck {
  readonly version: number
  /** Absent for the sink, which reports only the version. */
  readonly txnId?: string
  readonly actions?: Action[]
  readonly attempts?: number
  readonly effect: ReportedEffect
}

interface ReportedConflict {
  readonly op: number
  readonly opKind: string
  readonly readVersion: number
  readonly readPart?: string
  readonly appId?: string
  readonly code: DeltaErrorCode
  readonly kind: ConflictKind
  readonly winningVersion: number
}

interface ReportedBatch {
  readonly batch: number
  readonly fault?: 'none' | 'lost-response' | 'failed-put'
  readonly rows: Row[]
  /** Each attempt in order: committed, skipped, error (unknown outcome), failed, conflict. */
  readonly outcomes: string[]
}

interface WriterLedger {
  readonly writer: number
  readonly role: (typeof ROLES)[number]
  readonly acks: ReportedAck[]
  readonly conflicts: ReportedConflict[]
  readonly gaveUp: number
  readonly unchanged: number
  readonly batches: ReportedBatch[]
}

function effectOf(reported: ReportedEffect): Effect {
  if (reported.kind !== 'delete') return reported
  const { from, to } = reported
  return {
    kind: 'delete',
    matches: (row) => row.part === 'shared' && row.id % 100_000 >= from && row.id % 100_000 < to,
  }
}

/** A writer process: `ready` once its table is open, `go()` releases it, `done` is its ledger. */
function startWriter(writer: number, env: NodeJS.ProcessEnv) {
  let markReady!: () => void
  const ready = new Promise<void>((resolve) => (markReady = resolve))
  const { child, done } = runNodeScript(
    WRITER,
    [ROLES[writer]!, String(writer), String(OPS), String(SEED)],
    {
      env,
      timeoutMs: PROCESS_TIMEOUT_MS,
      onLine: (line) => {
        if (typeof line === 'object' && line !== null && 'ready' in line) markReady()
      },
    },
  )
  const ledger = done.then((lines) => lines.at(-1) as WriterLedger)
  // A writer that dies before it is ready must not leave the test waiting for it.
  return {
    ready: Promise.race([ready, ledger.then(() => undefined)]),
    go: () => child.stdin.end('go\n'),
    done: ledger,
  }
}

async function runProcesses(store: ObjectStore): Promise<WriterLedger[]> {
  const env = childEnv(store)
  const writers = ROLES.map((_, w) => startWriter(w, env))
  await Promise.all(writers.map((w) => w.ready))
  for (const w of writers) w.go()
  return Promise.all(writers.map((w) => w.done))
}

/** Checks the ledgers against the log; returns numbers for the report line. */
async function audit(store: ObjectStore, ledgers: readonly WriterLedger[]) {
  const commits = await readCommits(store)
  auditLog(commits)

  // Acknowledged commits: at their version, exactly as acknowledged, one writer per version.
  const effects = new Map<number, Effect>()
  for (const ledger of ledgers) {
    for (const ack of ledger.acks) {
      expect(effects.has(ack.version), `version ${ack.version} acknowledged twice`).toBe(false)
      effects.set(ack.version, effectOf(ack.effect))
      if (ack.txnId !== undefined && ack.actions !== undefined) {
        expectAcknowledged(commits, {
          version: ack.version,
          txnId: ack.txnId,
          actions: ack.actions,
        })
      }
    }
  }

  // App transactions: each batch of each app landed exactly once.
  const landedAt = new Map<string, number[]>()
  for (const commit of commits) {
    for (const txn of txnsOf(commit.actions)) {
      const key = `${txn.appId}:${txn.version}`
      landedAt.set(key, [...(landedAt.get(key) ?? []), commit.version])
    }
  }
  const appEffects = new Map<string, Effect>()
  for (const ledger of ledgers) {
    const appId =
      ledger.role === 'idempotent'
        ? `app-${ledger.writer}`
        : ledger.role === 'general'
          ? ''
          : DUP_APP
    if (appId === '') continue
    expect(ledger.batches.map((b) => b.batch)).toEqual(Array.from({ length: OPS }, (_, i) => i))
    for (const record of ledger.batches) {
      const key = `${appId}:${record.batch}`
      const versions = landedAt.get(key) ?? []
      expect(versions, key).toHaveLength(1)
      const version = versions[0]!
      // The landing's effect: an acknowledged commit's, or (unknown outcome) this batch's rows.
      if (!effects.has(version)) appEffects.set(key, { kind: 'append', rows: record.rows })
      const outcomes = record.outcomes
      expect(outcomes.filter((o) => o === 'committed').length, key).toBeLessThanOrEqual(1)
      // A writer told `committed` was told the version where the batch landed.
      if (outcomes.includes('committed')) expect(effects.has(version), key).toBe(true)
      if (ledger.role !== 'idempotent') continue
      // The only writer of its app: a batch it was never told was committed landed through an
      // attempt whose outcome it could not know, and its retry was skipped.
      if (!outcomes.includes('committed')) {
        expect(effects.has(version), key).toBe(false)
        expect(outcomes[0], key).toBe('error')
      }
      // Retried until the table held it.
      const settled = outcomes.findIndex((o) => o === 'committed' || o === 'skipped')
      expect(settled, key).toBeGreaterThanOrEqual(0)
      // A replay after it settled (a restarted job) is always skipped.
      expect(
        outcomes.slice(settled + 1).every((o) => o === 'skipped'),
        key,
      ).toBe(true)
    }
  }

  // Conflicts: only read-then-write operations and same-app writers get them, and each is
  // justified by the winner it names.
  let conflicts = 0
  const table = await DeltaTable.open(store.url, { store })
  for (const ledger of ledgers) {
    for (const reported of ledger.conflicts) {
      conflicts++
      expect(reported.opKind, `writer ${ledger.writer} op ${reported.op}`).toMatch(
        /^(overwrite-own|overwrite-shared|delete-shared|app-transaction)$/,
      )
      const conflict: Conflict = {
        writer: ledger.writer,
        read: await table.snapshot({ version: reported.readVersion }),
        readPart: reported.readPart,
        appId: reported.appId,
        error: reported,
      }
      expectJustified(conflict, commits)
    }
  }

  // Every commit is someone's; the table holds exactly the rows the replay of the log says.
  const latest = await table.snapshot()
  expect(latest.version).toBe(commits.length - 1)
  const rows = await snapshotRows(latest)
  expect(repeatedIds(rows)).toEqual([])
  expect(rows).toEqual(sortRows(replayEffects({ effects, appEffects }, commits).at(-1)!))
  for (const appId of [`app-4`, `app-5`, DUP_APP]) {
    expect(latest.appTransactionVersion(appId)).toBe(OPS - 1)
  }
  expect((await table.verify()).problems).toEqual([])

  // Losers delete their files; only writes with an unknown outcome that did not land leave some.
  const referenced = referencedKeys(commits)
  const unreferenced = (await dataFiles(store)).filter((k) => !referenced.has(k))
  const unknownButLost = ledgers
    .flatMap((l) => (l.role === 'idempotent' ? l.batches : []))
    .filter((b) => b.outcomes[0] === 'error' && b.outcomes.includes('committed')).length
  expect(unreferenced.every((k) => k.startsWith('part=app'))).toBe(true)
  expect(unreferenced.length).toBeLessThanOrEqual(unknownButLost)

  const attempts = ledgers.flatMap((l) => l.acks.flatMap((a) => a.attempts ?? []))
  return {
    commits: commits.length - 1,
    conflicts,
    gaveUp: ledgers.reduce((n, l) => n + l.gaveUp, 0),
    unknownOutcomes: ledgers
      .flatMap((l) => (l.role === 'idempotent' ? l.batches : []))
      .filter((b) => b.outcomes[0] === 'error').length,
    maxAttempts: Math.max(...attempts),
    meanAttempts: attempts.reduce((a, b) => a + b, 0) / attempts.length,
  }
}

// The memory store lives in one process: the scheduled suite covers it.
const backends = allBackends().filter((b) => b.name !== 'memory')

describe.each(backends)('eight writer processes, 32 operations each: $name', (backend) => {
  afterAll(() => backend.cleanup())

  describe.skipIf(backend.skip !== undefined)(`against ${backend.skip ?? 'its server'}`, () => {
    it('contiguous versions, acknowledged adds exactly once, justified conflicts, exactly-once app batches, rows as the log says', async () => {
      if (!existsSync(BUILT)) {
        throw new Error('The writer processes run the built package: run `npm run build` first')
      }
      const store = await backend.create()
      // Deletes use deletion vectors on local disk and Azure, rewrite files on S3.
      await DeltaTable.create(store.url, {
        store,
        schema: ROW_SCHEMA,
        partitionBy: ['part'],
        properties: backend.name === 's3' ? {} : { 'delta.enableDeletionVectors': 'true' },
      })
      const ledgers = await runProcesses(store)
      const result = await audit(store, ledgers)
      expect(result.commits).toBeGreaterThanOrEqual(OPS * 3)
      console.log(
        `[${backend.name}] 8 writer processes: ${result.commits} commits, attempts per commit ` +
          `mean ${result.meanAttempts.toFixed(2)} max ${result.maxAttempts}; ` +
          `${result.conflicts} justified conflicts, ${result.gaveUp} gave up, ` +
          `${result.unknownOutcomes} unknown outcomes`,
      )
    }, 300_000)
  })
})
