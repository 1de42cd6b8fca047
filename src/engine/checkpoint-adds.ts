/**
 * Decoding the `add` column of checkpoint slices: into one `Add` per row (`decodeAdds`, for
 * readers that want actions), or into `AddColumns` for a snapshot load, which takes each
 * file's fields from the columns and keeps the stats as UTF-8 bytes until the files are read.
 */
import * as arrow from 'apache-arrow'
import type { Add, DeletionVectorDescriptor } from '../protocol/actions.js'
import { childOf, stringColumn, validColumn, validity } from './arrow-read.js'
import {
  bools,
  deletionVectors,
  maps,
  numbers,
  required,
  strings,
  type Column,
  type Mutable,
} from './checkpoint-fields.js'
import { statsParsedToJson } from './stats-parsed.js'

/** The add fields of a slice, one array per field, with `decodeAdds`'s null handling. */
interface AddFields {
  readonly valid: readonly boolean[]
  readonly path: Column<string>
  readonly partitionValues: Column<Record<string, string | null>>
  readonly size: Column<number>
  readonly modificationTime: Column<number>
  readonly dataChange: Column<boolean>
  readonly tags: Column<Record<string, string | null>>
  readonly deletionVector: (i: number) => DeletionVectorDescriptor | undefined
  readonly baseRowId: Column<number>
  readonly defaultRowCommitVersion: Column<number>
  readonly clusteringProvider: Column<string>
  /** Whether any row has one of the rarer fields (tags, DV, row tracking, clustering). */
  readonly anyRare: boolean
}

function addFields(data: arrow.Data, rowBase: number): AddFields {
  const some = (name: string): boolean => {
    const c = childOf(data, name)
    return c !== undefined && c.nullCount < c.length
  }
  return {
    valid: validColumn(data),
    path: strings(data, 'path', 'add'),
    partitionValues: maps(data, 'partitionValues', 'add'),
    size: numbers(data, 'size', 'add'),
    modificationTime: numbers(data, 'modificationTime', 'add'),
    dataChange: bools(data, 'dataChange', 'add'),
    tags: maps(data, 'tags', 'add'),
    deletionVector: deletionVectors(data, 'add', rowBase),
    baseRowId: numbers(data, 'baseRowId', 'add'),
    defaultRowCommitVersion: numbers(data, 'defaultRowCommitVersion', 'add'),
    clusteringProvider: strings(data, 'clusteringProvider', 'add'),
    anyRare: ['tags', 'deletionVector', 'baseRowId', 'defaultRowCommitVersion']
      .concat('clusteringProvider')
      .some(some),
  }
}

/** The stats JSON of each row: the `stats` column, or synthesized from `stats_parsed`. */
function statsColumn(data: arrow.Data): Column<string> {
  const parsed = childOf(data, 'stats_parsed')
  return childOf(data, 'stats') !== undefined
    ? strings(data, 'stats', 'add')
    : parsed === undefined
      ? undefined
      : statsParsedToJson(parsed)
}

/** The add of row `i` (which is valid), without its stats. */
function addAt(f: AddFields, i: number, row: number): Mutable<Add> {
  const add: Mutable<Add> = {
    path: required(f.path, i, 'add.path', row),
    // A null map would break every consumer; an unpartitioned table's empty map is the same.
    partitionValues: f.partitionValues?.[i] ?? {},
    size: required(f.size, i, 'add.size', row),
    modificationTime: required(f.modificationTime, i, 'add.modificationTime', row),
    // Checkpoint adds never change data; some writers leave the flag null.
    dataChange: f.dataChange?.[i] ?? false,
  }
  if (f.anyRare) Object.assign(add, rareAt(f, i))
  return add
}

/** The rarer fields of row `i` that are set. */
function rareAt(f: AddFields, i: number): Partial<Add> {
  const out: Mutable<Partial<Add>> = {}
  const t = f.tags?.[i]
  if (t !== null && t !== undefined) out.tags = t
  const d = f.deletionVector(i)
  if (d !== undefined) out.deletionVector = d
  const b = f.baseRowId?.[i]
  if (b !== null && b !== undefined) out.baseRowId = b
  const v = f.defaultRowCommitVersion?.[i]
  if (v !== null && v !== undefined) out.defaultRowCommitVersion = v
  const c = f.clusteringProvider?.[i]
  if (c !== null && c !== undefined) out.clusteringProvider = c
  return out
}

/** The add of each row of `data` (undefined where the row holds no add), stats included. */
export function decodeAdds(data: arrow.Data, rowBase: number): (Add | undefined)[] {
  const fields = addFields(data, rowBase)
  const stats = statsColumn(data)
  const out = new Array<Add | undefined>(data.length)
  for (let i = 0; i < data.length; i++) {
    if (!fields.valid[i]) continue
    const add = addAt(fields, i, rowBase + i)
    const s = stats?.[i]
    if (s !== null && s !== undefined) add.stats = s
    out[i] = add
  }
  return out
}

/**
 * The add rows of a slice of a checkpoint, decoded but for their stats: a snapshot load takes
 * each file's fields from these columns without building an `Add`, and keeps the stats JSON as
 * UTF-8 bytes (a compact copy of the slice's part of the column, so the Parquet batch it came
 * from is not kept alive) until a file of the chunk is first read (`pendingStats`). A snapshot
 * loaded for its metadata, counts, lookups or a commit never decodes a million stats strings.
 *
 * An error in the stats column (invalid UTF-8) surfaces from `pendingStats.decode()` as the same
 * CorruptLogError a full decode at load would have thrown; every other field is checked here.
 */
export class AddColumns {
  /** The row of each add within the slice, in order. */
  readonly rows: readonly number[]
  readonly paths: readonly string[]
  readonly sizes: readonly number[]
  readonly modificationTimes: readonly number[]
  /** Each add's deletion vector, when some add of the slice has one. */
  readonly deletionVectors: readonly (DeletionVectorDescriptor | undefined)[] | undefined
  private readonly fields: AddFields
  /** The stats column's rows of this slice, in buffers of their own; or the strings. */
  private readonly stats: arrow.Data | Column<string>

  constructor(
    data: arrow.Data,
    private readonly rowBase: number,
    /** Turns a decoding error into the reader's error (naming the file). */
    private readonly fail: (error: unknown) => Error,
  ) {
    const fields = addFields(data, rowBase)
    this.fields = fields
    const json = childOf(data, 'stats')
    // Stats in a Utf8 (or Binary) column are kept as bytes; any other form is decoded now.
    this.stats =
      json !== undefined && (json.type instanceof arrow.Utf8 || json.type instanceof arrow.Binary)
        ? detachStrings(json)
        : statsColumn(data)
    const { path, size, modificationTime } = fields
    const nulls = (c: Column<unknown>, name: string): number =>
      c === undefined ? data.length : childOf(data, name)!.nullCount
    if (
      data.nullCount === 0 &&
      nulls(path, 'path') + nulls(size, 'size') + nulls(modificationTime, 'modificationTime') === 0
    ) {
      // Every row an add with its required fields (a slice of a large checkpoint): the
      // columns are the arrays.
      this.rows = Array.from({ length: data.length }, (_, i) => i)
      this.paths = path as string[]
      this.sizes = size as number[]
      this.modificationTimes = modificationTime as number[]
    } else {
      const rows: number[] = []
      const paths: string[] = []
      const sizes: number[] = []
      const times: number[] = []
      for (let i = 0; i < data.length; i++) {
        if (!fields.valid[i]) continue
        const row = rowBase + i
        rows.push(i)
        paths.push(required(path, i, 'add.path', row))
        sizes.push(required(size, i, 'add.size', row))
        times.push(required(modificationTime, i, 'add.modificationTime', row))
      }
      this.rows = rows
      this.paths = paths
      this.sizes = sizes
      this.modificationTimes = times
    }
    const hasDvs = (childOf(data, 'deletionVector')?.nullCount ?? data.length) < data.length
    this.deletionVectors = hasDvs ? this.rows.map((i) => fields.deletionVector(i)) : undefined
  }

  /** Add `j`'s `dataChange` (false when null). */
  dataChangeAt(j: number): boolean {
    return this.fields.dataChange?.[this.rows[j]!] ?? false
  }

  /** Add `j`'s partition values (an empty map when null). */
  partitionValuesAt(j: number): Readonly<Record<string, string | null>> {
    return this.fields.partitionValues?.[this.rows[j]!] ?? {}
  }

  /** Add `j`'s tags, deletion vector, row tracking and clustering provider, if it has any. */
  rareAt(j: number): Partial<Add> | undefined {
    if (!this.fields.anyRare) return undefined
    const rare = rareAt(this.fields, this.rows[j]!)
    for (const _ in rare) return rare
    return undefined
  }

  /**
   * The stats of the adds, to be decoded later: all a snapshot keeps of this slice (the rest
   * of it, partition maps included, is garbage once the files are appended).
   */
  get pendingStats(): PendingStats | undefined {
    // No stats column (stats skipped, or none written): nothing to decode later.
    return this.stats === undefined ? undefined : new PendingStats(this.stats, this.rows, this.fail)
  }

  /** Every add of the slice, in order (the same objects a full decode gives). */
  decode(): Add[] {
    const stats = this.pendingStats?.decode()
    return this.rows.map((i, j) => {
      const add = addAt(this.fields, i, this.rowBase + i)
      const s = stats?.[j]
      if (s !== undefined) add.stats = s
      return add
    })
  }
}

/** The stats of a slice's adds, kept as UTF-8 bytes until `decode()` (see `AddColumns`). */
export class PendingStats {
  constructor(
    private readonly stats: arrow.Data | Column<string>,
    private readonly rows: readonly number[],
    private readonly fail: (error: unknown) => Error,
  ) {}

  /** The stats JSON of each add, in order (undefined for none). */
  decode(): (string | undefined)[] {
    let column: Column<string>
    try {
      column = isData(this.stats) ? stringColumn(this.stats, 'add.stats') : this.stats
    } catch (error) {
      throw this.fail(error)
    }
    return this.rows.map((i) => column?.[i] ?? undefined)
  }
}

function isData(value: unknown): value is arrow.Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A string column's rows as a Data with buffers of its own (the offsets rebased, the bytes and
 * validity copied): a slice of a column otherwise keeps its whole record batch in memory.
 */
function detachStrings(data: arrow.Data): arrow.Data {
  const n = data.length
  // A slice's offsets start at its first row (its bitmap, though, at `data.offset`).
  const source = data.valueOffsets as Int32Array
  const first = source[0]!
  const offsets = new Int32Array(n + 1)
  for (let i = 0; i <= n; i++) offsets[i] = source[i]! - first
  const bytes = (data.values as Uint8Array).slice(first, first + offsets[n]!)
  const valid = validity(data)
  let nullBitmap: Uint8Array | undefined
  if (data.nullCount > 0) {
    nullBitmap = new Uint8Array((n + 7) >> 3)
    for (let i = 0; i < n; i++) if (valid(i)) nullBitmap[i >> 3]! |= 1 << (i & 7)
  }
  return arrow.makeData({
    type: new arrow.Utf8(),
    length: n,
    nullCount: data.nullCount,
    nullBitmap,
    valueOffsets: offsets,
    data: bytes,
  })
}
