/**
 * Reads the actions of a checkpoint — classic, multi-part, or V2 (UUID-named or classic-named,
 * JSON or Parquet) with its sidecars — as batches, in a bounded amount of memory per batch.
 *
 * V2 checkpoints hold their file actions either inline or in sidecar files listed by
 * `sidecar` actions (PROTOCOL.md "V2 Spec"); the sidecars are read after the top-level file,
 * from `_delta_log/_sidecars/` (or the absolute location a sidecar names).
 */
import { CorruptLogError } from '../errors.js'
import {
  readCheckpointFile,
  readCheckpointFileColumns,
  type AddColumns,
  type CheckpointActionName,
} from '../engine/checkpoint-read.js'
import type { Action, Sidecar } from '../protocol/actions.js'
import { decodeLogPath, keyWithinRoot } from '../protocol/file-paths.js'
import { SIDECARS_DIR } from '../protocol/log-files.js'
import type { Signalled } from '../storage/object-store.js'
import type { CheckpointGroup } from './log-segment.js'
import { LOG_DIR, type LogStore } from './log-store.js'

export interface CheckpointReadOptions extends Signalled {
  /** Actions wanted (default: all). Sidecars are followed only when add or remove is wanted. */
  readonly actions?: readonly CheckpointActionName[]
  /** `skip` leaves `add.stats` out, for callers that never look at statistics. */
  readonly stats?: 'json' | 'skip'
}

const FILE_ACTIONS: ReadonlySet<CheckpointActionName> = new Set(['add', 'remove'])

/** Yields batches of the checkpoint's actions: its own files first, then its sidecars. */
export async function* readCheckpoint(
  log: LogStore,
  checkpoint: CheckpointGroup,
  options: CheckpointReadOptions = {},
): AsyncGenerator<readonly Action[]> {
  for await (const slice of readSlices(log, checkpoint, options, false)) yield slice.actions
}

/** A batch of checkpoint rows whose adds may still be in their columns (see `AddColumns`). */
export interface CheckpointRows {
  readonly actions: readonly Action[]
  readonly adds: AddColumns | undefined
}

/**
 * `readCheckpoint` for a snapshot load: the adds of Parquet files come as `AddColumns` (their
 * stats decoded only when the files are first read). Adds of JSON files come among the actions.
 */
export function readCheckpointColumns(
  log: LogStore,
  checkpoint: CheckpointGroup,
  options: CheckpointReadOptions = {},
): AsyncGenerator<CheckpointRows> {
  return readSlices(log, checkpoint, options, true)
}

async function* readSlices(
  log: LogStore,
  checkpoint: CheckpointGroup,
  options: CheckpointReadOptions,
  columns: boolean,
): AsyncGenerator<CheckpointRows> {
  const wanted = options.actions
  const wantsFiles = wanted === undefined || wanted.some((a) => FILE_ACTIONS.has(a))
  // Sidecar rows must be read whenever file actions are wanted, even if not asked for.
  const topLevel: readonly CheckpointActionName[] | undefined =
    wanted === undefined || !wantsFiles ? wanted : [...new Set([...wanted, 'sidecar' as const])]
  const sidecars: Sidecar[] = []
  for (const file of checkpoint.files) {
    for await (const slice of readOne(log, file.key, topLevel, options, columns)) {
      const kept: Action[] = []
      for (const action of slice.actions) {
        if ('sidecar' in action) {
          sidecars.push(action.sidecar)
          if (wanted === undefined || wanted.includes('sidecar')) kept.push(action)
        } else if (wanted === undefined || wanted.includes(nameOf(action))) {
          kept.push(action)
        }
      }
      if (kept.length > 0 || slice.adds !== undefined) yield { actions: kept, adds: slice.adds }
    }
  }
  if (!wantsFiles) return
  const sidecarActions: readonly CheckpointActionName[] = (wanted ?? ['add', 'remove']).filter(
    (a) => FILE_ACTIONS.has(a),
  )
  for (const sidecar of sidecars) {
    const key = sidecarKey(log, sidecar, checkpoint.files[0]!.key)
    for await (const slice of readOne(log, key, sidecarActions, options, columns)) {
      if (slice.actions.length > 0 || slice.adds !== undefined) yield slice
    }
  }
}

async function* readOne(
  log: LogStore,
  key: string,
  actions: readonly CheckpointActionName[] | undefined,
  options: CheckpointReadOptions,
  columns: boolean,
): AsyncGenerator<CheckpointRows> {
  if (key.endsWith('.json')) {
    yield { actions: await log.readJsonFile(key, options), adds: undefined }
    return
  }
  const { bytes } = await log.store.get(key, options)
  const fileOptions = {
    path: log.urlOf(key),
    ...(actions === undefined ? {} : { actions }),
    ...(options.stats === undefined ? {} : { stats: options.stats }),
  }
  if (columns) yield* readCheckpointFileColumns(bytes, 'parquet', fileOptions)
  else {
    for await (const batch of readCheckpointFile(bytes, 'parquet', fileOptions)) {
      yield { actions: batch, adds: undefined }
    }
  }
}

function nameOf(action: Action): CheckpointActionName {
  for (const key in action) return key as CheckpointActionName
  return 'add'
}

/** The store key of a sidecar: relative paths are relative to `_delta_log/_sidecars/`. */
function sidecarKey(log: LogStore, sidecar: Sidecar, checkpointKey: string): string {
  const target = decodeLogPath(sidecar.path, { path: log.urlOf(checkpointKey) })
  if (target.kind === 'relative') {
    return `${LOG_DIR}${SIDECARS_DIR}${target.key}`
  }
  const key = keyWithinRoot(target, log.tableUrl)
  if (key === undefined) {
    throw new CorruptLogError(`sidecar ${sidecar.path} lies outside the table`, {
      path: log.urlOf(checkpointKey),
    })
  }
  return key
}
