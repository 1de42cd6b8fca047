/**
 * Metadata cleanup (PROTOCOL.md "Metadata Cleanup"): deleting log files older than
 * `delta.logRetentionDuration` without ever breaking a retained version.
 *
 * 1. `cutoffTimestamp` = now - retention, rounded down to midnight UTC (Spark's `truncateDay`);
 *    `cutoffCommit` = the newest commit whose time is not after it. Commit times are the files'
 *    modification times, monotonized as time travel sees them (a commit no later than its
 *    predecessor counts as predecessor + 1 ms).
 * 2. `cutOffCheckpoint` = the newest complete checkpoint at or before `cutoffCommit`. It is
 *    kept, with its commit JSON (checkpoints drop commitInfo, which in-commit timestamps need)
 *    and everything after it. No such checkpoint: nothing is deleted. As in Spark, it is never
 *    newer than the checkpoint `_last_checkpoint` names, so the hint never dangles.
 *    One Spark rule the spec leaves implicit is kept too (`BufferingLogDeletionIterator`): the
 *    first retained commit must not have been time-adjusted, otherwise deleting its
 *    predecessors would change its monotonized time and make timestamp time travel answer
 *    differently; such a checkpoint is passed over for an older one.
 * 3. Deleted: commits, checkpoints (every part, complete or not) and `.crc` files before it;
 *    compaction files starting at or before it; staged commits at or before it.
 * 4. Sidecars (only when a checkpoint was deleted, as Spark does): kept when any remaining
 *    checkpoint references them or when younger than the sidecar cutoff, the older of the log
 *    cutoff and midnight UTC a day ago (the spec's "less than a day old", so an in-progress
 *    checkpoint's sidecars survive). The rest are deleted after the log files.
 *
 * Files are deleted oldest first, in batches. Everything deleted is older than the kept
 * checkpoint, so a crash at any point leaves every version from it on readable.
 *
 * On a V2 table whose newest checkpoint is UUID-named, a classic-named copy of it is written
 * before anything is deleted (Spark's `createSinglePartCheckpointForBackwardCompat`): once old
 * commits and classic checkpoints are gone, it is what pre-V2 readers can still find.
 */
import { InvalidArgumentError, throwIfAborted } from '../errors.js'
import { readCheckpointFile } from '../engine/checkpoint-read.js'
import { readCheckpoint } from '../log/checkpoint-reader.js'
import {
  completeCheckpoints,
  type CheckpointEntry,
  type CheckpointGroup,
  type LogEntry,
} from '../log/log-segment.js'
import { LOG_DIR, type LogStore } from '../log/log-store.js'
import type { Action } from '../protocol/actions.js'
import { parseLastCheckpoint } from '../protocol/last-checkpoint.js'
import {
  LAST_CHECKPOINT_NAME,
  SIDECARS_DIR,
  STAGED_COMMITS_DIR,
  formatLogFileName,
  parseLogFileName,
} from '../protocol/log-files.js'
import { TABLE_PROPERTIES } from '../protocol/table-properties.js'
import { monotonize } from '../snapshot/history.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { Signalled } from '../storage/object-store.js'
import { chunked } from '../util/async.js'
import { checkpointColumnOptions } from './checkpoint-layout.js'
import { checkpointCompression, positiveInteger, putCheckpointFile } from './checkpoint-files.js'

export const DAY_MS = 86_400_000

export interface CleanupOptions extends Signalled {
  /** Default: the snapshot's clock. */
  readonly now?: number
  /** Default: `delta.logRetentionDuration` (30 days). */
  readonly retentionMs?: number
  /** Work out what would be deleted, delete nothing (and write no compat checkpoint). */
  readonly dryRun?: boolean
  /** Keys per delete request. Default: the store's batch size. */
  readonly batchSize?: number
}

export interface CleanupResult {
  /** Midnight UTC at or before now - retention. */
  readonly cutoffTimestamp: number
  /** The newest commit not newer than the cutoff, if any. */
  readonly cutoffCommit: number | undefined
  /** The checkpoint the log now starts at; undefined when nothing could be cleaned. */
  readonly checkpointVersion: number | undefined
  /** Keys deleted (or that would be, with `dryRun`), in deletion order. */
  readonly deleted: readonly string[]
  /** The classic-named V2 compat checkpoint written first, if one was needed. */
  readonly compatCheckpoint: string | undefined
  readonly dryRun: boolean
}

/** Midnight UTC at or before `ms`. */
export function truncateToDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS
}

export async function cleanupExpiredLogs(
  snapshot: Snapshot,
  options: CleanupOptions = {},
): Promise<CleanupResult> {
  throwIfAborted(options.signal)
  const log = snapshot.context.log
  const now = options.now ?? snapshot.context.clock.now()
  const retention = options.retentionMs ?? snapshot.property(TABLE_PROPERTIES.logRetentionDuration)
  if (!Number.isFinite(retention) || retention < 0) {
    throw new InvalidArgumentError(`retentionMs must be a non-negative number, got ${retention}`)
  }
  const batchSize = positiveInteger(
    'batchSize',
    options.batchSize ?? log.store.capabilities.deleteBatchSize,
  )
  const dryRun = options.dryRun ?? false
  const cutoffTimestamp = truncateToDay(now - retention)
  const entries = await log.listAll({ signal: options.signal })
  const nothing = (cutoffCommit: number | undefined): CleanupResult => ({
    cutoffTimestamp,
    cutoffCommit,
    checkpointVersion: undefined,
    deleted: [],
    compatCheckpoint: undefined,
    dryRun,
  })

  // Step 1: the cutoff commit, by monotonized file time (as timestamp time travel sees it).
  const commits = entries
    .filter((e) => e.file.kind === 'commit')
    .map((e) => ({ version: versionOf(e), lastModified: e.lastModified }))
    .sort((a, b) => a.version - b.version)
  const times = monotonize(commits)
  let cutoffIndex = -1
  for (let i = 0; i < times.length && times[i]!.timestamp <= cutoffTimestamp; i++) cutoffIndex = i
  if (cutoffIndex < 0) return nothing(undefined)
  const cutoffCommit = times[cutoffIndex]!.version

  // Step 2: the checkpoint to keep. Incomplete multi-part checkpoints never qualify.
  const checkpoints = completeCheckpoints(
    entries.filter((e): e is CheckpointEntry => e.file.kind === 'checkpoint'),
  )
  const anchored = (version: number): boolean => {
    // The first commit kept: the checkpoint's own, or the next one if that is gone already.
    const i = commits.findIndex((c) => c.version >= version)
    return i < 0 || times[i]!.timestamp === commits[i]!.lastModified
  }
  const protectedBefore = checkpointProtection(snapshot)
  // Never delete the checkpoint `_last_checkpoint` names (Spark stops below it too): readers
  // that trust the hint would have to fall back to listing, and older ones do not.
  const hinted = await hintedVersion(log, checkpoints, options)
  let kept: CheckpointGroup | undefined
  for (const c of checkpoints) {
    if (c.version > cutoffCommit || c.version < protectedBefore) continue
    if (hinted !== undefined && c.version > hinted) continue
    if (anchored(c.version) && (kept === undefined || c.version > kept.version)) kept = c
  }
  if (kept === undefined) return nothing(cutoffCommit)
  const keep = kept.version

  // Step 3: what goes, oldest first (a partial run then leaves a contiguous tail of the log).
  const doomed: LogEntry[] = entries.filter((e) => expired(e, keep))
  doomed.sort((a, b) => firstVersion(a) - firstVersion(b) || (a.key < b.key ? -1 : 1))
  const staged = await listUnder(log, STAGED_COMMITS_DIR, options)
  const stagedDoomed = staged
    .filter((e) => e.file.kind === 'staged-commit' && e.file.version <= keep)
    .map((e) => e.key)
  const logKeys = [...doomed.map((e) => e.key), ...stagedDoomed]

  let compatCheckpoint: string | undefined
  if (logKeys.length > 0 && !dryRun) {
    compatCheckpoint = await writeV2CompatCheckpoint(snapshot, checkpoints, options)
  }

  // Steps 4-5: sidecars no remaining checkpoint references, once old enough.
  let sidecarKeys: string[] = []
  if (doomed.some((e) => e.file.kind === 'checkpoint')) {
    const sidecarCutoff = Math.min(cutoffTimestamp, truncateToDay(now - DAY_MS))
    sidecarKeys = await unreferencedSidecars(snapshot, checkpoints, keep, sidecarCutoff, options)
  }

  const deleted = [...logKeys, ...sidecarKeys]
  if (!dryRun) {
    // Oldest first, log files before sidecars: any prefix of this order leaves the kept
    // checkpoint, everything after it, and every sidecar a remaining checkpoint names.
    for (const batch of chunked(deleted, batchSize)) {
      throwIfAborted(options.signal)
      await log.store.deleteMany(batch, { signal: options.signal })
    }
  }
  return {
    cutoffTimestamp,
    cutoffCommit,
    checkpointVersion: keep,
    deleted,
    compatCheckpoint,
    dryRun,
  }
}

function versionOf(entry: LogEntry): number {
  const file = entry.file
  return 'version' in file ? file.version : -1
}

function firstVersion(entry: LogEntry): number {
  return entry.file.kind === 'compaction' ? entry.file.startVersion : versionOf(entry)
}

/** Whether a listed log file goes when the log is cut at checkpoint `keep`. */
function expired(entry: LogEntry, keep: number): boolean {
  const file = entry.file
  switch (file.kind) {
    case 'commit':
    case 'checkpoint':
    case 'crc':
      return file.version < keep
    case 'compaction':
      return file.startVersion <= keep
    default:
      return false
  }
}

/** The version `_last_checkpoint` names, when it names a complete checkpoint that exists. */
async function hintedVersion(
  log: LogStore,
  checkpoints: readonly CheckpointGroup[],
  options: Signalled,
): Promise<number | undefined> {
  const text = await log.readLastCheckpointText(options)
  if (text === undefined) return undefined
  let version: number
  try {
    version = parseLastCheckpoint(text, log.urlOf(`${LOG_DIR}${LAST_CHECKPOINT_NAME}`)).version
  } catch {
    return undefined
  }
  return checkpoints.some((c) => c.version === version) ? version : undefined
}

/**
 * The checkpointProtection RFC: while `delta.requireCheckpointProtectionBeforeVersion` is set
 * (and the feature supported), history before that version is kept.
 */
function checkpointProtection(snapshot: Snapshot): number {
  if (!snapshot.isFeatureSupported('checkpointProtection')) return 0
  return snapshot.property(TABLE_PROPERTIES.requireCheckpointProtectionBeforeVersion) ?? 0
}

/** Entries under `_delta_log/<dir>` (sidecars, staged commits), parsed. */
async function listUnder(log: LogStore, dir: string, options: Signalled): Promise<LogEntry[]> {
  const out: LogEntry[] = []
  for await (const meta of log.store.list(`${LOG_DIR}${dir}`, { signal: options.signal })) {
    const file = parseLogFileName(meta.path.slice(LOG_DIR.length))
    if (file === undefined) continue
    out.push({ file, key: meta.path, size: meta.size, lastModified: meta.lastModified })
  }
  return out
}

/** Sidecars no checkpoint at or after `keep` references, older than `cutoff`. */
async function unreferencedSidecars(
  snapshot: Snapshot,
  checkpoints: readonly CheckpointGroup[],
  keep: number,
  cutoff: number,
  options: Signalled,
): Promise<string[]> {
  const log = snapshot.context.log
  const sidecars = (await listUnder(log, SIDECARS_DIR, options)).filter(
    (e) => e.file.kind === 'sidecar',
  )
  if (sidecars.length === 0) return []
  // Only V2 checkpoints have sidecars: UUID-named ones, and classic-named ones on V2 tables.
  const v2Table = snapshot.isFeatureSupported('v2Checkpoint')
  const referenced = new Set<string>()
  for (const group of checkpoints) {
    if (group.version < keep) continue
    if (group.format === 'multi-part' || (group.format === 'classic' && !v2Table)) continue
    for await (const batch of readCheckpoint(log, group, { ...options, actions: ['sidecar'] })) {
      for (const action of batch) {
        if ('sidecar' in action) referenced.add(baseName(action.sidecar.path))
      }
    }
  }
  return sidecars
    .filter(
      (e) => e.file.kind === 'sidecar' && !referenced.has(e.file.name) && e.lastModified < cutoff,
    )
    .map((e) => e.key)
}

function baseName(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1)
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/**
 * On a V2 table, a classic-named copy of the newest checkpoint's top-level file when that
 * checkpoint is UUID-named and no classic checkpoint of its version exists. Returns its key.
 */
async function writeV2CompatCheckpoint(
  snapshot: Snapshot,
  checkpoints: readonly CheckpointGroup[],
  options: Signalled,
): Promise<string | undefined> {
  if (!snapshot.isFeatureSupported('v2Checkpoint')) return undefined
  const newest = checkpoints.at(-1)
  if (newest === undefined || newest.format !== 'uuid') return undefined
  if (checkpoints.some((c) => c.version === newest.version && c.format === 'classic')) {
    return undefined
  }
  const log = snapshot.context.log
  // Exactly the top-level rows (sidecar references, or inline file actions), never the
  // sidecars' contents: a V2 checkpoint must not mix the two.
  const top = newest.files[0]!
  let actions: Action[]
  if (top.file.format === 'uuid' && top.file.fileFormat === 'json') {
    actions = await log.readJsonFile(top.key, options)
  } else {
    actions = []
    const { bytes } = await log.store.get(top.key, options)
    for await (const batch of readCheckpointFile(bytes, 'parquet', { path: log.urlOf(top.key) })) {
      actions.push(...batch)
    }
  }
  const key = `${LOG_DIR}${formatLogFileName({ kind: 'checkpoint', version: newest.version, format: 'classic' })}`
  await putCheckpointFile(log, key, actions, {
    ...checkpointColumnOptions(snapshot),
    layout: 'v2',
    compression: checkpointCompression(snapshot),
    mode: 'overwrite',
    signal: options.signal,
  })
  return key
}
