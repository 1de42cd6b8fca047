/**
 * Reading one data file of a snapshot into Arrow record batches, exactly as Spark returns its
 * rows: the table's logical schema (or a subset of its top-level columns), partition columns
 * filled from the log, column mapping resolved, columns the file predates as nulls, older types
 * widened, timestamps in microseconds, and the rows its deletion vector removes left out.
 *
 * Per file: its footer is fetched (with the whole file when it is small, `parquet-source.ts`)
 * and resolved against the schema (`column-resolve.ts`); then, one row group at a time, only the
 * needed columns are fetched and decoded (`engine/parquet.ts`) in batches of at most `batchSize`
 * rows, converted to the table's types, and cut down to the surviving rows (`arrow-take.ts`).
 * Memory is bounded by one row group's projected chunks, its decoded columns and one output
 * batch (plus the whole file, for files under `wholeFileBytes`).
 *
 * Every batch is built column by column from the decoded buffers (no per-row `get()`, no
 * builders); a column the file already holds in the table's type is passed through untouched.
 *
 * Row positions for the deletion vector are physical: counted across all row groups and batches
 * of the file in order, which is how every writer numbers them.
 */
import * as arrow from 'apache-arrow'
import { CorruptDataError, DeltaError, InvalidArgumentError, throwIfAborted } from '../errors.js'
import { readParquetBatches } from '../engine/parquet.js'
import type { ColumnMappingMode } from '../protocol/column-mapping.js'
import type { RowIndexSet } from '../protocol/roaring-bitmap-array.js'
import type { AtomicType, StructField, StructType } from '../protocol/schema.js'
import type { ObjectStore, Signalled } from '../storage/object-store.js'
import type { StorageOptions } from '../storage/url.js'
import { constantData, nullData } from './arrow-constant.js'
import { maskToIndices, takeRows } from './arrow-take.js'
import { arrowSchema, typeOf } from './arrow-types.js'
import {
  type ColumnConverter,
  ColumnResolveError,
  columnConverter,
  matchField,
} from './column-resolve.js'
import { DvLoader } from './dv-loader.js'
import { ParquetSource, type RangeReader } from './parquet-source.js'
import { TableFiles } from './file-source.js'
import { type NullCheck, nullCheckFor } from './null-check.js'
import type { ScanFile } from './scan-file.js'

/** What the reader needs of a table: a `Snapshot` fits. */
export interface ReadableTable {
  readonly tableUrl: string
  readonly schema: StructType
  readonly partitionColumns: readonly string[]
  readonly columnMappingMode: ColumnMappingMode
  readonly context: { readonly log: { readonly store: ObjectStore } }
}

/** Keeps the rows of a batch for which `evaluate` returns 1 (SQL WHERE: TRUE rows only). */
export interface RowFilter {
  /** Top-level columns `evaluate` needs; read even when not among the output columns. */
  readonly columns: readonly string[]
  readonly evaluate: (batch: arrow.RecordBatch) => Uint8Array
}

export interface DataReaderOptions {
  /** Top-level columns to return, in this order. Default: the whole schema. */
  readonly columns?: readonly string[] | undefined
  readonly filter?: RowFilter | undefined
  /** Most rows per batch. Default 65536. */
  readonly batchSize?: number | undefined
  /** Options for stores opened for files outside the table root. */
  readonly storage?: StorageOptions | undefined
  /** Most bytes of shared deletion-vector files kept in memory. Default 64 MiB. */
  readonly dvCacheBytes?: number | undefined
  /**
   * Data files up to this size are fetched whole (one GET); larger ones by ranges, only the
   * projected columns, one row group at a time. Default 8 MiB.
   */
  readonly wholeFileBytes?: number | undefined
}

const DEFAULT_BATCH_SIZE = 65_536

/** Schema fields for top-level column names, in the order given. */
export function selectFields(schema: StructType, columns: readonly string[]): StructField[] {
  const seen = new Set<string>()
  return columns.map((name) => {
    const field = schema.fields.find((f) => f.name === name)
    if (field === undefined) {
      throw new InvalidArgumentError(
        `Unknown column "${name}"; the table has: ${schema.fields.map((f) => f.name).join(', ')}`,
      )
    }
    if (seen.has(name)) throw new InvalidArgumentError(`Column "${name}" is requested twice`)
    seen.add(name)
    return field
  })
}

/** A data file fetched by `DataReader.open`, ready to decode. */
export interface OpenedFile {
  readonly file: ScanFile
  /** The file's URL, for messages. */
  readonly url: string
  /** Its footer, and its column chunks on demand. */
  readonly source: ParquetSource
  /** Rows its deletion vector removes, when it has one. */
  readonly deleted: RowIndexSet | undefined
}

/**
 * A batch of `DataReader.readWithRowIndexes`: the rows, and each row's physical index in its
 * file (its position counted from 0 across all row groups, before any row is deleted), which
 * is what a deletion vector records.
 */
export interface IndexedBatch {
  readonly batch: arrow.RecordBatch
  /** One per row of `batch`, ascending. */
  readonly rowIndexes: Float64Array
}

/** Where one column of a batch comes from, for one file. */
type Source =
  | { readonly kind: 'constant'; readonly make: (length: number) => arrow.Data }
  | { readonly kind: 'file'; readonly name: string; readonly convert: ColumnConverter }

/** Reads the data files of one table; holds the DV cache and the stores of outside files. */
export class DataReader {
  /** The schema of every batch returned. */
  readonly schema: arrow.Schema
  private readonly fields: readonly StructField[]
  /** Output columns, then the filter's extra columns. */
  private readonly readFields: readonly StructField[]
  private readonly readSchema: arrow.Schema
  private readonly nullChecks: readonly (NullCheck | undefined)[]
  private readonly partitions: ReadonlySet<string>
  private readonly batchSize: number
  private readonly files: TableFiles
  private readonly dvs: DvLoader

  constructor(
    private readonly table: ReadableTable,
    private readonly options: DataReaderOptions = {},
  ) {
    const schema = table.schema
    this.fields = selectFields(schema, options.columns ?? schema.fields.map((f) => f.name))
    const extra = selectFields(schema, [...new Set(options.filter?.columns ?? [])]).filter(
      (f) => !this.fields.includes(f),
    )
    this.readFields = [...this.fields, ...extra]
    this.schema = arrowSchema(this.fields)
    this.readSchema = arrowSchema(this.readFields)
    this.nullChecks = this.schema.fields.map(nullCheckFor)
    this.partitions = new Set(table.partitionColumns)
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) {
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${this.batchSize}`)
    }
    this.files = new TableFiles(table.context.log.store, table.tableUrl, options.storage)
    this.dvs = new DvLoader(
      this.files,
      options.dvCacheBytes === undefined ? {} : { cacheBytes: options.dvCacheBytes },
    )
  }

  /** Announces a file that will be read, so DV files shared by several are fetched once. */
  expect(file: ScanFile): void {
    this.dvs.expect(file.deletionVector)
  }

  /**
   * Fetches a data file and its deletion vector, without decoding anything: `read` does both;
   * a scan calls `open` for the next file while it decodes the current one.
   * A missing file is `NotFoundError`.
   */
  async open(file: ScanFile, options: Signalled = {}): Promise<OpenedFile> {
    const signal = options.signal
    throwIfAborted(signal)
    const ref = await this.files.locate(file.location)
    const read: RangeReader = (range) => this.files.read(ref, { range, signal })
    const whole = this.options.wholeFileBytes
    const [source, deleted] = await Promise.all([
      ParquetSource.open(
        read,
        file.size,
        ref.url,
        whole === undefined ? {} : { wholeFileBytes: whole },
      ),
      file.deletionVector === undefined
        ? undefined
        : this.dvs.load(file.deletionVector, ref.url, signal),
    ])
    return { file, url: ref.url, source, deleted }
  }

  /**
   * The rows of one data file, in file order, minus deleted rows (and rows the filter rejects).
   * A missing file is `NotFoundError`; a file that contradicts the log is `CorruptDataError`.
   */
  async *read(
    file: ScanFile | OpenedFile,
    options: Signalled = {},
  ): AsyncGenerator<arrow.RecordBatch> {
    for await (const { batch } of this.readRows(file, options, false)) yield batch
  }

  /**
   * `read`, with the physical row index of every row returned (see `IndexedBatch`): for writers
   * of deletion vectors, which must name rows by their position in the file.
   */
  readWithRowIndexes(
    file: ScanFile | OpenedFile,
    options: Signalled = {},
  ): AsyncGenerator<IndexedBatch> {
    return this.readRows(file, options, true)
  }

  /** `read`'s body; row indexes are only materialized when asked for (`withIndexes`). */
  private async *readRows(
    file: ScanFile | OpenedFile,
    options: Signalled,
    withIndexes: boolean,
  ): AsyncGenerator<{ batch: arrow.RecordBatch; rowIndexes: Float64Array }> {
    const signal = options.signal
    const {
      file: scanFile,
      url,
      source,
      deleted,
    } = 'source' in file ? file : await this.open(file, options)
    const sources = this.sourcesFor(scanFile, source.schema, url)
    const projection = [...new Set(sources.flatMap((s) => (s.kind === 'file' ? [s.name] : [])))]

    let rowStart = 0
    let deletedSeen = 0
    for await (const { batch, length } of this.fileBatches(source, projection, url)) {
      throwIfAborted(signal)
      const children = sources.map((source, i) =>
        this.column(source, batch, length, url, this.readFields[i]!.name),
      )
      const keep = deleted === undefined ? undefined : keepMask(deleted, rowStart, length)
      if (keep !== undefined) deletedSeen += length - keep.count
      const { batch: out, kept } = this.select(children, length, keep?.mask)
      const start = rowStart
      rowStart += length
      if (out.numRows === 0) continue
      // Checked on the rows returned: a deleted or filtered-out row is not a value of the table.
      out.data.children.forEach((data, i) => {
        const found = this.nullChecks[i]?.(data)
        if (found !== undefined) {
          throw new CorruptDataError(
            url,
            `column ${found.path} is NOT NULL in the table schema but holds a null`,
          )
        }
      })
      yield { batch: out, rowIndexes: withIndexes ? rowIndexesOf(start, length, kept) : NO_INDEXES }
    }
    if (deleted !== undefined && deletedSeen !== deleted.cardinality) {
      throw new CorruptDataError(
        url,
        `its deletion vector deletes ${deleted.cardinality} rows but only ${deletedSeen} of them exist in the file's ${rowStart} rows`,
      )
    }
  }

  /** Resolves every read column against one file. */
  private sourcesFor(file: ScanFile, fileSchema: arrow.Schema, url: string): Source[] {
    try {
      return this.readFields.map((field, i) => this.sourceOf(field, i, file, fileSchema.fields))
    } catch (error) {
      if (error instanceof ColumnResolveError) throw new CorruptDataError(url, error.message)
      throw error
    }
  }

  private sourceOf(
    field: StructField,
    i: number,
    file: ScanFile,
    fileFields: readonly arrow.Field[],
  ): Source {
    // Partition values live only in the log (a copy in the file, when a writer keeps one, and
    // the directory name are both ignored).
    if (this.partitions.has(field.name)) {
      const value = file.partitionValues[field.name] ?? null
      const type = field.type as AtomicType
      return { kind: 'constant', make: (length) => constantData(type, value, length) }
    }
    const mode = this.table.columnMappingMode
    const index = matchField(field, fileFields, mode)
    if (index < 0) {
      const type = typeOf(this.readSchema.fields[i]!)
      return { kind: 'constant', make: (length) => nullData(type, length) }
    }
    const fileField = fileFields[index]!
    const convert = columnConverter(field.type, typeOf(fileField), mode, field.name)
    return { kind: 'file', name: fileField.name, convert }
  }

  /**
   * The file's batches with their row counts. When no column comes from the file (only
   * partition or missing columns, or none at all), no batch: just the counts, `batchSize` rows
   * at a time, from the footer.
   */
  private async *fileBatches(
    source: ParquetSource,
    projection: readonly string[],
    url: string,
  ): AsyncGenerator<{ batch: arrow.RecordBatch | undefined; length: number }> {
    // Paths as segments: a top-level name may itself contain dots (`a.b` is one column).
    const columns = projection.map((name) => [name])
    const leaves = source.leavesOf(projection)
    for (let group = 0; group < source.rowGroupRows.length; group++) {
      const rows = source.rowGroupRows[group]!
      if (projection.length === 0) {
        for (let at = 0; at < rows; at += this.batchSize) {
          yield { batch: undefined, length: Math.min(this.batchSize, rows - at) }
        }
        continue
      }
      if (rows === 0) continue
      // One row group's projected chunks at a time: that bounds memory for large files.
      const bytes = await source.rowGroup(group, leaves)
      const options = { columns, rowGroups: [group], batchSize: this.batchSize, path: url }
      for await (const batch of readParquetBatches(bytes, options)) {
        yield { batch, length: batch.numRows }
      }
    }
  }

  private column(
    source: Source,
    batch: arrow.RecordBatch | undefined,
    length: number,
    url: string,
    name: string,
  ): arrow.Data {
    if (source.kind === 'constant') return source.make(length)
    const index = batch!.schema.fields.findIndex((f) => f.name === source.name)
    if (index < 0) throw new CorruptDataError(url, `column ${name} vanished while decoding`)
    try {
      return source.convert(batch!.data.children[index]!)
    } catch (error) {
      if (error instanceof DeltaError) throw error
      throw new CorruptDataError(url, `column ${name}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  /**
   * Applies the deletion mask and the row filter, then drops the filter-only columns. The
   * filter sees every row (deleted ones too): evaluating it costs the same either way, and one
   * combined mask means the surviving rows are copied once.
   */
  private select(
    children: arrow.Data[],
    length: number,
    keep: Uint8Array | undefined,
  ): { batch: arrow.RecordBatch; kept: Int32Array | undefined } {
    const all = structData(this.readSchema, children, length)
    let mask = keep
    if (this.options.filter !== undefined) {
      const passed = this.options.filter.evaluate(new arrow.RecordBatch(this.readSchema, all))
      if (mask === undefined) mask = passed
      else for (let i = 0; i < length; i++) mask[i]! &= passed[i]!
    }
    let rows = children
    let count = length
    let kept: Int32Array | undefined
    // Only the output columns are taken: filter-only columns are dropped without copying.
    if (mask !== undefined) {
      const indices = maskToIndices(mask, length)
      if (indices.length < length) {
        rows = children.slice(0, this.fields.length).map((c) => takeRows(c, indices))
        count = indices.length
        kept = indices
      }
    }
    const batch = new arrow.RecordBatch(
      this.schema,
      structData(this.schema, rows.slice(0, this.fields.length), count),
    )
    return { batch, kept }
  }
}

const NO_INDEXES = new Float64Array(0)

/** Physical indexes of the rows kept from `[start, start + length)` (all when `kept` is undefined). */
function rowIndexesOf(start: number, length: number, kept: Int32Array | undefined): Float64Array {
  if (kept === undefined) return Float64Array.from({ length }, (_, i) => start + i)
  return Float64Array.from(kept, (i) => start + i)
}

function structData(
  schema: arrow.Schema,
  children: arrow.Data[],
  length: number,
): arrow.Data<arrow.Struct> {
  return arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children })
}

/** Rows of `[start, start + length)` that survive the deletion vector, and how many do. */
function keepMask(
  deleted: RowIndexSet,
  start: number,
  length: number,
): { mask: Uint8Array; count: number } {
  const mask = deleted.maskRange(start, length)
  let count = 0
  for (let i = 0; i < length; i++) {
    const kept = mask[i]! ^ 1
    mask[i] = kept
    count += kept
  }
  return { mask, count }
}

/** Reads one data file of `table` (see `DataReader.read`); for many files, share a `DataReader`. */
export function readDataFile(
  table: ReadableTable,
  file: ScanFile,
  options: DataReaderOptions & Signalled = {},
): AsyncGenerator<arrow.RecordBatch> {
  return new DataReader(table, options).read(file, options)
}
