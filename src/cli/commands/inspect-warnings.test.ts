import { describe, expect, it } from 'vitest'
import {
  CHECKPOINT_MIN_LAG,
  SAFE_FILE_RETENTION_MS,
  SMALL_FILES_MIN_COUNT,
  tableWarnings,
  type WarningInput,
} from './inspect-warnings.js'

const DAY = 86_400_000
/** A healthy table: no warning at all. */
const healthy: WarningInput = {
  version: 20,
  commitsSinceCheckpoint: 0,
  checkpointVersion: 20,
  checkpointInterval: 10,
  numFiles: 200,
  sizeInBytes: 200 * 128 * 1024 * 1024,
  smallFiles: 0,
  filesWithoutStats: 0,
  physicalRecords: 1_000_000,
  numDeletedRecords: 0,
  deletedFileRetentionMs: 7 * DAY,
  logRetentionMs: 30 * DAY,
  loadWarnings: [],
}

const codes = (input: Partial<WarningInput>): string[] =>
  tableWarnings({ ...healthy, ...input }).map((w) => w.code)

describe('tableWarnings', () => {
  it('raises nothing for a healthy table with default retention', () => {
    expect(codes({})).toEqual([])
  })

  it('warns when commits pile up far beyond the checkpoint interval, with or without a checkpoint', () => {
    // More than three intervals (3 x 10)...
    expect(codes({ commitsSinceCheckpoint: 31 })).toEqual(['no-recent-checkpoint'])
    expect(codes({ commitsSinceCheckpoint: 30 })).toEqual([])
    // ...and never below the minimum lag, however small the interval.
    expect(codes({ commitsSinceCheckpoint: CHECKPOINT_MIN_LAG, checkpointInterval: 1 })).toEqual([
      'no-recent-checkpoint',
    ])
    expect(
      codes({ commitsSinceCheckpoint: CHECKPOINT_MIN_LAG - 1, checkpointInterval: 1 }),
    ).toEqual([])
    // The table's own interval raises the bar: 40 commits is normal at an interval of 100.
    expect(codes({ commitsSinceCheckpoint: 40, checkpointInterval: 100 })).toEqual([])
    const none = tableWarnings({
      ...healthy,
      commitsSinceCheckpoint: 50,
      checkpointVersion: undefined,
    })
    expect(none[0]?.message).toContain('no checkpoint')
  })

  it('warns about many small files only past a count and a share', () => {
    expect(codes({ smallFiles: 150 })).toEqual(['small-files'])
    expect(codes({ smallFiles: 99 })).toEqual([])
    expect(
      codes({ numFiles: SMALL_FILES_MIN_COUNT - 1, smallFiles: SMALL_FILES_MIN_COUNT - 1 }),
    ).toEqual([])
  })

  it('warns about files without statistics and about many deleted rows', () => {
    expect(codes({ filesWithoutStats: 3, physicalRecords: undefined })).toEqual(['missing-stats'])
    expect(codes({ numDeletedRecords: 100_000 })).toEqual(['deleted-rows'])
    expect(codes({ numDeletedRecords: 99_999 })).toEqual([])
  })

  it('warns about retention settings that cut time travel short', () => {
    expect(codes({ deletedFileRetentionMs: SAFE_FILE_RETENTION_MS - 1 })).toEqual([
      'short-file-retention',
    ])
    expect(codes({ logRetentionMs: 2 * DAY })).toEqual(['time-travel-limited'])
    const both = tableWarnings({ ...healthy, deletedFileRetentionMs: DAY, logRetentionMs: DAY / 2 })
    expect(both.map((w) => w.code)).toEqual(['short-file-retention', 'time-travel-limited'])
    expect(both[1]!.message).toContain('12 hours')
  })

  it('passes on the problems the snapshot loader noticed', () => {
    expect(tableWarnings({ ...healthy, loadWarnings: ['crc mismatch'] })).toEqual([
      { code: 'load-warning', message: 'crc mismatch' },
    ])
  })
})
