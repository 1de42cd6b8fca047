/**
 * Writing a checkpoint of a snapshot: classic (one Parquet file), multi-part (V1 spec, several
 * hash-partitioned parts) or V2 (sidecars plus a UUID-named top-level file), then pointing
 * `_delta_log/_last_checkpoint` at it.
 *
 * Contract:
 * - the snapshot's version is committed (a Snapshot can only be built from committed files), so
 *   the checkpoint is never written before its commit JSON (PROTOCOL.md "Checkpoints");
 * - memory stays bounded: adds stream from the snapshot's compact file set into the Parquet
 *   writer a batch at a time; only the compressed file being written is held whole;
 * - classic names and multi-part parts are written with `overwrite`: two writers racing on the
 *   same classic checkpoint write the same content and the later one wins, as the spec allows;
 *   multi-part parts are hash-partitioned as Spark does (`spark-hash.ts`), so racing writers
 *   produce identical parts too;
 * - `_last_checkpoint` is updated last, after every file is complete, and never moves back;
 * - a failure leaves the table readable: incomplete multi-part checkpoints and unreferenced
 *   sidecars are ignored by readers and removed by metadata cleanup.
 */
import { OperationNotAllowedError, throwIfAborted } from '../errors.js'
import type { CheckpointSchemaOptions } from '../engine/checkpoint-schema.js'
import type { ParquetCompression } from '../engine/parquet.js'
import { LOG_DIR } from '../log/log-store.js'
import type { Action } from '../protocol/actions.js'
import type { LastCheckpoint } from '../protocol/last-checkpoint.js'
import { formatLogFileName } from '../protocol/log-files.js'
import { TABLE_PROPERTIES } from '../protocol/table-properties.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { Signalled } from '../storage/object-store.js'
import { systemIds, type Ids } from '../util/clock.js'
import { checkpointColumnOptions } from './checkpoint-layout.js'
import {
  allActions,
  checkpointAdd,
  checkpointContent,
  checkpointRemove,
  type CheckpointContent,
} from './checkpoint-content.js'
import {
  checkpointCompression,
  positiveInteger,
  putCheckpointFile,
  type WrittenFile,
} from './checkpoint-files.js'
import { DEFAULT_SIDECAR_SIZE, writeV2Checkpoint } from './checkpoint-v2.js'
import { updateLastCheckpoint, type LastCheckpointUpdate } from './last-checkpoint-write.js'
import { sparkPartitionOf } from './spark-hash.js'

export type CheckpointKind = 'classic' | 'multi-part' | 'v2'

/** Actions per part of a multi-part checkpoint when not given. */
export const DEFAULT_PART_SIZE = 1_000_000

export interface CheckpointOptions extends Signalled {
  /** Default: `v2` when `delta.checkpointPolicy=v2` (and the protocol supports it), else `classic`. */
  readonly kind?: CheckpointKind
  /**
   * Most file actions per file: per part for `multi-part` (default 1,000,000; a checkpoint that
   * fits in one part is written classic, as Spark does), per sidecar for `v2` (default 50,000).
   */
  readonly partSize?: number
  /** The instant tombstone and txn retention are measured from. Default: the snapshot's clock. */
  readonly now?: number
  /** V2 only: the top-level file's format. Default `parquet`. */
  readonly v2TopLevelFormat?: 'parquet' | 'json'
  /** V2 only: also write a classic-named copy of the top-level file for pre-V2 readers. */
  readonly classicCompat?: boolean
  /** Update `_last_checkpoint` (never to an older version). Default true. */
  readonly updateLastCheckpoint?: boolean
  readonly ids?: Ids
}

export interface CheckpointResult {
  readonly version: number
  readonly kind: CheckpointKind
  /** Keys written, in order (for V2: sidecars, the top-level file, the compat copy). */
  readonly files: readonly string[]
  /** Rows (actions) in the checkpoint, top-level file included: `size` in `_last_checkpoint`. */
  readonly numActions: number
  readonly numOfAddFiles: number
  readonly sizeInBytes: number
  /** What happened to `_last_checkpoint`; undefined when not asked to update it. */
  readonly lastCheckpoint: LastCheckpointUpdate | undefined
}

/** The kind a table's own settings call for (Spark: `delta.checkpointPolicy`). */
export function defaultCheckpointKind(snapshot: Snapshot): CheckpointKind {
  return snapshot.property(TABLE_PROPERTIES.checkpointPolicy) === 'v2' &&
    snapshot.isFeatureSupported('v2Checkpoint')
    ? 'v2'
    : 'classic'
}

/** Writes a checkpoint of `snapshot` at its version. */
export async function writeCheckpoint(
  snapshot: Snapshot,
  options: CheckpointOptions = {},
): Promise<CheckpointResult> {
  throwIfAborted(options.signal)
  const kind = options.kind ?? defaultCheckpointKind(snapshot)
  checkKindAllowed(snapshot, kind)
  // Decide everything from one snapshot and one instant, so all files of the checkpoint (and
  // its `_last_checkpoint` numbers) describe exactly the same state.
  const full = await withStats(snapshot, options)
  const now = options.now ?? full.context.clock.now()
  const content = checkpointContent(full, now)
  const columns = checkpointColumnOptions(full)
  const compression = checkpointCompression(full)
  const log = full.context.log
  const signal = options.signal

  let written: Omit<CheckpointResult, 'lastCheckpoint'>
  let layout: Pick<LastCheckpoint, 'parts' | 'v2Checkpoint'>
  if (kind === 'v2') {
    const v2 = await writeV2Checkpoint({
      log,
      content,
      columns,
      compression,
      sidecarSize: positiveInteger('partSize', options.partSize ?? DEFAULT_SIDECAR_SIZE),
      topLevelFormat: options.v2TopLevelFormat ?? 'parquet',
      classicCompat: options.classicCompat ?? false,
      ids: options.ids ?? systemIds,
      signal,
    })
    const { numActions, numOfAddFiles, sizeInBytes } = v2
    const files = v2.files.map((f) => f.key)
    written = { version: full.version, kind, files, numActions, numOfAddFiles, sizeInBytes }
    layout = { v2Checkpoint: v2.lastCheckpointV2 }
  } else {
    const partSize = positiveInteger('partSize', options.partSize ?? DEFAULT_PART_SIZE)
    const parts = kind === 'multi-part' ? Math.ceil(content.numFileActions / partSize) : 1
    const files =
      parts > 1
        ? await writeMultiPart(content, parts, { columns, compression, signal })
        : [await writeClassic(content, { columns, compression, signal })]
    const total = (f: (w: WrittenFile) => number): number => files.reduce((n, w) => n + f(w), 0)
    written = {
      version: full.version,
      kind: parts > 1 ? 'multi-part' : 'classic',
      files: files.map((f) => f.key),
      numActions: total((w) => w.numActions),
      numOfAddFiles: total((w) => w.numOfAddFiles),
      sizeInBytes: total((w) => w.sizeInBytes),
    }
    // Spark writes `parts` only for real multi-part checkpoints.
    layout = parts > 1 ? { parts } : {}
  }
  // Spark's `checkpointMismatchWithSnapshot`: a checkpoint that lost files must not be named.
  if (written.numOfAddFiles !== full.numFiles) {
    throw new OperationNotAllowedError(
      `Checkpoint at version ${full.version} holds ${written.numOfAddFiles} files but the snapshot has ${full.numFiles}; it was not recorded in _last_checkpoint`,
    )
  }
  const hint: Omit<LastCheckpoint, 'checksum'> = {
    version: written.version,
    size: written.numActions,
    sizeInBytes: written.sizeInBytes,
    numOfAddFiles: written.numOfAddFiles,
    ...layout,
  }
  const lastCheckpoint =
    options.updateLastCheckpoint === false
      ? undefined
      : await updateLastCheckpoint(log, hint, { signal })
  return { ...written, lastCheckpoint }
}

/** PROTOCOL.md "Checkpoint Naming Scheme": which naming schemes the table's protocol allows. */
function checkKindAllowed(snapshot: Snapshot, kind: CheckpointKind): void {
  const v2Supported = snapshot.isFeatureSupported('v2Checkpoint')
  if (kind === 'multi-part' && v2Supported) {
    throw new OperationNotAllowedError(
      'Multi-part checkpoints are forbidden on tables that support v2Checkpoint (PROTOCOL.md "Checkpoint Naming Scheme"); write a v2 or classic checkpoint instead',
    )
  }
  if (kind === 'v2' && !v2Supported) {
    throw new OperationNotAllowedError(
      'V2 checkpoints need the v2Checkpoint table feature; add it to the protocol first, or write a classic checkpoint',
    )
  }
}

/** A snapshot that still holds file statistics (a `stats: 'skip'` one would lose them). */
async function withStats(snapshot: Snapshot, options: Signalled): Promise<Snapshot> {
  if (snapshot.context.stats === 'json') return snapshot
  return loadSnapshot(snapshot.context.log, {
    version: snapshot.version,
    clock: snapshot.context.clock,
    stats: 'json',
    signal: options.signal,
  })
}

interface FileOptions extends Signalled {
  readonly columns: CheckpointSchemaOptions
  readonly compression: ParquetCompression
}

/** `<version>.checkpoint.parquet`: non-file actions first, so readers find protocol early. */
function writeClassic(content: CheckpointContent, options: FileOptions): Promise<WrittenFile> {
  const version = content.snapshot.version
  const key = `${LOG_DIR}${formatLogFileName({ kind: 'checkpoint', version, format: 'classic' })}`
  return putCheckpointFile(content.snapshot.context.log, key, allActions(content), {
    ...options.columns,
    compression: options.compression,
    mode: 'overwrite',
    signal: options.signal,
  })
}

/**
 * Parts `1..parts`, each holding the rows Spark's hash partitioning assigns to it. The part of
 * every file is computed once (2-4 bytes per file); each part then walks the file set again and
 * keeps its own rows, so memory never holds more than one batch of actions.
 */
async function writeMultiPart(
  content: CheckpointContent,
  parts: number,
  options: FileOptions,
): Promise<WrittenFile[]> {
  const { snapshot } = content
  const addParts =
    parts <= 0xffff ? new Uint16Array(snapshot.numFiles) : new Uint32Array(snapshot.numFiles)
  let i = 0
  for (const add of snapshot.files()) addParts[i++] = sparkPartitionOf(add.path, parts)
  const removeParts = content.tombstones.map((r) => sparkPartitionOf(r.path, parts))
  // Spark hashes a row without a path to the seed: all non-file actions share one part.
  const nonFilePart = sparkPartitionOf(undefined, parts)

  function* partActions(part: number): Generator<Action, void, undefined> {
    if (part === nonFilePart) yield* content.nonFileActions
    let slot = 0
    for (const add of snapshot.files()) {
      if (addParts[slot++] === part) yield { add: checkpointAdd(add) }
    }
    for (let r = 0; r < content.tombstones.length; r++) {
      if (removeParts[r] === part) yield { remove: checkpointRemove(content.tombstones[r]!) }
    }
  }

  const files: WrittenFile[] = []
  const log = snapshot.context.log
  for (let part = 0; part < parts; part++) {
    throwIfAborted(options.signal)
    const name = formatLogFileName({
      kind: 'checkpoint',
      version: snapshot.version,
      format: 'multi-part',
      part: part + 1,
      parts,
    })
    files.push(
      await putCheckpointFile(log, `${LOG_DIR}${name}`, partActions(part), {
        ...options.columns,
        compression: options.compression,
        mode: 'overwrite',
        signal: options.signal,
      }),
    )
  }
  return files
}
