/**
 * The Arrow schema of a Delta checkpoint, laid out exactly as Spark (Delta 3.x/4.x) writes it:
 * same column order, names, Parquet physical types, and every field nullable. See
 * PROTOCOL.md "Checkpoint Schema" and Spark's `Checkpoints.writeCheckpoint`/`buildCheckpoint`:
 *
 * - classic and multi-part checkpoints: `txn, add, remove, metaData, protocol, domainMetadata`;
 * - V2 top-level Parquet: the same plus `checkpointMetadata, sidecar`;
 * - V2 sidecars: `add, remove` only.
 * - `add` is rebuilt by Spark with `stats` (then `partitionValues_parsed`, `stats_parsed`) moved
 *   to the end; `remove` drops `tags` and `stats`.
 *
 * Maps are written the way parquet-mr does (`repeated group key_value { required key; optional
 * value }`) rather than arrow's `entries`: apache-arrow renames the entries field of every
 * `Map_` it constructs (ARROW-8716), so `stringMap()` renames it back after construction; arrow-rs
 * (inside parquet-wasm) writes whatever name the field carries.
 *
 * Stats and partition types are given in a minimal local form (`DeltaPrimitive`), so this file
 * does not depend on `protocol/schema.ts`; the caller maps a table schema to it, with physical
 * (column-mapped) names.
 */
import * as arrow from 'apache-arrow'
import { InvalidArgumentError } from '../errors.js'

export type CheckpointLayout = 'classic' | 'v2' | 'sidecar'

/** Delta primitive type names as they appear in `schemaString`. */
export type DeltaPrimitive =
  | 'string'
  | 'long'
  | 'integer'
  | 'short'
  | 'byte'
  | 'float'
  | 'double'
  | 'boolean'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamp_ntz'
  | `decimal(${number},${number})`

/**
 * A column of the table for `stats_parsed`: a primitive, a struct of columns, or `'other'`
 * (array, map, variant: only a null count is kept for those).
 */
export interface StatsColumn {
  /** Physical name (the column-mapping name when column mapping is on). */
  readonly name: string
  readonly type: DeltaPrimitive | 'other' | { readonly fields: readonly StatsColumn[] }
}

export interface PartitionColumn {
  /** Physical name: the key used in `partitionValues`. */
  readonly name: string
  readonly type: DeltaPrimitive
}

export interface StatsParsedSchema {
  /** The columns stats are collected for (Spark: the first 32, or `dataSkippingStatsColumns`). */
  readonly columns: readonly StatsColumn[]
  /** Adds `tightBounds` (Spark does when deletion vectors are supported). */
  readonly tightBounds?: boolean
}

export interface CheckpointSchemaOptions {
  /** Default `'classic'`. */
  readonly layout?: CheckpointLayout
  /** Write `add.stats` (JSON). Default true: `delta.checkpoint.writeStatsAsJson`. */
  readonly statsAsJson?: boolean
  /** Write `add.stats_parsed` with this schema: `delta.checkpoint.writeStatsAsStruct`. */
  readonly statsParsed?: StatsParsedSchema
  /** Write `add.partitionValues_parsed` with these columns (Spark does with stats_parsed). */
  readonly partitionValuesParsed?: readonly PartitionColumn[]
}

const nullable = (name: string, type: arrow.DataType): arrow.Field =>
  new arrow.Field(name, type, true)

/** `map<string, string>` with Spark's Parquet layout: `key_value { required key, optional value }`. */
export function stringMap(): arrow.Map_<arrow.Utf8, arrow.Utf8> {
  const entries = new arrow.Field<arrow.Struct<{ key: arrow.Utf8; value: arrow.Utf8 }>>(
    'key_value',
    new arrow.Struct<{ key: arrow.Utf8; value: arrow.Utf8 }>([
      new arrow.Field('key', new arrow.Utf8(), false),
      new arrow.Field('value', new arrow.Utf8(), true),
    ]),
    false,
  )
  const map = new arrow.Map_<arrow.Utf8, arrow.Utf8>(entries, false)
  // Map_'s constructor has just renamed the field to `entries` (ARROW-8716); rename it back.
  // `name` is a plain writable property at runtime, readonly only in the typings.
  ;(map.children[0] as { name: string }).name = 'key_value'
  return map
}

/** `array<string>` with Spark's layout: `list { optional element }`. */
export function stringList(): arrow.List<arrow.Utf8> {
  return new arrow.List<arrow.Utf8>(new arrow.Field('element', new arrow.Utf8(), true))
}

const struct = (...fields: arrow.Field[]): arrow.Struct => new arrow.Struct(fields)

export function deletionVectorType(): arrow.Struct {
  return struct(
    nullable('storageType', new arrow.Utf8()),
    nullable('pathOrInlineDv', new arrow.Utf8()),
    nullable('offset', new arrow.Int32()),
    nullable('sizeInBytes', new arrow.Int32()),
    nullable('cardinality', new arrow.Int64()),
    nullable('maxRowIndex', new arrow.Int64()),
  )
}

const DECIMAL = /^decimal\((\d+),\s*(\d+)\)$/

/** The Arrow type Spark uses for a Delta primitive in checkpoint structs. */
export function arrowTypeOf(type: DeltaPrimitive): arrow.DataType {
  switch (type) {
    case 'string':
      return new arrow.Utf8()
    case 'long':
      return new arrow.Int64()
    case 'integer':
      return new arrow.Int32()
    case 'short':
      return new arrow.Int16()
    case 'byte':
      return new arrow.Int8()
    case 'float':
      return new arrow.Float32()
    case 'double':
      return new arrow.Float64()
    case 'boolean':
      return new arrow.Bool()
    case 'binary':
      return new arrow.Binary()
    case 'date':
      return new arrow.DateDay()
    case 'timestamp':
      return new arrow.TimestampMicrosecond('UTC')
    case 'timestamp_ntz':
      return new arrow.TimestampMicrosecond()
    default: {
      const m = DECIMAL.exec(type)
      if (m === null) throw new InvalidArgumentError(`Unknown Delta type ${type}`)
      const precision = Number(m[1])
      const scale = Number(m[2])
      if (precision < 1 || precision > 38 || scale > precision) {
        throw new InvalidArgumentError(`Invalid decimal type ${type}`)
      }
      return new arrow.Decimal(scale, precision, 128)
    }
  }
}

/** Types Spark collects min/max for (`SkippingEligibleDataType`): not boolean, binary or nested. */
function minMaxEligible(type: StatsColumn['type']): type is DeltaPrimitive {
  return typeof type === 'string' && type !== 'other' && type !== 'boolean' && type !== 'binary'
}

function minMaxFields(columns: readonly StatsColumn[]): arrow.Field[] {
  const out: arrow.Field[] = []
  for (const c of columns) {
    if (typeof c.type === 'object') {
      const nested = minMaxFields(c.type.fields)
      if (nested.length > 0) out.push(nullable(c.name, new arrow.Struct(nested)))
    } else if (minMaxEligible(c.type)) out.push(nullable(c.name, arrowTypeOf(c.type)))
  }
  return out
}

function nullCountFields(columns: readonly StatsColumn[]): arrow.Field[] {
  const out: arrow.Field[] = []
  for (const c of columns) {
    if (typeof c.type === 'object') {
      const nested = nullCountFields(c.type.fields)
      if (nested.length > 0) out.push(nullable(c.name, new arrow.Struct(nested)))
    } else out.push(nullable(c.name, new arrow.Int64()))
  }
  return out
}

/** `add.stats_parsed`, as Spark's `StatisticsCollection.statsSchema` lays it out. */
export function statsParsedType(schema: StatsParsedSchema): arrow.Struct {
  const fields = [nullable('numRecords', new arrow.Int64())]
  const minMax = minMaxFields(schema.columns)
  if (minMax.length > 0) {
    fields.push(nullable('minValues', new arrow.Struct(minMax)))
    fields.push(nullable('maxValues', new arrow.Struct(minMaxFields(schema.columns))))
  }
  const nullCount = nullCountFields(schema.columns)
  if (nullCount.length > 0) fields.push(nullable('nullCount', new arrow.Struct(nullCount)))
  if (schema.tightBounds === true) fields.push(nullable('tightBounds', new arrow.Bool()))
  return new arrow.Struct(fields)
}

export function partitionValuesParsedType(columns: readonly PartitionColumn[]): arrow.Struct {
  return new arrow.Struct(columns.map((c) => nullable(c.name, arrowTypeOf(c.type))))
}

function addType(options: CheckpointSchemaOptions): arrow.Struct {
  const fields = [
    nullable('path', new arrow.Utf8()),
    nullable('partitionValues', stringMap()),
    nullable('size', new arrow.Int64()),
    nullable('modificationTime', new arrow.Int64()),
    nullable('dataChange', new arrow.Bool()),
    nullable('tags', stringMap()),
    nullable('deletionVector', deletionVectorType()),
    nullable('baseRowId', new arrow.Int64()),
    nullable('defaultRowCommitVersion', new arrow.Int64()),
    nullable('clusteringProvider', new arrow.Utf8()),
  ]
  if (options.statsAsJson ?? true) fields.push(nullable('stats', new arrow.Utf8()))
  const partitions = options.partitionValuesParsed
  if (partitions !== undefined && partitions.length > 0) {
    fields.push(nullable('partitionValues_parsed', partitionValuesParsedType(partitions)))
  }
  if (options.statsParsed !== undefined) {
    fields.push(nullable('stats_parsed', statsParsedType(options.statsParsed)))
  }
  return new arrow.Struct(fields)
}

function removeType(): arrow.Struct {
  return struct(
    nullable('path', new arrow.Utf8()),
    nullable('deletionTimestamp', new arrow.Int64()),
    nullable('dataChange', new arrow.Bool()),
    nullable('extendedFileMetadata', new arrow.Bool()),
    nullable('partitionValues', stringMap()),
    nullable('size', new arrow.Int64()),
    nullable('deletionVector', deletionVectorType()),
    nullable('baseRowId', new arrow.Int64()),
    nullable('defaultRowCommitVersion', new arrow.Int64()),
  )
}

function metaDataType(): arrow.Struct {
  return struct(
    nullable('id', new arrow.Utf8()),
    nullable('name', new arrow.Utf8()),
    nullable('description', new arrow.Utf8()),
    nullable(
      'format',
      struct(nullable('provider', new arrow.Utf8()), nullable('options', stringMap())),
    ),
    nullable('schemaString', new arrow.Utf8()),
    nullable('partitionColumns', stringList()),
    nullable('configuration', stringMap()),
    nullable('createdTime', new arrow.Int64()),
  )
}

function protocolType(): arrow.Struct {
  return struct(
    nullable('minReaderVersion', new arrow.Int32()),
    nullable('minWriterVersion', new arrow.Int32()),
    nullable('readerFeatures', stringList()),
    nullable('writerFeatures', stringList()),
  )
}

function txnType(): arrow.Struct {
  return struct(
    nullable('appId', new arrow.Utf8()),
    nullable('version', new arrow.Int64()),
    nullable('lastUpdated', new arrow.Int64()),
  )
}

function domainMetadataType(): arrow.Struct {
  return struct(
    nullable('domain', new arrow.Utf8()),
    nullable('configuration', new arrow.Utf8()),
    nullable('removed', new arrow.Bool()),
  )
}

function checkpointMetadataType(): arrow.Struct {
  return struct(nullable('version', new arrow.Int64()), nullable('tags', stringMap()))
}

function sidecarType(): arrow.Struct {
  return struct(
    nullable('path', new arrow.Utf8()),
    nullable('sizeInBytes', new arrow.Int64()),
    nullable('modificationTime', new arrow.Int64()),
    nullable('tags', stringMap()),
  )
}

/** The top-level columns of each layout, in Spark's order. */
export const CHECKPOINT_COLUMNS: Readonly<Record<CheckpointLayout, readonly string[]>> = {
  classic: ['txn', 'add', 'remove', 'metaData', 'protocol', 'domainMetadata'],
  v2: [
    'txn',
    'add',
    'remove',
    'metaData',
    'protocol',
    'domainMetadata',
    'checkpointMetadata',
    'sidecar',
  ],
  sidecar: ['add', 'remove'],
}

/** The checkpoint schema for a layout and the stats options. All fields are nullable. */
export function checkpointSchema(options: CheckpointSchemaOptions = {}): arrow.Schema {
  const types: Record<string, () => arrow.Struct> = {
    txn: txnType,
    add: () => addType(options),
    remove: removeType,
    metaData: metaDataType,
    protocol: protocolType,
    domainMetadata: domainMetadataType,
    checkpointMetadata: checkpointMetadataType,
    sidecar: sidecarType,
  }
  const layout = options.layout ?? 'classic'
  return new arrow.Schema(CHECKPOINT_COLUMNS[layout].map((name) => nullable(name, types[name]!())))
}
