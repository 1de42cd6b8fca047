/**
 * The warnings `inspect` raises: facts about a table that an operator should act on, each with
 * a stable `code` (for scripts) and a message that says what to do. Pure, so every threshold is
 * tested without building a table.
 */
import { formatBytes, formatDuration, formatPercent } from '../output/human.js'

export interface TableWarning {
  readonly code:
    | 'no-recent-checkpoint'
    | 'small-files'
    | 'missing-stats'
    | 'deleted-rows'
    | 'short-file-retention'
    | 'time-travel-limited'
    | 'load-warning'
  readonly message: string
}

export interface WarningInput {
  readonly version: number
  readonly commitsSinceCheckpoint: number
  readonly checkpointVersion: number | undefined
  readonly checkpointInterval: number
  readonly numFiles: number
  readonly sizeInBytes: number
  readonly smallFiles: number
  readonly filesWithoutStats: number
  /** Rows in the files (stats), deleted ones included; undefined when stats are missing. */
  readonly physicalRecords: number | undefined
  readonly numDeletedRecords: number
  readonly deletedFileRetentionMs: number
  readonly logRetentionMs: number
  /** Problems the snapshot loader noticed (a `.crc` that disagrees with replay, ...). */
  readonly loadWarnings: readonly string[]
}

/** Files smaller than this count as small (Spark's OPTIMIZE aims at 1 GiB, delta-rs at 100 MiB). */
export const SMALL_FILE_BYTES = 8 * 1024 * 1024
/** Small files matter once there are this many... */
export const SMALL_FILES_MIN_COUNT = 100
/** ...and they are at least this share of the files. */
export const SMALL_FILES_SHARE = 0.5
/** Deleted rows worth purging, as a share of the rows stored. */
export const DELETED_ROWS_SHARE = 0.1
/** Spark's default `delta.deletedFileRetentionDuration`, and its safety floor for vacuum. */
export const SAFE_FILE_RETENTION_MS = 7 * 86_400_000
/** Commits since the last checkpoint are worth a warning from this many on... */
export const CHECKPOINT_MIN_LAG = 30
/** ...when they are also more than this many checkpoint intervals. */
export const CHECKPOINT_LAG_INTERVALS = 3

export function tableWarnings(input: WarningInput): TableWarning[] {
  const warnings: TableWarning[] = []
  const lag = input.commitsSinceCheckpoint
  if (lag >= CHECKPOINT_MIN_LAG && lag > CHECKPOINT_LAG_INTERVALS * input.checkpointInterval) {
    const since =
      input.checkpointVersion === undefined
        ? `the table has no checkpoint and ${lag} commits`
        : `${lag} commits since the last checkpoint (version ${input.checkpointVersion})`
    warnings.push({
      code: 'no-recent-checkpoint',
      message:
        `${since}; the table asks for one every ${input.checkpointInterval} commits, and every ` +
        `reader replays them all. Run 'delta checkpoint <table>'.`,
    })
  }
  if (
    input.numFiles >= SMALL_FILES_MIN_COUNT &&
    input.smallFiles >= SMALL_FILES_SHARE * input.numFiles
  ) {
    warnings.push({
      code: 'small-files',
      message:
        `${input.smallFiles} of ${input.numFiles} files are smaller than ` +
        `${formatBytes(SMALL_FILE_BYTES)} (average ${formatBytes(input.sizeInBytes / input.numFiles)}); ` +
        `many small files slow every scan. Compact them (OPTIMIZE in Spark or delta-rs).`,
    })
  }
  if (input.filesWithoutStats > 0) {
    warnings.push({
      code: 'missing-stats',
      message:
        `${input.filesWithoutStats} of ${input.numFiles} files have no statistics: row counts ` +
        `are unknown and scans cannot skip those files. Rewriting them (OPTIMIZE) adds statistics.`,
    })
  }
  const rows = input.physicalRecords
  if (rows !== undefined && rows > 0 && input.numDeletedRecords >= DELETED_ROWS_SHARE * rows) {
    warnings.push({
      code: 'deleted-rows',
      message:
        `${formatPercent(input.numDeletedRecords, rows)} of the stored rows are deleted through ` +
        `deletion vectors, and scans still read them. Purge them (REORG TABLE ... APPLY (PURGE) ` +
        `or OPTIMIZE in Spark).`,
    })
  }
  if (input.deletedFileRetentionMs < SAFE_FILE_RETENTION_MS) {
    warnings.push({
      code: 'short-file-retention',
      message:
        `delta.deletedFileRetentionDuration is ${formatDuration(input.deletedFileRetentionMs)}: ` +
        `vacuum may delete files that time travel beyond that, long queries and concurrent ` +
        `writers still need. Keep it at 7 days or more unless no reader looks back.`,
    })
  }
  if (input.logRetentionMs < input.deletedFileRetentionMs) {
    warnings.push({
      code: 'time-travel-limited',
      message:
        `delta.logRetentionDuration (${formatDuration(input.logRetentionMs)}) is shorter than ` +
        `delta.deletedFileRetentionDuration (${formatDuration(input.deletedFileRetentionMs)}): ` +
        `time travel reaches back only ${formatDuration(input.logRetentionMs)}, though older files ` +
        `are kept. Raise the log retention, or lower the file retention to match.`,
    })
  }
  for (const message of input.loadWarnings) warnings.push({ code: 'load-warning', message })
  return warnings
}
