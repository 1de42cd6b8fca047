/**
 * What `inspect` knows about a snapshot, gathered in one pass over its files, in the shape of
 * the `inspect --json` document (README, "inspect --json"). Times are ISO-8601 strings; counts
 * that cannot be known are `null`, never a guess.
 */
import { parseStats } from '../../protocol/stats.js'
import { TABLE_PROPERTIES } from '../../protocol/table-properties.js'
import type { Snapshot } from '../../snapshot/snapshot.js'
import { isoTime } from '../output/human.js'
import type { Progress } from '../progress.js'
import { SMALL_FILE_BYTES, tableWarnings, type TableWarning } from './inspect-warnings.js'

export interface CheckpointFacts {
  readonly version: number
  /** `classic`, `multi-part` or `v2` (UUID-named). */
  readonly kind: 'classic' | 'multi-part' | 'v2'
  readonly parts: number
  /** When its (first) file was written. */
  readonly timestamp: string
}

export interface InspectFacts {
  readonly table: string
  readonly version: number
  readonly timestamp: string
  readonly protocol: {
    readonly minReaderVersion: number
    readonly minWriterVersion: number
    /** `null` below reader version 3 (no explicit features). */
    readonly readerFeatures: readonly string[] | null
    /** `null` below writer version 7. */
    readonly writerFeatures: readonly string[] | null
  }
  readonly metadata: {
    readonly id: string
    readonly name: string | null
    readonly description: string | null
    readonly format: string
    readonly partitionColumns: readonly string[]
    readonly configuration: Readonly<Record<string, string>>
    readonly createdTime: string | null
  }
  /** The Delta schema JSON object, as in `metaData.schemaString`. */
  readonly schema: unknown
  readonly numFiles: number
  readonly sizeInBytes: number
  /** Rows a full scan returns (stats minus deleted rows); `null` when a file has no row count. */
  readonly numRecords: number | null
  /** Rows marked deleted by deletion vectors. */
  readonly numDeletedRecords: number
  /** Files that carry a deletion vector. */
  readonly numDeletionVectors: number
  readonly numFilesWithoutStats: number
  readonly checkpoint: CheckpointFacts | null
  /** Commits replayed on top of the checkpoint (all of them without one). */
  readonly commitsSinceCheckpoint: number
  readonly columnMapping: string
  readonly warnings: readonly TableWarning[]
}

/** Walks the snapshot's files once and collects the facts. */
export function inspectFacts(snapshot: Snapshot, progress: Progress): InspectFacts {
  let physical = 0
  let withoutCount = 0
  let deleted = 0
  let dvs = 0
  let small = 0
  let seen = 0
  for (const add of snapshot.files()) {
    seen++
    if (seen % 4096 === 0) progress.update(seen, snapshot.numFiles)
    if (add.size < SMALL_FILE_BYTES) small++
    const records = recordsOf(add.stats)
    if (records === undefined) withoutCount++
    else physical += records
    if (add.deletionVector !== undefined) {
      dvs++
      deleted += add.deletionVector.cardinality
    }
  }
  const { protocol, metadata, segment } = snapshot
  const checkpoint = segment.checkpoint
  const first = checkpoint?.files[0]
  const checkpointFacts: CheckpointFacts | null =
    checkpoint === undefined || first === undefined
      ? null
      : {
          version: checkpoint.version,
          kind: checkpoint.format === 'uuid' ? 'v2' : checkpoint.format,
          parts: checkpoint.files.length,
          timestamp: isoTime(first.lastModified),
        }
  const warnings = tableWarnings({
    version: snapshot.version,
    commitsSinceCheckpoint: segment.commits.length,
    checkpointVersion: checkpoint?.version,
    checkpointInterval: snapshot.property(TABLE_PROPERTIES.checkpointInterval),
    numFiles: snapshot.numFiles,
    sizeInBytes: snapshot.sizeInBytes,
    smallFiles: small,
    filesWithoutStats: withoutCount,
    physicalRecords: withoutCount === 0 ? physical : undefined,
    numDeletedRecords: deleted,
    deletedFileRetentionMs: snapshot.property(TABLE_PROPERTIES.deletedFileRetentionDuration),
    logRetentionMs: snapshot.property(TABLE_PROPERTIES.logRetentionDuration),
    loadWarnings: snapshot.warnings,
  })
  return {
    table: snapshot.tableUrl,
    version: snapshot.version,
    timestamp: isoTime(snapshot.timestamp),
    protocol: {
      minReaderVersion: protocol.minReaderVersion,
      minWriterVersion: protocol.minWriterVersion,
      readerFeatures: protocol.readerFeatures ?? null,
      writerFeatures: protocol.writerFeatures ?? null,
    },
    metadata: {
      id: metadata.id,
      name: metadata.name ?? null,
      description: metadata.description ?? null,
      format: metadata.format.provider,
      partitionColumns: metadata.partitionColumns,
      configuration: metadata.configuration,
      createdTime: metadata.createdTime === undefined ? null : isoTime(metadata.createdTime),
    },
    schema: JSON.parse(metadata.schemaString) as unknown,
    numFiles: snapshot.numFiles,
    sizeInBytes: snapshot.sizeInBytes,
    numRecords: withoutCount === 0 ? physical - deleted : null,
    numDeletedRecords: deleted,
    numDeletionVectors: dvs,
    numFilesWithoutStats: withoutCount,
    checkpoint: checkpointFacts,
    commitsSinceCheckpoint: segment.commits.length,
    columnMapping: snapshot.columnMappingMode,
    warnings,
  }
}

/**
 * `numRecords` of a file's stats; undefined when missing or unreadable. A file with broken stats
 * is not worth failing `inspect` over: it is counted as a file without statistics.
 */
export function recordsOf(stats: string | undefined): number | undefined {
  if (stats === undefined) return undefined
  try {
    return parseStats(stats).numRecords
  } catch {
    return undefined
  }
}
