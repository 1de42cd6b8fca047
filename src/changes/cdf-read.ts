/**
 * Reading planned change files (`cdf-plan.ts`) into change feed record batches: the requested
 * table columns as the scan reader returns them (partition values, column mapping, widening,
 * deletion vectors), plus `_change_type`, `_commit_version` and `_commit_timestamp`.
 *
 * - `cdc` files are read with the table schema plus a NOT NULL `_change_type` column, so a
 *   change file that lacks it (or holds a null) is a `CorruptDataError`, not a silent null.
 * - Added files are read with their deletion vector (the rows the add makes visible), removed
 *   files with theirs (the rows visible until the remove).
 * - A deletion-vector update reads the file once without a DV and keeps only the rows in one
 *   DV and not the other: it hands the scan reader a row set meaning "everything but these
 *   rows" in place of the file's DV, so all its machinery (projection, conversion, masking)
 *   is reused and the result is checked like any DV (every selected row must exist).
 *
 * This is also the building block of a streaming `readChangeFeed`: `readCommit` turns one tailed
 * commit into its change rows. One reader serves a whole range (or stream), sharing the
 * deletion-vector cache and stores across files. The next file is opened (fetched) while the
 * current one decodes, as the scan does.
 */
import * as arrow from 'apache-arrow'
import { CorruptDataError, throwIfAborted } from '../errors.js'
import type { Add, DeletionVectorDescriptor } from '../protocol/actions.js'
import { type RowIndexSet, rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { arrowField } from '../scan/arrow-types.js'
import { constantData } from '../scan/arrow-constant.js'
import {
  DataReader,
  type OpenedFile,
  type ReadableTable,
  selectFields,
} from '../scan/data-reader.js'
import { DvLoader } from '../scan/dv-loader.js'
import { TableFiles } from '../scan/file-source.js'
import type { Signalled } from '../storage/object-store.js'
import type { ScanFile } from '../scan/scan-file.js'
import type { StorageOptions } from '../storage/url.js'
import { ChangeScanFiles } from './cdf-files.js'
import {
  type ChangeFile,
  type ChangeType,
  planVersionChanges,
  type VersionChanges,
} from './cdf-plan.js'
import {
  CHANGE_FEED_COLUMNS,
  CHANGE_TYPE_COLUMN,
  COMMIT_TIMESTAMP_COLUMN,
  COMMIT_VERSION_COLUMN,
  changeFeedField,
  checkNoReservedColumns,
} from './cdf-schema.js'
import type { CommitRecord } from './tail.js'

export interface ChangeReadOptions {
  /**
   * Columns to return, in this order: table columns and/or `_change_type`, `_commit_version`,
   * `_commit_timestamp`. Default: every table column, then the three change columns.
   */
  readonly columns?: readonly string[] | undefined
  /** Most rows per batch. Default 65536. */
  readonly batchSize?: number | undefined
  /** Options for stores opened for files outside the table root. */
  readonly storage?: StorageOptions | undefined
  /** Files up to this size are fetched whole. Default 8 MiB. */
  readonly wholeFileBytes?: number | undefined
}

/** One pass over an opened file: which rows, labelled how. */
interface Pass {
  readonly reader: DataReader
  readonly file: OpenedFile
  /** A constant change type, or `undefined` for the file's own `_change_type` column. */
  readonly changeType: ChangeType | undefined
}

export class ChangeReader {
  /** The schema of every batch returned. */
  readonly schema: arrow.Schema
  /** Requested table columns (what the data readers return, in this order). */
  private readonly tableColumns: readonly string[]
  private readonly data: DataReader
  private readonly cdc: DataReader
  private readonly scanFiles: ChangeScanFiles
  private readonly dvs: DvLoader
  /** The table root URL, ending in `/`. */
  private readonly tableUrl: string

  /**
   * `table` gives the schema the feed is read in (a `Snapshot` fits). Throws
   * `InvalidArgumentError` for an unknown or repeated column and `ChangeDataFeedError` when
   * the table itself has a column named like a change column.
   */
  constructor(table: ReadableTable, options: ChangeReadOptions = {}) {
    checkNoReservedColumns(table.schema)
    const names = options.columns ?? [
      ...table.schema.fields.map((f) => f.name),
      ...CHANGE_FEED_COLUMNS,
    ]
    // The table's schema extended with the change columns validates every requested name.
    const all = {
      type: 'struct' as const,
      fields: [
        ...table.schema.fields,
        ...CHANGE_FEED_COLUMNS.map((name) => ({
          name,
          type: { type: 'string' as const },
          nullable: false,
          metadata: {},
        })),
      ],
    }
    selectFields(all, names)
    // The data readers return only table columns; the change columns are added per batch.
    this.tableColumns = names.filter((n) => !CHANGE_FEED_COLUMNS.includes(n))
    const byName = new Map(table.schema.fields.map((f) => [f.name, f]))
    this.schema = new arrow.Schema(
      names.map((n) => {
        const field = byName.get(n)
        return field === undefined ? changeFeedField(n) : arrowField(field)
      }),
    )
    const common = {
      batchSize: options.batchSize,
      storage: options.storage,
      wholeFileBytes: options.wholeFileBytes,
    }
    this.data = new DataReader(table, { ...common, columns: this.tableColumns })
    // Change files carry `_change_type` as a data column; NOT NULL: every change row has one.
    const changeType = { name: CHANGE_TYPE_COLUMN, type: { type: 'string' as const } }
    const cdcTable: ReadableTable = {
      ...pickTable(table),
      schema: {
        type: 'struct',
        fields: [...table.schema.fields, { ...changeType, nullable: false, metadata: {} }],
      },
    }
    const cdcColumns = names.includes(CHANGE_TYPE_COLUMN)
      ? [...this.tableColumns, CHANGE_TYPE_COLUMN]
      : this.tableColumns
    this.cdc = new DataReader(cdcTable, { ...common, columns: cdcColumns })
    this.scanFiles = new ChangeScanFiles(table)
    this.tableUrl = table.tableUrl.endsWith('/') ? table.tableUrl : `${table.tableUrl}/`
    const files = new TableFiles(table.context.log.store, table.tableUrl, options.storage)
    this.dvs = new DvLoader(files)
  }

  /**
   * The change rows of one tailed commit. Plans it at once (see `planVersionChanges`), so a
   * commit that turns the feed off throws here, before iteration. The caller checks that the
   * feed was on at the version it started from (`isChangeDataFeedEnabled`) and that the
   * commit's schema still fits this reader's.
   */
  readCommit(commit: CommitRecord, options: Signalled = {}): AsyncGenerator<arrow.RecordBatch> {
    return this.read(planVersionChanges(commit), options)
  }

  /** The change rows of one planned version, file by file, in plan order. */
  async *read(changes: VersionChanges, options: Signalled = {}): AsyncGenerator<arrow.RecordBatch> {
    const signal = options.signal
    const constants = {
      version: BigInt(changes.version),
      // Epoch ms to the microseconds of a Delta timestamp (floored: a fractional ms can only
      // come from a hand-edited log, and BigInt refuses fractions).
      timestampMicros: BigInt(Math.floor(changes.timestamp)) * 1000n,
    }
    const files = changes.files
    // Announced up front: a DV file shared by several files of the version is fetched once.
    for (const file of files) this.expect(file)
    let index = 0
    const prepareNext = (): Promise<Pass[]> | undefined => {
      throwIfAborted(signal)
      const file = files[index++]
      return file === undefined ? undefined : this.prepare(file, changes.version, signal)
    }
    let pending = prepareNext()
    try {
      while (pending !== undefined) {
        const passes = await pending
        pending = prepareNext()
        for (const pass of passes) {
          for await (const batch of pass.reader.read(pass.file, { signal })) {
            yield this.assemble(batch, pass.changeType, constants)
          }
        }
      }
    } finally {
      // Stopped early or failed: the prefetch no longer matters, but must not go unhandled.
      pending?.catch(() => undefined)
    }
  }

  /** Announces DV files to the readers, so a DV file shared by many data files is read once. */
  private expect(file: ChangeFile): void {
    if (file.kind === 'add') this.dvs.expect(file.add.deletionVector)
    else if (file.kind === 'remove') this.dvs.expect(file.remove.deletionVector)
    else if (file.kind === 'dv-update') {
      this.dvs.expect(file.add.deletionVector)
      this.dvs.expect(file.remove.deletionVector)
    }
  }

  /** Fetches what one change file needs (its bytes, its DVs) and says how to read it. */
  private async prepare(
    file: ChangeFile,
    version: number,
    signal: AbortSignal | undefined,
  ): Promise<Pass[]> {
    const files = this.scanFiles
    switch (file.kind) {
      case 'cdc':
        return [await this.pass(this.cdc, files.ofCdc(file.cdc, version), undefined, signal)]
      case 'add':
        return [await this.pass(this.data, files.ofAdd(file.add, version), 'insert', signal)]
      case 'remove':
        return [await this.pass(this.data, files.ofRemove(file.remove, version), 'delete', signal)]
      case 'dv-update':
        return this.prepareDvUpdate(file.add, file.remove.deletionVector, version, signal)
    }
  }

  /**
   * Opens a file and loads its DV at once. The DV goes through this reader's own loader (not
   * the data reader's), so that every DV of a range, paired or not, shares one cache.
   */
  private async pass(
    reader: DataReader,
    scanFile: ScanFile,
    changeType: ChangeType | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Pass> {
    const [opened, deleted] = await Promise.all([
      reader.open({ ...scanFile, deletionVector: undefined }, { signal }),
      this.loadDv(scanFile.deletionVector, scanFile.logPath, signal),
    ])
    const file = scanFile.deletionVector === undefined ? opened : { ...opened, deleted }
    return { reader, file, changeType }
  }

  /**
   * The passes of a file whose deletion vector changed from `before` (the remove's) to the
   * add's: rows newly deleted, then rows newly visible.
   */
  private async prepareDvUpdate(
    add: Add,
    before: DeletionVectorDescriptor | undefined,
    version: number,
    signal: AbortSignal | undefined,
  ): Promise<Pass[]> {
    const scanFile = { ...this.scanFiles.ofAdd(add, version), deletionVector: undefined }
    const [opened, old, now] = await Promise.all([
      this.data.open(scanFile, { signal }),
      this.loadDv(before, add.path, signal),
      this.loadDv(add.deletionVector, add.path, signal),
    ])
    const rows = opened.source.rowGroupRows.reduce((a, b) => a + b, 0)
    const passes: Pass[] = []
    const deleted = difference(now, old)
    const restored = difference(old, now)
    if (deleted.cardinality > 0) {
      const file = { ...opened, deleted: onlyRows(deleted, rows, opened.url, version) }
      passes.push({ reader: this.data, file, changeType: 'delete' })
    }
    if (restored.cardinality > 0) {
      const file = { ...opened, deleted: onlyRows(restored, rows, opened.url, version) }
      passes.push({ reader: this.data, file, changeType: 'insert' })
    }
    return passes
  }

  /** The rows a DV deletes (none without one). `path` names the data file in messages. */
  private loadDv(
    dv: DeletionVectorDescriptor | undefined,
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<RowIndexSet> {
    if (dv === undefined) return Promise.resolve(EMPTY)
    return this.dvs.load(dv, `${this.tableUrl}${path}`, signal)
  }

  /** A data reader's batch as a change feed batch, in the requested column order. */
  private assemble(
    batch: arrow.RecordBatch,
    changeType: ChangeType | undefined,
    constants: { readonly version: bigint; readonly timestampMicros: bigint },
  ): arrow.RecordBatch {
    const length = batch.numRows
    const index = new Map(batch.schema.fields.map((f, i) => [f.name, i]))
    const children = this.schema.fields.map((field) => {
      const name = field.name
      if (name === CHANGE_TYPE_COLUMN && changeType !== undefined) {
        return constantData({ type: 'string' }, changeType, length)
      }
      if (name === COMMIT_VERSION_COLUMN) {
        return constantData({ type: 'long' }, constants.version, length)
      }
      if (name === COMMIT_TIMESTAMP_COLUMN) {
        return constantData({ type: 'timestamp' }, constants.timestampMicros, length)
      }
      return batch.data.children[index.get(name)!]!
    })
    const type = new arrow.Struct(this.schema.fields)
    return new arrow.RecordBatch(
      this.schema,
      arrow.makeData({ type, length, nullCount: 0, children }),
    )
  }
}

const EMPTY: RowIndexSet = rowIndexSetOf([])

/**
 * The ReadableTable fields of a table, copied one by one: a `Snapshot` serves `schema` and
 * `partitionColumns` from getters, which a spread (`{ ...snapshot }`) would silently drop.
 */
function pickTable(table: ReadableTable): ReadableTable {
  return {
    tableUrl: table.tableUrl,
    schema: table.schema,
    partitionColumns: table.partitionColumns,
    columnMappingMode: table.columnMappingMode,
    context: table.context,
  }
}

/** Rows of `a` that are not in `b`. */
function difference(a: RowIndexSet, b: RowIndexSet): RowIndexSet {
  if (a.cardinality === 0 || b.cardinality === 0) return a
  const out: number[] = []
  for (const row of a) if (!b.has(row)) out.push(row)
  return rowIndexSetOf(out)
}

/**
 * A "deleted rows" set for a file of `rows` rows that deletes every row except `keep`: read with
 * it, the scan reader returns exactly the rows of `keep`. A kept row beyond the file's end means
 * the DVs do not belong to this file.
 */
function onlyRows(keep: RowIndexSet, rows: number, url: string, version: number): RowIndexSet {
  const array = keep.toArray()
  const last = array.at(-1)
  if (last !== undefined && last >= rows) {
    throw new CorruptDataError(
      url,
      `the deletion vectors of version ${version} name row ${last}, but the file has ${rows} rows`,
    )
  }
  const has = (row: number): boolean =>
    Number.isInteger(row) && row >= 0 && row < rows && !keep.has(row)
  function* iterate(): Generator<number> {
    for (let row = 0; row < rows; row++) if (!keep.has(row)) yield row
  }
  return {
    cardinality: rows - array.length,
    has,
    [Symbol.iterator]: iterate,
    toArray: () => Float64Array.from(iterate()),
    maskRange(start: number, length: number): Uint8Array {
      const mask = keep.maskRange(start, length)
      for (let i = 0; i < length; i++) mask[i] = start + i < rows ? mask[i]! ^ 1 : 0
      return mask
    },
  }
}
