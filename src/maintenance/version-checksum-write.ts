/**
 * Version checksum files `<version>.crc` (PROTOCOL.md "Version Checksum File"): computing them
 * from a snapshot or, after a commit, from the snapshot the commit was based on plus the
 * commit's actions; and storing them put-if-absent, because a `.crc` must never be overwritten.
 *
 * Contents follow Spark (`Checksum.scala`, `computeNewChecksum`):
 * - required: tableSizeBytes, numFiles, numMetadata = numProtocol = 1, metadata, protocol;
 * - txnId of the commit, inCommitTimestampOpt when the commit carries one;
 * - setTransactions, unless `delta.setTransactionRetentionDuration` is set (their expiry makes
 *   the set depend on the clock) or there are more than 100; domainMetadata unless more than 10
 *   (all or nothing, so a reader can tell "absent" from "not recorded");
 * - fileSizeHistogram with Spark's default bins;
 * - numDeletedRecordsOpt, numDeletionVectorsOpt and deletedRecordCountsHistogramOpt when the
 *   table supports deletion vectors.
 *
 * The incremental path is exact, unlike Spark's (which trusts `remove.size`): every add and
 * remove of the commit is looked up in the base snapshot's file set, so re-adds, removes of
 * files that were not live, and DV updates all count correctly.
 */
import { AlreadyExistsError, InvalidArgumentError } from '../errors.js'
import { LOG_DIR, type LogStore } from '../log/log-store.js'
import type { Action, Add, DomainMetadata, Metadata, Protocol, Txn } from '../protocol/actions.js'
import { isFeatureSupported } from '../protocol/features.js'
import { formatLogFileName } from '../protocol/log-files.js'
import { TABLE_PROPERTIES, tableProperty } from '../protocol/table-properties.js'
import {
  parseVersionChecksum,
  serializeVersionChecksum,
  type VersionChecksum,
} from '../protocol/version-checksum.js'
import { fileKey } from '../snapshot/file-set.js'
import { canonicalPathFn } from '../snapshot/read-segment.js'
import type { ReplayState } from '../snapshot/replay.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { Signalled } from '../storage/object-store.js'
import { utf8Decode, utf8Encode } from '../util/utf8.js'
import { FileSummary } from './file-summary.js'

/** Spark's `setTransactionsInCrc.maxAllowed` and `domainMetadatasInCrc.maxAllowed`. */
const MAX_TXNS = 100
const MAX_DOMAINS = 10

export function checksumKey(version: number): string {
  return `${LOG_DIR}${formatLogFileName({ kind: 'crc', version })}`
}

/** Per commit facts a checksum records besides the table state. */
export interface CommitFacts {
  readonly txnId?: string | undefined
  readonly inCommitTimestamp?: number | undefined
}

/** Everything a checksum summarises, however it was obtained (full state or incremental). */
interface TableState {
  readonly protocol: Protocol
  readonly metadata: Metadata
  readonly txns: Iterable<Txn>
  readonly domains: Iterable<DomainMetadata>
  readonly files: FileSummary
}

/** Builds the checksum object, applying Spark's rules on which optional parts to include. */
function assemble(state: TableState, facts: CommitFacts): VersionChecksum {
  const configuration = state.metadata.configuration
  const txnRetention = tableProperty(
    configuration,
    TABLE_PROPERTIES.setTransactionRetentionDuration,
  )
  const txns = [...state.txns]
  const domains = [...state.domains]
  const dvs = isFeatureSupported(state.protocol, 'deletionVectors')
  const files = state.files
  return {
    ...(facts.txnId === undefined ? {} : { txnId: facts.txnId }),
    tableSizeBytes: files.tableSizeBytes,
    numFiles: files.numFiles,
    numMetadata: 1,
    numProtocol: 1,
    ...(facts.inCommitTimestamp === undefined
      ? {}
      : { inCommitTimestampOpt: facts.inCommitTimestamp }),
    ...(txnRetention === undefined && txns.length <= MAX_TXNS ? { setTransactions: txns } : {}),
    ...(domains.length <= MAX_DOMAINS ? { domainMetadata: domains } : {}),
    metadata: state.metadata,
    protocol: state.protocol,
    fileSizeHistogram: files.fileSizeHistogram,
    ...(dvs
      ? {
          numDeletedRecordsOpt: files.numDeletedRecords,
          numDeletionVectorsOpt: files.numDeletionVectors,
          deletedRecordCountsHistogramOpt: files.deletedRecordCountsHistogram,
        }
      : {}),
  }
}

/** The checksum of a snapshot, computed from its full state (one pass over its files). */
export function computeVersionChecksum(snapshot: Snapshot, facts?: CommitFacts): VersionChecksum {
  const info = snapshot.commitInfo
  return assemble(
    {
      protocol: snapshot.protocol,
      metadata: snapshot.metadata,
      txns: snapshot.appTransactions().values(),
      domains: snapshot.domains().values(),
      files: summaryOf(snapshot.state),
    },
    facts ?? {
      txnId: typeof info?.txnId === 'string' ? info.txnId : undefined,
      inCommitTimestamp:
        typeof info?.inCommitTimestamp === 'number' ? info.inCommitTimestamp : undefined,
    },
  )
}

// One summary per replay state: hooks on consecutive commits of one snapshot share it.
const summaries = new WeakMap<ReplayState, FileSummary>()

function summaryOf(state: ReplayState, stored?: VersionChecksum): FileSummary {
  let summary = summaries.get(state)
  if (summary !== undefined) return summary
  const fromStored = stored === undefined ? undefined : FileSummary.fromChecksum(stored)
  // A stored checksum is trusted only where it agrees with replay (numbers we know exactly).
  summary =
    fromStored !== undefined && fromStored.matches(state.files.size, state.files.totalBytes)
      ? fromStored
      : FileSummary.of(state.files)
  summaries.set(state, summary)
  return summary
}

/**
 * The checksum of version `base.version + 1` made of `actions`, from `base` (undefined for the
 * commit that creates the table). Reads at most `base`'s own `.crc` file, to avoid a pass over
 * its files for the histograms.
 */
export async function checksumAfterCommit(
  log: LogStore,
  base: Snapshot | undefined,
  actions: readonly Action[],
  options: Signalled = {},
): Promise<VersionChecksum> {
  const canonical = canonicalPathFn(log.tableUrl)
  const source = { path: log.tableUrl }
  let files: FileSummary
  if (base === undefined) files = new FileSummary()
  else {
    const cached = summaries.get(base.state)
    files = (
      cached ?? summaryOf(base.state, await readChecksum(log, base.version, options))
    ).clone()
  }
  // Reconcile exactly as replay does, but only for the keys this commit names: the base file set
  // answers "was this (path, DV) live, and how big was it?" without being copied.
  const live = base?.state.files
  // Keys this commit touched: the live add after it, or null when it is gone.
  const touched = new Map<string, Add | null>()
  const current = (key: string): Add | undefined => {
    const t = touched.get(key)
    return t === null ? undefined : (t ?? live?.get(key))
  }
  let protocol = base?.protocol
  let metadata = base?.metadata
  const txns = new Map(base?.appTransactions())
  const domains = new Map(base?.domains())
  let inCommitTimestamp: number | undefined
  let txnId: string | undefined
  // Removes before adds, as replay applies a commit (a DV update removes and re-adds a path).
  for (const action of actions) {
    if (!('remove' in action)) continue
    const key = fileKey(canonical(action.remove.path, source), action.remove.deletionVector)
    const was = current(key)
    if (was !== undefined) files.remove(was)
    touched.set(key, null)
  }
  for (const action of actions) {
    if ('add' in action) {
      const key = fileKey(canonical(action.add.path, source), action.add.deletionVector)
      const was = current(key)
      if (was !== undefined) files.remove(was)
      files.add(action.add)
      touched.set(key, action.add)
    } else if ('protocol' in action) protocol = action.protocol
    else if ('metaData' in action) metadata = action.metaData
    else if ('txn' in action) txns.set(action.txn.appId, action.txn)
    else if ('domainMetadata' in action) {
      const d = action.domainMetadata
      if (d.removed) domains.delete(d.domain)
      else domains.set(d.domain, d)
    } else if ('commitInfo' in action) {
      const ict = action.commitInfo.inCommitTimestamp
      if (typeof ict === 'number') inCommitTimestamp = ict
      if (typeof action.commitInfo.txnId === 'string') txnId = action.commitInfo.txnId
    }
  }
  if (protocol === undefined || metadata === undefined) {
    throw new InvalidArgumentError(
      'A commit that creates a table must carry protocol and metaData actions',
    )
  }
  return assemble(
    { protocol, metadata, txns: txns.values(), domains: domains.values(), files },
    { txnId, inCommitTimestamp },
  )
}

/**
 * Reads and parses `<version>.crc`; undefined when absent or unreadable (a checksum is
 * optional data: any problem means "recount", never a failure).
 */
export async function readChecksum(
  log: LogStore,
  version: number,
  options: Signalled = {},
): Promise<VersionChecksum | undefined> {
  const key = checksumKey(version)
  try {
    const bytes = await log.readOptional(key, options)
    return bytes === undefined ? undefined : parseVersionChecksum(utf8Decode(bytes), log.urlOf(key))
  } catch {
    return undefined
  }
}

/**
 * Stores `<version>.crc` unless one exists (`created: false` then; the existing file is never
 * touched). Must only be called once commit `version` exists.
 */
export async function writeVersionChecksum(
  log: LogStore,
  version: number,
  checksum: VersionChecksum,
  options: Signalled = {},
): Promise<{ readonly created: boolean }> {
  try {
    await log.store.put(checksumKey(version), utf8Encode(serializeVersionChecksum(checksum)), {
      mode: 'create',
      signal: options.signal,
    })
    return { created: true }
  } catch (error) {
    if (error instanceof AlreadyExistsError) return { created: false }
    throw error
  }
}
