/**
 * The Delta log on an object store, scoped to one table root: listing `_delta_log/` into
 * typed entries, reading commits, and writing them with put-if-absent.
 *
 * Contract:
 * - `list` yields log entries in ascending version order (files of one version in name
 *   order) and never returns files that are not part of the log;
 * - `writeCommit` is atomic: it returns `committed` when this call created the file and
 *   `conflict` when the version already existed. A lost race is a value, not an exception;
 *   any other failure throws and the outcome may be unknown (the caller resolves it).
 */
import type { Signalled } from '../storage/object-store.js'
import {
  AlreadyExistsError,
  CorruptLogError,
  NotFoundError,
  StoreCapabilityError,
} from '../errors.js'
import type { Action } from '../protocol/actions.js'
import { parseCommitLines } from '../protocol/action-parser.js'
import { formatVersion, LAST_CHECKPOINT_NAME, parseLogFileName } from '../protocol/log-files.js'
import type { ObjectStore } from '../storage/object-store.js'
import { utf8Decode } from '../util/utf8.js'
import type { LogEntry } from './log-segment.js'

export const LOG_DIR = '_delta_log/'

export type CommitOutcome = { readonly status: 'committed' } | { readonly status: 'conflict' }

export interface ListLogOptions extends Signalled {
  /** Only entries of this version and later (by the first version in the name). */
  readonly fromVersion?: number | undefined
  /**
   * Entries' `size` and `lastModified` are read when first used (the store's
   * `lazyMetadata`: a stat on local disk), for callers that need them of a few entries only,
   * such as a snapshot load that needs the time of its last commit. Using them for a file
   * deleted since the listing throws `NotFoundError`.
   */
  readonly lazyMetadata?: boolean | undefined
}

export class LogStore {
  /** The table's location, for messages (`file:///data/events/`). */
  readonly tableUrl: string

  constructor(readonly store: ObjectStore) {
    this.tableUrl = store.url.endsWith('/') ? store.url : `${store.url}/`
  }

  /**
   * Lists `_delta_log/` from a version: commits, checkpoints, compactions, crc files. Stops
   * at the first name that does not start with a digit (`_last_checkpoint`, `_sidecars/`,
   * `_staged_commits/` sort after every version), so sidecar folders are never walked.
   */
  async *list(options: ListLogOptions = {}): AsyncIterable<LogEntry> {
    const from = options.fromVersion ?? 0
    const startAfter = from > 0 ? `${LOG_DIR}${formatVersion(from - 1)}.~` : undefined
    const lazy = options.lazyMetadata === true
    for await (const meta of this.store.list(LOG_DIR, {
      startAfter,
      signal: options.signal,
      lazyMetadata: lazy,
    })) {
      const name = meta.path.slice(LOG_DIR.length)
      const first = name.charCodeAt(0)
      if (first < 0x30 || first > 0x39) {
        // '_' and other non-digits sort after all versions: the versioned part is over.
        if (first > 0x39) break
        continue
      }
      const file = parseLogFileName(name)
      if (file === undefined) continue
      yield lazy
        ? {
            file,
            key: meta.path,
            get size() {
              return meta.size
            },
            get lastModified() {
              return meta.lastModified
            },
          }
        : { file, key: meta.path, size: meta.size, lastModified: meta.lastModified }
    }
  }

  /** All entries from a version, collected. */
  async listAll(options: ListLogOptions = {}): Promise<LogEntry[]> {
    const entries: LogEntry[] = []
    for await (const entry of this.list(options)) entries.push(entry)
    return entries
  }

  /** Reads and parses one JSON log file (commit, JSON checkpoint or compaction). */
  async readJsonFile(key: string, options: Signalled = {}): Promise<Action[]> {
    return (await this.readJsonFileWithTime(key, options)).actions
  }

  /** `readJsonFile`, with the file's modification time from the same read. */
  async readJsonFileWithTime(
    key: string,
    options: Signalled = {},
  ): Promise<{ actions: Action[]; lastModified: number }> {
    const { bytes, meta } = await this.store.get(key, options)
    return { actions: this.parseJson(key, bytes), lastModified: meta.lastModified }
  }

  private parseJson(key: string, bytes: Uint8Array): Action[] {
    let text: string
    try {
      text = utf8Decode(bytes)
    } catch (error) {
      throw new CorruptLogError(
        'the file is not valid UTF-8',
        { path: this.urlOf(key) },
        { cause: error },
      )
    }
    return parseCommitLines(text, this.urlOf(key))
  }

  /** Reads the actions of commit `version`; `NotFoundError` when it does not exist. */
  readCommit(version: number, options: Signalled = {}): Promise<Action[]> {
    return this.readJsonFile(commitKey(version), options)
  }

  /** Raw bytes of a log file, or undefined when it does not exist. */
  async readOptional(key: string, options: Signalled = {}): Promise<Uint8Array | undefined> {
    try {
      return (await this.store.get(key, options)).bytes
    } catch (error) {
      if (error instanceof NotFoundError) return undefined
      throw error
    }
  }

  /** The text of `_delta_log/_last_checkpoint`, or undefined when absent. */
  async readLastCheckpointText(options: Signalled = {}): Promise<string | undefined> {
    const bytes = await this.readOptional(LOG_DIR + LAST_CHECKPOINT_NAME, options)
    if (bytes === undefined) return undefined
    try {
      return utf8Decode(bytes)
    } catch {
      // A torn or binary hint is the same as none: it is only a hint.
      return undefined
    }
  }

  /**
   * Writes commit `version` if no commit of that version exists. Atomic on every store that
   * declares `putIfAbsent`; refuses to run on any other.
   */
  async writeCommit(
    version: number,
    bytes: Uint8Array,
    options: Signalled = {},
  ): Promise<CommitOutcome> {
    this.requirePutIfAbsent()
    try {
      await this.store.put(commitKey(version), bytes, { mode: 'create', signal: options.signal })
      return { status: 'committed' }
    } catch (error) {
      if (error instanceof AlreadyExistsError) return { status: 'conflict' }
      throw error
    }
  }

  /** Throws `StoreCapabilityError` unless the store can do atomic put-if-absent. */
  requirePutIfAbsent(): void {
    if (!this.store.capabilities.putIfAbsent) {
      throw new StoreCapabilityError(
        this.store.kind,
        'atomic put-if-absent',
        'Writing a Delta table needs it to keep concurrent writers from overwriting each other; open the table read-only or use a store that supports conditional writes.',
      )
    }
  }

  /** The full URL of a key, for messages. */
  urlOf(key: string): string {
    return this.tableUrl + key
  }
}

/** `_delta_log/<20-digit version>.json` */
export function commitKey(version: number): string {
  return `${LOG_DIR}${formatVersion(version)}.json`
}
