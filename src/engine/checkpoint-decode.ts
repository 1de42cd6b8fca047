/**
 * Decoding checkpoint record batches into actions, column by column from the Arrow buffers
 * (see `arrow-read.ts`): a batch's columns are each read once into plain arrays, then one
 * object per row is assembled from them. Column arrays are read only for the action kinds
 * present in the batch; a top-level column whose rows are all null costs nothing.
 *
 * Null handling follows the protocol parser for JSON commits: optional fields that are null are
 * left out; required fields that are null are an error (`Corrupt`, turned into a
 * CorruptLogError by the reader); a few fields take the default every implementation applies
 * (noted where it happens).
 */
import * as arrow from 'apache-arrow'
import type {
  Add,
  AddAction,
  CheckpointMetadataAction,
  DeletionVectorDescriptor,
  DomainMetadataAction,
  MetadataAction,
  ProtocolAction,
  Remove,
  RemoveAction,
  SidecarAction,
  TxnAction,
} from '../protocol/actions.js'
import {
  boolColumn,
  childOf,
  numberColumn,
  stringColumn,
  stringListColumn,
  stringMapColumn,
  validColumn,
  validity,
} from './arrow-read.js'
import { statsParsedToJson } from './stats-parsed.js'

/** The actions a checkpoint can hold. */
export type CheckpointAction =
  | AddAction
  | RemoveAction
  | MetadataAction
  | ProtocolAction
  | TxnAction
  | DomainMetadataAction
  | SidecarAction
  | CheckpointMetadataAction

export type CheckpointActionName =
  | 'txn'
  | 'add'
  | 'remove'
  | 'metaData'
  | 'protocol'
  | 'domainMetadata'
  | 'checkpointMetadata'
  | 'sidecar'

const EMPTY_SCHEMA = '{"type":"struct","fields":[]}'

/** Thrown by the decoders; the reader turns it into a CorruptLogError naming the file. */
export class Corrupt extends Error {
  override readonly name = 'Corrupt'
}

// ---------------------------------------------------------------------------------------------
// Column access with the null handling of each field kind

type Column<T> = readonly (T | null)[] | undefined

function strings(parent: arrow.Data, name: string, prefix: string): Column<string> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : stringColumn(c, `${prefix}.${name}`)
}
function numbers(parent: arrow.Data, name: string, prefix: string): Column<number> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : numberColumn(c, `${prefix}.${name}`)
}
function bools(parent: arrow.Data, name: string, prefix: string): Column<boolean> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : boolColumn(c, `${prefix}.${name}`)
}
function maps(
  parent: arrow.Data,
  name: string,
  prefix: string,
): Column<Record<string, string | null>> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : stringMapColumn(c, `${prefix}.${name}`)
}
function lists(parent: arrow.Data, name: string, prefix: string): Column<string[]> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : stringListColumn(c, `${prefix}.${name}`)
}

function required<T>(column: Column<T>, i: number, what: string, row: number): T {
  const v = column?.[i]
  if (v === null || v === undefined) throw new Corrupt(`${what} is missing in row ${row}`)
  return v
}

/** `Record<string, string>` from a map whose values may be null (null values are dropped). */
function nonNullValues(map: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key in map) {
    const v = map[key]
    if (v !== null && v !== undefined) {
      if (key === '__proto__')
        Object.defineProperty(out, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      else out[key] = v
    }
  }
  return out
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Deletion vector descriptors of a `deletionVector` struct column. */
function deletionVectors(
  parent: arrow.Data,
  prefix: string,
  rowBase: number,
): (i: number) => DeletionVectorDescriptor | undefined {
  const dv = childOf(parent, 'deletionVector')
  if (dv === undefined || dv.nullCount === dv.length) return () => undefined
  const p = `${prefix}.deletionVector`
  const valid = validColumn(dv)
  const storageType = strings(dv, 'storageType', p)
  const pathOrInlineDv = strings(dv, 'pathOrInlineDv', p)
  const offset = numbers(dv, 'offset', p)
  const sizeInBytes = numbers(dv, 'sizeInBytes', p)
  const cardinality = numbers(dv, 'cardinality', p)
  const maxRowIndex = numbers(dv, 'maxRowIndex', p)
  return (i) => {
    if (!valid[i]) return undefined
    const row = rowBase + i
    const type = required(storageType, i, `${p}.storageType`, row)
    if (type !== 'u' && type !== 'i' && type !== 'p')
      throw new Corrupt(`${p}.storageType is "${type}" in row ${row}`)
    const out: Mutable<DeletionVectorDescriptor> = {
      storageType: type,
      pathOrInlineDv: required(pathOrInlineDv, i, `${p}.pathOrInlineDv`, row),
      sizeInBytes: required(sizeInBytes, i, `${p}.sizeInBytes`, row),
      cardinality: required(cardinality, i, `${p}.cardinality`, row),
    }
    const o = offset?.[i]
    if (o !== null && o !== undefined) out.offset = o
    const m = maxRowIndex?.[i]
    if (m !== null && m !== undefined) out.maxRowIndex = m
    return out
  }
}

type Slots = (CheckpointAction | undefined)[]

function place(slots: Slots, i: number, action: CheckpointAction, rowBase: number): void {
  if (slots[i] !== undefined) throw new Corrupt(`row ${rowBase + i} holds more than one action`)
  slots[i] = action
}

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

function decodeAdds(data: arrow.Data, slots: Slots, rowBase: number): void {
  const fields = addFields(data, rowBase)
  const stats = statsColumn(data)
  for (let i = 0; i < data.length; i++) {
    if (!fields.valid[i]) continue
    const add = addAt(fields, i, rowBase + i)
    const s = stats?.[i]
    if (s !== null && s !== undefined) add.stats = s
    place(slots, i, { add }, rowBase)
  }
}

function decodeRemoves(data: arrow.Data, slots: Slots, rowBase: number): void {
  const valid = validColumn(data)
  const path = strings(data, 'path', 'remove')
  const deletionTimestamp = numbers(data, 'deletionTimestamp', 'remove')
  const dataChange = bools(data, 'dataChange', 'remove')
  const extended = bools(data, 'extendedFileMetadata', 'remove')
  const partitionValues = maps(data, 'partitionValues', 'remove')
  const size = numbers(data, 'size', 'remove')
  const stats = strings(data, 'stats', 'remove')
  const tags = maps(data, 'tags', 'remove')
  const dv = deletionVectors(data, 'remove', rowBase)
  const baseRowId = numbers(data, 'baseRowId', 'remove')
  const defaultRowCommitVersion = numbers(data, 'defaultRowCommitVersion', 'remove')
  for (let i = 0; i < data.length; i++) {
    if (!valid[i]) continue
    const remove: Mutable<Remove> = {
      path: required(path, i, 'remove.path', rowBase + i),
      dataChange: dataChange?.[i] ?? false,
    }
    const ts = deletionTimestamp?.[i]
    if (ts !== null && ts !== undefined) remove.deletionTimestamp = ts
    const e = extended?.[i]
    if (e !== null && e !== undefined) remove.extendedFileMetadata = e
    const pv = partitionValues?.[i]
    if (pv !== null && pv !== undefined) remove.partitionValues = pv
    const sz = size?.[i]
    if (sz !== null && sz !== undefined) remove.size = sz
    const st = stats?.[i]
    if (st !== null && st !== undefined) remove.stats = st
    const t = tags?.[i]
    if (t !== null && t !== undefined) remove.tags = t
    const d = dv(i)
    if (d !== undefined) remove.deletionVector = d
    const b = baseRowId?.[i]
    if (b !== null && b !== undefined) remove.baseRowId = b
    const v = defaultRowCommitVersion?.[i]
    if (v !== null && v !== undefined) remove.defaultRowCommitVersion = v
    // Key order as in the Remove type (deletionTimestamp after path) is not significant.
    place(slots, i, { remove }, rowBase)
  }
}

/** Decoders of the small actions: rows are few, so clarity over speed. */
function decodeOthers(
  name: CheckpointActionName,
  data: arrow.Data,
  slots: Slots,
  rowBase: number,
): void {
  const valid = validColumn(data)
  if (!valid.includes(true)) return
  const at = (i: number): number => rowBase + i
  switch (name) {
    case 'metaData': {
      const id = strings(data, 'id', name)
      const mdName = strings(data, 'name', name)
      const description = strings(data, 'description', name)
      const format = childOf(data, 'format')
      const formatValid = format === undefined ? undefined : validColumn(format)
      const provider =
        format === undefined ? undefined : strings(format, 'provider', 'metaData.format')
      const options = format === undefined ? undefined : maps(format, 'options', 'metaData.format')
      const schemaString = strings(data, 'schemaString', name)
      const partitionColumns = lists(data, 'partitionColumns', name)
      const configuration = maps(data, 'configuration', name)
      const createdTime = numbers(data, 'createdTime', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const hasFormat = formatValid?.[i] === true
        const metaData: Mutable<MetadataAction['metaData']> = {
          id: required(id, i, 'metaData.id', at(i)),
          // Spark always writes a format; `parquet` is the only provider the protocol knows.
          format: {
            provider: (hasFormat ? provider?.[i] : null) ?? 'parquet',
            options: nonNullValues((hasFormat ? options?.[i] : null) ?? {}),
          },
          // Spark's Metadata defaults schemaString to null for a table created without columns
          // (real checkpoints of Spark 2.4/3.0 hold one); Spark reads that as the empty schema.
          schemaString: schemaString?.[i] ?? EMPTY_SCHEMA,
          partitionColumns: partitionColumns?.[i] ?? [],
          configuration: nonNullValues(configuration?.[i] ?? {}),
        }
        const n = mdName?.[i]
        if (n !== null && n !== undefined) metaData.name = n
        const d = description?.[i]
        if (d !== null && d !== undefined) metaData.description = d
        const c = createdTime?.[i]
        if (c !== null && c !== undefined) metaData.createdTime = c
        place(slots, i, { metaData }, rowBase)
      }
      return
    }
    case 'protocol': {
      const reader = numbers(data, 'minReaderVersion', name)
      const writer = numbers(data, 'minWriterVersion', name)
      const readerFeatures = lists(data, 'readerFeatures', name)
      const writerFeatures = lists(data, 'writerFeatures', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const protocol: Mutable<ProtocolAction['protocol']> = {
          minReaderVersion: required(reader, i, 'protocol.minReaderVersion', at(i)),
          minWriterVersion: required(writer, i, 'protocol.minWriterVersion', at(i)),
        }
        const rf = readerFeatures?.[i]
        if (rf !== null && rf !== undefined) protocol.readerFeatures = rf
        const wf = writerFeatures?.[i]
        if (wf !== null && wf !== undefined) protocol.writerFeatures = wf
        place(slots, i, { protocol }, rowBase)
      }
      return
    }
    case 'txn': {
      const appId = strings(data, 'appId', name)
      const version = numbers(data, 'version', name)
      const lastUpdated = numbers(data, 'lastUpdated', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const txn: Mutable<TxnAction['txn']> = {
          appId: required(appId, i, 'txn.appId', at(i)),
          version: required(version, i, 'txn.version', at(i)),
        }
        const l = lastUpdated?.[i]
        if (l !== null && l !== undefined) txn.lastUpdated = l
        place(slots, i, { txn }, rowBase)
      }
      return
    }
    case 'domainMetadata': {
      const domain = strings(data, 'domain', name)
      const configuration = strings(data, 'configuration', name)
      const removed = bools(data, 'removed', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const domainMetadata = {
          domain: required(domain, i, 'domainMetadata.domain', at(i)),
          configuration: required(configuration, i, 'domainMetadata.configuration', at(i)),
          removed: removed?.[i] ?? false,
        }
        place(slots, i, { domainMetadata }, rowBase)
      }
      return
    }
    case 'sidecar': {
      const path = strings(data, 'path', name)
      const sizeInBytes = numbers(data, 'sizeInBytes', name)
      const modificationTime = numbers(data, 'modificationTime', name)
      const tags = maps(data, 'tags', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const sidecar: Mutable<SidecarAction['sidecar']> = {
          path: required(path, i, 'sidecar.path', at(i)),
          sizeInBytes: required(sizeInBytes, i, 'sidecar.sizeInBytes', at(i)),
          modificationTime: required(modificationTime, i, 'sidecar.modificationTime', at(i)),
        }
        const t = tags?.[i]
        if (t !== null && t !== undefined) sidecar.tags = t
        place(slots, i, { sidecar }, rowBase)
      }
      return
    }
    case 'checkpointMetadata': {
      const version = numbers(data, 'version', name)
      const tags = maps(data, 'tags', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const checkpointMetadata: Mutable<CheckpointMetadataAction['checkpointMetadata']> = {
          version: required(version, i, 'checkpointMetadata.version', at(i)),
        }
        const t = tags?.[i]
        if (t !== null && t !== undefined) checkpointMetadata.tags = t
        place(slots, i, { checkpointMetadata }, rowBase)
      }
      return
    }
    case 'add':
    case 'remove':
      return
  }
}

export function decodeBatch(
  batch: arrow.RecordBatch,
  start: number,
  length: number,
  rowBase: number,
): CheckpointAction[] {
  return decodeSlice(batch, start, length, rowBase, false).actions
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

/** A slice decoded with its adds left in their columns (see `AddColumns`). */
export interface CheckpointSlice {
  /** The slice's actions other than adds, in row order. */
  readonly actions: CheckpointAction[]
  /** Its adds, when it has any. */
  readonly adds: AddColumns | undefined
}

export function decodeBatchColumns(
  batch: arrow.RecordBatch,
  start: number,
  length: number,
  rowBase: number,
  fail: (error: unknown) => Error,
): CheckpointSlice {
  return decodeSlice(batch, start, length, rowBase, fail)
}

function decodeSlice(
  batch: arrow.RecordBatch,
  start: number,
  length: number,
  rowBase: number,
  addColumns: false | ((error: unknown) => Error),
): CheckpointSlice {
  const slots: Slots = new Array<CheckpointAction | undefined>(length)
  let adds: arrow.Data | undefined
  batch.schema.fields.forEach((field, k) => {
    const data = batch.data.children[k]!.slice(start, length)
    // A column whose every row is null (e.g. `remove` in a batch of adds) costs nothing.
    if (data.nullCount === data.length) return
    const name = field.name as CheckpointActionName
    if (name === 'add') {
      if (addColumns === false) decodeAdds(data, slots, rowBase)
      else adds = data
    } else if (name === 'remove') decodeRemoves(data, slots, rowBase)
    else decodeOthers(name, data, slots, rowBase)
  })
  const actions: CheckpointAction[] = []
  for (const action of slots) if (action !== undefined) actions.push(action)
  if (adds === undefined || addColumns === false) return { actions, adds: undefined }
  const columns = new AddColumns(adds, rowBase, addColumns)
  if (actions.length > 0) {
    for (const i of columns.rows) {
      if (slots[i] !== undefined) throw new Corrupt(`row ${rowBase + i} holds more than one action`)
    }
  }
  return { actions, adds: columns }
}
