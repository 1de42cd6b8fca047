/**
 * A transaction: the actions of one commit, what they were based on, and the optimistic
 * commit loop that lands them.
 *
 * `commit()` writes `readVersion + 1` with put-if-absent. When another writer got there
 * first, it reads every winning commit, runs the conflict checker against each, and — when
 * none conflicts — tries again right after the newest one, backing off with jitter, up to
 * `maxAttempts`. A write whose outcome is unknown (the store failed after sending) is
 * resolved by reading that version back and comparing the `txnId` in its commitInfo, so a
 * commit that landed is never written twice.
 */
import {
  CommitConflictError,
  MaxCommitAttemptsError,
  NotFoundError,
  OperationNotAllowedError,
  StorageError,
  throwIfAborted,
} from '../errors.js'
import type { LogStore } from '../log/log-store.js'
import type {
  Action,
  Add,
  AddCdcFile,
  CommitInfo,
  DomainMetadata,
  Metadata,
  Protocol,
  Remove,
  Txn,
} from '../protocol/actions.js'
import { serializeActions } from '../protocol/action-parser.js'
import { isFeatureActive, isFeatureSupported } from '../protocol/features.js'
import { checkWriteSupport, protocolProblems } from '../protocol/protocol-check.js'
import { TABLE_PROPERTIES, tableProperty } from '../protocol/table-properties.js'
import { canonicalPathFn } from '../snapshot/read-segment.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { sleepBackoff, type BackoffOptions } from '../util/backoff.js'
import { systemClock, systemIds, type Clock, type Ids } from '../util/clock.js'
import { utf8Encode } from '../util/utf8.js'
import {
  checkConflict,
  conflictHint,
  type IsolationLevel,
  type TransactionSummary,
} from './conflict-checker.js'

export const ENGINE_INFO = 'deltalake-ts/0.1.0'

const DEFAULT_MAX_ATTEMPTS = 100

export interface TransactionOptions {
  /** The operation name recorded in commitInfo (`WRITE`, `DELETE`, `CREATE TABLE`, ...). */
  readonly operation: string
  readonly operationParameters?: Readonly<Record<string, unknown>>
  /** Default `WriteSerializable` (Spark's default); `Serializable` also conflicts on concurrent blind appends. */
  readonly isolationLevel?: 'Serializable' | 'WriteSerializable'
  /**
   * Commit attempts before giving up with `MaxCommitAttemptsError`. Default 100: a writer
   * that never conflicts only loses races, and under steady contention from many writers an
   * unlucky one can lose a few dozen in a row (Spark effectively never gives up).
   */
  readonly maxAttempts?: number
  readonly backoff?: BackoffOptions
  readonly engineInfo?: string
  readonly clock?: Clock
  readonly ids?: Ids
  readonly signal?: AbortSignal
  /** Run after the commit lands (checkpoints, checksums); see `PostCommitHook`. */
  readonly postCommitHooks?: readonly PostCommitHook[]
}

export interface CommitResult {
  readonly version: number
  /** Put attempts it took (1 when nobody else committed in between). */
  readonly attempts: number
  readonly txnId: string
  /** The actions as committed (commitInfo first). */
  readonly actions: readonly Action[]
  /** The commit time: the in-commit timestamp when enabled, else the writer's clock. */
  readonly timestamp: number
}

/** Hooks run after a successful commit (checkpointing, checksums); set by the layers above. */
export type PostCommitHook = (result: CommitResult, transaction: Transaction) => Promise<void>

export class Transaction {
  /** The version this transaction read; -1 when it creates the table. */
  readonly readVersion: number
  readonly txnId: string
  readonly log: LogStore
  private readonly base: Snapshot | undefined
  private readonly clock: Clock
  private readonly ids: Ids
  private metadataUpdate: Metadata | undefined
  private protocolUpdate: Protocol | undefined
  private readonly adds: Add[] = []
  private readonly removes: Remove[] = []
  private readonly cdcs: AddCdcFile[] = []
  private readonly txns = new Map<string, Txn>()
  private readonly domainUpdates = new Map<string, DomainMetadata>()
  private readonly readFileKeys = new Set<string>()
  private readonly readPredicates: ((add: Add) => boolean)[] = []
  private wholeTableRead = false
  private metrics: Record<string, unknown> = {}
  private committed = false
  private readonly canonical: (path: string) => string
  readonly postCommitHooks: PostCommitHook[] = []

  private constructor(
    log: LogStore,
    base: Snapshot | undefined,
    readonly options: TransactionOptions,
  ) {
    this.log = log
    this.base = base
    this.readVersion = base?.version ?? -1
    this.clock = options.clock ?? base?.context.clock ?? systemClock
    this.ids = options.ids ?? systemIds
    this.txnId = this.ids.uuid()
    const canonicalize = canonicalPathFn(log.tableUrl)
    this.canonical = (path) => canonicalize(path, { path: log.tableUrl })
    this.postCommitHooks.push(...(options.postCommitHooks ?? []))
  }

  /** A transaction on an existing table, reading `snapshot`. */
  static on(snapshot: Snapshot, options: TransactionOptions): Transaction {
    return new Transaction(snapshot.context.log, snapshot, options)
  }

  /** A transaction that creates the table (version 0); it must set protocol and metadata. */
  static create(log: LogStore, options: TransactionOptions): Transaction {
    return new Transaction(log, undefined, options)
  }

  /** The snapshot this transaction reads (undefined when creating the table). */
  get snapshot(): Snapshot | undefined {
    return this.base
  }

  /** The protocol after this transaction. */
  get protocol(): Protocol | undefined {
    return this.protocolUpdate ?? this.base?.protocol
  }

  /** The metadata after this transaction. */
  get metadata(): Metadata | undefined {
    return this.metadataUpdate ?? this.base?.metadata
  }

  addFile(add: Add): this {
    this.adds.push(add)
    return this
  }

  /** Removes a live file. `deletionTimestamp` defaults to now; the add's fields are carried over. */
  removeFile(file: Add, options: { dataChange?: boolean; deletionTimestamp?: number } = {}): this {
    this.removes.push({
      path: file.path,
      deletionTimestamp: options.deletionTimestamp ?? this.clock.now(),
      dataChange: options.dataChange ?? true,
      extendedFileMetadata: true,
      partitionValues: file.partitionValues,
      size: file.size,
      ...(file.stats === undefined ? {} : { stats: file.stats }),
      ...(file.tags === undefined ? {} : { tags: file.tags }),
      ...(file.deletionVector === undefined ? {} : { deletionVector: file.deletionVector }),
      ...(file.baseRowId === undefined ? {} : { baseRowId: file.baseRowId }),
      ...(file.defaultRowCommitVersion === undefined
        ? {}
        : { defaultRowCommitVersion: file.defaultRowCommitVersion }),
    })
    this.readFileKeys.add(this.canonical(file.path))
    return this
  }

  addCdcFile(cdc: AddCdcFile): this {
    this.cdcs.push(cdc)
    return this
  }

  updateMetadata(metadata: Metadata): this {
    this.metadataUpdate = metadata
    return this
  }

  updateProtocol(protocol: Protocol): this {
    this.protocolUpdate = protocol
    return this
  }

  /** Records `(appId, version)` so a replayed batch can be recognised and skipped. */
  setAppTransaction(appId: string, version: number): this {
    this.txns.set(appId, { appId, version, lastUpdated: this.clock.now() })
    return this
  }

  setDomainMetadata(domain: string, configuration: string): this {
    this.checkDomain(domain)
    this.domainUpdates.set(domain, { domain, configuration, removed: false })
    return this
  }

  removeDomainMetadata(domain: string): this {
    this.checkDomain(domain)
    this.domainUpdates.set(domain, {
      domain,
      configuration: this.base?.domainMetadata(domain) ?? '',
      removed: true,
    })
    return this
  }

  /** Declares that the transaction's outcome depends on every file of the table. */
  readWholeTable(): this {
    this.wholeTableRead = true
    return this
  }

  /** Declares files whose content the transaction read. */
  readFiles(files: Iterable<Add>): this {
    for (const file of files) this.readFileKeys.add(this.canonical(file.path))
    return this
  }

  /**
   * Declares a read by predicate: a file added concurrently for which `matches` is true
   * would have been read (evaluated on partition values, as Spark does).
   */
  readWhere(matches: (add: Add) => boolean): this {
    this.readPredicates.push(matches)
    return this
  }

  setMetrics(metrics: Readonly<Record<string, unknown>>): this {
    this.metrics = { ...this.metrics, ...metrics }
    return this
  }

  /** True when the transaction only adds data: no reads, removes or metadata changes. */
  get isBlindAppend(): boolean {
    return (
      this.removes.length === 0 &&
      this.readFileKeys.size === 0 &&
      this.readPredicates.length === 0 &&
      !this.wholeTableRead &&
      this.metadataUpdate === undefined &&
      this.protocolUpdate === undefined &&
      this.adds.every((a) => a.dataChange)
    )
  }

  /** Commits, retrying past concurrent commits that do not conflict. */
  async commit(): Promise<CommitResult> {
    if (this.committed) throw new OperationNotAllowedError('This transaction was already committed')
    this.validate()
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    const summary = this.summary()
    const signal = this.options.signal
    let version = this.readVersion + 1
    let previousTimestamp = this.base?.timestamp
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal)
      const { actions, timestamp } = this.prepare(previousTimestamp)
      const bytes = utf8Encode(serializeActions(actions))
      const landed = await this.tryWrite(version, bytes)
      if (landed === 'committed')
        return this.finish({ version, attempts: attempt, txnId: this.txnId, actions, timestamp })

      // Lost the race (or the outcome was ambiguous and someone's commit is there): read
      // every winner, check each for conflicts, and move past the newest.
      if (this.readVersion < 0) {
        throw new CommitConflictError(
          'table-created-concurrently',
          0,
          'another writer created the table at the same location',
          conflictHint('table-created-concurrently'),
        )
      }
      if (attempt >= maxAttempts) throw new MaxCommitAttemptsError(attempt, version)
      // Back off before catching up, not after: the next put then follows the read of the
      // newest commit closely, instead of landing on a version others took while we slept.
      await sleepBackoff(attempt - 1, this.clock, this.ids, { ...this.options.backoff, signal })
      const winners = await this.winnersFrom(version)
      for (const winner of winners) {
        if (commitTxnId(winner.actions) === this.txnId) {
          // Our own earlier attempt landed after all (an ambiguous failure).
          return this.finish({
            version: winner.version,
            attempts: attempt,
            txnId: this.txnId,
            actions: winner.actions,
            timestamp: winnerTimestamp(winner.actions) ?? timestamp,
          })
        }
        const verdict = checkConflict(summary, winner.actions, this.canonical)
        if (verdict.conflict) {
          throw new CommitConflictError(
            verdict.kind,
            winner.version,
            verdict.detail,
            conflictHint(verdict.kind),
          )
        }
        previousTimestamp = winnerTimestamp(winner.actions) ?? previousTimestamp
      }
      // Jump past every winner at once (retrying at v+1 only chases a fast writer).
      if (winners.length > 0) version = winners.at(-1)!.version + 1
    }
  }

  /** Puts the commit; resolves an ambiguous failure by reading the version back. */
  private async tryWrite(version: number, bytes: Uint8Array): Promise<'committed' | 'lost'> {
    const signal = this.options.signal
    for (let retry = 0; ; retry++) {
      try {
        const outcome = await this.log.writeCommit(version, bytes, { signal })
        return outcome.status === 'committed' ? 'committed' : 'lost'
      } catch (error) {
        if (!(error instanceof StorageError) || !error.retryable || retry >= 5) throw error
        // The put may or may not have landed. Look.
        let existing: Action[] | undefined
        try {
          existing = await this.log.readCommit(version, { signal })
        } catch (readError) {
          if (!(readError instanceof NotFoundError)) throw readError
        }
        if (existing === undefined) {
          await sleepBackoff(retry, this.clock, this.ids, { ...this.options.backoff, signal })
          continue // it did not land: try the same version again
        }
        return commitTxnId(existing) === this.txnId ? 'committed' : 'lost'
      }
    }
  }

  private async winnersFrom(version: number): Promise<{ version: number; actions: Action[] }[]> {
    const signal = this.options.signal
    const versions: number[] = []
    for await (const entry of this.log.list({ fromVersion: version, signal })) {
      if (entry.file.kind === 'commit') versions.push(entry.file.version)
    }
    versions.sort((a, b) => a - b)
    const winners: { version: number; actions: Action[] }[] = []
    for (const v of versions) {
      if (v !== version + winners.length) break // only the contiguous run matters
      winners.push({ version: v, actions: await this.log.readCommit(v, { signal }) })
    }
    return winners
  }

  private async finish(result: CommitResult): Promise<CommitResult> {
    this.committed = true
    for (const hook of this.postCommitHooks) await hook(result, this)
    return result
  }

  /** The actions of the commit at `version`, commitInfo first. */
  private prepare(previousTimestamp: number | undefined): { actions: Action[]; timestamp: number } {
    const now = this.clock.now()
    const protocol = this.protocol!
    const metadata = this.metadata!
    const ict = isFeatureActive(protocol, metadata, 'inCommitTimestamp')
    // In-commit timestamps must strictly increase (PROTOCOL.md "In-Commit Timestamps").
    const timestamp =
      ict && previousTimestamp !== undefined ? Math.max(now, previousTimestamp + 1) : now
    const commitInfo: CommitInfo = {
      ...(ict ? { inCommitTimestamp: timestamp } : {}),
      timestamp: now,
      operation: this.options.operation,
      operationParameters: this.options.operationParameters ?? {},
      ...(this.readVersion >= 0 ? { readVersion: this.readVersion } : {}),
      isolationLevel: this.options.isolationLevel ?? 'WriteSerializable',
      isBlindAppend: this.isBlindAppend,
      operationMetrics: this.metrics,
      engineInfo: this.options.engineInfo ?? ENGINE_INFO,
      txnId: this.txnId,
    }
    const actions: Action[] = [{ commitInfo }]
    if (this.protocolUpdate !== undefined) actions.push({ protocol: this.protocolUpdate })
    if (this.metadataUpdate !== undefined) actions.push({ metaData: this.metadataUpdate })
    for (const txn of this.txns.values()) actions.push({ txn })
    for (const domainMetadata of this.domainUpdates.values()) actions.push({ domainMetadata })
    for (const remove of this.removes) actions.push({ remove })
    for (const add of this.adds) actions.push({ add })
    for (const cdc of this.cdcs) actions.push({ cdc })
    return { actions, timestamp }
  }

  /** Checks everything that can be checked before writing anything. */
  private validate(): void {
    const protocol = this.protocol
    const metadata = this.metadata
    if (protocol === undefined || metadata === undefined) {
      throw new OperationNotAllowedError(
        'A transaction that creates a table must set its protocol and metadata',
      )
    }
    if (this.protocolUpdate !== undefined) {
      const problems = protocolProblems(this.protocolUpdate)
      if (problems.length > 0)
        throw new OperationNotAllowedError(`Invalid protocol: ${problems.join('; ')}`)
    }
    checkWriteSupport(protocol, metadata)
    if (this.domainUpdates.size > 0 && !isFeatureSupported(protocol, 'domainMetadata')) {
      throw new OperationNotAllowedError(
        'Writing domain metadata needs the domainMetadata table feature; upgrade the table protocol first',
      )
    }
    const appendOnly = tableProperty(metadata.configuration, TABLE_PROPERTIES.appendOnly)
    if (
      appendOnly &&
      isFeatureActive(protocol, metadata, 'appendOnly') &&
      this.removes.some((r) => r.dataChange)
    ) {
      throw new OperationNotAllowedError(
        'This table is append-only (delta.appendOnly=true): data cannot be deleted or updated. Unset the property to allow it.',
      )
    }
  }

  private summary(): TransactionSummary {
    const dataChanged =
      this.adds.some((a) => a.dataChange) ||
      this.removes.some((r) => r.dataChange) ||
      this.cdcs.length > 0
    const requested: IsolationLevel = this.options.isolationLevel ?? 'WriteSerializable'
    return {
      // A transaction that changes no data (compaction) cannot be invalidated by appends.
      isolationLevel: dataChanged ? requested : 'SnapshotIsolation',
      readWholeTable: this.wholeTableRead,
      readMatches: (add) => this.readPredicates.some((p) => p(add)),
      readFiles: this.readFileKeys,
      removedFiles: new Set(this.removes.map((r) => this.canonical(r.path))),
      appIds: new Set(this.txns.keys()),
      domains: new Set(this.domainUpdates.keys()),
    }
  }

  private checkDomain(domain: string): void {
    if (domain.startsWith('delta.')) {
      throw new OperationNotAllowedError(
        `Domain ${domain} is a system domain (delta.*); only the features that own it may change it`,
      )
    }
  }
}

function commitTxnId(actions: readonly Action[]): string | undefined {
  for (const action of actions) if ('commitInfo' in action) return action.commitInfo.txnId
  return undefined
}

function winnerTimestamp(actions: readonly Action[]): number | undefined {
  for (const action of actions) {
    if ('commitInfo' in action) {
      const ict = action.commitInfo.inCommitTimestamp
      return typeof ict === 'number' ? ict : undefined
    }
  }
  return undefined
}
