/**
 * Test helpers for the maintenance layer: tables in a MemoryStore whose files get the
 * modification times the test chooses, a JSON-only twin of a table (every checkpoint, sidecar
 * and hint removed) as the replay oracle, and a normalized view of snapshot state for equality.
 */
import { LogStore, commitKey } from '../log/log-store.js'
import type {
  Action,
  Add,
  DeletionVectorDescriptor,
  Metadata,
  Protocol,
  Remove,
} from '../protocol/actions.js'
import { serializeActions } from '../protocol/action-parser.js'
import { dvUniqueId } from '../protocol/deletion-vector.js'
import { parseLogFileName } from '../protocol/log-files.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { MemoryStore } from '../storage/memory.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { Clock } from '../util/clock.js'
import { utf8Encode } from '../util/utf8.js'

export const DAY = 86_400_000

export const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'name', type: 'string', nullable: true, metadata: {} },
    { name: 'part', type: 'string', nullable: true, metadata: {} },
  ],
})

export const PROTOCOL_DV: Protocol = {
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['deletionVectors'],
  writerFeatures: ['deletionVectors', 'domainMetadata'],
}

export const PROTOCOL_V2: Protocol = {
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['deletionVectors', 'v2Checkpoint'],
  writerFeatures: ['deletionVectors', 'domainMetadata', 'v2Checkpoint'],
}

export function metadata(configuration: Record<string, string> = {}): Metadata {
  return {
    id: 'table-1',
    format: { provider: 'parquet', options: {} },
    schemaString: SCHEMA,
    partitionColumns: ['part'],
    configuration,
    createdTime: 0,
  }
}

export function addFile(path: string, extra: Partial<Add> = {}): Add {
  return {
    path,
    partitionValues: { part: 'a' },
    size: 100,
    modificationTime: 1,
    dataChange: true,
    stats:
      '{"numRecords":10,"minValues":{"id":1,"name":"a"},"maxValues":{"id":10,"name":"z"},"nullCount":{"id":0,"name":1}}',
    ...extra,
  }
}

export function removeFile(
  path: string,
  deletionTimestamp: number,
  extra: Partial<Remove> = {},
): Remove {
  return {
    path,
    deletionTimestamp,
    dataChange: true,
    extendedFileMetadata: true,
    partitionValues: { part: 'a' },
    size: 100,
    ...extra,
  }
}

export const INLINE_DV: DeletionVectorDescriptor = {
  storageType: 'i',
  pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
  sizeInBytes: 40,
  cardinality: 6,
}

/** A table in memory with a settable clock (also the store's modification times). */
export class TestTable {
  time: number
  readonly memory: MemoryStore
  readonly log: LogStore
  readonly clock: Clock

  constructor(start = 1_700_000_000_000, name = 'test') {
    this.time = start
    this.memory = new MemoryStore({ name, now: () => this.time })
    this.log = new LogStore(this.memory)
    this.clock = { now: () => this.time, sleep: async () => undefined }
  }

  /** Writes commit `version` at time `at` (default: one second after the last write). */
  async commit(version: number, actions: readonly Action[], at?: number): Promise<void> {
    this.time = at ?? this.time + 1_000
    await this.memory.put(commitKey(version), utf8Encode(serializeActions(actions)), {
      mode: 'create',
    })
  }

  snapshot(version?: number, store?: ObjectStore): Promise<Snapshot> {
    const log = store === undefined ? this.log : new LogStore(store)
    return loadSnapshot(log, { version, clock: this.clock })
  }

  /** All keys of the store, sorted. */
  async keys(prefix = ''): Promise<string[]> {
    const out: string[] = []
    for await (const meta of this.memory.list(prefix)) out.push(meta.path)
    return out
  }

  /** A copy of the table with only commit JSON files (same modification times). */
  async jsonOnly(): Promise<MemoryStore> {
    let time = 0
    const copy = new MemoryStore({ name: 'json-only', now: () => time })
    for await (const meta of this.memory.list('_delta_log/')) {
      const file = parseLogFileName(meta.path.slice('_delta_log/'.length))
      if (file?.kind !== 'commit') continue
      time = meta.lastModified
      await copy.put(meta.path, (await this.memory.get(meta.path)).bytes)
    }
    return copy
  }
}

function keyOf(path: string, dv: DeletionVectorDescriptor | undefined): string {
  return dv === undefined ? path : `${path}@${dvUniqueId(dv)}`
}

function sortByKey<T extends { path: string; deletionVector?: DeletionVectorDescriptor }>(
  items: Iterable<T>,
): T[] {
  return [...items].sort((a, b) => {
    const x = keyOf(a.path, a.deletionVector)
    const y = keyOf(b.path, b.deletionVector)
    return x < y ? -1 : x > y ? 1 : 0
  })
}

/**
 * The state a checkpoint must preserve, normalized where checkpoints legitimately differ from
 * replay: `dataChange` (checkpoints write false, as Spark does) and tombstone `stats`/`tags`
 * (checkpoints do not keep them).
 */
export function stateOf(snapshot: Snapshot, now: number): Record<string, unknown> {
  return {
    version: snapshot.version,
    protocol: snapshot.protocol,
    metadata: snapshot.metadata,
    files: sortByKey(snapshot.files()).map(({ dataChange: _d, ...rest }) => rest),
    tombstones: sortByKey(snapshot.unexpiredTombstones(now)).map(
      ({ dataChange: _d, stats: _s, tags: _t, ...rest }) => rest,
    ),
    txns: [...snapshot.appTransactions().values()].sort((a, b) => (a.appId < b.appId ? -1 : 1)),
    domains: [...snapshot.domains().values()].sort((a, b) => (a.domain < b.domain ? -1 : 1)),
  }
}
