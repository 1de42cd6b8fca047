/**
 * The protocol and metadata of a new table, from what the caller asks for. Pure: no I/O.
 *
 * Validation (each failure an `InvalidArgumentError`, as Spark refuses the same tables):
 * - column names are unique ignoring case, at every level; without column mapping they avoid
 *   the characters Parquet writers refuse (` ,;{}()\n\t=`);
 * - partition columns exist (matched ignoring case, stored with the schema's spelling), are
 *   distinct, top-level and of a primitive type (not struct, array, map, variant or void), and
 *   are not all the columns;
 * - known table properties parse (`delta.appendOnly=maybe` is refused), and
 *   `delta.dataSkippingStatsColumns` names usable columns.
 *
 * The protocol is the smallest that covers the features the table uses, normalised as Spark
 * 3.x does for new tables:
 * - when every feature predates table features, the legacy pair, never below Spark's default
 *   (1, 2): a plain table is (1, 2), change data feed (1, 4), column mapping (2, 5);
 * - otherwise table features listing exactly what is used (and what that requires), without
 *   Spark's legacy defaults: timestamp_ntz alone is (3, 7) with `timestampNtz` in both lists;
 * - `delta.minReaderVersion` / `delta.minWriterVersion` raise the versions (writer 7 then lists
 *   the features of (1, 2) explicitly), and `delta.feature.<name>=supported` adds a feature.
 *   These requests are consumed: they do not stay in the configuration (as in Spark).
 */
import { InvalidArgumentError } from '../errors.js'
import type { Metadata, Protocol } from '../protocol/actions.js'
import {
  COLUMN_MAPPING_ID_KEY,
  COLUMN_MAPPING_MAX_ID_KEY,
  COLUMN_MAPPING_PHYSICAL_NAME_KEY,
  assignColumnMapping,
} from '../protocol/column-mapping.js'
import { minimalProtocol } from '../protocol/protocol-check.js'
import {
  type DataType,
  type StructField,
  type StructType,
  checkNoDuplicateFieldNames,
  containsType,
  serializeSchema,
  someField,
} from '../protocol/schema.js'
import {
  type ColumnMappingMode,
  type TablePropertyDescriptor,
  TABLE_PROPERTIES,
  featureOverrides,
  tableProperty,
} from '../protocol/table-properties.js'
import type { Clock, Ids } from '../util/clock.js'
import { validateStatsColumns } from './stats-columns.js'

export interface NewTableRequest {
  readonly schema: StructType
  readonly partitionBy?: readonly string[]
  /** Table properties (`metaData.configuration`), including `delta.feature.*` requests. */
  readonly properties?: Readonly<Record<string, string>>
  readonly name?: string
  readonly description?: string
  /** Column mapping mode; may also be given as `delta.columnMapping.mode`. Default `none`. */
  readonly columnMapping?: ColumnMappingMode
}

export interface NewTable {
  readonly protocol: Protocol
  readonly metadata: Metadata
  /** The schema as committed (with column mapping ids and physical names when enabled). */
  readonly schema: StructType
  readonly columnMappingMode: ColumnMappingMode
}

// Spark's `SchemaUtils.checkFieldNames` for Parquet, without column mapping.
const INVALID_NAME_CHARS = /[ ,;{}()\n\t=]/

function checkNames(schema: StructType): void {
  const visit = (type: DataType, prefix: string): void => {
    if (type.type === 'struct') {
      for (const f of type.fields) {
        if (INVALID_NAME_CHARS.test(f.name)) {
          throw new InvalidArgumentError(
            `Column name ${JSON.stringify(prefix + f.name)} contains one of the characters ` +
              "' ,;{}()\\n\\t=', which Parquet files cannot hold; rename it or enable column mapping",
          )
        }
        visit(f.type, `${prefix}${f.name}.`)
      }
    } else if (type.type === 'array') visit(type.elementType, prefix)
    else if (type.type === 'map') {
      visit(type.keyType, prefix)
      visit(type.valueType, prefix)
    }
  }
  visit(schema, '')
}

function resolvePartitionColumns(schema: StructType, partitionBy: readonly string[]): string[] {
  const out: string[] = []
  for (const name of partitionBy) {
    const matches = schema.fields.filter((f) => f.name.toLowerCase() === name.toLowerCase())
    const field = matches.find((f) => f.name === name) ?? matches[0]
    if (field === undefined) {
      throw new InvalidArgumentError(
        `Partition column ${name} is not a column of the schema (columns: ${schema.fields.map((f) => f.name).join(', ')})`,
      )
    }
    const kind = field.type.type
    if (
      kind === 'struct' ||
      kind === 'array' ||
      kind === 'map' ||
      kind === 'variant' ||
      kind === 'void'
    ) {
      throw new InvalidArgumentError(
        `Partition column ${field.name} has type ${kind}; partition columns must be of a primitive type`,
      )
    }
    if (out.includes(field.name)) {
      throw new InvalidArgumentError(`Partition column ${field.name} is listed twice`)
    }
    out.push(field.name)
  }
  if (out.length > 0 && out.length === schema.fields.length) {
    throw new InvalidArgumentError(
      'Cannot partition by every column: a table needs at least one column that is not a partition column',
    )
  }
  return out
}

/** Parses every known property present, so that a bad value fails now, not at first use. */
function checkProperties(configuration: Readonly<Record<string, string>>): void {
  const descriptors: readonly TablePropertyDescriptor<unknown>[] = Object.values(TABLE_PROPERTIES)
  for (const descriptor of descriptors) {
    if (descriptor.key in configuration) tableProperty(configuration, descriptor)
  }
}

/** Features the table uses, in the order they are listed (schema types first, as Spark does). */
function usedFeatures(
  schema: StructType,
  mode: ColumnMappingMode,
  configuration: Readonly<Record<string, string>>,
): string[] {
  const features: string[] = []
  const on = (condition: boolean, feature: string): void => {
    if (condition && !features.includes(feature)) features.push(feature)
  }
  const property = <T>(d: { key: string; defaultValue: T; parse: (raw: string) => T }): T =>
    tableProperty(configuration, d)
  const fieldHas = (test: (f: StructField) => boolean): boolean => someField(schema, test)
  on(containsType(schema, 'timestamp_ntz'), 'timestampNtz')
  on(containsType(schema, 'variant'), 'variantType')
  on(mode !== 'none', 'columnMapping')
  on(property(TABLE_PROPERTIES.appendOnly), 'appendOnly')
  on(
    fieldHas((f) => 'delta.invariants' in f.metadata),
    'invariants',
  )
  on(
    Object.keys(configuration).some((k) => k.startsWith('delta.constraints.')),
    'checkConstraints',
  )
  on(property(TABLE_PROPERTIES.enableChangeDataFeed), 'changeDataFeed')
  on(
    fieldHas((f) => 'delta.generationExpression' in f.metadata),
    'generatedColumns',
  )
  on(
    fieldHas((f) => Object.keys(f.metadata).some((k) => k.startsWith('delta.identity.'))),
    'identityColumns',
  )
  on(
    fieldHas((f) => 'CURRENT_DEFAULT' in f.metadata),
    'allowColumnDefaults',
  )
  on(property(TABLE_PROPERTIES.enableDeletionVectors), 'deletionVectors')
  on(property(TABLE_PROPERTIES.enableRowTracking), 'rowTracking')
  on(property(TABLE_PROPERTIES.enableInCommitTimestamps), 'inCommitTimestamp')
  on(property(TABLE_PROPERTIES.enableTypeWidening), 'typeWidening')
  on(property(TABLE_PROPERTIES.enableVariantShredding), 'variantShredding')
  on(property(TABLE_PROPERTIES.enableIcebergCompatV1), 'icebergCompatV1')
  on(property(TABLE_PROPERTIES.enableIcebergCompatV2), 'icebergCompatV2')
  on(property(TABLE_PROPERTIES.checkpointPolicy) === 'v2', 'v2Checkpoint')
  return features
}

/** The protocol of a new table using `features` (see the file comment). */
export function newTableProtocol(
  features: readonly string[],
  versions: { readonly minReaderVersion?: number; readonly minWriterVersion?: number } = {},
): Protocol {
  const { minReaderVersion: rv, minWriterVersion: wv } = versions
  if (rv !== undefined && (rv < 1 || rv > 3)) {
    throw new InvalidArgumentError(`delta.minReaderVersion must be 1..3, got ${rv}`)
  }
  if (wv !== undefined && (wv < 1 || wv > 7)) {
    throw new InvalidArgumentError(`delta.minWriterVersion must be 1..7, got ${wv}`)
  }
  if (rv === undefined && wv === undefined) {
    const minimal = minimalProtocol(features)
    if (minimal.minWriterVersion >= 7) return minimal
  }
  const reader = rv ?? 1
  const writer = wv ?? 2
  if (reader >= 3 && writer < 7) {
    throw new InvalidArgumentError('delta.minReaderVersion 3 needs delta.minWriterVersion 7')
  }
  // Spark's default (1, 2), or the requested versions; at writer 7 the features that (1, 2)
  // implies are listed explicitly.
  const base: Protocol =
    writer >= 7
      ? {
          minReaderVersion: reader,
          minWriterVersion: 7,
          ...(reader >= 3 ? { readerFeatures: [] } : {}),
          writerFeatures: ['appendOnly', 'invariants'],
        }
      : { minReaderVersion: reader, minWriterVersion: writer }
  return minimalProtocol(features, base)
}

/** Builds (and validates) the protocol and metadata of a new table. */
export function newTable(request: NewTableRequest, clock: Clock, ids: Ids): NewTable {
  const requested = request.properties ?? {}
  const propertyMode = requested[TABLE_PROPERTIES.columnMappingMode.key]
  const mode: ColumnMappingMode =
    request.columnMapping ??
    (propertyMode === undefined
      ? 'none'
      : tableProperty(requested, TABLE_PROPERTIES.columnMappingMode))
  if (
    request.columnMapping !== undefined &&
    propertyMode !== undefined &&
    tableProperty(requested, TABLE_PROPERTIES.columnMappingMode) !== request.columnMapping
  ) {
    throw new InvalidArgumentError(
      `columnMapping ${request.columnMapping} contradicts delta.columnMapping.mode=${propertyMode}`,
    )
  }
  if (COLUMN_MAPPING_MAX_ID_KEY in requested) {
    throw new InvalidArgumentError(
      `${COLUMN_MAPPING_MAX_ID_KEY} is managed by the writer; do not set it`,
    )
  }
  if (request.schema.fields.length === 0) {
    throw new InvalidArgumentError('A Delta table needs at least one column')
  }
  checkNoDuplicateFieldNames(request.schema)
  if (mode === 'none') checkNames(request.schema)
  const partitionColumns = resolvePartitionColumns(request.schema, request.partitionBy ?? [])

  // Protocol requests are consumed; everything else is the configuration.
  const extraFeatures = featureOverrides(requested)
  const configuration: Record<string, string> = {}
  for (const [key, value] of Object.entries(requested)) {
    if (key.startsWith('delta.feature.')) continue
    if (key === TABLE_PROPERTIES.minReaderVersion.key) continue
    if (key === TABLE_PROPERTIES.minWriterVersion.key) continue
    configuration[key] = value
  }
  checkProperties(requested)
  const statsColumns = tableProperty(configuration, TABLE_PROPERTIES.dataSkippingStatsColumns)
  if (statsColumns !== undefined) {
    validateStatsColumns(request.schema.fields, partitionColumns, statsColumns)
  }

  let schema = request.schema
  if (mode !== 'none') {
    const assigned = assignColumnMapping(schema, { maxColumnId: 0, uuid: () => ids.uuid() })
    schema = assigned.schema
    configuration[TABLE_PROPERTIES.columnMappingMode.key] = mode
    configuration[COLUMN_MAPPING_MAX_ID_KEY] = String(assigned.maxColumnId)
  }

  const features = usedFeatures(schema, mode, configuration)
  for (const f of extraFeatures) if (!features.includes(f)) features.push(f)
  const protocol = newTableProtocol(features, {
    ...optional('minReaderVersion', tableProperty(requested, TABLE_PROPERTIES.minReaderVersion)),
    ...optional('minWriterVersion', tableProperty(requested, TABLE_PROPERTIES.minWriterVersion)),
  })
  const metadata: Metadata = {
    id: ids.uuid(),
    ...(request.name === undefined ? {} : { name: request.name }),
    ...(request.description === undefined ? {} : { description: request.description }),
    format: { provider: 'parquet', options: {} },
    schemaString: serializeSchema(schema),
    partitionColumns,
    configuration,
    createdTime: clock.now(),
  }
  return { protocol, metadata, schema, columnMappingMode: mode }
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: number })
}

/**
 * An existing table's protocol and metadata after an overwrite replaces its schema (Spark's
 * `overwriteSchema`): the table id, properties and column mapping mode stay; the partitioning
 * stays unless `partitionBy` is given. Under column mapping every column gets a fresh id (above
 * `maxColumnId`) and physical name: the old files are all removed, and fresh names can never be
 * confused with columns of files that time travel still reads. The protocol is upgraded, never
 * downgraded, when the new schema needs more (a first timestamp_ntz column).
 */
export function replacedSchema(
  current: {
    readonly metadata: Metadata
    readonly protocol: Protocol
    readonly columnMappingMode: ColumnMappingMode
  },
  requested: StructType,
  partitionBy: readonly string[] | undefined,
  ids: Ids,
): { readonly metadata: Metadata; readonly protocol: Protocol; readonly schema: StructType } {
  const mode = current.columnMappingMode
  if (requested.fields.length === 0) {
    throw new InvalidArgumentError('A Delta table needs at least one column')
  }
  checkNoDuplicateFieldNames(requested)
  if (mode === 'none') checkNames(requested)
  const partitionColumns = resolvePartitionColumns(
    requested,
    partitionBy ?? current.metadata.partitionColumns,
  )
  const configuration = { ...current.metadata.configuration }
  let schema = requested
  if (mode !== 'none') {
    const assigned = assignColumnMapping(stripColumnMapping(requested), {
      maxColumnId: tableProperty(configuration, TABLE_PROPERTIES.columnMappingMaxColumnId),
      uuid: () => ids.uuid(),
    })
    schema = assigned.schema
    configuration[COLUMN_MAPPING_MAX_ID_KEY] = String(assigned.maxColumnId)
  }
  const stats = tableProperty(configuration, TABLE_PROPERTIES.dataSkippingStatsColumns)
  if (stats !== undefined) validateStatsColumns(schema.fields, partitionColumns, stats)
  const protocol = minimalProtocol(usedFeatures(schema, mode, configuration), current.protocol)
  const metadata: Metadata = {
    ...current.metadata,
    schemaString: serializeSchema(schema),
    partitionColumns,
    configuration,
  }
  return { metadata, protocol, schema }
}

/** The schema without column-mapping ids and physical names, at every level. */
function stripColumnMapping(schema: StructType): StructType {
  const strip = (type: DataType): DataType => {
    switch (type.type) {
      case 'struct':
        return {
          type: 'struct',
          fields: type.fields.map((f) => ({
            ...f,
            type: strip(f.type),
            metadata: Object.fromEntries(
              Object.entries(f.metadata).filter(
                ([k]) => k !== COLUMN_MAPPING_ID_KEY && k !== COLUMN_MAPPING_PHYSICAL_NAME_KEY,
              ),
            ),
          })),
        }
      case 'array':
        return { ...type, elementType: strip(type.elementType) }
      case 'map':
        return { ...type, keyType: strip(type.keyType), valueType: strip(type.valueType) }
      default:
        return type
    }
  }
  return strip(schema) as StructType
}
