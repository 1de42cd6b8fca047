/**
 * The aggregate numbers a version checksum (`.crc`) records about the live files, kept as a
 * mutable accumulator so that they can be computed once from a snapshot and then moved forward
 * commit by commit (adding and removing one file at a time), as Spark's incremental checksum
 * does.
 *
 * - `fileSizeHistogram` uses Spark's default bins (`FileSizeHistogramUtils.DEFAULT_BINS`): 95
 *   boundaries from 0 through 8 KB..4 MB in powers of two, then finer steps around the usual
 *   target sizes (4 MB steps to 40 MB, 8 MB to 120 MB, 4 MB to 144 MB, 16 MB to 576 MB, ...)
 *   and powers of two from 4 GB to 256 GB. A file belongs to the last bin whose start is not
 *   above its size.
 * - `deletedRecordCountsHistogramOpt` counts files by their deletion vector's cardinality in
 *   the ten decimal bins of PROTOCOL.md (0, 1-9, 10-99, ..., 10^7 to 2^31-2, >= 2^31-1); a file
 *   without a deletion vector counts as 0.
 */
import type { Add, DeletionVectorDescriptor } from '../protocol/actions.js'
import type {
  DeletedRecordCountsHistogram,
  FileSizeHistogram,
} from '../protocol/version-checksum.js'

const KB = 1024
const MB = 1024 * KB
const GB = 1024 * MB

function range(from: number, to: number, step: number): number[] {
  const out: number[] = []
  for (let v = from; v <= to; v += step) out.push(v)
  return out
}

/** Spark's default file-size bin starts, in bytes. */
export const FILE_SIZE_BINS: readonly number[] = [
  0,
  ...[8, 16, 32, 64, 128, 256, 512].map((k) => k * KB),
  ...[1, 2, 4].map((m) => m * MB),
  ...range(8, 40, 4).map((m) => m * MB),
  ...range(48, 120, 8).map((m) => m * MB),
  ...range(124, 144, 4).map((m) => m * MB),
  ...range(160, 576, 16).map((m) => m * MB),
  ...range(640, 1408, 64).map((m) => m * MB),
  ...range(1536, 2048, 128).map((m) => m * MB),
  ...range(2304, 3840, 256).map((m) => m * MB),
  ...[4, 8, 16, 32, 64, 128, 256].map((g) => g * GB),
]

/** Lower bounds of the ten deleted-record-count bins. */
const DELETED_BINS: readonly number[] = [0, 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 2 ** 31 - 1]

/** The bin of `value` among ascending lower bounds, or -1 when below the first. */
function binOf(bounds: readonly number[], value: number): number {
  let lo = 0
  let hi = bounds.length - 1
  if (value < bounds[0]!) return -1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (bounds[mid]! <= value) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * Running totals over a set of live files. Mutable on purpose: the post-commit path clones the
 * base snapshot's summary (a few hundred numbers) and applies one commit's adds and removes,
 * instead of walking millions of files after every commit.
 */
export class FileSummary {
  numFiles = 0
  tableSizeBytes = 0
  numDeletionVectors = 0
  numDeletedRecords = 0
  private readonly sizeCounts = new Array<number>(FILE_SIZE_BINS.length).fill(0)
  private readonly sizeBytes = new Array<number>(FILE_SIZE_BINS.length).fill(0)
  private readonly deletedCounts = new Array<number>(DELETED_BINS.length).fill(0)

  /** One pass over a file set: the fallback when no trustworthy stored checksum exists. */
  static of(files: Iterable<Add>): FileSummary {
    const summary = new FileSummary()
    for (const file of files) summary.add(file)
    return summary
  }

  /**
   * A summary continuing from a stored checksum, when it carries everything needed: the
   * histograms with our bins (another writer may use other boundaries, which cannot be
   * re-binned) and the DV totals. Anything less and the caller recounts from the files.
   */
  static fromChecksum(crc: {
    numFiles: number
    tableSizeBytes: number
    fileSizeHistogram?: FileSizeHistogram
    numDeletedRecordsOpt?: number
    numDeletionVectorsOpt?: number
    deletedRecordCountsHistogramOpt?: DeletedRecordCountsHistogram
  }): FileSummary | undefined {
    const h = crc.fileSizeHistogram
    const d = crc.deletedRecordCountsHistogramOpt
    const sameBins =
      h !== undefined &&
      h.sortedBinBoundaries.length === FILE_SIZE_BINS.length &&
      h.sortedBinBoundaries.every((b, i) => b === FILE_SIZE_BINS[i])
    if (
      !sameBins ||
      crc.numDeletedRecordsOpt === undefined ||
      crc.numDeletionVectorsOpt === undefined
    )
      return undefined
    if (d === undefined || d.deletedRecordCounts.length !== DELETED_BINS.length) return undefined
    const summary = new FileSummary()
    summary.numFiles = crc.numFiles
    summary.tableSizeBytes = crc.tableSizeBytes
    summary.numDeletedRecords = crc.numDeletedRecordsOpt
    summary.numDeletionVectors = crc.numDeletionVectorsOpt
    h.fileCounts.forEach((c, i) => (summary.sizeCounts[i] = c))
    h.totalBytes.forEach((b, i) => (summary.sizeBytes[i] = b))
    d.deletedRecordCounts.forEach((c, i) => (summary.deletedCounts[i] = c))
    return summary
  }

  clone(): FileSummary {
    const copy = new FileSummary()
    copy.numFiles = this.numFiles
    copy.tableSizeBytes = this.tableSizeBytes
    copy.numDeletionVectors = this.numDeletionVectors
    copy.numDeletedRecords = this.numDeletedRecords
    this.sizeCounts.forEach((c, i) => (copy.sizeCounts[i] = c))
    this.sizeBytes.forEach((b, i) => (copy.sizeBytes[i] = b))
    this.deletedCounts.forEach((c, i) => (copy.deletedCounts[i] = c))
    return copy
  }

  add(file: { size: number; deletionVector?: DeletionVectorDescriptor | undefined }): void {
    this.change(file, 1)
  }

  remove(file: { size: number; deletionVector?: DeletionVectorDescriptor | undefined }): void {
    this.change(file, -1)
  }

  /**
   * Whether this summary agrees with a file count and size known to be right (from replay):
   * a stored `.crc` is only a claim, and a wrong one must not be carried forward.
   */
  matches(numFiles: number, tableSizeBytes: number): boolean {
    const binned = this.sizeCounts.reduce((n, c) => n + c, 0)
    return (
      this.numFiles === numFiles && this.tableSizeBytes === tableSizeBytes && binned === numFiles
    )
  }

  get fileSizeHistogram(): FileSizeHistogram {
    return {
      sortedBinBoundaries: FILE_SIZE_BINS,
      fileCounts: [...this.sizeCounts],
      totalBytes: [...this.sizeBytes],
    }
  }

  get deletedRecordCountsHistogram(): DeletedRecordCountsHistogram {
    return { deletedRecordCounts: [...this.deletedCounts] }
  }

  private change(
    file: { size: number; deletionVector?: DeletionVectorDescriptor | undefined },
    sign: 1 | -1,
  ): void {
    this.numFiles += sign
    this.tableSizeBytes += sign * file.size
    const bin = binOf(FILE_SIZE_BINS, file.size)
    if (bin >= 0) {
      this.sizeCounts[bin]! += sign
      this.sizeBytes[bin]! += sign * file.size
    }
    // Files without a DV count in bin 0 of the deleted-records histogram, as Spark counts them.
    const cardinality = file.deletionVector?.cardinality ?? 0
    if (file.deletionVector !== undefined) {
      this.numDeletionVectors += sign
      this.numDeletedRecords += sign * cardinality
    }
    this.deletedCounts[binOf(DELETED_BINS, cardinality)]! += sign
  }
}
