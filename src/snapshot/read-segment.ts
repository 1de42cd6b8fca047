/**
 * Turns a log segment into snapshot state: reads the checkpoint (if any), then the commits in
 * order, feeding the replay reducer; works out the snapshot's timestamp and commitInfo; and
 * checks the reader protocol, so that no read path can see a table it cannot read.
 */
import { CorruptLogError } from '../errors.js'
import { readCheckpointColumns } from '../log/checkpoint-reader.js'
import type { CheckpointGroup, LogEntry, LogSegment } from '../log/log-segment.js'
import type { LogStore } from '../log/log-store.js'
import type { Action, CommitInfo, Metadata, Protocol } from '../protocol/actions.js'
import { isFeatureActive } from '../protocol/features.js'
import { decodeLogPath, isPlainRelativePath, keyWithinRoot } from '../protocol/file-paths.js'
import { checkReadSupport } from '../protocol/protocol-check.js'
import { TABLE_PROPERTIES, tableProperty } from '../protocol/table-properties.js'
import { parseVersionChecksum } from '../protocol/version-checksum.js'
import type { Signalled } from '../storage/object-store.js'
import { utf8Decode } from '../util/utf8.js'
import { Replay, type ReplayState, type Source } from './replay.js'
import type { SnapshotContext, SnapshotInit } from './snapshot.js'

/** Commit files read ahead of the one being applied. */
const READ_AHEAD = 16

/**
 * Up to this many commits after a checkpoint are read before it (see `replaySegment`); a
 * longer tail (a table whose writers stopped checkpointing) is streamed after it instead,
 * rather than held in memory at once.
 */
export const MAX_COMMITS_READ_FIRST = 1000

/**
 * Replays `segment`. With `from`, continues from that state (whose version is
 * `from.version`) and reads only the deltas after it.
 */
export async function replaySegment(
  context: SnapshotContext,
  segment: LogSegment,
  options: Signalled & { from?: { state: ReplayState; version: number } } = {},
): Promise<SnapshotInit> {
  const { log } = context
  const replay = new Replay(canonicalPathFn(log.tableUrl), options.from?.state)
  const crcText = segment.crc === undefined ? undefined : readText(log, segment.crc.key, options)
  const from = options.from
  const checkpoint = from === undefined ? segment.checkpoint : undefined
  const readCheckpointRows = async (
    group: CheckpointGroup,
    superseded?: ReadonlySet<string>,
  ): Promise<void> => {
    const source = { path: log.urlOf(group.files[0]!.key) }
    const batches = readCheckpointColumns(log, group, { ...options, stats: context.stats })
    for await (const { actions, adds } of batches) {
      replay.applyCheckpoint(actions, source, superseded)
      if (adds !== undefined) replay.applyCheckpointAdds(adds, source, superseded)
    }
  }
  const deltas =
    from === undefined
      ? segment.deltas
      : segment.deltas.filter((d) => lastVersionOf(d) > from.version)
  let commits:
    | Iterable<{ entry: LogEntry; actions: readonly Action[] }>
    | AsyncIterable<{ entry: LogEntry; actions: readonly Action[] }>
  if (checkpoint !== undefined && deltas.length <= MAX_COMMITS_READ_FIRST) {
    // The commits after the checkpoint first (they are few: the checkpoint interval): the
    // checkpoint's files they touch are left out of its layer, so that replaying them needs
    // no index of the checkpoint's (possibly millions of) files.
    const read: { entry: LogEntry; actions: Action[]; source: Source }[] = []
    for await (const { entry, actions } of readAhead(log, deltas, options)) {
      read.push({ entry, actions, source: { path: log.urlOf(entry.key) } })
    }
    const superseded = replay.fileKeysOf(read)
    await readCheckpointRows(checkpoint, superseded)
    replay.endCheckpoint(superseded)
    commits = read
  } else {
    // No checkpoint, an update from a known state, or a long tail of commits streamed over
    // the checkpoint (replaying them then builds the checkpoint layer's key index).
    if (checkpoint !== undefined) await readCheckpointRows(checkpoint)
    commits = readAhead(log, deltas, options)
  }
  let lastActions: readonly Action[] = []
  for await (const { entry, actions } of commits) {
    replay.applyCommit(actions, { path: log.urlOf(entry.key) })
    lastActions = actions
  }
  const where: Source = {
    path: log.urlOf(
      segment.commits.at(-1)?.key ?? segment.checkpoint?.files[0]?.key ?? '_delta_log/',
    ),
  }
  const state = replay.finish(where)
  checkReadSupport(state.protocol)

  const lastCommit = segment.commits.at(-1)
  let commitInfo = lastCommit === undefined ? undefined : commitInfoOf(lastActions)
  // A snapshot at a checkpoint's version read no commit; with in-commit timestamps its commit
  // time is in that version's commitInfo all the same (the checkpoint drops commitInfo).
  if (
    lastCommit === undefined &&
    segment.commitAtVersion !== undefined &&
    ictActiveAt(state.protocol, state.metadata, segment.version)
  ) {
    commitInfo = commitInfoOf(await log.readJsonFile(segment.commitAtVersion.key, options))
  }
  const warnings: string[] = []
  const crc = await crcText
  if (crc !== undefined) warnings.push(...checksumMismatches(crc, segment, state, log))
  return {
    context,
    segment,
    state,
    timestamp: snapshotTimestamp(segment, state, commitInfo, where),
    commitInfo,
    warnings,
  }
}

function commitInfoOf(actions: readonly Action[]): CommitInfo | undefined {
  for (const action of actions) if ('commitInfo' in action) return action.commitInfo
  return undefined
}

/** The highest version a delta (commit or compaction file) covers. */
function lastVersionOf(entry: LogEntry): number {
  const file = entry.file
  if (file.kind === 'compaction') return file.endVersion
  return 'version' in file ? file.version : -1
}

/** Reads delta files with up to READ_AHEAD requests in flight, yielding them in order. */
async function* readAhead(
  log: LogStore,
  entries: readonly LogEntry[],
  options: Signalled,
): AsyncGenerator<{ entry: LogEntry; actions: Action[] }> {
  const pending: Promise<Action[]>[] = []
  let next = 0
  const fill = (): void => {
    while (next < entries.length && pending.length < READ_AHEAD) {
      const promise = log.readJsonFile(entries[next++]!.key, options)
      // Rejections are observed when awaited in order; avoid unhandled-rejection noise.
      promise.catch(() => undefined)
      pending.push(promise)
    }
  }
  for (let i = 0; i < entries.length; i++) {
    fill()
    const actions = await pending.shift()!
    yield { entry: entries[i]!, actions }
  }
}

/**
 * The snapshot's commit time: with in-commit timestamps active at this version, the
 * `inCommitTimestamp` of its commitInfo; otherwise the commit file's modification time.
 */
function snapshotTimestamp(
  segment: LogSegment,
  state: { protocol: Protocol; metadata: Metadata },
  commitInfo: CommitInfo | undefined,
  where: Source,
): number {
  if (ictActiveAt(state.protocol, state.metadata, segment.version)) {
    const ict = commitInfo?.inCommitTimestamp
    if (typeof ict === 'number') return ict
    if (segment.commits.length > 0) {
      throw new CorruptLogError(
        `in-commit timestamps are enabled, but the commitInfo of version ${segment.version} has no inCommitTimestamp`,
        where,
      )
    }
  }
  // The commit file's time, also when a checkpoint at this version was written later; the
  // checkpoint's own time only when the commit file is gone.
  const last = segment.commits.at(-1) ?? segment.commitAtVersion ?? segment.checkpoint?.files[0]
  return last?.lastModified ?? 0
}

/** Whether version `version` carries an in-commit timestamp, per the table's current metadata. */
export function ictActiveAt(protocol: Protocol, metadata: Metadata, version: number): boolean {
  if (!isFeatureActive(protocol, metadata, 'inCommitTimestamp')) return false
  const since = tableProperty(
    metadata.configuration,
    TABLE_PROPERTIES.inCommitTimestampEnablementVersion,
  )
  return version >= (since ?? 0)
}

/**
 * The key a file action is reconciled by: decoded, relative when inside the table, and
 * otherwise a full URI, a rooted path (`/x`) being qualified with the table's own scheme
 * and authority as Spark qualifies it (`/x` and `file:/x` are one file of a local table).
 */
export function canonicalPathFn(tableUrl: string): (path: string, source: Source) => string {
  const root = decodeLogPath(tableUrl.endsWith('/') ? tableUrl : `${tableUrl}/`)
  const rootScheme = root.kind === 'absolute' ? root.scheme : undefined
  const rootAuthority = root.kind === 'absolute' ? root.authority : undefined
  return (path, source) => {
    // Fast path: a plain relative path is its own key.
    if (isPlainRelativePath(path)) return path
    const target = decodeLogPath(path, source)
    switch (target.kind) {
      case 'relative':
        return target.key
      case 'outside':
        return `../${target.path}`
      case 'absolute': {
        const key = keyWithinRoot(target, tableUrl)
        if (key !== undefined) return key
        const scheme = target.scheme ?? rootScheme ?? ''
        const authority =
          target.scheme === undefined ? (rootAuthority ?? '') : (target.authority ?? '')
        return `${scheme}://${authority}${target.path}`
      }
    }
  }
}

async function readText(
  log: LogStore,
  key: string,
  options: Signalled,
): Promise<string | undefined> {
  try {
    const bytes = await log.readOptional(key, options)
    return bytes === undefined ? undefined : utf8Decode(bytes)
  } catch {
    return undefined
  }
}

/** Compares a `.crc` file with the replayed state; each disagreement becomes a warning. */
function checksumMismatches(
  text: string,
  segment: LogSegment,
  state: ReplayState & { protocol: Protocol; metadata: Metadata },
  log: LogStore,
): string[] {
  const path = log.urlOf(segment.crc!.key)
  let crc
  try {
    crc = parseVersionChecksum(text, path)
  } catch (error) {
    return [
      `${path} is unreadable and was ignored: ${error instanceof Error ? error.message : String(error)}`,
    ]
  }
  const problems: string[] = []
  if (crc.numFiles !== state.files.size) {
    problems.push(`${path} says ${crc.numFiles} files, replay found ${state.files.size}`)
  }
  if (crc.tableSizeBytes !== state.files.totalBytes) {
    problems.push(
      `${path} says ${crc.tableSizeBytes} bytes, replay found ${state.files.totalBytes}`,
    )
  }
  if (crc.metadata !== undefined && crc.metadata.id !== state.metadata.id) {
    problems.push(`${path} names table id ${crc.metadata.id}, replay found ${state.metadata.id}`)
  }
  if (
    crc.protocol !== undefined &&
    (crc.protocol.minReaderVersion !== state.protocol.minReaderVersion ||
      crc.protocol.minWriterVersion !== state.protocol.minWriterVersion)
  ) {
    problems.push(`${path} disagrees with replay about the protocol versions`)
  }
  return problems
}
