/**
 * A streaming source over a Delta table with the semantics of Spark's Delta source: an
 * initial snapshot (its files ordered by modification time, then path), then the files added
 * by each new commit, in micro-batches bounded by `maxFilesPerTrigger` (hard) and
 * `maxBytesPerTrigger` (soft: a batch always takes at least one file), with offsets that
 * resume exactly.
 *
 * A commit that removes data (a `remove` with dataChange=true: DELETE, UPDATE, MERGE,
 * OVERWRITE) cannot be expressed as an append-only stream: the source stops with
 * `StreamChangeUnsupportedError` naming the version, unless `skipChangeCommits` (skip such
 * commits entirely) or `ignoreDeletes` (allow commits that only delete, e.g. partition
 * drops) says otherwise. Files added with dataChange=false (compaction) are never re-emitted.
 * Metadata changes that only add nullable columns flow through; any other schema change
 * stops the stream, as a restart against the new schema is needed.
 */
import {
  AbortedError,
  InvalidArgumentError,
  StreamChangeUnsupportedError,
  VersionNotFoundError,
} from '../errors.js'
import type { LogStore } from '../log/log-store.js'
import type * as arrow from 'apache-arrow'
import type { Add, Metadata, Protocol } from '../protocol/actions.js'
import { columnMappingMode } from '../protocol/column-mapping.js'
import { DataReader, type ReadableTable } from '../scan/data-reader.js'
import { scanFilesOf } from '../scan/plan.js'
import { ChangeDataFeedError } from './cdf-errors.js'
import { ChangeReader } from './cdf-read.js'
import {
  type ChangeFile,
  isChangeDataFeedEnabled,
  planVersionChanges,
  type VersionChanges,
} from './cdf-plan.js'
import { checkReadSupport } from '../protocol/protocol-check.js'
import { parseSchema, type StructType } from '../protocol/schema.js'
import { compareUtf8 } from '../util/utf8.js'
import type { Signalled } from '../storage/object-store.js'
import { versionAtTimestamp } from '../snapshot/history.js'
import { parseTimestampInput } from '../snapshot/history.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { systemClock, type Clock } from '../util/clock.js'
import { isAdditiveSchemaChange } from './schema-change.js'
import { pollInterval, tail, untilNextPoll, type CommitRecord } from './tail.js'

/**
 * A position in the stream, safe to store as JSON. `index` counts within `version`: the
 * files up to and including `index` have been emitted (-1: none yet). While the initial
 * snapshot is being emitted, `isInitialSnapshot` is true and indexes run over its files.
 */
export interface SourceOffset {
  readonly tableId: string
  readonly version: number
  readonly index: number
  readonly isInitialSnapshot: boolean
}

export interface SourceOptions {
  /** Start at this commit (a number), or only with commits after the latest (`latest`). */
  readonly startingVersion?: number | 'latest'
  /** Start at the first commit at or after this time. */
  readonly startingTimestamp?: number | string | Date
  /** Files per micro-batch (default 1000, as Spark). */
  readonly maxFilesPerTrigger?: number
  /** Soft byte limit per micro-batch. */
  readonly maxBytesPerTrigger?: number
  /** Let commits that only remove files through (their removals are not emitted). */
  readonly ignoreDeletes?: boolean
  /** Skip every commit that removes data, and its added files too. */
  readonly skipChangeCommits?: boolean
  /**
   * Stream the change data feed instead of added files: every batch carries change rows
   * (`_change_type`, `_commit_version`, `_commit_timestamp`), deletes and updates included.
   * The feed must be enabled on the table.
   */
  readonly readChangeFeed?: boolean
  readonly clock?: Clock
}

/** A file the stream emits, with the position it holds. */
export interface StreamFile {
  readonly version: number
  readonly index: number
  readonly isInitialSnapshot: boolean
  /** Commit time of `version`, epoch ms (in-commit timestamp when enabled). */
  readonly timestamp: number
  /** Bytes the file counts for against `maxBytesPerTrigger`. */
  readonly size: number
  /**
   * What to read: an added data file (`kind: 'add'`) for plain streams; with
   * `readChangeFeed`, any change file (cdc, add, remove, deletion-vector update).
   */
  readonly file: ChangeFile
}

export interface MicroBatch {
  /** Where the batch starts (exclusive). */
  readonly start: SourceOffset
  /** Where it ends (inclusive): store it, and resume from it. */
  readonly end: SourceOffset
  readonly files: readonly StreamFile[]
  /** The table schema the files of this batch are read with. */
  readonly schema: StructType
}

/** Pending files of one version, produced by reading the version once. */
interface VersionFiles {
  readonly version: number
  readonly isInitialSnapshot: boolean
  readonly files: readonly StreamFile[]
}

export class DeltaSource {
  private offset: SourceOffset
  private schema: StructType
  private metadata: Metadata
  private protocol: Protocol
  /** Files read but not yet emitted, in order. */
  private pending: StreamFile[] = []
  /** The next commit version to read from the log. */
  private nextVersion: number
  private readonly clock: Clock

  private constructor(
    readonly log: LogStore,
    readonly options: SourceOptions,
    state: {
      offset: SourceOffset | undefined
      metadata: Metadata
      protocol: Protocol
      nextVersion: number
      pending: StreamFile[]
    },
  ) {
    this.protocol = state.protocol
    if (options.readChangeFeed && !isChangeDataFeedEnabled(state.metadata)) {
      throw new ChangeDataFeedError(
        'not-enabled',
        state.nextVersion,
        'the table does not record its change data feed (delta.enableChangeDataFeed is not true)',
        'Enable it on the table, or stream without readChangeFeed.',
      )
    }
    // A fresh stream starts before the first file of its first version.
    this.offset = state.offset ?? {
      tableId: state.metadata.id,
      version: state.pending[0]?.version ?? state.nextVersion,
      index: -1,
      isInitialSnapshot: state.pending[0]?.isInitialSnapshot ?? false,
    }
    this.metadata = state.metadata
    this.schema = parseSchema(state.metadata.schemaString)
    this.nextVersion = state.nextVersion
    this.pending = state.pending
    this.clock = options.clock ?? systemClock
  }

  /**
   * Opens the source: fresh (from the options), or resuming right after `offset` (a value a
   * previous batch returned as `end`).
   */
  static async open(
    log: LogStore,
    options: SourceOptions = {},
    offset?: SourceOffset,
  ): Promise<DeltaSource> {
    validate(options)
    if (offset !== undefined) return DeltaSource.resume(log, options, offset)
    if (options.startingVersion === undefined && options.startingTimestamp === undefined) {
      const snapshot = await loadSnapshot(log, { stats: 'json' })
      const files = initialFiles(snapshot.version, snapshot.timestamp, snapshot.files())
      return new DeltaSource(log, options, {
        offset: undefined,
        metadata: snapshot.metadata,
        protocol: snapshot.protocol,
        nextVersion: snapshot.version + 1,
        pending: files,
      })
    }
    let start: number
    if (options.startingVersion === 'latest') {
      start = (await loadSnapshot(log, { stats: 'skip' })).version + 1
    } else if (options.startingVersion !== undefined) {
      start = options.startingVersion
    } else {
      start = await versionAtTimestamp(log, parseTimestampInput(options.startingTimestamp!), {
        mode: 'at-or-after',
      })
    }
    const base = await baseSnapshot(log, start)
    return new DeltaSource(log, options, {
      offset: undefined,
      metadata: base.metadata,
      protocol: base.protocol,
      nextVersion: start,
      pending: [],
    })
  }

  private static async resume(
    log: LogStore,
    options: SourceOptions,
    offset: SourceOffset,
  ): Promise<DeltaSource> {
    if (offset.isInitialSnapshot) {
      // Re-list the same initial snapshot and drop what was already emitted.
      const snapshot = await loadSnapshot(log, { version: offset.version, stats: 'json' })
      if (snapshot.metadata.id !== offset.tableId) throw tableChanged(offset, snapshot.metadata.id)
      const files = initialFiles(snapshot.version, snapshot.timestamp, snapshot.files()).filter(
        (f) => f.index > offset.index,
      )
      return new DeltaSource(log, options, {
        offset,
        metadata: snapshot.metadata,
        protocol: snapshot.protocol,
        nextVersion: snapshot.version + 1,
        pending: files,
      })
    }
    const base = await baseSnapshot(log, offset.version)
    if (base.metadata.id !== offset.tableId) throw tableChanged(offset, base.metadata.id)
    const source = new DeltaSource(log, options, {
      offset,
      metadata: base.metadata,
      protocol: base.protocol,
      nextVersion: offset.version,
      pending: [],
    })
    // Re-read the version the offset points into, keeping only files after its index. When
    // that version is not committed yet (a stream stopped when caught up), nothing is read
    // and the source still expects it next.
    await source.readVersions(offset.version, offset.version)
    source.pending = source.pending.filter((f) => f.index > offset.index)
    return source
  }

  /** The table as the stream currently reads it (for reading a batch's files). */
  get table(): ReadableTable {
    return {
      tableUrl: this.log.tableUrl,
      schema: this.schema,
      partitionColumns: this.metadata.partitionColumns,
      columnMappingMode: columnMappingMode(this.protocol, this.metadata),
      context: { log: this.log },
    }
  }

  /**
   * The rows of a micro-batch's files as Arrow batches (deletion vectors applied), read with
   * the schema the batch was planned with.
   */
  async *read(
    batch: MicroBatch,
    options: Signalled & { columns?: readonly string[] } = {},
  ): AsyncGenerator<arrow.RecordBatch> {
    const table = { ...this.table, schema: batch.schema }
    const columns = options.columns === undefined ? {} : { columns: options.columns }
    if (this.options.readChangeFeed) {
      const reader = new ChangeReader(table, columns)
      // Consecutive files of one version form that version's (partial) change set.
      let group: StreamFile[] = []
      const flush = (): VersionChanges | undefined =>
        group.length === 0
          ? undefined
          : {
              version: group[0]!.version,
              timestamp: group[0]!.timestamp,
              files: group.map((f) => f.file),
            }
      for (const file of batch.files) {
        if (group.length > 0 && group[0]!.version !== file.version) {
          yield* reader.read(flush()!, options)
          group = []
        }
        group.push(file)
      }
      const last = flush()
      if (last !== undefined) yield* reader.read(last, options)
      return
    }
    const reader = new DataReader(table, columns)
    const files = scanFilesOf(
      table,
      batch.files.flatMap((f) => (f.file.kind === 'add' ? [f.file.add] : [])),
    )
    for (const file of files) reader.expect(file)
    for (const file of files) yield* reader.read(file, options)
  }

  /** The table schema the stream currently reads with. */
  get currentSchema(): StructType {
    return this.schema
  }

  /** The end of the last batch returned (what a restart resumes from). */
  get currentOffset(): SourceOffset {
    return this.offset
  }

  /**
   * The next micro-batch, or undefined when nothing new has been committed. Never blocks
   * waiting for commits; `batches({ follow: true })` polls.
   */
  async nextBatch(options: Signalled = {}): Promise<MicroBatch | undefined> {
    const maxFiles = this.options.maxFilesPerTrigger ?? 1000
    const maxBytes = this.options.maxBytesPerTrigger
    if (this.pending.length < maxFiles) {
      await this.readVersions(this.nextVersion, undefined, options.signal)
    }
    const admitted: StreamFile[] = []
    let bytes = 0
    while (this.pending.length > 0 && admitted.length < maxFiles) {
      const file = this.pending[0]!
      if (maxBytes !== undefined && admitted.length > 0 && bytes + file.size > maxBytes) break
      admitted.push(file)
      bytes += file.size
      this.pending.shift()
    }
    // With nothing left pending, everything read is consumed: the offset moves to the start
    // of the next version, past metadata-only, compaction and skipped commits too, so a
    // restart does not read them again.
    const last = admitted.at(-1)
    const end: SourceOffset =
      this.pending.length === 0 || last === undefined
        ? {
            tableId: this.metadata.id,
            version: this.nextVersion,
            index: -1,
            isInitialSnapshot: false,
          }
        : this.offsetOf(last)
    if (admitted.length === 0 && !isAfter(end, this.offset)) return undefined
    const batch: MicroBatch = { start: this.offset, end, files: admitted, schema: this.schema }
    this.offset = end
    return batch
  }

  /**
   * Micro-batches as they become available. With `follow`, waits for new commits (a poll
   * starting every `pollIntervalMs` while idle) until aborted; without, stops when caught up.
   */
  async *batches(
    options: Signalled & { follow?: boolean; pollIntervalMs?: number } = {},
  ): AsyncGenerator<MicroBatch, void, undefined> {
    const poll = pollInterval(options.pollIntervalMs, 'pollIntervalMs')
    for (;;) {
      const pollStarted = this.clock.now()
      const batch = await this.nextBatch(options)
      if (batch !== undefined) {
        yield batch
        continue
      }
      if (!options.follow) return
      // An abort while idle is reported like one while reading: AbortedError.
      await this.clock
        .sleep(untilNextPoll(this.clock, pollStarted, poll), options.signal)
        .catch((error: unknown) => {
          throw new AbortedError(error)
        })
    }
  }

  private offsetOf(file: StreamFile): SourceOffset {
    return {
      tableId: this.metadata.id,
      version: file.version,
      index: file.index,
      isInitialSnapshot: file.isInitialSnapshot,
    }
  }

  /**
   * Reads commits from `from` (to `to`), applying the change rules, into `pending`. Each
   * commit's files are queued together with advancing nextVersion, so a failure part-way
   * (a storage error, an abort) keeps the commits already read and a retry continues after
   * them, never skipping one.
   */
  private async readVersions(from: number, to?: number, signal?: AbortSignal): Promise<void> {
    const maxFiles = this.options.maxFilesPerTrigger ?? 1000
    for await (const commit of tail(this.log, from, {
      ...(to === undefined ? {} : { endVersion: to }),
      ...(signal === undefined ? {} : { signal }),
    })) {
      const files = this.filesOf(commit)
      this.pending.push(...files.files)
      this.nextVersion = commit.version + 1
      // Read ahead no further than a batch needs.
      if (to === undefined && this.pending.length >= maxFiles) break
    }
  }

  /** The files a commit contributes, or an error when the stream cannot represent it. */
  private filesOf(commit: CommitRecord): VersionFiles {
    let dataRemoved = false
    let dataAdded = false
    for (const action of commit.actions) {
      if ('remove' in action && action.remove.dataChange) dataRemoved = true
      else if ('add' in action && action.add.dataChange) dataAdded = true
      else if ('protocol' in action) {
        checkReadSupport(action.protocol)
        this.protocol = action.protocol
      } else if ('metaData' in action) this.acceptMetadata(commit.version, action.metaData)
    }
    const base = { version: commit.version, isInitialSnapshot: false, timestamp: commit.timestamp }
    if (this.options.readChangeFeed) {
      // Change rows represent deletes and updates too: nothing to refuse.
      const files = planVersionChanges(commit).files.map((file, index) => ({
        ...base,
        index,
        size: changeFileSize(file),
        file,
      }))
      return { version: commit.version, isInitialSnapshot: false, files }
    }
    if (dataRemoved) {
      if (this.options.skipChangeCommits)
        return { version: commit.version, isInitialSnapshot: false, files: [] }
      if (!(this.options.ignoreDeletes && !dataAdded)) {
        throw new StreamChangeUnsupportedError(
          commit.version,
          `${dataAdded ? 'updates' : 'deletes'} existing data (operation ${commit.commitInfo?.operation ?? 'unknown'}), which an append-only stream cannot represent`,
          dataAdded
            ? 'Set skipChangeCommits to skip such commits, or read the change data feed instead.'
            : 'Set ignoreDeletes (to let deletes through) or skipChangeCommits, or read the change data feed instead.',
        )
      }
    }
    const files: StreamFile[] = []
    commit.actions.forEach((action, index) => {
      if ('add' in action && action.add.dataChange) {
        files.push({
          ...base,
          index,
          size: action.add.size,
          file: { kind: 'add', add: action.add },
        })
      }
    })
    return { version: commit.version, isInitialSnapshot: false, files }
  }

  private acceptMetadata(version: number, metadata: Metadata): void {
    if (metadata.id !== this.metadata.id) {
      throw new StreamChangeUnsupportedError(
        version,
        'replaced the table (its id changed)',
        'Start a new stream.',
      )
    }
    const next = parseSchema(metadata.schemaString)
    if (!isAdditiveSchemaChange(this.schema, next) || !samePartitioning(this.metadata, metadata)) {
      throw new StreamChangeUnsupportedError(
        version,
        'changed the table schema or partitioning in a way that is not purely additive',
        'Restart the stream: it will read with the new schema from this version on.',
      )
    }
    if (this.options.readChangeFeed && !isChangeDataFeedEnabled(metadata)) {
      throw new StreamChangeUnsupportedError(
        version,
        'turned the change data feed off',
        'Turn delta.enableChangeDataFeed back on, or stream without readChangeFeed.',
      )
    }
    this.schema = next
    this.metadata = metadata
  }
}

/**
 * The table as of just before commit `version` is read: the snapshot at `version - 1` (at 0
 * for version 0). When log cleanup removed that version but `version` itself is still there
 * (the earliest version kept, with its checkpoint), its own snapshot stands in, as a stream
 * may start at any commit still in the log; when neither is there, the
 * `VersionNotFoundError` names `version` and the earliest available one.
 */
async function baseSnapshot(log: LogStore, version: number): Promise<Snapshot> {
  try {
    return await loadSnapshot(log, { version: Math.max(0, version - 1), stats: 'skip' })
  } catch (error) {
    if (!(error instanceof VersionNotFoundError) || version === 0) throw error
    return loadSnapshot(log, { version, stats: 'skip' })
  }
}

/** Whether offset `a` lies after `b`. */
function isAfter(a: SourceOffset, b: SourceOffset): boolean {
  return a.version > b.version || (a.version === b.version && a.index > b.index)
}

/**
 * The initial snapshot's files in Spark's order: modification time, then path. (Read as a
 * change feed, they are `insert` rows of the snapshot's version.)
 */
function initialFiles(version: number, timestamp: number, adds: Iterable<Add>): StreamFile[] {
  const sorted = [...adds].sort(
    (a, b) => a.modificationTime - b.modificationTime || compareUtf8(a.path, b.path),
  )
  return sorted.map((add, index) => ({
    version,
    index,
    isInitialSnapshot: true,
    timestamp,
    size: add.size,
    file: { kind: 'add', add },
  }))
}

function changeFileSize(file: ChangeFile): number {
  switch (file.kind) {
    case 'cdc':
      return file.cdc.size
    case 'add':
    case 'dv-update':
      return file.add.size
    case 'remove':
      return file.remove.size ?? 0
  }
}

function samePartitioning(a: Metadata, b: Metadata): boolean {
  return (
    a.partitionColumns.length === b.partitionColumns.length &&
    a.partitionColumns.every((c, i) => c === b.partitionColumns[i])
  )
}

function validate(options: SourceOptions): void {
  if (options.startingVersion !== undefined && options.startingTimestamp !== undefined) {
    throw new InvalidArgumentError('Give startingVersion or startingTimestamp, not both')
  }
  const { startingVersion } = options
  if (
    typeof startingVersion === 'number' &&
    (!Number.isSafeInteger(startingVersion) || startingVersion < 0)
  ) {
    throw new InvalidArgumentError(
      `startingVersion must be a non-negative integer or 'latest', got ${startingVersion}`,
    )
  }
  const maxFiles = options.maxFilesPerTrigger
  if (maxFiles !== undefined && (!Number.isSafeInteger(maxFiles) || maxFiles < 1)) {
    throw new InvalidArgumentError(`maxFilesPerTrigger must be a positive integer, got ${maxFiles}`)
  }
  const maxBytes = options.maxBytesPerTrigger
  if (maxBytes !== undefined && (!Number.isFinite(maxBytes) || maxBytes < 1)) {
    throw new InvalidArgumentError(
      `maxBytesPerTrigger must be a positive number of bytes, got ${maxBytes}`,
    )
  }
}

function tableChanged(offset: SourceOffset, id: string): StreamChangeUnsupportedError {
  return new StreamChangeUnsupportedError(
    offset.version,
    `belongs to table ${id}, but the offset was stored for table ${offset.tableId}`,
    'The location now holds a different table; start a new stream.',
  )
}
