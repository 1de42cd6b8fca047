/**
 * Loading snapshots: find the log segment for a version (using `_last_checkpoint` as a
 * hint, never as the truth), replay it, and check the reader protocol.
 */
import { TableNotFoundError, VersionNotFoundError } from '../errors.js'
import { buildLogSegment, type LogSegment } from '../log/log-segment.js'
import type { LogStore } from '../log/log-store.js'
import { parseLastCheckpoint } from '../protocol/last-checkpoint.js'
import type { Signalled } from '../storage/object-store.js'
import { systemClock, type Clock } from '../util/clock.js'
import { parseTimestampInput, versionAtTimestamp } from './history.js'
import { replaySegment } from './read-segment.js'
import { Snapshot } from './snapshot.js'

export interface SnapshotOptions extends Signalled {
  /** Time travel to this version. */
  readonly version?: number | undefined
  /**
   * Time travel to the latest version committed at or before this time (epoch ms, a Date,
   * or an ISO-8601 string). Exclusive with `version`.
   */
  readonly timestamp?: number | string | Date | undefined
  /** `skip` leaves file statistics out of the snapshot (less memory; no stats skipping). */
  readonly stats?: 'json' | 'skip'
  readonly clock?: Clock
}

/** Loads the snapshot of a table at its latest version, or the one asked for. */
export async function loadSnapshot(
  log: LogStore,
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  let version = options.version
  if (options.timestamp !== undefined) {
    if (version !== undefined) {
      throw new VersionNotFoundError(
        version,
        undefined,
        undefined,
        'give a version or a timestamp, not both',
      )
    }
    version = await versionAtTimestamp(log, parseTimestampInput(options.timestamp), options)
  }
  const segment = await findSegment(log, version, options)
  const context = { log, clock: options.clock ?? systemClock, stats: options.stats ?? 'json' }
  return new Snapshot(await replaySegment(context, segment, options))
}

/**
 * The segment for `version` (default latest). Lists from the `_last_checkpoint` hint when it
 * can; when the hint is missing, unreadable, stale, or points at a checkpoint that is gone or
 * incomplete, lists the whole log instead.
 */
export async function findSegment(
  log: LogStore,
  version: number | undefined,
  options: Signalled = {},
): Promise<LogSegment> {
  const hint = await lastCheckpointVersion(log, options)
  if (hint !== undefined && (version === undefined || version >= hint)) {
    const entries = await log.listAll({
      fromVersion: hint,
      signal: options.signal,
      lazyMetadata: true,
    })
    try {
      const segment = buildLogSegment(entries, {
        tableUrl: log.tableUrl,
        version,
        listedFrom: hint,
      })
      if (segment !== undefined) return segment
    } catch (error) {
      // A partial listing cannot name the earliest version: list everything and decide.
      if (!(error instanceof VersionNotFoundError)) throw error
    }
  }
  const entries = await log.listAll({ signal: options.signal, lazyMetadata: true })
  if (entries.length === 0) throw new TableNotFoundError(log.tableUrl)
  return buildLogSegment(entries, { tableUrl: log.tableUrl, version })!
}

/** The version `_last_checkpoint` points at, or undefined when it is absent or unusable. */
async function lastCheckpointVersion(
  log: LogStore,
  options: Signalled,
): Promise<number | undefined> {
  const text = await log.readLastCheckpointText(options)
  if (text === undefined) return undefined
  try {
    return parseLastCheckpoint(text, log.urlOf('_delta_log/_last_checkpoint')).version
  } catch {
    // Corrupt or with a bad checksum: it is only a hint; fall back to listing.
    return undefined
  }
}
