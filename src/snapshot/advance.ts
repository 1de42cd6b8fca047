/**
 * Incremental update: moves a snapshot forward by reading only the commits after its
 * version (one listing from version + 1, then those commit files).
 */
import { CorruptLogError } from '../errors.js'
import { buildLogSegment, type LogEntry, type LogSegment } from '../log/log-segment.js'
import type { Signalled } from '../storage/object-store.js'
import { replaySegment } from './read-segment.js'
import type { Snapshot, SnapshotInit } from './snapshot.js'

/** The init of the newer snapshot, or undefined when no commit followed `snapshot`. */
export async function advance(
  snapshot: Snapshot,
  options: Signalled = {},
): Promise<SnapshotInit | undefined> {
  const { log } = snapshot.context
  const listed = await log.listAll({ fromVersion: snapshot.version + 1, signal: options.signal })
  const commits: LogEntry[] = []
  let crc: LogEntry | undefined
  for (const entry of listed) {
    if (entry.file.kind === 'commit') commits.push(entry)
  }
  if (commits.length === 0) return undefined
  commits.sort((a, b) => versionOf(a) - versionOf(b))
  if (versionOf(commits[0]!) > snapshot.version + 1) {
    // The commits right after this snapshot are gone: metadata cleanup (by any process) removed
    // them after a newer checkpoint. The table is fine; only this snapshot is too old to
    // advance commit by commit. Load the latest version afresh (a real gap still fails there).
    const segment = buildLogSegment(await log.listAll({ signal: options.signal }), {
      tableUrl: log.tableUrl,
    })!
    return replaySegment(snapshot.context, segment, { signal: options.signal })
  }
  commits.forEach((entry, i) => {
    const expected = snapshot.version + 1 + i
    if (versionOf(entry) !== expected) {
      throw new CorruptLogError(`commit ${expected} is missing after version ${expected - 1}`, {
        path: log.urlOf('_delta_log/'),
      })
    }
  })
  const version = versionOf(commits.at(-1)!)
  for (const entry of listed) {
    if (entry.file.kind === 'crc' && entry.file.version === version) crc = entry
  }
  const previous = snapshot.segment
  const segment: LogSegment = {
    version,
    checkpoint: previous.checkpoint,
    commits: [...previous.commits, ...commits],
    commitAtVersion: commits.at(-1),
    deltas: [...previous.deltas, ...commits],
    crc,
    earliestVersion: previous.earliestVersion,
    latestVersion: Math.max(previous.latestVersion, version),
  }
  return replaySegment(snapshot.context, segment, {
    signal: options.signal,
    from: { state: snapshot.state, version: snapshot.version },
  })
}

function versionOf(entry: LogEntry): number {
  return entry.file.kind === 'commit' ? entry.file.version : -1
}
