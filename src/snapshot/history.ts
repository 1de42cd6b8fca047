/**
 * Commit times and timestamp time travel.
 *
 * Without in-commit timestamps a commit's time is its file's modification time, which copies
 * and clock skew can make go backwards; as Spark's DeltaHistoryManager does, times are
 * monotonized (a commit no earlier than its predecessor gets predecessor + 1 ms). With
 * in-commit timestamps, versions from the enablement version on use the `inCommitTimestamp`
 * of their commitInfo, and a search for time T looks only on the side of the enablement
 * timestamp that T falls on (PROTOCOL.md "In-Commit Timestamps").
 */
import { CorruptLogError, InvalidArgumentError, VersionNotFoundError } from '../errors.js'
import type { LogEntry } from '../log/log-segment.js'
import { completeCheckpoints, type CheckpointEntry } from '../log/log-segment.js'
import type { LogStore } from '../log/log-store.js'
import { commitKey } from '../log/log-store.js'
import type { Signalled } from '../storage/object-store.js'
import { loadTableMetadata } from './metadata.js'
import { ictActiveAt } from './read-segment.js'

export interface CommitTime {
  readonly version: number
  /** Epoch ms. */
  readonly timestamp: number
}

/** Accepts epoch ms, a Date, or an ISO-8601 string (a date alone means midnight UTC). */
export function parseTimestampInput(input: number | string | Date): number {
  const ms =
    typeof input === 'number'
      ? input
      : input instanceof Date
        ? input.getTime()
        : Date.parse(normaliseIso(input))
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(
      `Not a timestamp: ${String(input)} (use epoch milliseconds or ISO-8601)`,
    )
  }
  return ms
}

function normaliseIso(text: string): string {
  const trimmed = text.trim()
  // "2024-01-01 10:00:00" (Spark style) -> ISO; no zone means UTC.
  const iso = trimmed.replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2')
  return /[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) || !iso.includes('T') ? iso : `${iso}Z`
}

/** Monotonizes file times in version order: never earlier than the previous commit + 1 ms. */
export function monotonize(
  commits: readonly { version: number; lastModified: number }[],
): CommitTime[] {
  const out: CommitTime[] = []
  let previous = -Infinity
  for (const c of commits) {
    const timestamp = c.lastModified <= previous ? previous + 1 : c.lastModified
    out.push({ version: c.version, timestamp })
    previous = timestamp
  }
  return out
}

export interface TimestampSearch extends Signalled {
  /**
   * `at-or-before` (time travel): the latest version committed at or before the time.
   * `at-or-after` (streaming `startingTimestamp`): the earliest version committed at or after it.
   */
  readonly mode?: 'at-or-before' | 'at-or-after'
}

/**
 * The version for a timestamp. Time travel (`at-or-before`) fails with VersionNotFoundError
 * for a time before the earliest available commit or after the latest one, as Spark does.
 * `at-or-after` fails for a time after the latest commit.
 */
export async function versionAtTimestamp(
  log: LogStore,
  timestamp: number,
  options: TimestampSearch = {},
): Promise<number> {
  const mode = options.mode ?? 'at-or-before'
  const entries = await log.listAll({ signal: options.signal })
  const commits = entries
    .filter((e) => e.file.kind === 'commit')
    .map((e) => ({
      version: (e.file as { version: number }).version,
      lastModified: e.lastModified,
    }))
    .sort((a, b) => a.version - b.version)
  if (commits.length === 0) throw new VersionNotFoundError(isoOf(timestamp), undefined, undefined)
  const earliest = earliestAvailable(entries, commits[0]!.version)
  const usable = commits.filter((c) => c.version >= earliest)
  const latest = usable.at(-1)!.version
  const { protocol, metadata } = await loadTableMetadata(log, options)
  const ictFrom = usable.find((c) => ictActiveAt(protocol, metadata, c.version))?.version

  // The time of version i of `usable`: file time before in-commit timestamps, ICT after.
  const fileTimes = monotonize(usable.filter((c) => ictFrom === undefined || c.version < ictFrom))
  const ictCache = new Map<number, number>()
  const timeAt = async (i: number): Promise<number> => {
    if (i < fileTimes.length) return fileTimes[i]!.timestamp
    const version = usable[i]!.version
    let t = ictCache.get(version)
    if (t === undefined) {
      t = await inCommitTimestamp(log, version, options)
      ictCache.set(version, t)
    }
    return t
  }
  const n = usable.length
  const firstTime = await timeAt(0)
  const lastTime = await timeAt(n - 1)
  const fail = (detail: string): never => {
    throw new VersionNotFoundError(isoOf(timestamp), earliest, latest, detail)
  }
  if (timestamp > lastTime) {
    fail(`the timestamp is after the latest commit (version ${latest} at ${isoOf(lastTime)})`)
  }
  if (mode === 'at-or-before' && timestamp < firstTime) {
    fail(
      `the timestamp is before the earliest available commit (version ${usable[0]!.version} at ${isoOf(firstTime)})`,
    )
  }
  // Times are non-decreasing in version order: binary search, reading O(log n) commits
  // in the in-commit-timestamp range.
  let lo = 0
  let hi = n - 1
  if (mode === 'at-or-before') {
    // Last index with time <= timestamp.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if ((await timeAt(mid)) <= timestamp) lo = mid
      else hi = mid - 1
    }
  } else {
    // First index with time >= timestamp.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((await timeAt(mid)) >= timestamp) hi = mid
      else lo = mid + 1
    }
  }
  return usable[lo]!.version
}

/**
 * Commit times of the given commits (ascending versions): monotonized file times, replaced by
 * in-commit timestamps where those are active.
 */
export async function commitTimesFor(
  log: LogStore,
  commits: readonly { version: number; lastModified: number }[],
  options: Signalled = {},
): Promise<CommitTime[]> {
  const fileTimes = monotonize(commits)
  if (commits.length === 0) return fileTimes
  const { protocol, metadata } = await loadTableMetadata(log, options)
  const ictFrom = commits.find((c) => ictActiveAt(protocol, metadata, c.version))?.version
  if (ictFrom === undefined) return fileTimes
  const out: CommitTime[] = fileTimes.filter((t) => t.version < ictFrom)
  const ictVersions = commits.filter((c) => c.version >= ictFrom)
  // One read per commit in the ICT range: for history listings, which show every commit anyway.
  for (const c of ictVersions)
    out.push({ version: c.version, timestamp: await inCommitTimestamp(log, c.version, options) })
  return out
}

/** The `inCommitTimestamp` of a commit's commitInfo. */
export async function inCommitTimestamp(
  log: LogStore,
  version: number,
  options: Signalled = {},
): Promise<number> {
  const actions = await log.readJsonFile(commitKey(version), options)
  for (const action of actions) {
    if ('commitInfo' in action && typeof action.commitInfo.inCommitTimestamp === 'number') {
      return action.commitInfo.inCommitTimestamp
    }
  }
  throw new CorruptLogError(
    `in-commit timestamps are enabled, but version ${version} has no inCommitTimestamp`,
    {
      path: log.urlOf(commitKey(version)),
    },
  )
}

/** The oldest version a reader can reconstruct: 0 with commit 0, else the oldest complete checkpoint. */
function earliestAvailable(entries: readonly LogEntry[], oldestCommit: number): number {
  if (oldestCommit === 0) return 0
  const checkpoints = completeCheckpoints(
    entries.filter((e): e is CheckpointEntry => e.file.kind === 'checkpoint'),
  )
  return checkpoints[0]?.version ?? oldestCommit
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString()
}
