/**
 * Change tails: the commits of a table from a version on, strictly in order and gap-free,
 * optionally following the table as it grows.
 *
 * Following lists `_delta_log/` from the next expected version only (no re-reads), reads the
 * new commits, and when there are none waits with backoff (from `pollIntervalMs`, doubling
 * up to `maxPollIntervalMs`, back to the start as soon as a commit arrives). The interval runs
 * from the start of one poll to the start of the next, as Spark's processing-time trigger
 * does: a commit waits at most one interval plus one listing, not two listings. An abort stops
 * the tail between commits; it never yields a partial commit.
 */
import {
  AbortedError,
  CorruptLogError,
  InvalidArgumentError,
  NotFoundError,
  VersionNotFoundError,
} from '../errors.js'
import type { LogEntry } from '../log/log-segment.js'
import { commitKey, type LogStore } from '../log/log-store.js'
import type { Action, CommitInfo } from '../protocol/actions.js'
import type { Signalled } from '../storage/object-store.js'
import { systemClock, type Clock } from '../util/clock.js'

export interface CommitRecord {
  readonly version: number
  /**
   * Commit time, epoch ms: the in-commit timestamp when the commit carries one, else the
   * commit file's modification time, monotonized against the previous commit of the tail.
   */
  readonly timestamp: number
  readonly actions: readonly Action[]
  readonly commitInfo: CommitInfo | undefined
}

export interface TailOptions extends Signalled {
  /** Keep waiting for new commits (until aborted). Default false: stop at the latest. */
  readonly follow?: boolean
  /** Time from the start of one poll to the start of the next when following. Default 1000 ms. */
  readonly pollIntervalMs?: number
  /** Longest poll interval while idle (the interval doubles up to it). Default 10 × pollIntervalMs. */
  readonly maxPollIntervalMs?: number
  /** Stop after this version (inclusive). */
  readonly endVersion?: number
  readonly clock?: Clock
}

/**
 * Yields the commits from `fromVersion` on. Throws `VersionNotFoundError` (with the earliest
 * available version) when `fromVersion` was already cleaned up or lies beyond the next
 * version to be committed.
 */
export async function* tail(
  log: LogStore,
  fromVersion: number,
  options: TailOptions = {},
): AsyncGenerator<CommitRecord, void, undefined> {
  if (!Number.isSafeInteger(fromVersion) || fromVersion < 0) {
    throw new InvalidArgumentError(`fromVersion must be a non-negative integer, got ${fromVersion}`)
  }
  const clock = options.clock ?? systemClock
  const signal = options.signal
  const interval = pollInterval(options.pollIntervalMs, 'pollIntervalMs')
  const maxInterval = pollInterval(options.maxPollIntervalMs ?? interval * 10, 'maxPollIntervalMs')
  if (maxInterval < interval) {
    throw new InvalidArgumentError(
      `maxPollIntervalMs (${maxInterval}) must not be below pollIntervalMs (${interval})`,
    )
  }
  let next = fromVersion
  let previousTimestamp = -Infinity
  let wait = interval
  let first = true
  for (;;) {
    if (signal?.aborted) throw new AbortedError(signal.reason)
    if (options.endVersion !== undefined && next > options.endVersion) return
    const pollStarted = clock.now()
    const listed = await log.listAll({ fromVersion: next, signal, lazyMetadata: true })
    const commits = listed
      .filter((e) => e.file.kind === 'commit')
      .sort((a, b) => versionOf(a) - versionOf(b))
    if (first) {
      await checkStart(log, fromVersion, commits, signal)
      first = false
    }
    let advanced = false
    const pending = commits.filter(
      (e) =>
        versionOf(e) >= next &&
        (options.endVersion === undefined || versionOf(e) <= options.endVersion),
    )
    const read = readAhead(log, pending, signal)
    for (const [index, listedEntry] of pending.entries()) {
      let entry = listedEntry
      let version = versionOf(entry)
      if (version > next) {
        // A listing is not a snapshot of the directory: one running while a writer commits
        // can show a newer commit and miss an older one (local directories return names in
        // hash order, object stores page by key). Only a commit that is really not there is
        // a gap; one that is gets read, and the listed entry waits for the next listing.
        entry = await missingCommit(log, next, version, signal)
        version = next
      }
      // The time comes from the read itself: the listing leaves it unread (lazyMetadata).
      const { actions, lastModified } =
        entry === listedEntry
          ? await read(index)
          : await log.readJsonFileWithTime(entry.key, { signal })
      const commitInfo = commitInfoOf(actions)
      const ict = commitInfo?.inCommitTimestamp
      const timestamp =
        typeof ict === 'number'
          ? ict
          : lastModified <= previousTimestamp
            ? previousTimestamp + 1
            : lastModified
      previousTimestamp = timestamp
      next = version + 1
      advanced = true
      yield { version, timestamp, actions, commitInfo }
      if (entry !== listedEntry) break // list again from `next`
    }
    if (advanced) {
      wait = interval
      continue
    }
    if (!options.follow) return
    await clock.sleep(untilNextPoll(clock, pollStarted, wait), signal).catch((error: unknown) => {
      throw new AbortedError(error)
    })
    wait = Math.min(maxInterval, wait * 2)
  }
}

/** A poll interval option: a positive, finite number of milliseconds (default 1000). */
export function pollInterval(value: number | undefined, name: string): number {
  if (value === undefined) return 1000
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${name} must be a positive number of milliseconds, got ${value}`,
    )
  }
  return value
}

/**
 * The wait before a poll due `interval` ms after the one that started at `started`; never
 * less than a tenth of the interval, so that a store whose listings take longer than the
 * interval (throttled, say) is not listed back to back.
 */
export function untilNextPoll(clock: Clock, started: number, interval: number): number {
  return Math.max(interval / 10, Math.min(interval, started + interval - clock.now()))
}

/** How many commit files a catch-up reads ahead of the one it yields. */
const READ_AHEAD = 16

/**
 * Reads `entries` in order with up to `READ_AHEAD` reads in flight, so that catching up is not
 * one store round trip per commit: `read(i)` starts the reads up to `i + READ_AHEAD` and
 * returns the i-th. A read started but never awaited (the tail stopped first) is discarded.
 */
function readAhead(
  log: LogStore,
  entries: readonly LogEntry[],
  signal: AbortSignal | undefined,
): (index: number) => Promise<{ actions: Action[]; lastModified: number }> {
  const started: Promise<{ actions: Action[]; lastModified: number }>[] = []
  return (index) => {
    const until = Math.min(entries.length, index + READ_AHEAD)
    for (let i = started.length; i < until; i++) {
      const reading = log.readJsonFileWithTime(entries[i]!.key, { signal })
      reading.catch(() => undefined) // its error surfaces when it is awaited, if it is
      started.push(reading)
    }
    return started[index]!
  }
}

/**
 * The entry of commit `version`, which a listing skipped although it showed `listed`: read
 * directly. `CorruptLogError` when it is really not there.
 */
async function missingCommit(
  log: LogStore,
  version: number,
  listed: number,
  signal: AbortSignal | undefined,
): Promise<LogEntry> {
  const key = commitKey(version)
  try {
    const meta = await log.store.head(key, { signal })
    return {
      file: { kind: 'commit', version },
      key,
      size: meta.size,
      lastModified: meta.lastModified,
    }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    throw new CorruptLogError(
      `commit ${version} is missing: the log jumps from ${version - 1} to ${listed}`,
      { path: log.urlOf('_delta_log/') },
      { cause: error },
    )
  }
}

/**
 * `fromVersion` must still be in the log (or be the next version to be written, for a
 * follower starting at the head).
 */
async function checkStart(
  log: LogStore,
  fromVersion: number,
  commits: readonly LogEntry[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const firstListed = commits[0]
  if (firstListed !== undefined && versionOf(firstListed) === fromVersion) return
  // Nothing at fromVersion: either it was cleaned up, or it is not written yet.
  const all = await log.listAll({ signal })
  const versions = all.filter((e) => e.file.kind === 'commit').map(versionOf)
  const latest = versions.length === 0 ? -1 : Math.max(...versions)
  // A tail reads commit files one by one: any commit still present can be read.
  const earliest = versions.length === 0 ? undefined : Math.min(...versions)
  if (fromVersion === latest + 1) return
  // Committed between the two listings (a writer racing a follower starting at the head):
  // it is there, not cleaned up; the tail reads it on its next listing.
  if (versions.includes(fromVersion)) return
  if (fromVersion > latest) {
    throw new VersionNotFoundError(
      fromVersion,
      earliest,
      latest,
      `version ${fromVersion} is beyond the next version to be committed (${latest + 1})`,
    )
  }
  throw new VersionNotFoundError(
    fromVersion,
    earliest,
    latest,
    `commit ${fromVersion} is no longer in the log (cleaned up); the earliest commit available is ${earliest ?? 'none'}`,
  )
}

function versionOf(entry: LogEntry): number {
  return entry.file.kind === 'commit' ? entry.file.version : -1
}

function commitInfoOf(actions: readonly Action[]): CommitInfo | undefined {
  for (const action of actions) if ('commitInfo' in action) return action.commitInfo
  return undefined
}
