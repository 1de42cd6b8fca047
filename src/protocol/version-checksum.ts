/**
 * The version checksum file `<version>.crc` (PROTOCOL.md "Version Checksum File"): one JSON
 * object summarising the table state at a version, written after the commit, never overwritten.
 * Readers must work without it and may validate against it.
 *
 * Read leniently where real files demand it: optional fields may be absent or null, `metadata`
 * and `protocol` may be missing (older Databricks runtimes), and the legacy field name
 * `histogramOpt` (which Spark still accepts and older Spark and delta-rs wrote) is read as
 * `fileSizeHistogram`. Written with the current names only.
 */

import { CorruptLogError } from '../errors.js'
import {
  parseAdd,
  parseDomainMetadata,
  parseMetadata,
  parseProtocol,
  parseTxn,
  type Where,
} from './action-validation.js'
import type { Add, DomainMetadata, Metadata, Protocol, Txn } from './actions.js'

export interface FileSizeHistogram {
  /** Bin start offsets in bytes, ascending, starting at 0. */
  readonly sortedBinBoundaries: readonly number[]
  readonly fileCounts: readonly number[]
  readonly totalBytes: readonly number[]
}

export interface DeletedRecordCountsHistogram {
  /** Ten bins: 0, 1-9, 10-99, ... , >= 2^31 - 1 deleted records per file. */
  readonly deletedRecordCounts: readonly number[]
}

export interface VersionChecksum {
  readonly txnId?: string
  readonly tableSizeBytes: number
  readonly numFiles: number
  readonly numMetadata: number
  readonly numProtocol: number
  /** Epoch milliseconds; present exactly when in-commit timestamps are enabled. */
  readonly inCommitTimestampOpt?: number
  readonly setTransactions?: readonly Txn[]
  readonly domainMetadata?: readonly DomainMetadata[]
  /**
   * Required by the current spec, but `.crc` files from older Databricks runtimes carry only the
   * counts (seen in the corpus), so a reader may find them absent. Writers always set both.
   */
  readonly metadata?: Metadata
  readonly protocol?: Protocol
  readonly fileSizeHistogram?: FileSizeHistogram
  readonly allFiles?: readonly Add[]
  readonly numDeletedRecordsOpt?: number
  readonly numDeletionVectorsOpt?: number
  readonly deletedRecordCountsHistogramOpt?: DeletedRecordCountsHistogram
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Parses a `.crc` file. Malformed content is a `CorruptLogError` naming `path`. */
export function parseVersionChecksum(text: string, path: string): VersionChecksum {
  const where: Where = { path }
  const fail = (reason: string): never => {
    throw new CorruptLogError(reason, where)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return fail(`not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  if (!isRecord(value)) return fail('a version checksum must be a JSON object')
  // Jackson-written files may carry explicit nulls for the `...Opt` fields: same as absent.
  const present = (key: string): boolean => value[key] !== undefined && value[key] !== null
  const integer = (key: string): number => {
    const v = value[key]
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`${key} must be an integer`)
    return v
  }
  const integerArray = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || !v.every((n) => typeof n === 'number' && Number.isInteger(n))) {
      return fail(`${what} must be an array of integers`)
    }
    return v as number[]
  }
  const list = <T>(key: string, parse: (item: unknown, where: Where) => T): T[] | undefined => {
    if (!present(key)) return undefined
    const v = value[key]
    if (!Array.isArray(v)) return fail(`${key} must be an array`)
    return v.map((item) => parse(item, where))
  }

  // Both names mean the same histogram; the current one wins when a writer put both.
  const histogramValue = present('fileSizeHistogram')
    ? value['fileSizeHistogram']
    : value['histogramOpt']
  let fileSizeHistogram: FileSizeHistogram | undefined
  if (histogramValue !== undefined && histogramValue !== null) {
    if (!isRecord(histogramValue)) return fail('fileSizeHistogram must be an object')
    const sortedBinBoundaries = integerArray(
      histogramValue['sortedBinBoundaries'],
      'fileSizeHistogram.sortedBinBoundaries',
    )
    const fileCounts = integerArray(histogramValue['fileCounts'], 'fileSizeHistogram.fileCounts')
    const totalBytes = integerArray(histogramValue['totalBytes'], 'fileSizeHistogram.totalBytes')
    if (
      fileCounts.length !== sortedBinBoundaries.length ||
      totalBytes.length !== sortedBinBoundaries.length
    ) {
      return fail('fileSizeHistogram arrays must have the same length')
    }
    fileSizeHistogram = { sortedBinBoundaries, fileCounts, totalBytes }
  }
  let deletedHistogram: DeletedRecordCountsHistogram | undefined
  if (present('deletedRecordCountsHistogramOpt')) {
    const h = value['deletedRecordCountsHistogramOpt']
    if (!isRecord(h)) return fail('deletedRecordCountsHistogramOpt must be an object')
    deletedHistogram = {
      deletedRecordCounts: integerArray(
        h['deletedRecordCounts'],
        'deletedRecordCountsHistogramOpt.deletedRecordCounts',
      ),
    }
  }
  const optionalInteger = (key: string): number | undefined =>
    present(key) ? integer(key) : undefined
  const txnId = value['txnId']
  if (txnId !== undefined && txnId !== null && typeof txnId !== 'string')
    return fail('txnId must be a string')
  const setTransactions = list('setTransactions', parseTxn)
  const domainMetadata = list('domainMetadata', parseDomainMetadata)
  const allFiles = list('allFiles', parseAdd)
  const inCommitTimestampOpt = optionalInteger('inCommitTimestampOpt')
  const numDeletedRecordsOpt = optionalInteger('numDeletedRecordsOpt')
  const numDeletionVectorsOpt = optionalInteger('numDeletionVectorsOpt')

  return {
    ...(typeof txnId === 'string' ? { txnId } : {}),
    tableSizeBytes: integer('tableSizeBytes'),
    numFiles: integer('numFiles'),
    numMetadata: integer('numMetadata'),
    numProtocol: integer('numProtocol'),
    ...(inCommitTimestampOpt === undefined ? {} : { inCommitTimestampOpt }),
    ...(setTransactions === undefined ? {} : { setTransactions }),
    ...(domainMetadata === undefined ? {} : { domainMetadata }),
    ...(present('metadata') ? { metadata: parseMetadata(value['metadata'], where) } : {}),
    ...(present('protocol') ? { protocol: parseProtocol(value['protocol'], where) } : {}),
    ...(fileSizeHistogram === undefined ? {} : { fileSizeHistogram }),
    ...(allFiles === undefined ? {} : { allFiles }),
    ...(numDeletedRecordsOpt === undefined ? {} : { numDeletedRecordsOpt }),
    ...(numDeletionVectorsOpt === undefined ? {} : { numDeletionVectorsOpt }),
    ...(deletedHistogram === undefined
      ? {}
      : { deletedRecordCountsHistogramOpt: deletedHistogram }),
  }
}

/** Serializes a version checksum as one JSON object (fields in the spec's table order). */
export function serializeVersionChecksum(checksum: VersionChecksum): string {
  const c = checksum
  return JSON.stringify({
    txnId: c.txnId,
    tableSizeBytes: c.tableSizeBytes,
    numFiles: c.numFiles,
    numMetadata: c.numMetadata,
    numProtocol: c.numProtocol,
    inCommitTimestampOpt: c.inCommitTimestampOpt,
    setTransactions: c.setTransactions,
    domainMetadata: c.domainMetadata,
    metadata: c.metadata,
    protocol: c.protocol,
    fileSizeHistogram: c.fileSizeHistogram,
    allFiles: c.allFiles,
    numDeletedRecordsOpt: c.numDeletedRecordsOpt,
    numDeletionVectorsOpt: c.numDeletionVectorsOpt,
    deletedRecordCountsHistogramOpt: c.deletedRecordCountsHistogramOpt,
  })
}
