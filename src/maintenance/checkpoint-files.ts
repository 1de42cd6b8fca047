/**
 * Shared plumbing for checkpoint writers: turning an action stream into one stored Parquet
 * file, the options every file of a checkpoint shares, and file naming.
 *
 * A file is built in memory (compressed Parquet, about 30-60 bytes per add; the actions
 * themselves stream through the engine writer a batch at a time) and then stored with a single
 * `put`, so no reader ever sees a partial checkpoint file.
 */
import { InvalidArgumentError } from '../errors.js'
import {
  writeCheckpoint as writeCheckpointParquet,
  type CheckpointActionSource,
  type CheckpointWriteOptions,
} from '../engine/checkpoint-write.js'
import type { ParquetCompression } from '../engine/parquet.js'
import type { LogStore } from '../log/log-store.js'
import { TABLE_PROPERTIES } from '../protocol/table-properties.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { PutMode, Signalled } from '../storage/object-store.js'

/** One file of a checkpoint, as written. */
export interface WrittenFile {
  /** Store key relative to the table root (`_delta_log/...`). */
  readonly key: string
  readonly numActions: number
  readonly numOfAddFiles: number
  readonly sizeInBytes: number
  /** The bytes, kept only when a caller needs to store them twice (V2 compat copy). */
  readonly bytes?: Uint8Array
}

/**
 * Compression for checkpoint files: `delta.parquet.compression.codec` when the table sets it to
 * a codec every Delta reader has (the spec's "SHOULD" for checkpoints); otherwise Snappy, which
 * is what Spark writes and what old readers without zstd support can still open.
 */
export function checkpointCompression(snapshot: Snapshot): ParquetCompression {
  if (snapshot.metadata.configuration[TABLE_PROPERTIES.parquetCompressionCodec.key] === undefined) {
    return 'snappy'
  }
  const codec = snapshot.property(TABLE_PROPERTIES.parquetCompressionCodec)
  switch (codec) {
    case 'zstd':
    case 'snappy':
    case 'gzip':
    case 'uncompressed':
      return codec
    default:
      // lz4 (Hadoop framing) and lz4_raw: readers disagree on them; stay with Snappy.
      return 'snappy'
  }
}

/** Writes `actions` as one checkpoint Parquet file at `key`. */
export async function putCheckpointFile(
  log: LogStore,
  key: string,
  actions: CheckpointActionSource,
  options: CheckpointWriteOptions &
    Signalled & { readonly mode: PutMode; readonly keepBytes?: boolean },
): Promise<WrittenFile> {
  const { mode, signal, keepBytes, ...writeOptions } = options
  const written = await writeCheckpointParquet(actions, { ...writeOptions, path: log.urlOf(key) })
  await log.store.put(key, written.bytes, { mode, signal })
  return {
    key,
    numActions: written.numActions,
    numOfAddFiles: written.numOfAddFiles,
    sizeInBytes: written.sizeInBytes,
    ...(keepBytes === true ? { bytes: written.bytes } : {}),
  }
}

/** Zero-pads a part number to the 10 digits checkpoint names use. */
export function formatPart(n: number): string {
  return String(n).padStart(10, '0')
}

/** Checks a positive integer option. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`)
  }
  return value
}
