/**
 * `DeltaTable`: the facade most users start from. It resolves a location to a store, and
 * every operation is a thin call into the layers below (each is also available as a free
 * function over a `LogStore` or `Snapshot`, for engines that manage their own state).
 */
import { TableNotFoundError } from '../errors.js'
import { LogStore } from '../log/log-store.js'
import { loadSnapshot, type SnapshotOptions } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { ObjectStore, Signalled } from '../storage/object-store.js'
import { openStore, type StorageOptions } from '../storage/url.js'
import { systemClock, systemIds, type Clock, type Ids } from '../util/clock.js'

export interface OpenOptions extends Signalled {
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

  private constructor(store: ObjectStore, options: OpenOptions) {
    this.log = new LogStore(store)
    this.clock = options.clock ?? systemClock
    this.ids = options.ids ?? systemIds
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
}
