/**
 * VERIFY: an integrity check of a table against its own log. Problems are data — a report lists
 * them by kind — not exceptions; only a failure to *perform* the check (storage unreachable,
 * abort) throws.
 *
 * Checked:
 * - `version-gap`: a commit file missing between the oldest and newest commits listed (a gap
 *   silently changes what replay produces, kernel-rs PR#3084);
 * - `unreadable-log`: the snapshot cannot be loaded at all (any log error the loader raises);
 * - `checksum-mismatch`: the version's `.crc` file disagrees with replay (the loader's warnings);
 * - `missing-file` / `size-mismatch`: each live file exists with the size the log records
 *   (one HEAD each, `concurrency` at a time);
 * - `missing-dv-file` / `corrupt-dv`: each deletion vector reads back with the size, checksum and
 *   cardinality its descriptor states (one ranged read, or the whole file once when it holds
 *   several);
 * - `checkpoint-mismatch`: the checkpoint the snapshot starts from agrees with replaying the
 *   JSON commits (`verify-checkpoint.ts`; skipped when commit 0 is gone).
 * Files outside the table root cannot be reached through the table's store; they are counted,
 * not checked.
 */
import {
  AbortedError,
  CorruptDataError,
  DeltaError,
  NotFoundError,
  StorageError,
} from '../errors.js'
import type { LogStore } from '../log/log-store.js'
import type { DeletionVectorDescriptor } from '../protocol/actions.js'
import {
  dvByteRange,
  parseInlineDeletionVector,
  parseStoredDeletionVector,
} from '../protocol/deletion-vector.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { ObjectStore, Signalled } from '../storage/object-store.js'
import { systemClock, type Clock } from '../util/clock.js'
import { compareUtf8 } from '../util/utf8.js'
import { keyResolver, type KeyResolver } from './vacuum-paths.js'
import { commitRefs } from './vacuum-window.js'
import { compareCheckpoint } from './verify-checkpoint.js'

export type VerifyProblemKind =
  | 'version-gap'
  | 'unreadable-log'
  | 'checksum-mismatch'
  | 'missing-file'
  | 'size-mismatch'
  | 'missing-dv-file'
  | 'corrupt-dv'
  | 'checkpoint-mismatch'

export interface VerifyProblem {
  readonly kind: VerifyProblemKind
  /** The store key (relative to the table root) of the file concerned, when there is one. */
  readonly path?: string
  readonly detail: string
}

export interface VerifyOptions extends Signalled {
  /** Verify this version (default: the latest). */
  readonly version?: number
  /** Read and check every deletion vector. Default true. */
  readonly checkDeletionVectors?: boolean
  /** Compare the checkpoint with the JSON commits. Default true. */
  readonly checkCheckpoint?: boolean
  /** Requests in flight. Default 16. */
  readonly concurrency?: number
  /** Problems reported in full; the rest are only counted. Default 1,000. */
  readonly maxProblems?: number
  readonly clock?: Clock
}

export interface VerifyReport {
  readonly ok: boolean
  /** The version verified; undefined when the log could not be loaded. */
  readonly version: number | undefined
  /** Sorted by kind, then path. */
  readonly problems: readonly VerifyProblem[]
  /** Problems beyond `maxProblems`, counted only. */
  readonly problemsOmitted: number
  readonly checked: {
    /** Live data files checked with HEAD. */
    readonly files: number
    /** DV files read (distinct files; inline DVs have none). */
    readonly dvFiles: number
    /** Deletion vectors decoded (stored and inline). */
    readonly deletionVectors: number
    /** Commit files examined for gaps. */
    readonly versions: number
    /** 1 when a checkpoint was compared with its commits. */
    readonly checkpoints: number
    /** Data or DV files outside the table root, not checkable through its store. */
    readonly outsideRoot: number
  }
}

/** Verifies a table; resolves with a report whatever shape the table is in. */
export async function verify(
  table: { readonly log: LogStore },
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const { log } = table
  const signal = options.signal
  const clock = options.clock ?? systemClock
  const concurrency = Math.max(1, options.concurrency ?? 16)
  const problems = new ProblemList(Math.max(0, options.maxProblems ?? 1000))
  const checked = {
    files: 0,
    dvFiles: 0,
    deletionVectors: 0,
    versions: 0,
    checkpoints: 0,
    outsideRoot: 0,
  }

  // Gaps come from the listing, not from the loader: a gap below the newest checkpoint does
  // not stop a load (and so would go unnoticed) but breaks history, time travel and CDF.
  const entries = await log.listAll({ signal })
  const commits = commitRefs(entries)
  checked.versions = commits.length
  for (let i = 1; i < commits.length; i++) {
    const before = commits[i - 1]!.version
    const after = commits[i]!.version
    if (after > before + 1) {
      problems.add({
        kind: 'version-gap',
        path: '_delta_log/',
        detail:
          after === before + 2
            ? `commit ${before + 1} is missing (between ${before} and ${after})`
            : `commits ${before + 1} to ${after - 1} are missing (between ${before} and ${after})`,
      })
    }
  }

  let snapshot: Snapshot
  try {
    snapshot = await loadSnapshot(log, { version: options.version, stats: 'skip', clock, signal })
  } catch (error) {
    if (!isLogProblem(error)) throw error
    problems.add({
      kind: 'unreadable-log',
      ...keyOfUrl(log, 'path' in error && typeof error.path === 'string' ? error.path : undefined),
      detail: error.message,
    })
    return problems.report(undefined, checked)
  }
  for (const warning of snapshot.warnings) {
    problems.add({
      kind: 'checksum-mismatch',
      ...(snapshot.segment.crc === undefined ? {} : { path: snapshot.segment.crc.key }),
      detail: warning,
    })
  }

  // One pass over the live files: data files are checked as they stream by (a table may have
  // millions; they are never collected), DV descriptors are grouped by file for a second pass.
  const resolver = keyResolver(log.tableUrl)
  const dvFiles = new Map<string, DeletionVectorDescriptor[]>()
  const checkDvs = options.checkDeletionVectors ?? true
  await forEachConcurrently(snapshot.files(), concurrency, async (add) => {
    const key = resolver.fileKey(add.path)
    if (key === undefined) checked.outsideRoot++
    else {
      checked.files++
      await checkFile(log.store, key, add.size, problems, signal)
    }
    const dv = add.deletionVector
    if (!checkDvs || dv === undefined) return
    if (dv.storageType === 'i') {
      checked.deletionVectors++
      checkInline(dv, key ?? add.path, problems)
      return
    }
    const dvKey = dvKeyOrUndefined(resolver, dv)
    if (dvKey === undefined) checked.outsideRoot++
    else {
      // One DV file often serves a whole task's data files: group them, read it once.
      const group = dvFiles.get(dvKey)
      if (group === undefined) dvFiles.set(dvKey, [dv])
      else group.push(dv)
    }
  })
  await forEachConcurrently(dvFiles, concurrency, async ([dvKey, dvs]) => {
    checked.dvFiles++
    checked.deletionVectors += dvs.length
    await checkDvFile(log.store, dvKey, dvs, problems, signal)
  })

  const checkpoint = snapshot.segment.checkpoint
  if ((options.checkCheckpoint ?? true) && checkpoint !== undefined) {
    const found = await compareCheckpoint({
      log,
      checkpoint,
      entries,
      clock,
      now: clock.now(),
      signal,
    })
    if (found !== undefined) {
      checked.checkpoints = 1
      for (const problem of found) problems.add(problem)
    }
  }
  return problems.report(snapshot.version, checked)
}

/** `{ path }` with the store key of a URL inside the table, or nothing. */
function keyOfUrl(log: LogStore, url: string | undefined): { path?: string } {
  if (url === undefined) return {}
  return { path: url.startsWith(log.tableUrl) ? url.slice(log.tableUrl.length) : url }
}

/** Errors that describe the table (report them), as opposed to failing to reach it (throw). */
function isLogProblem(error: unknown): error is DeltaError {
  if (!(error instanceof DeltaError)) return false
  if (error instanceof AbortedError) return false
  // A vanished log file is the table's problem; a network failure is not.
  return !(error instanceof StorageError)
}

/** HEAD, not GET: existence and size are what a reader fails on first, and HEAD is cheap. */
async function checkFile(
  store: ObjectStore,
  key: string,
  size: number,
  problems: ProblemList,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    const meta = await store.head(key, { signal })
    if (meta.size !== size) {
      problems.add({
        kind: 'size-mismatch',
        path: key,
        detail: `the log records ${size} bytes, the store holds ${meta.size}`,
      })
    }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    problems.add({ kind: 'missing-file', path: key, detail: 'the file does not exist' })
  }
}

function checkInline(dv: DeletionVectorDescriptor, path: string, problems: ProblemList): void {
  try {
    parseInlineDeletionVector(dv, path)
  } catch (error) {
    if (!(error instanceof CorruptDataError)) throw error
    problems.add({ kind: 'corrupt-dv', path, detail: `inline deletion vector: ${error.message}` })
  }
}

/** Reads each DV of one file: a ranged read for a lone DV, the whole file once for several. */
async function checkDvFile(
  store: ObjectStore,
  key: string,
  dvs: readonly DeletionVectorDescriptor[],
  problems: ProblemList,
  signal: AbortSignal | undefined,
): Promise<void> {
  let whole: Uint8Array | undefined
  try {
    if (dvs.length > 1) whole = (await store.get(key, { signal })).bytes
    for (const dv of dvs) {
      const range = dvByteRange(dv)
      const chunk =
        whole === undefined
          ? (await store.get(key, { range, signal })).bytes
          : whole.subarray(range.start, range.end)
      try {
        parseStoredDeletionVector(chunk, dv, key)
      } catch (error) {
        if (!(error instanceof CorruptDataError)) throw error
        problems.add({ kind: 'corrupt-dv', path: key, detail: error.message })
      }
    }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    problems.add({
      kind: 'missing-dv-file',
      path: key,
      detail: 'the deletion vector file does not exist',
    })
  }
}

function dvKeyOrUndefined(resolver: KeyResolver, dv: DeletionVectorDescriptor): string | undefined {
  try {
    return resolver.dvKey(dv)
  } catch {
    // A malformed absolute DV path: nothing under the root to read.
    return undefined
  }
}

/** Runs `fn` over an iterable with at most `limit` in flight, without collecting the items. */
async function forEachConcurrently<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]()
  let failure: { readonly error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      const next = iterator.next()
      if (next.done === true) return
      try {
        await fn(next.value)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
  if (failure !== undefined) throw failure.error
}

/** Problems up to a limit, the rest counted; sorted for a stable report. */
class ProblemList {
  private readonly items: VerifyProblem[] = []
  private omitted = 0

  constructor(private readonly limit: number) {}

  add(problem: VerifyProblem): void {
    if (this.items.length < this.limit) this.items.push(problem)
    else this.omitted++
  }

  report(version: number | undefined, checked: VerifyReport['checked']): VerifyReport {
    const problems = [...this.items].sort(
      (a, b) =>
        compareUtf8(a.kind, b.kind) ||
        compareUtf8(a.path ?? '', b.path ?? '') ||
        compareUtf8(a.detail, b.detail),
    )
    return {
      ok: problems.length === 0 && this.omitted === 0,
      version,
      problems,
      problemsOmitted: this.omitted,
      checked: { ...checked },
    }
  }
}
