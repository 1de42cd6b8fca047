/**
 * The table-feature catalogue (PROTOCOL.md "Table Features", "Valid Feature Names", the RFCs, and
 * names that exist only in implementations), and what a protocol action supports.
 *
 * Vocabulary, from the spec:
 * - *supported*: the feature is listed in the protocol (or implied by a legacy protocol version);
 * - *active*: supported, and the table's metadata turns it on (e.g. `delta.appendOnly=true`).
 *
 * Legacy protocols (reader < 3, writer < 7) list no features; their versions imply a fixed set:
 * writer 2 = appendOnly + invariants, 3 adds checkConstraints, 4 adds changeDataFeed and
 * generatedColumns, 5 adds columnMapping, 6 adds identityColumns; reader 2 = columnMapping.
 */

import type { Metadata, Protocol } from './actions.js'
import { containsType, parseSchema, someField, type StructType } from './schema.js'
import { TABLE_PROPERTIES, tableProperty } from './table-properties.js'

/** Reader-writer features appear in both lists; writer features only in `writerFeatures`. */
export type FeatureKind = 'writer' | 'reader-writer'

export interface TableFeature {
  readonly name: string
  readonly kind: FeatureKind
  /** The legacy protocol versions that imply this feature, for features older than (3, 7). */
  readonly legacy?: { readonly minReaderVersion: number; readonly minWriterVersion: number }
  /** Features that must be supported alongside this one. */
  readonly requires: readonly string[]
  /**
   * Set for alternative names of a feature (previews, old spellings): the feature whose
   * behaviour this name stands for. Names stay distinct in protocols; support checks treat them
   * alike.
   */
  readonly aliasOf?: string
}

function feature(
  name: string,
  kind: FeatureKind,
  options: Partial<Omit<TableFeature, 'name' | 'kind'>> = {},
): TableFeature {
  return { name, kind, requires: options.requires ?? [], ...options }
}

const legacyWriter = (minWriterVersion: number) => ({ minReaderVersion: 1, minWriterVersion })

/** Every feature name we know, in catalogue order. */
export const TABLE_FEATURES: readonly TableFeature[] = [
  // Legacy writer features (writer versions 2..6).
  feature('appendOnly', 'writer', { legacy: legacyWriter(2) }),
  feature('invariants', 'writer', { legacy: legacyWriter(2) }),
  feature('checkConstraints', 'writer', { legacy: legacyWriter(3) }),
  feature('changeDataFeed', 'writer', { legacy: legacyWriter(4) }),
  feature('generatedColumns', 'writer', { legacy: legacyWriter(4) }),
  feature('columnMapping', 'reader-writer', {
    legacy: { minReaderVersion: 2, minWriterVersion: 5 },
  }),
  feature('identityColumns', 'writer', { legacy: legacyWriter(6) }),
  // Table features (3, 7) from the spec's appendix and sections.
  feature('deletionVectors', 'reader-writer'),
  feature('timestampNtz', 'reader-writer'),
  feature('domainMetadata', 'writer'),
  feature('v2Checkpoint', 'reader-writer'),
  feature('catalogManaged', 'reader-writer', { requires: ['inCommitTimestamp'] }),
  feature('icebergCompatV1', 'writer', { requires: ['columnMapping'] }),
  feature('icebergCompatV2', 'writer', { requires: ['columnMapping'] }),
  feature('clustering', 'writer', { requires: ['domainMetadata'] }),
  feature('rowTracking', 'writer', { requires: ['domainMetadata'] }),
  feature('vacuumProtocolCheck', 'reader-writer'),
  feature('inCommitTimestamp', 'writer'),
  feature('allowColumnDefaults', 'writer'),
  feature('typeWidening', 'reader-writer'),
  feature('variantType', 'reader-writer'),
  feature('variantShredding', 'reader-writer', { requires: ['variantType'] }),
  // RFCs and implementation-only names.
  feature('checkpointProtection', 'writer'),
  feature('collations', 'writer', { requires: ['domainMetadata'] }),
  feature('icebergCompatV3', 'writer', { requires: ['columnMapping', 'rowTracking'] }),
  feature('icebergWriterCompatV1', 'writer', { requires: ['icebergCompatV2'] }),
  feature('icebergWriterCompatV3', 'writer', { requires: ['icebergCompatV3'] }),
  feature('materializePartitionColumns', 'writer'),
  feature('geospatial', 'reader-writer'),
  feature('coordinatedCommits-preview', 'writer', { requires: ['inCommitTimestamp'] }),
  // Aliases: previews that graduated, and old spellings.
  feature('timestampWithoutTimezone', 'reader-writer', { aliasOf: 'timestampNtz' }),
  feature('typeWidening-preview', 'reader-writer', { aliasOf: 'typeWidening' }),
  feature('variantType-preview', 'reader-writer', { aliasOf: 'variantType' }),
  feature('variantShredding-preview', 'reader-writer', { aliasOf: 'variantShredding' }),
  feature('collations-preview', 'writer', { aliasOf: 'collations', requires: ['domainMetadata'] }),
  feature('catalogOwned-preview', 'reader-writer', {
    aliasOf: 'catalogManaged',
    requires: ['inCommitTimestamp'],
  }),
  feature('catalogOwned', 'reader-writer', {
    aliasOf: 'catalogManaged',
    requires: ['inCommitTimestamp'],
  }),
]

const BY_NAME: ReadonlyMap<string, TableFeature> = new Map(TABLE_FEATURES.map((f) => [f.name, f]))

/** The catalogue entry for a feature name (exact, case-sensitive as on the wire). */
export function tableFeature(name: string): TableFeature | undefined {
  return BY_NAME.get(name)
}

/** The name whose behaviour `name` stands for: itself, or the target of an alias. */
export function canonicalFeatureName(name: string): string {
  return BY_NAME.get(name)?.aliasOf ?? name
}

/** Minimum (reader, writer) versions a feature needs on its own. */
export function featureMinVersions(f: TableFeature): {
  minReaderVersion: number
  minWriterVersion: number
} {
  if (f.legacy !== undefined) return f.legacy
  return { minReaderVersion: f.kind === 'reader-writer' ? 3 : 1, minWriterVersion: 7 }
}

/** Features implied by legacy versions (for reader < 3 / writer < 7), in catalogue order. */
export function legacyImpliedFeatures(
  minReaderVersion: number,
  minWriterVersion: number,
): string[] {
  return TABLE_FEATURES.filter((f) => {
    if (f.legacy === undefined) return false
    // A reader-writer legacy feature needs both versions; with writer 7 and reader 2 the
    // reader side still implies column mapping, which `readerSupportedFeatures` handles.
    return (
      f.legacy.minReaderVersion <= minReaderVersion && f.legacy.minWriterVersion <= minWriterVersion
    )
  }).map((f) => f.name)
}

/**
 * Every feature the protocol supports, as written plus implied: the explicit lists at (3, 7),
 * the legacy-implied set below writer 7, and column mapping for reader version 2.
 */
export function supportedFeatures(protocol: Protocol): ReadonlySet<string> {
  const out = new Set<string>()
  const { minReaderVersion: rv, minWriterVersion: wv } = protocol
  if (wv >= 7) for (const f of protocol.writerFeatures ?? []) out.add(f)
  else for (const f of legacyImpliedFeatures(rv, wv)) out.add(f)
  if (rv >= 3) for (const f of protocol.readerFeatures ?? []) out.add(f)
  else if (rv === 2) out.add('columnMapping')
  return out
}

/** The features a reader must implement: `readerFeatures` at reader 3, or the legacy set. */
export function readerSupportedFeatures(protocol: Protocol): ReadonlySet<string> {
  const rv = protocol.minReaderVersion
  if (rv >= 3) return new Set(protocol.readerFeatures ?? [])
  return new Set(rv === 2 ? ['columnMapping'] : [])
}

/**
 * Whether the protocol supports a feature. An alias counts: a table listing
 * `typeWidening-preview` supports `typeWidening` and vice versa, as they behave the same.
 */
export function isFeatureSupported(protocol: Protocol, name: string): boolean {
  const supported = supportedFeatures(protocol)
  if (supported.has(name)) return true
  const canonical = canonicalFeatureName(name)
  for (const s of supported) if (canonicalFeatureName(s) === canonical) return true
  return false
}

/**
 * Whether a feature is *active*: supported and switched on by the metadata (PROTOCOL.md "Active
 * Features"). Features without a metadata switch are active whenever supported. Pass `schema`
 * when already parsed, to save re-parsing `schemaString`.
 */
export function isFeatureActive(
  protocol: Protocol,
  metadata: Metadata,
  name: string,
  schema?: StructType,
): boolean {
  if (!isFeatureSupported(protocol, name)) return false
  const config = metadata.configuration
  const tableSchema = (): StructType => schema ?? parseSchema(metadata.schemaString)
  const hasFieldMetadata = (key: string): boolean =>
    someField(tableSchema(), (f) => Object.hasOwn(f.metadata, key))
  switch (canonicalFeatureName(name)) {
    case 'appendOnly':
      return tableProperty(config, TABLE_PROPERTIES.appendOnly)
    case 'invariants':
      return hasFieldMetadata('delta.invariants')
    case 'checkConstraints':
      return Object.keys(config).some((k) => k.startsWith('delta.constraints.'))
    case 'changeDataFeed':
      return tableProperty(config, TABLE_PROPERTIES.enableChangeDataFeed)
    case 'generatedColumns':
      return hasFieldMetadata('delta.generationExpression')
    case 'identityColumns':
      return hasFieldMetadata('delta.identity.start')
    case 'allowColumnDefaults':
      return hasFieldMetadata('CURRENT_DEFAULT')
    case 'columnMapping':
      return tableProperty(config, TABLE_PROPERTIES.columnMappingMode) !== 'none'
    case 'deletionVectors':
      return tableProperty(config, TABLE_PROPERTIES.enableDeletionVectors)
    case 'rowTracking':
      return tableProperty(config, TABLE_PROPERTIES.enableRowTracking)
    case 'inCommitTimestamp':
      return tableProperty(config, TABLE_PROPERTIES.enableInCommitTimestamps)
    case 'typeWidening':
      return tableProperty(config, TABLE_PROPERTIES.enableTypeWidening)
    case 'variantShredding':
      return tableProperty(config, TABLE_PROPERTIES.enableVariantShredding)
    case 'icebergCompatV1':
      return tableProperty(config, TABLE_PROPERTIES.enableIcebergCompatV1)
    case 'icebergCompatV2':
      return tableProperty(config, TABLE_PROPERTIES.enableIcebergCompatV2)
    case 'timestampNtz':
      return containsType(tableSchema(), 'timestamp_ntz')
    case 'variantType':
      return containsType(tableSchema(), 'variant')
    case 'checkpointProtection':
      return (
        tableProperty(config, TABLE_PROPERTIES.requireCheckpointProtectionBeforeVersion) !==
        undefined
      )
    default:
      // domainMetadata, v2Checkpoint, clustering, vacuumProtocolCheck, catalogManaged,
      // collations, ...: no switch beyond being supported.
      return true
  }
}

/** The features `names` need, transitively, including `names` themselves (in first-seen order). */
export function withRequiredFeatures(names: Iterable<string>): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  const visit = (name: string): void => {
    if (seen.has(name)) return
    seen.add(name)
    out.push(name)
    for (const dep of BY_NAME.get(name)?.requires ?? []) visit(dep)
  }
  for (const name of names) visit(name)
  return out
}
