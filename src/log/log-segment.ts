/**
 * A log segment: exactly the files needed to reconstruct one version of a table — the newest
 * complete checkpoint at or before it, and every commit after that checkpoint up to it.
 *
 * Built by a pure function from a listing of `_delta_log/`, so every rule is testable
 * without storage:
 * - commits are contiguous from the checkpoint (or from version 0) to the target version;
 *   a gap is a `CorruptLogError`, never a silently wrong snapshot (kernel-rs PR#3084);
 * - a multi-part checkpoint counts only when every part is present (kernel-rs#497);
 * - a log that starts neither at version 0 nor at a checkpoint cannot be read;
 * - a version older than the oldest reconstructable one is a `VersionNotFoundError` that
 *   names the earliest and latest versions.
 */
import { CorruptLogError, VersionNotFoundError } from '../errors.js'
import type { CheckpointFile, LogFile } from '../protocol/log-files.js'

/** One listed file of `_delta_log/`. */
export interface LogEntry {
  readonly file: LogFile
  /** The store key, relative to the table root (`_delta_log/00000000000000000003.json`). */
  readonly key: string
  readonly size: number
  /** Epoch milliseconds, from the store. */
  readonly lastModified: number
}

export type CheckpointEntry = LogEntry & { readonly file: CheckpointFile }

/** The files of one complete checkpoint (one file, or every part of a multi-part one). */
export interface CheckpointGroup {
  readonly version: number
  readonly format: CheckpointFile['format']
  /** In part order. */
  readonly files: readonly CheckpointEntry[]
}

export interface LogSegment {
  /** The version this segment reconstructs. */
  readonly version: number
  readonly checkpoint: CheckpointGroup | undefined
  /** Commit files in (checkpoint version, version], ascending and contiguous. */
  readonly commits: readonly LogEntry[]
  /**
   * The commit file of `version` itself, when listed. Usually `commits.at(-1)`; when the
   * checkpoint is at `version`, `commits` is empty and this is still the file whose time (or
   * in-commit timestamp) is the snapshot's commit time — not the checkpoint's, written later.
   */
  readonly commitAtVersion?: LogEntry | undefined
  /**
   * What replay reads after the checkpoint, in order: the commits, except that a log
   * compaction file may stand for a run of them (never for the last one, whose commitInfo
   * the snapshot needs).
   */
  readonly deltas: readonly LogEntry[]
  /** The `.crc` file of `version`, when there is one. */
  readonly crc: LogEntry | undefined
  /** The oldest version this listing can reconstruct. */
  readonly earliestVersion: number
  /** The newest version in the listing. */
  readonly latestVersion: number
}

export interface BuildOptions {
  /** For messages. */
  readonly tableUrl: string
  /** Target version; default the latest. */
  readonly version?: number | undefined
  /**
   * The lowest version the listing could contain (it may have started after a
   * `_last_checkpoint` hint). When no usable checkpoint is found and this is above 0, the
   * result is `undefined`: list again from the start.
   */
  readonly listedFrom?: number
}

/**
 * Builds the segment for a version from a listing (any order). Returns `undefined` only when
 * the listing started late (`listedFrom > 0`) and held no usable checkpoint.
 * @throws VersionNotFoundError, CorruptLogError
 */
export function buildLogSegment(
  entries: Iterable<LogEntry>,
  options: BuildOptions,
): LogSegment | undefined {
  const commits = new Map<number, LogEntry>()
  const crcs = new Map<number, LogEntry>()
  const compactions: LogEntry[] = []
  const checkpointFiles: CheckpointEntry[] = []
  for (const entry of entries) {
    const file = entry.file
    switch (file.kind) {
      case 'commit':
        commits.set(file.version, entry)
        break
      case 'checkpoint':
        checkpointFiles.push(entry as CheckpointEntry)
        break
      case 'crc':
        crcs.set(file.version, entry)
        break
      case 'compaction':
        compactions.push(entry)
        break
      default:
        break
    }
  }
  const checkpoints = completeCheckpoints(checkpointFiles)
  const listedFrom = options.listedFrom ?? 0
  let latest = -1
  for (const v of commits.keys()) latest = Math.max(latest, v)
  for (const c of checkpoints) latest = Math.max(latest, c.version)
  if (latest < 0) {
    if (listedFrom > 0) return undefined
    throw new VersionNotFoundError(
      options.version ?? 'latest',
      undefined,
      undefined,
      'the log is empty',
    )
  }

  const earliest = earliestReconstructable(commits, checkpoints, latest)
  const target = options.version ?? latest
  if (!Number.isSafeInteger(target) || target < 0 || target > latest) {
    throw new VersionNotFoundError(target, earliest, latest)
  }

  // The newest complete checkpoint at or before the target.
  let checkpoint: CheckpointGroup | undefined
  for (const c of checkpoints) {
    if (c.version <= target && (checkpoint === undefined || c.version > checkpoint.version))
      checkpoint = c
  }
  if (checkpoint === undefined && listedFrom > 0) return undefined

  const first = checkpoint === undefined ? 0 : checkpoint.version + 1
  if (checkpoint === undefined && !commits.has(0)) {
    if (earliest !== undefined && target < earliest)
      throw new VersionNotFoundError(target, earliest, latest)
    const oldest = Math.min(...commits.keys())
    throw new CorruptLogError(
      `the log starts at version ${oldest} but there is no checkpoint at or before version ${target} ` +
        `and no commit 0 to start from (commits before ${oldest} were deleted without a checkpoint)`,
      { path: `${options.tableUrl.replace(/\/$/, '')}/_delta_log/` },
    )
  }
  const segmentCommits: LogEntry[] = []
  for (let v = first; v <= target; v++) {
    const entry = commits.get(v)
    if (entry === undefined) {
      const next = nextVersion(commits, v, target)
      throw new CorruptLogError(
        `commit ${v} is missing: the log has a gap between versions ${v - 1} and ${next ?? target} ` +
          `after ${checkpoint === undefined ? 'version 0' : `the checkpoint at version ${checkpoint.version}`}`,
        { path: `${options.tableUrl.replace(/\/$/, '')}/_delta_log/` },
      )
    }
    segmentCommits.push(entry)
  }

  return {
    version: target,
    checkpoint,
    commits: segmentCommits,
    commitAtVersion: commits.get(target),
    deltas: withCompactions(segmentCommits, compactions, first, target),
    crc: crcs.get(target),
    earliestVersion: earliest ?? target,
    latestVersion: latest,
  }
}

/** Groups checkpoint files into complete checkpoints; incomplete multi-part ones are dropped. */
export function completeCheckpoints(files: readonly CheckpointEntry[]): CheckpointGroup[] {
  const groups = new Map<string, CheckpointEntry[]>()
  for (const entry of files) {
    const f = entry.file
    const id =
      f.format === 'multi-part'
        ? `${f.version}:multi:${f.parts}`
        : f.format === 'uuid'
          ? `${f.version}:uuid:${f.uuid}`
          : `${f.version}:classic`
    const group = groups.get(id)
    if (group === undefined) groups.set(id, [entry])
    else group.push(entry)
  }
  const complete: CheckpointGroup[] = []
  for (const group of groups.values()) {
    const first = group[0]!.file
    if (first.format === 'multi-part') {
      const parts = new Map<number, CheckpointEntry>()
      for (const entry of group) {
        if (entry.file.format === 'multi-part') parts.set(entry.file.part, entry)
      }
      if (parts.size !== first.parts) continue
      const ordered = [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e)
      complete.push({ version: first.version, format: 'multi-part', files: ordered })
    } else {
      complete.push({ version: first.version, format: first.format, files: [group[0]!] })
    }
  }
  // Deterministic preference among several checkpoints of one version: classic, then
  // UUID-named (Parquet before JSON), then multi-part.
  const rank = (g: CheckpointGroup): number => {
    const f = g.files[0]!.file
    if (f.format === 'classic') return 0
    if (f.format === 'uuid') return f.fileFormat === 'parquet' ? 1 : 2
    return 3
  }
  return complete.sort((a, b) => a.version - b.version || rank(a) - rank(b))
}

/**
 * The oldest version the listing can start a replay from: 0 when commit 0 is present,
 * otherwise the oldest complete checkpoint (undefined when neither exists). A gap after it
 * is reported when a version beyond the gap is requested.
 */
function earliestReconstructable(
  commits: ReadonlyMap<number, LogEntry>,
  checkpoints: readonly CheckpointGroup[],
  latest: number,
): number | undefined {
  if (commits.has(0)) return 0
  let earliest: number | undefined
  for (const c of checkpoints)
    earliest = earliest === undefined ? c.version : Math.min(earliest, c.version)
  return earliest === undefined ? undefined : Math.min(earliest, latest)
}

function nextVersion(
  commits: ReadonlyMap<number, LogEntry>,
  after: number,
  upTo: number,
): number | undefined {
  for (let v = after + 1; v <= upTo; v++) if (commits.has(v)) return v
  return undefined
}

/**
 * Replaces runs of commits by compaction files `[x, y]` with first <= x and y < target:
 * greedily from the oldest commit, the widest file starting there. Compaction files are an
 * optional optimisation (PROTOCOL.md "Log Compaction Files"); the last commit is always
 * read itself, since its commitInfo belongs to the snapshot.
 */
function withCompactions(
  commits: readonly LogEntry[],
  compactions: readonly LogEntry[],
  first: number,
  target: number,
): LogEntry[] {
  if (compactions.length === 0) return [...commits]
  const widest = new Map<number, { end: number; entry: LogEntry }>()
  for (const entry of compactions) {
    if (entry.file.kind !== 'compaction') continue
    const { startVersion, endVersion } = entry.file
    if (startVersion < first || endVersion >= target) continue
    const known = widest.get(startVersion)
    if (known === undefined || known.end < endVersion)
      widest.set(startVersion, { end: endVersion, entry })
  }
  const deltas: LogEntry[] = []
  for (let i = 0; i < commits.length;) {
    const commit = commits[i]!
    const version = first + i
    const compaction = widest.get(version)
    if (compaction === undefined) {
      deltas.push(commit)
      i++
    } else {
      deltas.push(compaction.entry)
      i += compaction.end - version + 1
    }
  }
  return deltas
}
