/**
 * An immutable snapshot of a table at one version: protocol, metadata, schema, the live
 * files, unexpired tombstones, app transactions and domain metadata.
 *
 * Snapshots are built by `loadSnapshot` (and `snapshot.update()`); the reader protocol has
 * been checked by then, so holding a Snapshot means the table is readable by this library.
 */
import type {
  Add,
  CommitInfo,
  DomainMetadata,
  Metadata,
  Protocol,
  Remove,
  Txn,
} from '../protocol/actions.js'
import { columnMappingMode, type ColumnMappingMode } from '../protocol/column-mapping.js'
import { isFeatureActive, isFeatureSupported } from '../protocol/features.js'
import { parseSchema, type StructType } from '../protocol/schema.js'
import {
  TABLE_PROPERTIES,
  tableProperty,
  type TablePropertyDescriptor,
} from '../protocol/table-properties.js'
import type { LogSegment } from '../log/log-segment.js'
import type { LogStore } from '../log/log-store.js'
import type { Signalled } from '../storage/object-store.js'
import type { Clock } from '../util/clock.js'
import { advance } from './advance.js'
import type { ReplayState } from './replay.js'

/** What a snapshot needs to read more of its table (for `update()`). */
export interface SnapshotContext {
  readonly log: LogStore
  readonly clock: Clock
  /** Whether checkpoint stats were loaded (`skip` saves memory when no scan needs them). */
  readonly stats: 'json' | 'skip'
}

export interface SnapshotInit {
  readonly context: SnapshotContext
  readonly segment: LogSegment
  readonly state: ReplayState & { readonly protocol: Protocol; readonly metadata: Metadata }
  readonly timestamp: number
  readonly commitInfo: CommitInfo | undefined
  readonly warnings: readonly string[]
}

export class Snapshot {
  /** The table root URL, ending in `/`. */
  readonly tableUrl: string
  readonly version: number
  /** Commit time of `version`, epoch ms: the in-commit timestamp when enabled, else the commit file's mtime. */
  readonly timestamp: number
  readonly protocol: Protocol
  readonly metadata: Metadata
  /** The commitInfo of `version`, when its commit file was read. */
  readonly commitInfo: CommitInfo | undefined
  /** The files this snapshot was built from. */
  readonly segment: LogSegment
  /** Non-fatal problems found while loading (e.g. a `.crc` file that disagrees with replay). */
  readonly warnings: readonly string[]
  readonly context: SnapshotContext
  /** @internal replayed state, shared with incremental updates (never mutated). */
  readonly state: ReplayState
  private parsedSchema: StructType | undefined

  constructor(init: SnapshotInit) {
    this.context = init.context
    this.tableUrl = init.context.log.tableUrl
    this.segment = init.segment
    this.version = init.segment.version
    this.timestamp = init.timestamp
    this.protocol = init.state.protocol
    this.metadata = init.state.metadata
    this.commitInfo = init.commitInfo
    this.warnings = init.warnings
    this.state = init.state
  }

  /** The logical table schema. */
  get schema(): StructType {
    return (this.parsedSchema ??= parseSchema(this.metadata.schemaString))
  }

  get partitionColumns(): readonly string[] {
    return this.metadata.partitionColumns
  }

  get columnMappingMode(): ColumnMappingMode {
    return columnMappingMode(this.protocol, this.metadata)
  }

  /** Number of live files. */
  get numFiles(): number {
    return this.state.files.size
  }

  /** Total size of the live files, in bytes. */
  get sizeInBytes(): number {
    return this.state.files.totalBytes
  }

  /**
   * The live files (adds), oldest first. Rebuilt on each call; do not hold on to all at once for
   * huge tables. The stats of files loaded from a Parquet checkpoint are decoded on the first
   * read, chunk by chunk; stats that are not valid UTF-8 then throw the CorruptLogError, naming
   * the checkpoint, that a full decode at load would.
   */
  files(): IterableIterator<Add> {
    return this.state.files[Symbol.iterator]()
  }

  /** Every tombstone the log still holds, expired or not. */
  tombstones(): IterableIterator<Remove> {
    return this.state.tombstones.values()
  }

  /**
   * Tombstones younger than `delta.deletedFileRetentionDuration` at `now` (epoch ms): the
   * ones a checkpoint must keep and vacuum must respect.
   */
  unexpiredTombstones(now: number = this.context.clock.now()): Remove[] {
    const retention = this.property(TABLE_PROPERTIES.deletedFileRetentionDuration)
    const cutoff = now - retention
    const kept: Remove[] = []
    for (const remove of this.state.tombstones.values()) {
      if ((remove.deletionTimestamp ?? 0) > cutoff) kept.push(remove)
    }
    return kept
  }

  /** The last committed version of an application's transactions (`txn`), if any. */
  appTransactionVersion(appId: string): number | undefined {
    return this.state.txns.get(appId)?.version
  }

  appTransactions(): ReadonlyMap<string, Txn> {
    return this.state.txns
  }

  /** The configuration of a live metadata domain. */
  domainMetadata(domain: string): string | undefined {
    return this.state.domains.get(domain)?.configuration
  }

  domains(): ReadonlyMap<string, DomainMetadata> {
    return this.state.domains
  }

  /** A typed table property, with Spark's default when unset. */
  property<T>(descriptor: TablePropertyDescriptor<T>): T {
    return tableProperty(this.metadata.configuration, descriptor)
  }

  isFeatureSupported(feature: string): boolean {
    return isFeatureSupported(this.protocol, feature)
  }

  isFeatureActive(feature: string): boolean {
    return isFeatureActive(this.protocol, this.metadata, feature, this.schema)
  }

  /**
   * The latest snapshot of the table, reading only the commits after this version (this
   * snapshot itself is unchanged). Returns `this` when nothing new was committed.
   */
  async update(options: Signalled = {}): Promise<Snapshot> {
    const next = await advance(this, options)
    return next === undefined ? this : new Snapshot(next)
  }
}
