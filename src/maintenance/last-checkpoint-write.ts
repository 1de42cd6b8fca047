/**
 * Updating `_delta_log/_last_checkpoint`, the hint readers start from.
 *
 * Rules:
 * - it is written only after every file of the checkpoint it names is complete (the caller's
 *   job: this function is its last step);
 * - it never moves backwards. A checkpoint writer that is slower than a concurrent one (or a
 *   hook that checkpoints an older snapshot) must not replace a newer hint with an older one:
 *   readers would still be correct (the hint is only a hint) but would list and replay more.
 *   Spark simply overwrites; we read the current hint first and, where the store can do it,
 *   replace it with compare-and-swap (or create it put-if-absent), retrying on a lost race.
 *   A hint that does not parse (torn, bad checksum) counts as absent.
 */
import { AlreadyExistsError, NotFoundError, PreconditionFailedError } from '../errors.js'
import { LOG_DIR, type LogStore } from '../log/log-store.js'
import { LAST_CHECKPOINT_NAME } from '../protocol/log-files.js'
import {
  parseLastCheckpoint,
  serializeLastCheckpoint,
  type LastCheckpoint,
} from '../protocol/last-checkpoint.js'
import type { PutMode, Signalled } from '../storage/object-store.js'
import { utf8Decode, utf8Encode } from '../util/utf8.js'

export const LAST_CHECKPOINT_KEY = `${LOG_DIR}${LAST_CHECKPOINT_NAME}`

const MAX_ATTEMPTS = 8

export type LastCheckpointUpdate =
  | { readonly status: 'written' }
  /** A hint for a newer version was already there and was left alone. */
  | { readonly status: 'newer-exists'; readonly version: number }
  /** Other writers kept replacing the hint; ours was not written (it is only a hint). */
  | { readonly status: 'contended' }

/** Writes `info` as the hint unless a newer one is already in place. */
export async function updateLastCheckpoint(
  log: LogStore,
  info: Omit<LastCheckpoint, 'checksum'>,
  options: Signalled = {},
): Promise<LastCheckpointUpdate> {
  const store = log.store
  const bytes = utf8Encode(serializeLastCheckpoint(info))
  for (let attempt = 1; ; attempt++) {
    const current = await readCurrent(log, options)
    if (current.version !== undefined && current.version > info.version) {
      return { status: 'newer-exists', version: current.version }
    }
    const mode: PutMode =
      current.etag === undefined
        ? store.capabilities.putIfAbsent && !current.exists
          ? 'create'
          : 'overwrite'
        : store.capabilities.conditionalUpdate
          ? { update: current.etag }
          : 'overwrite'
    try {
      await store.put(LAST_CHECKPOINT_KEY, bytes, { mode, signal: options.signal })
      return { status: 'written' }
    } catch (error) {
      const lostRace =
        error instanceof AlreadyExistsError || error instanceof PreconditionFailedError
      // Someone changed the hint between our read and our write: look again. After many lost
      // races, give up quietly rather than loop; the hint is an optimisation only.
      if (!lostRace) throw error
      if (attempt >= MAX_ATTEMPTS) return { status: 'contended' }
    }
  }
}

interface CurrentHint {
  readonly exists: boolean
  readonly version: number | undefined
  readonly etag: string | undefined
}

async function readCurrent(log: LogStore, options: Signalled): Promise<CurrentHint> {
  let text: string
  let etag: string | undefined
  try {
    const result = await log.store.get(LAST_CHECKPOINT_KEY, options)
    etag = result.meta.etag
    text = utf8Decode(result.bytes)
  } catch (error) {
    if (error instanceof NotFoundError)
      return { exists: false, version: undefined, etag: undefined }
    // Undecodable bytes: a torn hint, as good as none (but it exists: do not `create`).
    if (error instanceof TypeError) return { exists: true, version: undefined, etag: undefined }
    throw error
  }
  try {
    return {
      exists: true,
      version: parseLastCheckpoint(text, log.urlOf(LAST_CHECKPOINT_KEY)).version,
      etag,
    }
  } catch {
    return { exists: true, version: undefined, etag }
  }
}
