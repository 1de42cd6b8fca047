/**
 * `DeltaTable`: the facade most users start from. It resolves a location to a store, and
 * every operation is a thin call into the layers below (each is also available as a free
 * function over a `LogStore` or `Snapshot`, for engines that manage their own state).
 */
import { TableNotFoundError } from '../errors.js'
import { LogStore } from '../log/log-store.js'
import { writeCheckpoint, type CheckpointResult } from '../maintenance/checkpoint.js'
import { defaultPostCommitHooks, type MaintenanceWarning } from '../maintenance/checkpoint-hook.js'
import { cleanupExpiredLogs } from '../maintenance/log-cleanup.js'
import {
  changesToTable,
  readChanges,
  type ChangeBatches,
  type ChangesOptions,
} from '../changes/cdf.js'
import { DeltaSink, type SinkOptions } from '../changes/sink.js'
import { DeltaSource, type SourceOffset, type SourceOptions } from '../changes/source.js'
import { tail, type CommitRecord, type TailOptions } from '../changes/tail.js'
import { vacuum, type VacuumOptions, type VacuumReport } from '../maintenance/vacuum.js'
import { verify, type VerifyOptions, type VerifyReport } from '../maintenance/verify.js'
import { readScan, scanToTable, type ReadScanOptions } from '../scan/read-scan.js'
import type * as arrow from 'apache-arrow'
import {
  createTable,
  type CreateTableOptions,
  type CreateTableResult,
} from '../transaction/create-table.js'
import type { WriteInput } from '../transaction/data-writer.js'
import {
  appendData,
  overwriteData,
  type OverwriteOptions,
  type WriteOptions,
  type WriteResult,
} from '../transaction/write-data.js'
import { deleteRows, type DeleteOptions, type DeleteResult } from '../transaction/delete.js'
import type { Expression } from '../scan/expression.js'
import { Transaction, type TransactionOptions } from '../transaction/transaction.js'
import { loadSnapshot, type SnapshotOptions } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { ObjectStore, Signalled } from '../storage/object-store.js'
import { openStore, type StorageOptions } from '../storage/url.js'
import { systemClock, systemIds, type Clock, type Ids } from '../util/clock.js'

export interface OpenOptions extends Signalled {
  /**
   * Called with problems of post-commit work (checkpoints, checksums, log cleanup) that do
   * not fail the commit itself. Default: ignore.
   */
  readonly onWarning?: (warning: MaintenanceWarning) => void
  /** Backend options (credentials, endpoints) for the location's scheme. */
  readonly storage?: StorageOptions
  /** Use this store (already scoped to the table root) instead of resolving the location. */
  readonly store?: ObjectStore
  /** Injected time and randomness, for deterministic tests. */
  readonly clock?: Clock
  readonly ids?: Ids
}

export class DeltaTable {
  readonly log: LogStore
  readonly clock: Clock
  readonly ids: Ids
  private readonly onWarning: (warning: MaintenanceWarning) => void

  private constructor(store: ObjectStore, options: OpenOptions) {
    this.log = new LogStore(store)
    this.clock = options.clock ?? systemClock
    this.ids = options.ids ?? systemIds
    this.onWarning = options.onWarning ?? (() => undefined)
  }

  /**
   * Opens an existing table. Fails with `TableNotFoundError` when the location holds no
   * Delta log (no commit or checkpoint under `_delta_log/`).
   */
  static async open(location: string, options: OpenOptions = {}): Promise<DeltaTable> {
    const table = await DeltaTable.at(location, options)
    for await (const _ of table.log.list({ signal: options.signal })) return table
    throw new TableNotFoundError(table.url)
  }

  /**
   * Creates a table (version 0) at a location that holds none, optionally with its first
   * data. See `createTable` for the options (schema, partitionBy, properties, columnMapping).
   */
  static async create(
    location: string,
    options: Omit<CreateTableOptions, 'clock' | 'ids' | 'postCommitHooks'> & OpenOptions,
  ): Promise<DeltaTable> {
    const table = await DeltaTable.at(location, options)
    await table.createHere(options)
    return table
  }

  /** A handle on a location whether or not a table exists there yet (for `create`). */
  static async at(location: string, options: OpenOptions = {}): Promise<DeltaTable> {
    const store = options.store ?? (await openStore(location, options.storage))
    return new DeltaTable(store, options)
  }

  /** The table root URL (ends with `/`). */
  get url(): string {
    return this.log.tableUrl
  }

  get store(): ObjectStore {
    return this.log.store
  }

  /** The latest snapshot, or the one at `version` / `timestamp`. */
  snapshot(options: SnapshotOptions = {}): Promise<Snapshot> {
    return loadSnapshot(this.log, { clock: this.clock, ...options })
  }

  /**
   * A transaction on the latest snapshot (or the one given), with this table's clock, ids and
   * post-commit hooks (a `.crc` per commit, a checkpoint every `delta.checkpointInterval`
   * commits, then expired-log cleanup). For engines that build commits themselves.
   */
  async startTransaction(
    options: Omit<TransactionOptions, 'clock' | 'ids'> & { readonly snapshot?: Snapshot },
  ): Promise<Transaction> {
    const snapshot = options.snapshot ?? (await this.snapshot())
    return this.withHooks(
      Transaction.on(snapshot, { ...options, clock: this.clock, ids: this.ids }),
    )
  }

  /** Attaches this table's post-commit hooks to a transaction. */
  withHooks(transaction: Transaction): Transaction {
    transaction.postCommitHooks.push(...this.writeContext().postCommitHooks)
    return transaction
  }

  /** Creates the table at this handle's location; see `DeltaTable.create`. */
  createHere(
    options: Omit<CreateTableOptions, 'clock' | 'ids' | 'postCommitHooks'>,
  ): Promise<CreateTableResult> {
    return createTable(this.log, { ...options, ...this.writeContext() })
  }

  /**
   * Record batches of the latest snapshot (or `options.snapshot` / `options.version`),
   * filtered and projected: `for await (const batch of table.scan({ filter }))`.
   */
  async *scan(
    options: ReadScanOptions & { readonly snapshot?: Snapshot; readonly version?: number } = {},
  ): AsyncGenerator<arrow.RecordBatch> {
    const { snapshot, version, ...rest } = options
    const at = snapshot ?? (await this.snapshot(version === undefined ? {} : { version }))
    yield* readScan(at, rest)
  }

  /** The rows of the latest snapshot (or the given version) as one Arrow table. */
  async toArrow(
    options: ReadScanOptions & { readonly version?: number } = {},
  ): Promise<arrow.Table> {
    const { version, ...rest } = options
    return scanToTable(await this.snapshot(version === undefined ? {} : { version }), rest)
  }

  /** Appends Arrow data as new files in one blind-append commit. */
  async append(
    data: WriteInput,
    options: Omit<WriteOptions, 'clock' | 'ids' | 'postCommitHooks'> & {
      readonly snapshot?: Snapshot
    } = {},
  ): Promise<WriteResult> {
    const { snapshot, ...rest } = options
    return appendData(snapshot ?? (await this.snapshot()), data, {
      ...rest,
      ...this.writeContext(),
    })
  }

  /** Replaces the table's rows (or the partitions `replaceWhere` selects) with `data`. */
  async overwrite(
    data: WriteInput,
    options: Omit<OverwriteOptions, 'clock' | 'ids' | 'postCommitHooks'> & {
      readonly snapshot?: Snapshot
    } = {},
  ): Promise<WriteResult> {
    const { snapshot, ...rest } = options
    return overwriteData(snapshot ?? (await this.snapshot()), data, {
      ...rest,
      ...this.writeContext(),
    })
  }

  /**
   * Deletes the rows where `predicate` is TRUE (all rows without one): with deletion vectors
   * when the table enables them, otherwise by rewriting files.
   */
  async delete(
    predicate?: Expression | string,
    options: Omit<DeleteOptions, 'clock' | 'ids' | 'postCommitHooks'> & {
      readonly snapshot?: Snapshot
    } = {},
  ): Promise<DeleteResult> {
    const { snapshot, ...rest } = options
    return deleteRows(snapshot ?? (await this.snapshot()), predicate, {
      ...rest,
      ...this.writeContext(),
    })
  }

  /**
   * The change data feed over a version (or time) range: the table's columns plus
   * `_change_type`, `_commit_version` and `_commit_timestamp`.
   */
  changes(options: ChangesOptions): Promise<ChangeBatches> {
    return readChanges(this, options)
  }

  /** The change data feed of a range as one Arrow table. */
  changesToArrow(options: ChangesOptions): Promise<arrow.Table> {
    return changesToTable(this, options)
  }

  /** The commits from a version on, in order; with `follow`, waits for new ones until aborted. */
  tail(
    fromVersion: number,
    options: Omit<TailOptions, 'clock'> = {},
  ): AsyncGenerator<CommitRecord> {
    return tail(this.log, fromVersion, { clock: this.clock, ...options })
  }

  /**
   * A streaming source with Spark's Delta source semantics; `offset` resumes a stream from
   * the `end` of a batch it produced before.
   */
  stream(options: Omit<SourceOptions, 'clock'> = {}, offset?: SourceOffset): Promise<DeltaSource> {
    return DeltaSource.open(this.log, { clock: this.clock, ...options }, offset)
  }

  /** An exactly-once streaming sink for the application `appId`. */
  sink(
    appId: string,
    options: Omit<SinkOptions, 'appId' | 'clock' | 'ids' | 'postCommitHooks'> = {},
  ): DeltaSink {
    return new DeltaSink(this.log, { ...options, appId, ...this.writeContext() })
  }

  /** Deletes unreferenced files older than the retention (a dry run unless `dryRun: false`). */
  vacuum(options: Omit<VacuumOptions, 'clock'> = {}): Promise<VacuumReport> {
    return vacuum(this, { ...options, clock: this.clock })
  }

  /** Checks the table's integrity: files, sizes, deletion vectors, checkpoint, version gaps. */
  verify(options: Omit<VerifyOptions, 'clock'> = {}): Promise<VerifyReport> {
    return verify(this, { ...options, clock: this.clock })
  }

  /** Clock, ids and post-commit hooks for the write operations. */
  private writeContext(): {
    clock: Clock
    ids: Ids
    postCommitHooks: ReturnType<typeof defaultPostCommitHooks>
  } {
    return {
      clock: this.clock,
      ids: this.ids,
      postCommitHooks: defaultPostCommitHooks({ onWarning: this.onWarning }),
    }
  }

  /** Writes a checkpoint of the latest version now (kind chosen from the table's properties). */
  async checkpoint(options: Signalled = {}): Promise<CheckpointResult> {
    return writeCheckpoint(await this.snapshot(options), {
      ids: this.ids,
      now: this.clock.now(),
      ...options,
    })
  }

  /** Removes log files older than `delta.logRetentionDuration` that no version needs (dry run by default). */
  async cleanupLogs(options: Signalled & { dryRun?: boolean } = {}) {
    return cleanupExpiredLogs(await this.snapshot(options), {
      now: this.clock.now(),
      dryRun: options.dryRun ?? true,
      ...options,
    })
  }
}
