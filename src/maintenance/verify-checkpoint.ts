/**
 * Does a checkpoint say what its commits say? The state at the checkpoint's version is loaded
 * twice — as readers load it (from the checkpoint), and by replaying the JSON commits from
 * version 0 through a view of the store that hides checkpoints, compactions, `.crc` files and
 * `_last_checkpoint` — and the two are compared: protocol, metadata, live files (key, size,
 * partition values, modification time, deletion vector, row-tracking fields), app transactions,
 * domains, and the tombstones a checkpoint must keep (those not yet expired now, which were not
 * expired when it was written either; delta-rs#3644).
 *
 * Needs every commit from 0 to the checkpoint: when log cleanup has deleted the early ones, the
 * check is skipped (the checkpoint is then the only record of that state).
 */
import { DeltaError, NotFoundError, StorageError } from '../errors.js'
import type { CheckpointGroup, LogEntry } from '../log/log-segment.js'
import { LOG_DIR, LogStore } from '../log/log-store.js'
import { dvUniqueId } from '../protocol/deletion-vector.js'
import { parseLogFileName } from '../protocol/log-files.js'
import { TABLE_PROPERTIES } from '../protocol/table-properties.js'
import { loadSnapshot } from '../snapshot/load.js'
import { Snapshot } from '../snapshot/snapshot.js'
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
} from '../storage/object-store.js'
import type { Clock } from '../util/clock.js'
import { keyResolver } from './vacuum-paths.js'
import type { VerifyProblem } from './verify.js'

/** File-level differences reported one by one before the rest are summed up. */
const DETAIL_LIMIT = 20

export interface CheckpointCheck extends Signalled {
  readonly log: LogStore
  readonly checkpoint: CheckpointGroup
  /** The log listing (to see whether commits 0..checkpoint are all there). */
  readonly entries: readonly LogEntry[]
  readonly clock: Clock
  readonly now: number
}

/** Problems found, or undefined when the check could not run (early commits are gone). */
export async function compareCheckpoint(
  check: CheckpointCheck,
): Promise<VerifyProblem[] | undefined> {
  const { log, checkpoint, clock, signal } = check
  const version = checkpoint.version
  const commits = new Set<number>()
  for (const e of check.entries) if (e.file.kind === 'commit') commits.add(e.file.version)
  for (let v = 0; v <= version; v++) if (!commits.has(v)) return undefined

  const path = checkpoint.files[0]!.key
  const load = async (from: LogStore, what: string): Promise<Snapshot | VerifyProblem> => {
    try {
      return await loadSnapshot(from, { version, stats: 'skip', clock, signal })
    } catch (error) {
      if (!(error instanceof DeltaError) || error instanceof StorageError) throw error
      return { kind: 'checkpoint-mismatch', path, detail: `${what} failed: ${error.message}` }
    }
  }
  // Loading at the checkpoint's own version picks that checkpoint (the newest at or before it)
  // and reads no commit after it, so what comes back is exactly what the checkpoint says.
  const fromCheckpoint = await load(log, `loading version ${version} from its checkpoint`)
  const fromCommits = await load(
    new LogStore(new CommitsOnlyStore(log.store)),
    `replaying commits 0 to ${version}`,
  )
  if (!(fromCheckpoint instanceof Snapshot)) return [fromCheckpoint]
  if (!(fromCommits instanceof Snapshot)) return [fromCommits]
  return differences(fromCheckpoint, fromCommits, path, check.now)
}

function differences(
  checkpoint: Snapshot,
  commits: Snapshot,
  path: string,
  now: number,
): VerifyProblem[] {
  const problems: VerifyProblem[] = []
  const differ = (what: string, a: unknown, b: unknown): void => {
    const x = canonicalJson(a)
    const y = canonicalJson(b)
    if (x !== y) {
      problems.push({
        kind: 'checkpoint-mismatch',
        path,
        detail: `${what}: the checkpoint has ${x}, the commits give ${y}`,
      })
    }
  }
  differ('protocol', checkpoint.protocol, commits.protocol)
  differ('metadata', checkpoint.metadata, commits.metadata)
  differ('app transactions', versionsOf(checkpoint), versionsOf(commits))
  differ('domain metadata', domainsOf(checkpoint), domainsOf(commits))

  // Files: both directions, since a checkpoint can lose a live file or resurrect a removed one.
  const inCheckpoint = fileSignatures(checkpoint)
  const inCommits = fileSignatures(commits)
  const fileProblems: string[] = []
  for (const [key, signature] of inCommits) {
    const other = inCheckpoint.get(key)
    if (other === undefined) fileProblems.push(`${key} is live but missing from the checkpoint`)
    else if (other !== signature)
      fileProblems.push(
        `${key} differs: the checkpoint has ${other}, the commits give ${signature}`,
      )
  }
  for (const key of inCheckpoint.keys()) {
    if (!inCommits.has(key)) fileProblems.push(`${key} is in the checkpoint but was never live`)
  }
  // Tombstones the checkpoint had to keep: those unexpired now were unexpired when it was written.
  const cutoff = now - commits.property(TABLE_PROPERTIES.deletedFileRetentionDuration)
  const kept = new Set(tombstoneKeys(checkpoint, -Infinity))
  for (const key of tombstoneKeys(commits, cutoff)) {
    if (!kept.has(key)) fileProblems.push(`the unexpired tombstone of ${key} is missing`)
  }
  for (const detail of fileProblems.slice(0, DETAIL_LIMIT)) {
    problems.push({ kind: 'checkpoint-mismatch', path, detail })
  }
  if (fileProblems.length > DETAIL_LIMIT) {
    problems.push({
      kind: 'checkpoint-mismatch',
      path,
      detail: `and ${fileProblems.length - DETAIL_LIMIT} more file differences`,
    })
  }
  return problems
}

/**
 * Live files by (key, DV id), each with a canonical summary of what the log says about it.
 * Statistics are left out: both sides load with `stats: 'skip'` (a checkpoint may hold them as a
 * struct, re-serialized differently), and wrong stats skew skipping, not which files exist.
 */
function fileSignatures(snapshot: Snapshot): Map<string, string> {
  const resolver = keyResolver(snapshot.tableUrl)
  const out = new Map<string, string>()
  for (const add of snapshot.files()) {
    const key = resolver.fileKey(add.path) ?? add.path
    const id =
      add.deletionVector === undefined ? key : `${key} (DV ${dvUniqueId(add.deletionVector)})`
    out.set(
      id,
      canonicalJson({
        size: add.size,
        partitionValues: add.partitionValues,
        modificationTime: add.modificationTime,
        deletionVector: add.deletionVector,
        baseRowId: add.baseRowId,
        defaultRowCommitVersion: add.defaultRowCommitVersion,
      }),
    )
  }
  return out
}

function* tombstoneKeys(snapshot: Snapshot, cutoff: number): Generator<string> {
  const resolver = keyResolver(snapshot.tableUrl)
  for (const remove of snapshot.tombstones()) {
    if ((remove.deletionTimestamp ?? 0) <= cutoff) continue
    const key = resolver.fileKey(remove.path) ?? remove.path
    yield remove.deletionVector === undefined
      ? key
      : `${key} (DV ${dvUniqueId(remove.deletionVector)})`
  }
}

function versionsOf(snapshot: Snapshot): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [appId, txn] of snapshot.appTransactions()) out[appId] = txn.version
  return out
}

function domainsOf(snapshot: Snapshot): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [domain, d] of snapshot.domains()) out[domain] = d.configuration
  return out
}

/**
 * JSON with object keys sorted and null / undefined members dropped: a checkpoint stores an
 * absent optional field as a null column, which means the same.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value)) ?? 'undefined'
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise)
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key]
    if (member !== null && member !== undefined) out[key] = normalise(member)
  }
  return out
}

/**
 * A read-only view of a store in which `_delta_log/` holds only commit files (and whatever is
 * not a log file), so that loading replays JSON commits from version 0.
 */
class CommitsOnlyStore implements ObjectStore {
  readonly kind: string
  readonly url: string
  readonly capabilities

  constructor(private readonly inner: ObjectStore) {
    this.kind = inner.kind
    this.url = inner.url
    this.capabilities = inner.capabilities
  }

  async *list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    for await (const meta of this.inner.list(prefix, options)) {
      if (!hidden(meta.path)) yield meta
    }
  }

  async get(path: string, options?: GetOptions): Promise<GetResult> {
    if (hidden(path)) throw new NotFoundError(path)
    return this.inner.get(path, options)
  }

  async head(path: string, options?: Signalled): Promise<ObjectMeta> {
    if (hidden(path)) throw new NotFoundError(path)
    return this.inner.head(path, options)
  }

  put(path: string, _bytes: Uint8Array, _options?: PutOptions): Promise<PutResult> {
    return Promise.reject(new StorageError('The commits-only view is read-only', { path }))
  }

  delete(path: string, _options?: Signalled): Promise<void> {
    return Promise.reject(new StorageError('The commits-only view is read-only', { path }))
  }

  deleteMany(_paths: Iterable<string>, _options?: Signalled): Promise<DeleteManyResult> {
    return Promise.reject(new StorageError('The commits-only view is read-only'))
  }
}

/** Checkpoints, compactions and `.crc` files all summarise commits; only commits are evidence. */
function hidden(key: string): boolean {
  if (!key.startsWith(LOG_DIR)) return false
  const kind = parseLogFileName(key.slice(LOG_DIR.length))?.kind
  return (
    kind === 'checkpoint' || kind === 'compaction' || kind === 'crc' || kind === 'last-checkpoint'
  )
}
