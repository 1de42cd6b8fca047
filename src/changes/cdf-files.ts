/**
 * Change files as `ScanFile`s the scan's `DataReader` can read: location, size, typed partition
 * values and deletion vector, for adds, removes and `cdc` files alike.
 *
 * Partition values are typed with the schema the feed is read in, by logical column name, from
 * the action's map keyed by physical name (PROTOCOL.md "Column Mapping"; the logical name is
 * accepted too, for writers that ignored the mapping, as the scan planner does).
 *
 * A remove's `partitionValues` and `size` are optional in the protocol (present when
 * `extendedFileMetadata` is true). Every writer that records change data also writes them
 * (Spark since Delta 1.0, long before CDF), so a remove of a partitioned table without them
 * is a `CorruptLogError`: reading its rows with null partition values would return wrong data.
 * A missing size only costs a whole-file read (the reader falls back to one when the size it is
 * given does not match the file).
 */
import { CorruptLogError, InvalidArgumentError } from '../errors.js'
import type { Add, AddCdcFile, Remove } from '../protocol/actions.js'
import { physicalName } from '../protocol/column-mapping.js'
import { decodeLogPath, keyWithinRoot } from '../protocol/file-paths.js'
import { type PartitionValue, parsePartitionValue } from '../protocol/partition-values.js'
import { type AtomicType, findField } from '../protocol/schema.js'
import type { ReadableTable } from '../scan/data-reader.js'
import type { ScanFile } from '../scan/scan-file.js'

type RawPartitionValues = Readonly<Record<string, string | null>>
type TypedPartitionValues = Readonly<Record<string, PartitionValue>>

interface PartitionColumn {
  readonly name: string
  readonly physical: string
  readonly type: AtomicType
}

/** Builds the scan files of one table's change files. */
export class ChangeScanFiles {
  private readonly columns: readonly PartitionColumn[]
  private readonly tableUrl: string

  constructor(table: ReadableTable) {
    this.tableUrl = table.tableUrl.endsWith('/') ? table.tableUrl : `${table.tableUrl}/`
    this.columns = table.partitionColumns.map((name) => {
      const field =
        findField(table.schema, [name]) ??
        findField(table.schema, [name], { caseInsensitive: true })
      if (field === undefined) {
        throw new CorruptLogError(`partition column ${name} is not a column of the table schema`)
      }
      const type = field.type
      if (type.type === 'struct' || type.type === 'array' || type.type === 'map') {
        throw new CorruptLogError(`partition column ${name} has the non-atomic type ${type.type}`)
      }
      return { name, physical: physicalName(field, table.columnMappingMode), type }
    })
  }

  /** An added file, as the add describes it (its deletion vector included). */
  ofAdd(add: Add, version: number): ScanFile {
    return this.scanFile(add.path, add.size, add.modificationTime, add.partitionValues, version, {
      dv: add.deletionVector,
    })
  }

  /** A removed file with the deletion vector it had: the rows it showed until removed. */
  ofRemove(remove: Remove, version: number): ScanFile {
    const values = remove.partitionValues
    if (values === undefined && this.columns.length > 0) {
      throw new CorruptLogError(
        `version ${version} removes ${remove.path} without its partitionValues, so the partition ` +
          `columns of its deleted rows are unknown`,
      )
    }
    // Size 0 when unknown: the reader then fetches the file whole instead of by ranges.
    return this.scanFile(
      remove.path,
      remove.size ?? 0,
      remove.deletionTimestamp ?? 0,
      values ?? {},
      version,
      { dv: remove.deletionVector },
    )
  }

  /**
   * A change data file. It never has a deletion vector, and its partition values are the
   * table's (Spark writes it under `_change_data/<partition dirs>/`, but the log is the truth).
   */
  ofCdc(cdc: AddCdcFile, version: number): ScanFile {
    return this.scanFile(cdc.path, cdc.size, 0, cdc.partitionValues, version, { dv: undefined })
  }

  private scanFile(
    path: string,
    size: number,
    modificationTime: number,
    raw: RawPartitionValues,
    version: number,
    extra: { readonly dv: ScanFile['deletionVector'] },
  ): ScanFile {
    return {
      location: this.locate(path),
      logPath: path,
      size,
      modificationTime,
      partitionValues: this.typed(raw, path, version),
      stats: undefined,
      deletionVector: extra.dv,
      numRecords: undefined,
    }
  }

  private typed(raw: RawPartitionValues, path: string, version: number): TypedPartitionValues {
    const out: Record<string, PartitionValue> = {}
    for (const c of this.columns) {
      const text = Object.hasOwn(raw, c.physical) ? raw[c.physical] : raw[c.name]
      try {
        out[c.name] = parsePartitionValue(text, c.type)
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error
        throw new CorruptLogError(
          `version ${version} has partition value ${JSON.stringify(text)} for column ${c.name} ` +
            `of ${path}, which is not a valid ${c.type.type}`,
        )
      }
    }
    return out
  }

  /** A key under the table root when the file lies there, else an absolute URI. */
  private locate(path: string): ScanFile['location'] {
    const target = decodeLogPath(path)
    if (target.kind === 'relative') return { kind: 'key', key: target.key }
    if (target.kind === 'absolute') {
      const key = keyWithinRoot(target, this.tableUrl)
      return key === undefined ? { kind: 'uri', uri: target.uri } : { kind: 'key', key }
    }
    // `../x/f.parquet` climbs out of the table: resolve it as a URI reference against the root.
    return { kind: 'uri', uri: new URL(path, this.tableUrl).href }
  }
}
