/**
 * Test tables for vacuum and verify: a table under a prefix of a shared MemoryStore (so tests
 * can put files outside its root), whose every object gets the modification time the test
 * chooses, with helpers that write data files and commit adds and removes.
 */
import { LogStore, commitKey } from '../log/log-store.js'
import { serializeActions } from '../protocol/action-parser.js'
import type {
  Action,
  Add,
  DeletionVectorDescriptor,
  Metadata,
  Protocol,
  Remove,
} from '../protocol/actions.js'
import { relativeDvPath, serializeDeletionVectorFile } from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { MemoryStore } from '../storage/memory.js'
import type { ObjectStore } from '../storage/object-store.js'
import { PrefixStore } from '../storage/prefix.js'
import type { Clock } from '../util/clock.js'
import { utf8Encode } from '../util/utf8.js'

export const HOUR = 3_600_000
export const DAY = 24 * HOUR
export const T0 = 1_700_000_000_000

export const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'part', type: 'string', nullable: true, metadata: {} },
  ],
})

export const PROTOCOL_DV: Protocol = {
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['deletionVectors'],
  writerFeatures: ['deletionVectors'],
}

export interface TableSetup {
  readonly partitionColumns?: readonly string[]
  readonly configuration?: Record<string, string>
  readonly protocol?: Protocol
}

/**
 * Declares the wrapped store's listing a round trip, as S3 and Azure do, so that vacuum over a
 * memory store takes the path it takes on those: prefix discovery and concurrent listing.
 */
export function asRoundTripStore(store: ObjectStore): ObjectStore {
  return {
    kind: store.kind,
    url: store.url,
    capabilities: { ...store.capabilities, listCost: 'round-trip' },
    put: (path, bytes, options) => store.put(path, bytes, options),
    get: (path, options) => store.get(path, options),
    head: (path, options) => store.head(path, options),
    delete: (path, options) => store.delete(path, options),
    deleteMany: (paths, options) => store.deleteMany(paths, options),
    list: (prefix, options) => store.list(prefix, options),
  }
}

export class VacuumTable {
  time = T0
  /** The whole bucket; the table lives under `tables/t/`. */
  readonly bucket: MemoryStore
  readonly store: ObjectStore
  readonly log: LogStore
  readonly clock: Clock = { now: () => this.time, sleep: async () => undefined }
  version = -1

  constructor(wrap: (store: ObjectStore) => ObjectStore = (s) => s) {
    this.bucket = new MemoryStore({ name: 'bucket', now: () => this.time })
    this.store = wrap(new PrefixStore(this.bucket, 'tables/t'))
    this.log = new LogStore(this.store)
  }

  static async create(
    setup: TableSetup = {},
    wrap?: (store: ObjectStore) => ObjectStore,
  ): Promise<VacuumTable> {
    const table = new VacuumTable(wrap)
    const metadata: Metadata = {
      id: 'table-1',
      format: { provider: 'parquet', options: {} },
      schemaString: SCHEMA,
      partitionColumns: setup.partitionColumns ?? [],
      configuration: setup.configuration ?? {},
      createdTime: 0,
    }
    await table.commit([
      { commitInfo: { operation: 'CREATE TABLE' } },
      { protocol: setup.protocol ?? { minReaderVersion: 1, minWriterVersion: 2 } },
      { metaData: metadata },
    ])
    return table
  }

  /** Writes an object under the table root with modification time `at` (default now). */
  async putFile(key: string, size = 10, at = this.time): Promise<void> {
    const saved = this.time
    this.time = at
    await this.store.put(key, new Uint8Array(size))
    this.time = Math.max(saved, at)
  }

  /** Commits the next version at time `at` (default now); returns its version. */
  async commit(actions: readonly Action[], at = this.time): Promise<number> {
    this.time = at
    this.version++
    await this.store.put(commitKey(this.version), utf8Encode(serializeActions(actions)), {
      mode: 'create',
    })
    return this.version
  }

  /** Writes the files (modification time a minute before `at`) and commits their adds. */
  async append(keys: readonly string[], at = this.time + HOUR): Promise<number> {
    for (const key of keys) await this.putFile(key, 10, at - 60_000)
    return this.commit(
      keys.map((key) => addAction(key)),
      at,
    )
  }

  /** Commits removes of the files, stamped `deletionTimestamp` (default: the commit time). */
  async remove(
    keys: readonly string[],
    at = this.time + HOUR,
    deletionTimestamp: number | undefined = at,
  ): Promise<number> {
    return this.commit(
      keys.map((key) => removeAction(key, deletionTimestamp)),
      at,
    )
  }

  /** Every key under the table root, sorted. */
  async keys(prefix = ''): Promise<string[]> {
    const out: string[] = []
    for await (const meta of this.store.list(prefix)) out.push(meta.path)
    return out
  }

  /** Every key in the bucket (outside the table too), sorted. */
  async bucketKeys(): Promise<string[]> {
    const out: string[] = []
    for await (const meta of this.bucket.list('')) out.push(meta.path)
    return out
  }

  /** Writes a DV file holding one vector deleting `rows`; returns its descriptor. */
  async putDv(
    uuid: string,
    rows: readonly number[],
    at = this.time,
    prefix = '',
  ): Promise<DeletionVectorDescriptor> {
    const { bytes, entries } = serializeDeletionVectorFile([rowIndexSetOf(rows)])
    const dv: DeletionVectorDescriptor = {
      storageType: 'u',
      pathOrInlineDv: relativeDvPath(uuid, prefix),
      offset: entries[0]!.offset,
      sizeInBytes: entries[0]!.sizeInBytes,
      cardinality: entries[0]!.cardinality,
    }
    const saved = this.time
    this.time = at
    await this.store.put(dvKeyOf(uuid, prefix), bytes)
    this.time = Math.max(saved, at)
    return dv
  }
}

/** The store key of the DV file `putDv(uuid, ..., prefix)` writes. */
export function dvKeyOf(uuid: string, prefix = ''): string {
  const name = `deletion_vector_${uuid}.bin`
  return prefix === '' ? name : `${prefix}/${name}`
}

export function addAction(path: string, extra: Partial<Add> = {}): Action {
  return {
    add: {
      path,
      partitionValues: {},
      size: 10,
      modificationTime: T0,
      dataChange: true,
      stats: '{"numRecords":10}',
      ...extra,
    },
  }
}

export function removeAction(
  path: string,
  deletionTimestamp: number | undefined,
  extra: Partial<Remove> = {},
): Action {
  return {
    remove: {
      path,
      ...(deletionTimestamp === undefined ? {} : { deletionTimestamp }),
      dataChange: true,
      size: 10,
      ...extra,
    },
  }
}

/** The JSON actions of a commit file of the table. */
export async function readCommit(table: VacuumTable, version: number): Promise<Action[]> {
  return table.log.readCommit(version)
}
