/**
 * VACUUM: deleting data files the table no longer needs.
 *
 * Safety rules, in the order they apply (each traced to Spark's `VacuumCommand` or a delta-rs
 * lesson, and each tested):
 * 1. The *writer* protocol check runs before anything, dry runs included: Spark calls
 *    `protocolWrite` first, and a table with the `vacuumProtocolCheck` feature requires it (so
 *    that a client that cannot write the table cannot garbage-collect it either).
 * 2. A retention below `delta.deletedFileRetentionDuration` is refused unless `force`
 *    (`vacuum-retention.ts`).
 * 3. Only keys under the table root are candidates; log paths that resolve elsewhere are
 *    ignored (`vacuum-paths.ts`). `_delta_log/` and every hidden component (`_x`, `.x`, except
 *    `_change_data`, `_delta_index` and `_col=` partition directories) are never touched.
 * 4. Referenced files are kept: live files and their deletion-vector files, tombstones not yet
 *    expired, and everything removed by a commit inside the retention window
 *    (`vacuum-referenced.ts`), so time travel to any version a reader can still reach works.
 * 5. Full mode: an unreferenced file is deleted only if its own modification time is older than
 *    the cutoff — it may be a concurrent writer's file not yet committed (delta-rs#3645/#3835);
 *    recent tombstones protect old files (delta-rs#4300), the age check covers unknown ones.
 * 6. Lite mode deletes only what commits outside the window removed (`vacuum-lite.ts`).
 * 7. After VACUUM START lands, commits that landed while planning are read, and any file they
 *    (re-)add is spared. A commit landing after START can still race, as in Spark.
 *
 * Dry runs (the default) plan and report, and delete nothing. Otherwise: VACUUM START (with the
 * counts), deletes in batches through `deleteMany`, VACUUM END (`vacuum-commits.ts`), and
 * `_delta_log/_last_vacuum_info`. A crash while deleting leaves the table readable: only
 * unreferenced files were being deleted.
 */
import { InvalidArgumentError, NotFoundError, throwIfAborted } from '../errors.js'
import type { LogStore } from '../log/log-store.js'
import { checkWriteSupport } from '../protocol/protocol-check.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { ObjectStore, Signalled } from '../storage/object-store.js'
import { systemClock, type Clock } from '../util/clock.js'
import { CandidateList, type VacuumFile } from './vacuum-candidates.js'
import { recordVacuumEnd, recordVacuumStart } from './vacuum-commits.js'
import { scanLiteCandidates, writeLastVacuumInfo } from './vacuum-lite.js'
import { listTableFiles } from './vacuum-listing.js'
import { hiddenRuleOf, isProtectedKey, keyResolver, type KeyResolver } from './vacuum-paths.js'
import { ReferenceSet } from './vacuum-referenced.js'
import { retentionPlan } from './vacuum-retention.js'
import { CommitTimeline, commitRefs, readCommits } from './vacuum-window.js'

export type { VacuumFile } from './vacuum-candidates.js'

export type VacuumMode = 'full' | 'lite'

export interface VacuumProgress {
  readonly phase: 'listing' | 'deleting'
  /** Files listed (full), or candidates found (lite); files deleted. */
  readonly done: number
  /** While deleting: how many will be. */
  readonly total?: number
}

export interface VacuumOptions extends Signalled {
  /** Default: the table's `delta.deletedFileRetentionDuration` (7 days). */
  readonly retentionHours?: number
  /** Plan and report only. Default true: deleting must be asked for. */
  readonly dryRun?: boolean
  /** `full` (default) lists the table; `lite` reads the log only. */
  readonly mode?: VacuumMode
  /** Allow a retention below the table's setting. */
  readonly force?: boolean
  readonly clock?: Clock
  /** LIST requests (and commit reads) in flight. Default 10. */
  readonly listConcurrency?: number
  /** `deleteMany` requests in flight. Default 1, as Spark (parallel deletes trip S3 throttling). */
  readonly deleteConcurrency?: number
  /** Files listed in the report (the first in key order). Default 1,000. */
  readonly reportLimit?: number
  /** Called for every file to delete, as it is found (for streaming huge dry-run lists). */
  readonly onFile?: (file: VacuumFile) => void
  readonly onProgress?: (progress: VacuumProgress) => void
}

export interface VacuumReport {
  readonly dryRun: boolean
  readonly mode: VacuumMode
  /** The table version the plan was made against. */
  readonly version: number
  readonly retentionMs: number
  /** Epoch ms: unreferenced files (and tombstones) older than this are eligible. */
  readonly cutoff: number
  readonly numFilesToDelete: number
  /** Total size of the files to delete (Spark's `sizeOfDataToDelete`). */
  readonly bytes: number
  /** Up to `reportLimit` of the files, in key order; all of them when `filesToDeleteComplete`. */
  readonly filesToDelete: readonly VacuumFile[]
  readonly filesToDeleteComplete: boolean
  /** Files deleted (0 for a dry run). Deleting a file that is already gone counts. */
  readonly deleted: number
  /** Files spared because a commit that landed during planning added them. */
  readonly spared: number
  /** Spark's `numVacuumedDirectories`: directories listed plus the root (1 in lite mode). */
  readonly directories: number
  /** Versions of the VACUUM START and END commits, when recorded. */
  readonly startVersion: number | undefined
  readonly endVersion: number | undefined
  /** Lite: the commit versions read for candidates, when any. */
  readonly logRange: { readonly start: number; readonly end: number } | undefined
}

/** Plans and (unless `dryRun`, the default) performs a vacuum of the table. */
export async function vacuum(
  table: { readonly log: LogStore },
  options: VacuumOptions = {},
): Promise<VacuumReport> {
  const { log } = table
  const signal = options.signal
  throwIfAborted(signal)
  const mode = options.mode ?? 'full'
  if (mode !== 'full' && mode !== 'lite') {
    throw new InvalidArgumentError(`mode must be 'full' or 'lite', got ${String(mode)}`)
  }
  const dryRun = options.dryRun ?? true
  const concurrency = positiveInteger('listConcurrency', options.listConcurrency ?? 10)
  const deleteConcurrency = positiveInteger('deleteConcurrency', options.deleteConcurrency ?? 1)
  const reportLimit = options.reportLimit ?? 1000
  if (!Number.isSafeInteger(reportLimit) || reportLimit < 0) {
    throw new InvalidArgumentError(`reportLimit must be a non-negative integer, got ${reportLimit}`)
  }
  const clock = options.clock ?? systemClock

  const snapshot = await loadSnapshot(log, { stats: 'skip', clock, signal })
  checkWriteSupport(snapshot.protocol, snapshot.metadata, undefined, snapshot.schema)
  const retention = retentionPlan(snapshot, options)
  // A vacuum that cannot record its commits must not start deleting.
  if (!dryRun) log.requirePutIfAbsent()
  const cutoff = clock.now() - retention.retentionMs

  // The window: removes of every commit after the boundary stay referenced.
  const timeline = CommitTimeline.of(
    log,
    await log.listAll({ signal }),
    snapshot.protocol,
    snapshot.metadata,
  )
  const boundary = await timeline.boundaryIndex(cutoff, { signal })
  const resolver = keyResolver(log.tableUrl)
  const referenced = new ReferenceSet(resolver)
  referenced.addSnapshot(snapshot, cutoff)
  await readCommits(log, timeline.commits.slice(boundary + 1), { concurrency, signal }, (_c, a) =>
    referenced.addCommit(a),
  )

  const hidden = hiddenRuleOf(snapshot.metadata)
  const candidates = new CandidateList({ retain: !dryRun, sampleSize: reportLimit })
  const unreferenced = (key: string): boolean =>
    !referenced.has(key) && !isProtectedKey(key, hidden)
  const consider = (key: string, size: number): void => {
    if (!unreferenced(key)) return
    candidates.add(key, size)
    options.onFile?.({ path: key, size })
  }
  let directories = 1
  let logRange: VacuumReport['logRange']
  let covered: number | undefined
  if (mode === 'full') {
    // delta-rs#4635: where each list request is a round trip, expand all partition levels but
    // the last, then list each prefix flat, concurrently. Where listing is local (disk,
    // memory), one sequential walk reads each directory once and does the least work.
    const depth =
      log.store.capabilities.listCost === 'local'
        ? 0
        : Math.max(1, snapshot.partitionColumns.length - 1)
    const listing = await listTableFiles(
      log.store,
      {
        concurrency,
        depth,
        hidden,
        signal,
        onProgress: (done) => options.onProgress?.({ phase: 'listing', done }),
        // The referenced files' directories are listed without waiting for discovery.
        ...(depth > 0 ? { knownKeys: referenced.values() } : {}),
      },
      (meta) => {
        // The reference check first: only unreferenced files need their age and size, which
        // on local disk cost a stat each (the listing's metadata is lazy).
        if (!unreferenced(meta.path)) return
        let lastModified: number
        let size: number
        try {
          lastModified = meta.lastModified
          size = meta.size
        } catch (error) {
          if (error instanceof NotFoundError) return // deleted since listed: nothing to vacuum
          throw error
        }
        // Unreferenced and young: possibly a writer's file awaiting its commit. Keep it.
        if (lastModified < cutoff) consider(meta.path, size)
      },
    )
    directories = listing.directories
    covered = boundary >= 0 ? timeline.commits[boundary]!.version : undefined
  } else {
    const range = await scanLiteCandidates(
      { log, timeline, boundary, version: snapshot.version, cutoff, resolver, concurrency, signal },
      consider,
    )
    options.onProgress?.({ phase: 'listing', done: candidates.count })
    if (range.startVersion !== undefined && range.endVersion !== undefined) {
      logRange = { start: range.startVersion, end: range.endVersion }
    }
    covered = range.coveredVersion
  }

  const report = {
    dryRun,
    mode,
    version: snapshot.version,
    retentionMs: retention.retentionMs,
    cutoff,
    numFilesToDelete: candidates.count,
    bytes: candidates.bytes,
    filesToDelete: candidates.sample(),
    filesToDeleteComplete: candidates.complete,
    directories,
    logRange,
  }
  if (dryRun) {
    return { ...report, deleted: 0, spared: 0, startVersion: undefined, endVersion: undefined }
  }

  const record = { clock, signal }
  const start = await recordVacuumStart(
    snapshot,
    {
      retentionCheckEnabled: retention.checkEnabled,
      specifiedRetentionMs: retention.specified ? retention.retentionMs : undefined,
      defaultRetentionMs: retention.configuredMs,
      numFilesToDelete: candidates.count,
      sizeOfDataToDelete: candidates.bytes,
    },
    record,
  )
  const spare = await addedSince(
    log,
    snapshot.version,
    start.version,
    resolver,
    concurrency,
    signal,
  )
  let deleted: number
  try {
    deleted = await deleteCandidates(log.store, candidates, spare, {
      concurrency: deleteConcurrency,
      signal,
      onProgress: options.onProgress,
    })
  } catch (error) {
    // Spark records VACUUM END with status FAILED, then rethrows. Best effort, and without the
    // signal: an aborted vacuum is still worth a line in the history.
    await recordVacuumEnd(snapshot, { status: 'FAILED' }, { clock }).catch(() => undefined)
    throw error
  }
  const end = await recordVacuumEnd(
    snapshot,
    { status: 'COMPLETED', numDeletedFiles: deleted, numVacuumedDirectories: directories },
    record,
  )
  if (covered !== undefined) await writeLastVacuumInfo(log, covered, { signal })
  return {
    ...report,
    deleted,
    spared: spare.hits,
    startVersion: start.version,
    endVersion: end.version,
  }
}

/** Keys added by commits in (from, to): a concurrent RESTORE may have revived a candidate. */
async function addedSince(
  log: LogStore,
  from: number,
  to: number,
  resolver: KeyResolver,
  concurrency: number,
  signal: AbortSignal | undefined,
): Promise<{ has(key: string): boolean; hits: number }> {
  const keys = new Set<string>()
  if (to > from + 1) {
    const listed = commitRefs(await log.listAll({ fromVersion: from + 1, signal }))
    const between = listed.filter((c) => c.version > from && c.version < to)
    await readCommits(log, between, { concurrency, signal }, (_c, actions) => {
      for (const action of actions) {
        if (!('add' in action)) continue
        const key = resolver.fileKey(action.add.path)
        if (key !== undefined) keys.add(key)
        const dvKey = resolver.dvKey(action.add.deletionVector)
        if (dvKey !== undefined) keys.add(dvKey)
      }
    })
  }
  const spare = {
    hits: 0,
    has(key: string): boolean {
      if (!keys.has(key)) return false
      spare.hits++
      return true
    },
  }
  return spare
}

interface DeleteOptions extends Signalled {
  readonly concurrency: number
  readonly onProgress: ((progress: VacuumProgress) => void) | undefined
}

/** Deletes the candidates in store-sized batches; returns how many keys were deleted. */
async function deleteCandidates(
  store: ObjectStore,
  candidates: CandidateList,
  spare: { has(key: string): boolean },
  options: DeleteOptions,
): Promise<number> {
  const total = candidates.count
  const batches = candidates.batches(store.capabilities.deleteBatchSize, (key) => spare.has(key))
  let deleted = 0
  let failure: { readonly error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      const next = batches.next()
      if (next.done === true) return
      try {
        throwIfAborted(options.signal)
        deleted += (await store.deleteMany(next.value, { signal: options.signal })).deleted
        options.onProgress?.({ phase: 'deleting', done: deleted, total })
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  // Every worker finishes its request before the failure is reported: no delete is still in
  // flight when the caller records VACUUM END.
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  if (failure !== undefined) throw failure.error
  return deleted
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`)
  }
  return value
}
