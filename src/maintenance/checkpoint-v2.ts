/**
 * V2 checkpoints (PROTOCOL.md "V2 Spec", "UUID-named checkpoint"): the file actions go to
 * sidecar Parquet files in `_delta_log/_sidecars/`, and a UUID-named top-level file holds one
 * `checkpointMetadata` action, one `sidecar` action per sidecar, and the non-file actions.
 *
 * Order makes it crash safe: sidecars first (invisible until referenced), then the top-level
 * file, whose appearance makes the checkpoint exist; a crash before it leaves only orphan
 * sidecars, which metadata cleanup removes once they are old.
 *
 * Layout choices, following Spark where the spec is silent:
 * - at most `partSize` file actions per sidecar, 50,000 by default (Spark's V2 part size);
 *   actions are cut into equal consecutive runs rather than hash partitioned: sidecar names are
 *   unique, so racing writers never mix their files and nothing needs to be deterministic;
 * - sidecar names `<version>.checkpoint.<part>.<parts>.<uuid>.parquet`, as Spark names them;
 * - `checkpointMetadata.tags` carry `sidecarNumActions`, `sidecarSizeInBytes`, `numOfAddFiles`;
 * - the top-level file is Parquet by default (Spark defaults to JSON; both are valid and every
 *   V2 reader must read both); a table with no file actions gets no sidecar at all;
 * - optionally a classic-named copy of the top-level file, for readers that predate V2: they
 *   find it, read the protocol, and fail with a clear "unsupported feature" error
 *   (PROTOCOL.md "Handling Backward compatibility while moving to UUID-named v2 Checkpoints").
 */
import { LOG_DIR, type LogStore } from '../log/log-store.js'
import type { Action, CheckpointMetadata, Sidecar } from '../protocol/actions.js'
import { serializeActions } from '../protocol/action-parser.js'
import type { LastCheckpointV2 } from '../protocol/last-checkpoint.js'
import { SIDECARS_DIR, formatLogFileName, formatVersion } from '../protocol/log-files.js'
import type { CheckpointSchemaOptions } from '../engine/checkpoint-schema.js'
import type { ParquetCompression } from '../engine/parquet.js'
import type { Signalled } from '../storage/object-store.js'
import type { Ids } from '../util/clock.js'
import { utf8Encode } from '../util/utf8.js'
import { fileActions, take, type CheckpointContent } from './checkpoint-content.js'
import { formatPart, putCheckpointFile, type WrittenFile } from './checkpoint-files.js'

/** Spark's `DELTA_CHECKPOINT_PART_SIZE` default when V2 checkpoints are on. */
export const DEFAULT_SIDECAR_SIZE = 50_000

/** Spark's `lastCheckpoint.nonFileActions.threshold` and `.sidecars.threshold`. */
const LAST_CHECKPOINT_EMBED_LIMIT = 30

export interface V2WriteContext extends Signalled {
  readonly log: LogStore
  readonly content: CheckpointContent
  readonly columns: CheckpointSchemaOptions
  readonly compression: ParquetCompression
  readonly sidecarSize: number
  readonly topLevelFormat: 'parquet' | 'json'
  readonly classicCompat: boolean
  readonly ids: Ids
}

export interface V2WriteResult {
  /** Sidecars, then the top-level file, then the classic-named copy (when asked for). */
  readonly files: readonly WrittenFile[]
  readonly numActions: number
  readonly numOfAddFiles: number
  readonly sizeInBytes: number
  /** The `v2Checkpoint` block of `_last_checkpoint`. */
  readonly lastCheckpointV2: LastCheckpointV2
}

export async function writeV2Checkpoint(ctx: V2WriteContext): Promise<V2WriteResult> {
  const { log, content } = ctx
  const version = content.snapshot.version
  const total = content.numFileActions
  // Equal runs (say 3 x 33,334 rather than 50,000 + 50,000 + 2) keep sidecars alike in size,
  // which is what parallel readers of the sidecars want.
  const parts = total === 0 ? 0 : Math.ceil(total / ctx.sidecarSize)
  const perPart = parts === 0 ? 0 : Math.ceil(total / parts)
  const actions = fileActions(content)[Symbol.iterator]()
  const sidecarFiles: WrittenFile[] = []
  const sidecars: Sidecar[] = []
  for (let part = 1; part <= parts; part++) {
    const name = `${formatVersion(version)}.checkpoint.${formatPart(part)}.${formatPart(parts)}.${ctx.ids.uuid()}.parquet`
    const key = `${LOG_DIR}${SIDECARS_DIR}${name}`
    const file = await putCheckpointFile(log, key, take(actions, perPart), {
      ...ctx.columns,
      layout: 'sidecar',
      compression: ctx.compression,
      mode: 'create',
      signal: ctx.signal,
    })
    // The sidecar action records the stored file's own modification time, as Spark's does.
    const { lastModified } = await log.store.head(key, { signal: ctx.signal })
    sidecarFiles.push(file)
    sidecars.push({ path: name, sizeInBytes: file.sizeInBytes, modificationTime: lastModified })
  }

  const numOfAddFiles = sidecarFiles.reduce((n, f) => n + f.numOfAddFiles, 0)
  const sidecarActions = sidecarFiles.reduce((n, f) => n + f.numActions, 0)
  const sidecarBytes = sidecarFiles.reduce((n, f) => n + f.sizeInBytes, 0)
  const checkpointMetadata: CheckpointMetadata = {
    version,
    tags: {
      sidecarNumActions: String(sidecarActions),
      sidecarSizeInBytes: String(sidecarBytes),
      numOfAddFiles: String(numOfAddFiles),
    },
  }
  // Spark's order: checkpointMetadata, the sidecars, then protocol, metaData, txns, domains.
  const topActions: Action[] = [
    { checkpointMetadata },
    ...sidecars.map((sidecar) => ({ sidecar })),
    ...content.nonFileActions,
  ]
  const uuid = ctx.ids.uuid()
  const topName = formatLogFileName({
    kind: 'checkpoint',
    version,
    format: 'uuid',
    uuid,
    fileFormat: ctx.topLevelFormat,
  })
  const topKey = `${LOG_DIR}${topName}`
  let top: WrittenFile
  // `create`: the name is new (a UUID); an existing file would mean a UUID collision or a
  // replayed call, and must not be replaced.
  if (ctx.topLevelFormat === 'json') {
    const bytes = utf8Encode(serializeActions(topActions))
    await log.store.put(topKey, bytes, { mode: 'create', signal: ctx.signal })
    top = {
      key: topKey,
      numActions: topActions.length,
      numOfAddFiles: 0,
      sizeInBytes: bytes.length,
    }
  } else {
    top = await putCheckpointFile(log, topKey, topActions, {
      ...ctx.columns,
      layout: 'v2',
      compression: ctx.compression,
      mode: 'create',
      signal: ctx.signal,
      keepBytes: ctx.classicCompat,
    })
  }
  const { lastModified } = await log.store.head(topKey, { signal: ctx.signal })
  const files = [...sidecarFiles, top]
  if (ctx.classicCompat) files.push(await writeCompatCopy(ctx, top, topActions))

  const nonFile = [...content.nonFileActions, { checkpointMetadata }]
  return {
    files,
    numActions: sidecarActions + topActions.length,
    numOfAddFiles,
    sizeInBytes: sidecarBytes + top.sizeInBytes,
    lastCheckpointV2: {
      path: topName,
      sizeInBytes: top.sizeInBytes,
      modificationTime: lastModified,
      // Spark embeds these only while they stay small, so the hint stays cheap to read.
      ...(nonFile.length <= LAST_CHECKPOINT_EMBED_LIMIT ? { nonFileActions: nonFile } : {}),
      ...(sidecars.length <= LAST_CHECKPOINT_EMBED_LIMIT ? { sidecarFiles: sidecars } : {}),
    },
  }
}

/**
 * The classic-named copy of a V2 top-level file: the same actions, in a Parquet file named
 * `<version>.checkpoint.parquet` (overwritten if present: racing writers write equal content).
 */
async function writeCompatCopy(
  ctx: V2WriteContext,
  top: WrittenFile,
  topActions: readonly Action[],
): Promise<WrittenFile> {
  const key = `${LOG_DIR}${formatLogFileName({
    kind: 'checkpoint',
    version: ctx.content.snapshot.version,
    format: 'classic',
  })}`
  if (top.bytes !== undefined) {
    await ctx.log.store.put(key, top.bytes, { mode: 'overwrite', signal: ctx.signal })
    const { bytes: _bytes, ...rest } = top
    return { ...rest, key }
  }
  return putCheckpointFile(ctx.log, key, topActions, {
    ...ctx.columns,
    layout: 'v2',
    compression: ctx.compression,
    mode: 'overwrite',
    signal: ctx.signal,
  })
}
