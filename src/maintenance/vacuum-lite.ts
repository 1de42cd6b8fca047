/**
 * Lite vacuum: candidates from the log instead of a listing of the data directories, for
 * stores where listing millions of keys is the expensive part (Spark's `VACUUM ... LITE`,
 * `VacuumCommand.getFilesFromDeltaLog`).
 *
 * The candidates are what the commits outside the retention window — versions from `start` up
 * to the boundary (the newest commit at or before the cutoff) — removed: each `remove`'s file and
 * its deletion-vector file when the remove's `deletionTimestamp` is older than the cutoff, and
 * each `cdc` file. The caller then drops everything still referenced, hidden, or outside the
 * root. Files no commit ever mentioned (orphans of failed writers) are left for a full vacuum.
 *
 * `start` continues where the last vacuum stopped: Spark keeps
 * `{"latestCommitVersionOutsideOfRetentionWindow": v}` in `_delta_log/_last_vacuum_info`, and so
 * do we (same name and field, so Spark and this library can take turns). Without it, lite starts
 * at the oldest commit — which must then be version 0: once log cleanup has deleted commits,
 * the files they removed are known only to a full listing, and lite refuses (as Spark does,
 * `DELTA_CANNOT_VACUUM_LITE`) rather than silently leave them forever.
 */
import { OperationNotAllowedError } from '../errors.js'
import { LOG_DIR, type LogStore } from '../log/log-store.js'
import type { Signalled } from '../storage/object-store.js'
import { utf8Decode, utf8Encode } from '../util/utf8.js'
import type { KeyResolver } from './vacuum-paths.js'
import { readCommits, type CommitRef, type CommitTimeline } from './vacuum-window.js'

export const LAST_VACUUM_INFO_KEY = `${LOG_DIR}_last_vacuum_info`
const INFO_FIELD = 'latestCommitVersionOutsideOfRetentionWindow'

/** The version the last vacuum covered, from `_last_vacuum_info`; undefined when absent or unreadable. */
export async function readLastVacuumInfo(
  log: LogStore,
  options: Signalled = {},
): Promise<number | undefined> {
  const bytes = await log.readOptional(LAST_VACUUM_INFO_KEY, options)
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(utf8Decode(bytes))
    if (typeof value !== 'object' || value === null) return undefined
    const version = (value as Record<string, unknown>)[INFO_FIELD]
    return typeof version === 'number' && Number.isSafeInteger(version) && version >= 0
      ? version
      : undefined
  } catch {
    // Spark treats a corrupt file as absent; it only decides where lite starts reading.
    return undefined
  }
}

/** Records how far a completed vacuum got (overwriting: it is a hint, like `_last_checkpoint`). */
export async function writeLastVacuumInfo(
  log: LogStore,
  version: number,
  options: Signalled = {},
): Promise<void> {
  const text = JSON.stringify({ [INFO_FIELD]: version })
  await log.store.put(LAST_VACUUM_INFO_KEY, utf8Encode(text), {
    mode: 'overwrite',
    signal: options.signal,
  })
}

export interface LiteScan extends Signalled {
  readonly log: LogStore
  readonly timeline: CommitTimeline
  /** Index in `timeline.commits` of the boundary commit; -1 when there is none. */
  readonly boundary: number
  /** The version being vacuumed. */
  readonly version: number
  readonly cutoff: number
  readonly resolver: KeyResolver
  readonly concurrency: number
}

export interface LiteRange {
  /** First and last version read; undefined when nothing lies outside the window yet. */
  readonly startVersion: number | undefined
  readonly endVersion: number | undefined
  /**
   * What `_last_vacuum_info` may say after this run: the end version, or just before the first
   * commit holding a remove not yet expired (by its own timestamp), which a later run must
   * read again.
   */
  readonly coveredVersion: number | undefined
}

/** Calls `consider(key, size)` for each lite candidate (deduplicated, inside the root). */
export async function scanLiteCandidates(
  scan: LiteScan,
  consider: (key: string, size: number) => void,
): Promise<LiteRange> {
  const { timeline, boundary, cutoff, resolver } = scan
  const none: LiteRange = {
    startVersion: undefined,
    endVersion: undefined,
    coveredVersion: undefined,
  }
  if (boundary < 0) return none
  const commits = timeline.commits
  const earliest = commits[0]!.version
  const end = commits[boundary]!.version
  const last = await readLastVacuumInfo(scan.log, scan)
  if (earliest > 0 && (last === undefined || last + 1 < earliest)) {
    throw new OperationNotAllowedError(
      `A lite vacuum cannot see every file removed from ${scan.log.tableUrl}: the log starts at ` +
        `version ${earliest} (older commits were cleaned up) and ${
          last === undefined
            ? 'no earlier vacuum recorded how far it got'
            : `the last vacuum stopped at version ${last}`
        } (${LAST_VACUUM_INFO_KEY}). Run a full vacuum once; lite vacuums continue from there.`,
    )
  }
  const start = Math.min(scan.version, last === undefined ? earliest : last + 1)
  if (start > end) return { startVersion: undefined, endVersion: undefined, coveredVersion: last }

  const range: CommitRef[] = commits.filter((c) => c.version >= start && c.version <= end)
  const seen = new Set<string>()
  let firstUnexpired: number | undefined
  const offer = (key: string | undefined, size: number): void => {
    if (key === undefined || seen.has(key)) return
    seen.add(key)
    consider(key, size)
  }
  await readCommits(scan.log, range, scan, (commit, actions) => {
    for (const action of actions) {
      if ('remove' in action) {
        const remove = action.remove
        // Spark dates a removed file by its deletionTimestamp (absent: 0, i.e. expired).
        if ((remove.deletionTimestamp ?? 0) >= cutoff) {
          firstUnexpired ??= commit.version
          continue
        }
        offer(resolver.fileKey(remove.path), remove.size ?? 0)
        offer(resolver.dvKey(remove.deletionVector), remove.deletionVector?.sizeInBytes ?? 0)
      } else if ('cdc' in action) {
        // Change data of a commit outside the window: Spark deletes it without a time check.
        offer(resolver.fileKey(action.cdc.path), action.cdc.size)
      }
    }
  })
  const covered = firstUnexpired === undefined ? end : firstUnexpired - 1
  return {
    startVersion: start,
    endVersion: end,
    coveredVersion: covered >= 0 ? covered : last,
  }
}
