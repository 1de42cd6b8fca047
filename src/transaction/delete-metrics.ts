/**
 * What a DELETE did, in Spark's terms: the counters of `DeleteCommand` and the
 * `operationMetrics` its commitInfo records (`DeltaOperationMetrics.DELETE`), which Spark
 * writes as strings.
 *
 * Two of Spark's conventions are kept so that DESCRIBE HISTORY reads the same:
 * - deletion vector counts are those of the log: `numDeletionVectorsAdded` counts adds that
 *   carry a new DV, `numDeletionVectorsRemoved` removes that carry one, and
 *   `numDeletionVectorsUpdated` the files whose DV was replaced by a larger one (counted in
 *   both), which is what Spark's `DELETION_VECTORS` metric transformer records;
 * - a delete that removed files without knowing how many rows they held (a metadata-only delete
 *   of files without `numRecords` statistics) records no `numDeletedRows`, `numCopiedRows` or
 *   `numAddedFiles`, as Spark's `Delete.transformMetrics` drops them.
 * One is not: Spark leaves `numRemovedBytes` at 0 when files are removed whole by its
 * deletion-vector path; here it always counts the bytes of the files removed.
 */

export interface DeleteMetrics {
  /** Rows deleted; undefined when files were removed whole without row counts. */
  readonly numDeletedRows: number | undefined
  /** Rows rewritten into new files (0 with deletion vectors). */
  readonly numCopiedRows: number
  /** Files removed (a file that only gets a new DV is not removed). */
  readonly numRemovedFiles: number
  readonly numRemovedBytes: number
  /** New data files (rewrites); 0 with deletion vectors. */
  readonly numAddedFiles: number
  readonly numAddedBytes: number
  readonly numAddedChangeFiles: number
  readonly changeFileBytes: number
  readonly numDeletionVectorsAdded: number
  readonly numDeletionVectorsRemoved: number
  readonly numDeletionVectorsUpdated: number
  /** Live files before stats skipping, and the candidates after it. */
  readonly numFilesBeforeSkipping: number
  readonly numFilesAfterSkipping: number
  /** Finding the rows to delete; writing DVs, data and change files; both (commit excluded). */
  readonly scanTimeMs: number
  readonly rewriteTimeMs: number
  readonly executionTimeMs: number
}

/** Every counter at zero: the start of a tally. */
export const NO_DELETE_METRICS: DeleteMetrics = {
  numDeletedRows: 0,
  numCopiedRows: 0,
  numRemovedFiles: 0,
  numRemovedBytes: 0,
  numAddedFiles: 0,
  numAddedBytes: 0,
  numAddedChangeFiles: 0,
  changeFileBytes: 0,
  numDeletionVectorsAdded: 0,
  numDeletionVectorsRemoved: 0,
  numDeletionVectorsUpdated: 0,
  numFilesBeforeSkipping: 0,
  numFilesAfterSkipping: 0,
  scanTimeMs: 0,
  rewriteTimeMs: 0,
  executionTimeMs: 0,
}

/** The commitInfo `operationMetrics` of a DELETE, as Spark writes them. */
export function deleteOperationMetrics(m: DeleteMetrics): Record<string, string> {
  const rowsKnown = m.numDeletedRows !== undefined
  return {
    numRemovedFiles: String(m.numRemovedFiles),
    numRemovedBytes: String(m.numRemovedBytes),
    ...(rowsKnown ? { numCopiedRows: String(m.numCopiedRows) } : {}),
    numDeletionVectorsAdded: String(m.numDeletionVectorsAdded),
    numDeletionVectorsRemoved: String(m.numDeletionVectorsRemoved),
    numAddedChangeFiles: String(m.numAddedChangeFiles),
    executionTimeMs: String(m.executionTimeMs),
    numDeletionVectorsUpdated: String(m.numDeletionVectorsUpdated),
    ...(rowsKnown ? { numDeletedRows: String(m.numDeletedRows) } : {}),
    scanTimeMs: String(m.scanTimeMs),
    ...(rowsKnown ? { numAddedFiles: String(m.numAddedFiles) } : {}),
    numAddedBytes: String(m.numAddedBytes),
    rewriteTimeMs: String(m.rewriteTimeMs),
  }
}
