/**
 * Scan planning: the live files of a snapshot as `ScanFile`s, minus the files a filter rules out
 * (partition pruning and stats skipping, `skipping.ts`).
 *
 * Correctness rests on the snapshot: `snapshot.files()` is the result of full replay, already
 * deduplicated on (path, deletion vector), so skipping never sees a superseded Add and can never
 * resurrect one (kernel-rs#2945: skipping before dedup did). The planned files are therefore a
 * subset of the live files, and a file is only dropped when no row of it can match.
 *
 * Built for tables with a million files:
 * - `planScan` returns a lazy iterator (one `ScanFile` at a time; spread it for an array), and
 *   checks the filter eagerly so a bad filter fails at the call, not at the first `next()`;
 * - statistics are parsed at most once per file, on first use: by the filter when it reads data
 *   columns, else only if the caller reads `stats` or `numRecords` (a partition-only filter never
 *   parses a stats string);
 * - partition values are typed once per distinct partition (the snapshot interns identical
 *   partition-value maps), and a partition-only filter is decided once per partition.
 */
import { CorruptLogError, InvalidArgumentError } from '../errors.js'
import type { Add } from '../protocol/actions.js'
import { type ColumnMappingMode, physicalName } from '../protocol/column-mapping.js'
import { decodeLogPath, isPlainRelativePath, keyWithinRoot } from '../protocol/file-paths.js'
import { type PartitionValue, parsePartitionValue } from '../protocol/partition-values.js'
import { findField, type StructType } from '../protocol/schema.js'
import { type FileStats, parseStats } from '../protocol/stats.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { Expression } from './expression.js'
import { bindPredicate } from './predicate-bind.js'
import { parsePredicate } from './predicate-parser.js'
import type { ScanFile } from './scan-file.js'
import { type FileFacts, type FileFilter, compileFileFilter } from './skipping.js'

export interface PlanScanOptions {
  /**
   * Keep only files that may hold rows for which this predicate is TRUE. Text is parsed with
   * `parsePredicate` against the snapshot's schema; an Expression is bound to it.
   */
  readonly filter?: Expression | string | undefined
}

/**
 * The filter as a predicate bound to the snapshot's schema (parsed first when it is text), or
 * undefined for no filter. Readers use it to filter rows with exactly the predicate that planned
 * the files. Throws `InvalidArgumentError` subclasses for bad filters.
 */
export function resolveFilter(
  snapshot: Snapshot,
  filter: Expression | string | undefined,
): Expression | undefined {
  if (filter === undefined) return undefined
  const schema = snapshot.schema
  return bindPredicate(typeof filter === 'string' ? parsePredicate(filter, schema) : filter, schema)
}

/**
 * The files to read for a scan of `snapshot`: every live file the filter cannot rule out, in
 * the snapshot's file order, lazily. Throws (eagerly) `InvalidArgumentError` subclasses for a
 * bad filter; while iterating, `CorruptLogError` for a partition value that does not parse.
 */
export function planScan(
  snapshot: Snapshot,
  options: PlanScanOptions = {},
): IterableIterator<ScanFile> {
  const predicate = resolveFilter(snapshot, options.filter)
  const filter =
    predicate === undefined
      ? undefined
      : compileFileFilter(predicate, {
          schema: snapshot.schema,
          partitionColumns: snapshot.partitionColumns,
          columnMappingMode: snapshot.columnMappingMode,
        })
  const typer = partitionTyper(snapshot)
  return plannedFiles(snapshot, filter, typer)
}

/** The table facts needed to turn Add actions into ScanFiles. */
export interface FileTable {
  readonly tableUrl: string
  readonly schema: StructType
  readonly partitionColumns: readonly string[]
  readonly columnMappingMode: ColumnMappingMode
}

/**
 * ScanFiles for given Add actions (for readers of files chosen elsewhere: a stream's
 * micro-batch, a change feed's version), with no filtering.
 */
export function scanFilesOf(table: FileTable, adds: Iterable<Add>): ScanFile[] {
  const typer = partitionTyper(table)
  return [...adds].map((add) => scanFile(add, typer(add), table.tableUrl, null))
}

function* plannedFiles(
  snapshot: Snapshot,
  filter: FileFilter | undefined,
  typer: (add: Add) => Readonly<Record<string, PartitionValue>>,
): Generator<ScanFile, void, undefined> {
  if (filter?.constant === 'false') return
  const active = filter?.constant === 'true' ? undefined : filter
  // A filter that reads no statistics gives one answer per partition: remember it by the
  // (interned) partition-value map of the Add.
  const byPartition =
    active !== undefined && !active.usesStats ? new WeakMap<object, boolean>() : undefined
  // Files are judged on a reused, lazily parsing view; a ScanFile is only built for the files
  // that are kept (a selective filter rules out most files, and they then cost one parse).
  const facts = new LazyFacts()
  for (const add of snapshot.files()) {
    if (byPartition !== undefined) {
      let keep = byPartition.get(add.partitionValues)
      if (keep === undefined) {
        keep = active!.mayMatch({ partitionValues: typer(add), stats: undefined })
        byPartition.set(add.partitionValues, keep)
      }
      if (keep) yield scanFile(add, typer(add), snapshot.tableUrl, null)
      continue
    }
    if (active === undefined) {
      yield scanFile(add, typer(add), snapshot.tableUrl, null)
      continue
    }
    facts.reset(add, typer(add))
    if (active.mayMatch(facts))
      yield scanFile(add, facts.partitionValues, snapshot.tableUrl, facts.parsed)
  }
}

/** The facts of one Add for the filter, parsing its stats on first read (at most once). */
class LazyFacts implements FileFacts {
  partitionValues: Readonly<Record<string, PartitionValue>> = {}
  /** `null` until parsed. */
  parsed: FileStats | undefined | null = null
  private add: Add | undefined

  reset(add: Add, partitionValues: Readonly<Record<string, PartitionValue>>): void {
    this.add = add
    this.partitionValues = partitionValues
    this.parsed = null
  }

  get stats(): FileStats | undefined {
    if (this.parsed === null) this.parsed = parseStatsLeniently(this.add?.stats)
    return this.parsed
  }
}

/**
 * A function that types an Add's partition values by logical name, memoised per distinct
 * partition-value map. Under column mapping the map is keyed by physical names.
 */
function partitionTyper(
  snapshot: Omit<FileTable, 'tableUrl'>,
): (add: Add) => Readonly<Record<string, PartitionValue>> {
  const mode = snapshot.columnMappingMode
  const columns = snapshot.partitionColumns.map((name) => {
    const field =
      findField(snapshot.schema, [name]) ??
      findField(snapshot.schema, [name], { caseInsensitive: true })
    if (field === undefined) {
      throw new CorruptLogError(`partition column ${name} is not a column of the table schema`)
    }
    const type = field.type
    if (type.type === 'struct' || type.type === 'array' || type.type === 'map') {
      throw new CorruptLogError(`partition column ${name} has the non-atomic type ${type.type}`)
    }
    return { name, physical: physicalName(field, mode), type }
  })
  const cache = new WeakMap<object, Readonly<Record<string, PartitionValue>>>()
  const empty: Readonly<Record<string, PartitionValue>> = Object.freeze({})
  return (add) => {
    if (columns.length === 0) return empty
    const raw = add.partitionValues
    let typed = cache.get(raw)
    if (typed !== undefined) return typed
    const out: Record<string, PartitionValue> = {}
    for (const c of columns) {
      // Physical name per spec; the logical name tolerates writers that ignored the mapping.
      const text = Object.hasOwn(raw, c.physical) ? raw[c.physical] : raw[c.name]
      try {
        out[c.name] = parsePartitionValue(text, c.type)
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error
        throw new CorruptLogError(
          `file ${add.path} has partition value ${JSON.stringify(text)} for column ${c.name}, ` +
            `which is not a valid ${c.type.type}`,
        )
      }
    }
    typed = Object.freeze(out)
    cache.set(raw, typed)
    return typed
  }
}

/** Where the data file is: a key under the table root when it lies there, else a URI. */
function locate(path: string, tableUrl: string): ScanFile['location'] {
  // Nearly every path is a plain relative key: skip the split-and-join of a full decode.
  if (isPlainRelativePath(path)) return { kind: 'key', key: path }
  const target = decodeLogPath(path)
  if (target.kind === 'relative') return { kind: 'key', key: target.key }
  if (target.kind === 'absolute') {
    const key = keyWithinRoot(target, tableUrl)
    return key === undefined ? { kind: 'uri', uri: target.uri } : { kind: 'key', key }
  }
  // `../x/f.parquet` climbs out of the table: resolve it as a URI reference against the root.
  return { kind: 'uri', uri: new URL(path, tableUrl).href }
}

/**
 * Stats text to FileStats. Statistics are optional in the protocol and only ever narrow a scan,
 * so a malformed stats string is treated like none (the file is read) rather than failing it.
 */
function parseStatsLeniently(text: string | undefined): FileStats | undefined {
  if (text === undefined) return undefined
  try {
    return parseStats(text)
  } catch {
    return undefined
  }
}

/** A ScanFile; `parsed` is the already parsed stats, or `null` to parse them on first read. */
function scanFile(
  add: Add,
  partitionValues: Readonly<Record<string, PartitionValue>>,
  tableUrl: string,
  parsed: FileStats | undefined | null,
): ScanFile {
  const dv = add.deletionVector
  // `null` until parsed; own enumerable getters, so `{ ...file }` copies the values. The
  // state lives in the getters' shared scope: no other closure or object per file.
  let stats = parsed
  const file: ScanFile = {
    location: locate(add.path, tableUrl),
    logPath: add.path,
    size: add.size,
    modificationTime: add.modificationTime,
    partitionValues,
    get stats() {
      return stats === null ? (stats = parseStatsLeniently(add.stats)) : stats
    },
    deletionVector: dv,
    get numRecords() {
      if (stats === null) stats = parseStatsLeniently(add.stats)
      const physical = stats?.numRecords
      if (physical === undefined) return undefined
      return dv === undefined ? physical : Math.max(0, physical - dv.cardinality)
    },
  }
  // Row tracking fields are rare: add them only when present (a spread in the literal above
  // would cost a runtime call for every file).
  if (add.baseRowId === undefined && add.defaultRowCommitVersion === undefined) return file
  return Object.assign(
    file,
    add.baseRowId === undefined ? {} : { baseRowId: add.baseRowId },
    add.defaultRowCommitVersion === undefined
      ? {}
      : { defaultRowCommitVersion: add.defaultRowCommitVersion },
  )
}
