/**
 * Change data files (PROTOCOL.md "Change Data Files", "Add CDC File"): rows an operation
 * changed, written beside the data so that change data feed readers need not reconstruct them.
 *
 * Layout, as Spark writes them (checked against Spark-written tables in the corpus):
 * - under `_change_data/` at the table root, in the partition's Hive directory
 *   (`_change_data/day=mon/...`, physical names under column mapping), named
 *   `cdc-<5-digit index>-<uuid>.c000.<codec>.parquet`;
 * - the table's data columns exactly as in its data files (physical names, field ids under id
 *   mode, no partition columns: readers take those from the action's `partitionValues`), then
 *   one string column `_change_type` (`insert`, `delete`, `update_preimage`,
 *   `update_postimage`);
 * - one `cdc` action per file with the path encoded once, the partition values, the size and
 *   `dataChange: false` (CDC files never change the table's data themselves).
 *
 * Rows arrive as logical batches of the table (what the scan reader returns), are conformed to
 * the file layout with the data writer's `conformBatch`, and are grouped by partition (one file
 * per partition per `targetFileSize` of buffered Arrow bytes). Memory is bounded by
 * `maxBufferedBytes`: past it, the partition holding the most is written early.
 *
 * The files are referenced by nothing until the commit lands; `discard` deletes them when it
 * did not (and `finish`/`write` delete them themselves when they fail).
 */
import * as arrow from 'apache-arrow'
import { writeParquetStream } from '../engine/parquet.js'
import { InvalidArgumentError, throwIfAborted } from '../errors.js'
import type { AddCdcFile } from '../protocol/actions.js'
import { encodeLogPath } from '../protocol/file-paths.js'
import { TABLE_PROPERTIES, tableProperty } from '../protocol/table-properties.js'
import { constantData } from '../scan/arrow-constant.js'
import { takeRows } from '../scan/arrow-take.js'
import type { ObjectStore } from '../storage/object-store.js'
import { concatBytes } from '../util/bytes.js'
import { systemIds, type Ids } from '../util/clock.js'
import { conformBatch } from './arrow-conform.js'
import { arrowBytes } from './data-writer.js'
import { codecExtension, parquetCompression } from './data-file-name.js'
import { type PartitionGroup, splitByPartition } from './partitioning.js'
import { type WriteLayout, type WriteTarget, writeLayout } from './write-layout.js'

/** The values of `_change_type`. */
export type ChangeType = 'insert' | 'delete' | 'update_preimage' | 'update_postimage'

/** The extra column of a change data file. */
export const CHANGE_TYPE_COLUMN = '_change_type'
/** The directory of change data files, at the table root. */
export const CHANGE_DATA_DIRECTORY = '_change_data'

const MIB = 1 << 20

export interface ChangeDataWriterOptions {
  /** Arrow bytes buffered per partition before its file is written. Default 128 MiB. */
  readonly targetFileSize?: number
  /** Arrow bytes buffered across partitions before the fullest is written early. Default 256 MiB. */
  readonly maxBufferedBytes?: number
  readonly rowGroupSize?: number
  readonly ids?: Ids
  readonly signal?: AbortSignal
}

export interface WrittenChangeFiles {
  /** One `cdc` action per file, in the order written. */
  readonly cdcs: readonly AddCdcFile[]
  /** Rows written. */
  readonly numRecords: number
  /** Bytes written (sum of the file sizes). */
  readonly numBytes: number
}

/** The rows buffered for one partition's next file. */
interface OpenFile {
  readonly group: PartitionGroup
  readonly batches: arrow.RecordBatch[]
  rows: number
  bytes: number
}

/** The store key of the `index`-th change data file of a write. */
export function changeDataFileKey(
  directory: string,
  index: number,
  uuid: string,
  extension: string,
): string {
  const name = `cdc-${String(index).padStart(5, '0')}-${uuid}.c000${extension}.parquet`
  return directory === ''
    ? `${CHANGE_DATA_DIRECTORY}/${name}`
    : `${CHANGE_DATA_DIRECTORY}/${directory}/${name}`
}

/** Writes change data files for one commit; see the file comment. */
export class ChangeDataWriter {
  private readonly layout: WriteLayout
  /** The file schema: the data files' columns, then `_change_type`. */
  readonly schema: arrow.Schema
  private readonly extension: string
  private readonly compression: ReturnType<typeof parquetCompression>
  private readonly targetBytes: number
  private readonly maxBuffered: number
  private readonly ids: Ids
  private readonly open = new Map<string, OpenFile>()
  private readonly cdcs: AddCdcFile[] = []
  /** Keys of the files put so far (for `discard`). */
  private readonly written: string[] = []
  private buffered = 0
  private numRecords = 0
  private numBytes = 0

  constructor(
    private readonly store: ObjectStore,
    target: WriteTarget,
    private readonly options: ChangeDataWriterOptions = {},
  ) {
    this.layout = writeLayout(target)
    this.schema = new arrow.Schema([
      ...this.layout.fileSchema.fields,
      new arrow.Field(CHANGE_TYPE_COLUMN, new arrow.Utf8(), true),
    ])
    const codec = tableProperty(
      target.metadata.configuration,
      TABLE_PROPERTIES.parquetCompressionCodec,
    )
    this.extension = codecExtension(codec)
    this.compression = parquetCompression(codec)
    this.targetBytes = positive('targetFileSize', options.targetFileSize, 128 * MIB)
    this.maxBuffered = positive('maxBufferedBytes', options.maxBufferedBytes, 256 * MIB)
    this.ids = options.ids ?? systemIds
  }

  /**
   * Buffers the rows of `batch` (a logical batch of the table, partition columns included) as
   * changes of kind `changeType`, writing files as buffers fill. Throws `InvalidArgumentError`
   * when the batch does not fit the table.
   */
  async write(batch: arrow.RecordBatch, changeType: ChangeType): Promise<void> {
    throwIfAborted(this.options.signal)
    if (batch.numRows === 0) return
    const conformed = conformBatch(batch, this.layout)
    for (const split of splitByPartition(
      this.layout.partitions,
      conformed.partitions,
      conformed.length,
    )) {
      const rows = split.rows
      const length = rows?.length ?? conformed.length
      const columns =
        rows === undefined ? conformed.columns : conformed.columns.map((c) => takeRows(c, rows))
      const children = [...columns, constantData({ type: 'string' }, changeType, length)]
      const bytes = children.reduce((sum, c) => sum + arrowBytes(c), 0)
      const struct = arrow.makeData({
        type: new arrow.Struct(this.schema.fields),
        length,
        nullCount: 0,
        children,
      })
      let file = this.open.get(split.group.key)
      if (file === undefined) {
        file = { group: split.group, batches: [], rows: 0, bytes: 0 }
        this.open.set(split.group.key, file)
      }
      file.batches.push(new arrow.RecordBatch(this.schema, struct))
      file.rows += length
      file.bytes += bytes
      this.buffered += bytes
      if (file.bytes >= this.targetBytes) await this.writeFile(file)
    }
    // Over the memory budget: write the fullest partitions until back under it.
    while (this.buffered > this.maxBuffered && this.open.size > 0) {
      const fullest = [...this.open.values()].reduce((a, b) => (b.bytes > a.bytes ? b : a))
      await this.writeFile(fullest)
    }
  }

  /** Writes what is still buffered and returns every file's `cdc` action. */
  async finish(): Promise<WrittenChangeFiles> {
    for (const file of [...this.open.values()]) await this.writeFile(file)
    return { cdcs: [...this.cdcs], numRecords: this.numRecords, numBytes: this.numBytes }
  }

  /** Deletes every file written (best effort): for a commit that did not land. */
  async discard(): Promise<void> {
    this.open.clear()
    if (this.written.length > 0) {
      await this.store.deleteMany(this.written).catch(() => undefined)
    }
  }

  private async writeFile(file: OpenFile): Promise<void> {
    this.open.delete(file.group.key)
    this.buffered -= file.bytes
    const key = changeDataFileKey(
      file.group.directory,
      this.cdcs.length,
      this.ids.uuid(),
      this.extension,
    )
    const parts: Uint8Array[] = []
    for await (const part of writeParquetStream(file.batches, {
      compression: this.compression,
      schema: this.schema,
      path: key,
      ...(this.options.rowGroupSize === undefined
        ? {}
        : { rowGroupSize: this.options.rowGroupSize }),
    })) {
      parts.push(part)
    }
    const bytes = concatBytes(parts)
    throwIfAborted(this.options.signal)
    // Recorded before the put: a put that fails after sending may still have landed.
    this.written.push(key)
    await this.store.put(key, bytes, { mode: 'create', signal: this.options.signal })
    this.cdcs.push({
      path: encodeLogPath(key),
      partitionValues: file.group.partitionValues,
      size: bytes.length,
      dataChange: false,
    })
    this.numRecords += file.rows
    this.numBytes += bytes.length
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive number, got ${value}`)
  }
  return value
}
