/**
 * The replay oracle of the write-path proofs. A `MirrorStore` copies every commit JSON into an
 * archive the moment it lands; checkpoints and log cleanup never touch the archive, so it can
 * always replay any version from commit JSON alone. `tableState` normalizes a snapshot's state
 * for comparing a checkpoint-based load with that replay.
 */
import { LogStore } from '../../../src/log/log-store.js'
import type { DeletionVectorDescriptor } from '../../../src/protocol/actions.js'
import { dvUniqueId } from '../../../src/protocol/deletion-vector.js'
import { parseLogFileName } from '../../../src/protocol/log-files.js'
import { loadSnapshot } from '../../../src/snapshot/load.js'
import type { Snapshot } from '../../../src/snapshot/snapshot.js'
import { MemoryStore } from '../../../src/storage/memory.js'
import type {
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListOptions,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  Signalled,
} from '../../../src/storage/object-store.js'
import type { Clock } from '../../../src/util/clock.js'

function isCommitKey(path: string): boolean {
  if (!path.startsWith('_delta_log/')) return false
  return parseLogFileName(path.slice('_delta_log/'.length))?.kind === 'commit'
}

/** Passes everything through, and copies each commit JSON into `archive` once it landed. */
export class MirrorStore implements ObjectStore {
  readonly kind: string
  readonly url: string
  readonly capabilities
  private archiveTime = 0
  /** Every commit ever written, with the same modification time. */
  readonly archive = new MemoryStore({ name: 'archive', now: () => this.archiveTime })

  constructor(readonly inner: ObjectStore) {
    this.kind = inner.kind
    this.url = inner.url
    this.capabilities = inner.capabilities
  }

  async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    const result = await this.inner.put(path, bytes, options)
    if (isCommitKey(path)) {
      this.archiveTime = (await this.inner.head(path)).lastModified
      await this.archive.put(path, bytes)
    }
    return result
  }

  get(path: string, options?: GetOptions): Promise<GetResult> {
    return this.inner.get(path, options)
  }

  head(path: string, options?: Signalled): Promise<ObjectMeta> {
    return this.inner.head(path, options)
  }

  delete(path: string, options?: Signalled): Promise<void> {
    return this.inner.delete(path, options)
  }

  deleteMany(paths: Iterable<string>, options?: Signalled): Promise<DeleteManyResult> {
    return this.inner.deleteMany(paths, options)
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    return this.inner.list(prefix, options)
  }

  /** The snapshot at `version` replayed from commit JSON alone. */
  jsonReplay(version: number, clock: Clock): Promise<Snapshot> {
    return loadSnapshot(new LogStore(this.archive), { version, clock })
  }
}

function fileKey(file: { path: string; deletionVector?: DeletionVectorDescriptor }): string {
  return file.deletionVector === undefined
    ? file.path
    : `${file.path}@${dvUniqueId(file.deletionVector)}`
}

function sortedByKey<T extends { path: string; deletionVector?: DeletionVectorDescriptor }>(
  items: Iterable<T>,
): T[] {
  return [...items].sort((a, b) => (fileKey(a) < fileKey(b) ? -1 : fileKey(a) > fileKey(b) ? 1 : 0))
}

/**
 * What a checkpoint must preserve, normalized where a checkpoint legitimately differs from
 * replay: `dataChange` (checkpoints write false, as Spark does), and tombstone `stats` and `tags`
 * (checkpoints drop them). Tombstones expired at `now` are left out: a checkpoint drops them.
 */
export function tableState(snapshot: Snapshot, now: number): Record<string, unknown> {
  return {
    version: snapshot.version,
    protocol: snapshot.protocol,
    metadata: snapshot.metadata,
    files: sortedByKey(snapshot.files()).map(({ dataChange: _d, ...rest }) => rest),
    tombstones: sortedByKey(snapshot.unexpiredTombstones(now)).map(
      ({ dataChange: _d, stats: _s, tags: _t, ...rest }) => rest,
    ),
    txns: [...snapshot.appTransactions().values()].sort((a, b) => (a.appId < b.appId ? -1 : 1)),
    domains: [...snapshot.domains().values()].sort((a, b) => (a.domain < b.domain ? -1 : 1)),
  }
}
