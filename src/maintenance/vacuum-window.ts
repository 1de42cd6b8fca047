/**
 * The retention window in terms of commits: which versions a reader can still time-travel to,
 * and reading the commits on either side of its edge.
 *
 * A time-travel query for any instant T in [cutoff, now] reads the newest version committed at
 * or before T. The oldest version such a query can return is the *boundary*: the newest version
 * committed at or before the cutoff. Every version from the boundary on must stay readable, and
 * every later commit lies strictly inside the window.
 *
 * Commit times are those time travel uses (`snapshot/history.ts`): file modification times
 * monotonized in version order, or in-commit timestamps where those are active. Times never
 * decrease with the version, so the boundary is found by binary search, reading O(log n)
 * commits when in-commit timestamps are on.
 */
import type { LogEntry } from '../log/log-segment.js'
import type { LogStore } from '../log/log-store.js'
import type { Action, Metadata, Protocol } from '../protocol/actions.js'
import { inCommitTimestamp, monotonize } from '../snapshot/history.js'
import { ictActiveAt } from '../snapshot/read-segment.js'
import type { Signalled } from '../storage/object-store.js'
import { chunked, mapConcurrent } from '../util/async.js'

export interface CommitRef {
  readonly version: number
  /** Store key of the commit file. */
  readonly key: string
  readonly lastModified: number
}

export class CommitTimeline {
  /** Commit files as listed, ascending by version (a gap stays a gap). */
  readonly commits: readonly CommitRef[]
  private readonly fileTimes: readonly number[]
  private readonly ictFrom: number
  private readonly ictCache = new Map<number, number>()

  private constructor(
    private readonly log: LogStore,
    commits: readonly CommitRef[],
    ictFrom: number,
  ) {
    this.commits = commits
    this.ictFrom = ictFrom
    // Only commits before in-commit timestamps took over are timed by their files.
    this.fileTimes = monotonize(commits.slice(0, ictFrom)).map((t) => t.timestamp)
  }

  /** The timeline of a log listing, timed by the table's current protocol and metadata. */
  static of(
    log: LogStore,
    entries: readonly LogEntry[],
    protocol: Protocol,
    metadata: Metadata,
  ): CommitTimeline {
    const commits = commitRefs(entries)
    let ictFrom = commits.findIndex((c) => ictActiveAt(protocol, metadata, c.version))
    if (ictFrom < 0) ictFrom = commits.length
    return new CommitTimeline(log, commits, ictFrom)
  }

  /** The commit time of `commits[index]`, epoch ms. */
  async timeAt(index: number, options: Signalled = {}): Promise<number> {
    if (index < this.ictFrom) return this.fileTimes[index]!
    const version = this.commits[index]!.version
    let time = this.ictCache.get(version)
    if (time === undefined) {
      time = await inCommitTimestamp(this.log, version, options)
      this.ictCache.set(version, time)
    }
    return time
  }

  /**
   * Index of the boundary commit: the last one committed at or before `cutoff`; -1 when every
   * listed commit is younger (the whole listed history is inside the window).
   */
  async boundaryIndex(cutoff: number, options: Signalled = {}): Promise<number> {
    let lo = -1
    let hi = this.commits.length - 1
    // Invariant: time(lo) <= cutoff (lo = -1 stands for "before the first"), and every index
    // above hi has time > cutoff.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if ((await this.timeAt(mid, options)) <= cutoff) lo = mid
      else hi = mid - 1
    }
    return lo
  }
}

/** The commit files of a log listing, ascending by version. */
export function commitRefs(entries: readonly LogEntry[]): CommitRef[] {
  const commits: CommitRef[] = []
  for (const entry of entries) {
    if (entry.file.kind === 'commit') {
      commits.push({
        version: entry.file.version,
        key: entry.key,
        lastModified: entry.lastModified,
      })
    }
  }
  return commits.sort((a, b) => a.version - b.version)
}

export interface ReadCommitsOptions extends Signalled {
  /** Commit files read at once. */
  readonly concurrency: number
}

/**
 * Reads commits, `concurrency` at a time, and hands each one's actions to `visit` in version
 * order. Only one round of commits is held at a time, so thousands of commits cost the memory
 * of a few.
 */
export async function readCommits(
  log: LogStore,
  commits: readonly CommitRef[],
  options: ReadCommitsOptions,
  visit: (commit: CommitRef, actions: readonly Action[]) => void,
): Promise<void> {
  const signal = options.signal
  for (const round of chunked(commits, Math.max(1, options.concurrency) * 4)) {
    const actions = await mapConcurrent(round, options.concurrency, (commit) =>
      log.readJsonFile(commit.key, { signal }),
    )
    round.forEach((commit, i) => visit(commit, actions[i]!))
  }
}
