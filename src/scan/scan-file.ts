/**
 * A file to read, as planned by a scan: everything an engine needs to read it itself.
 */
import type { DeletionVectorDescriptor } from '../protocol/actions.js'
import type { PartitionValue } from '../protocol/partition-values.js'
import type { FileStats } from '../protocol/stats.js'

export interface ScanFile {
  /**
   * Where the data file is: a store key relative to the table root (decoded exactly once
   * from the log), or an absolute URI when the log names a file outside the table.
   */
  readonly location:
    { readonly kind: 'key'; readonly key: string } | { readonly kind: 'uri'; readonly uri: string }
  /** The `path` exactly as written in the log (still percent-encoded). */
  readonly logPath: string
  readonly size: number
  readonly modificationTime: number
  /** Typed partition values by logical column name (null for NULL). */
  readonly partitionValues: Readonly<Record<string, PartitionValue>>
  /** Parsed statistics, when the file has them. */
  readonly stats: FileStats | undefined
  readonly deletionVector: DeletionVectorDescriptor | undefined
  /** Physical rows minus rows deleted by the deletion vector, when `numRecords` is known. */
  readonly numRecords: number | undefined
  readonly baseRowId?: number
  readonly defaultRowCommitVersion?: number
}
