/**
 * Can this library read or write a table with this protocol? And what is the smallest protocol
 * for a set of features?
 *
 * Every read path (snapshot, scan, stream, CLI) must call `checkReadSupport` before trusting
 * anything else in the log: a reader that skips it silently ignores deletion vectors or column
 * mapping and returns wrong rows (delta-rs#3765). Writers call `checkWriteSupport`, which also
 * covers the reader features (writers read the table first).
 */

import { InvalidArgumentError, ProtocolUnsupportedError } from '../errors.js'
import type { Metadata, Protocol } from './actions.js'
import {
  canonicalFeatureName,
  featureMinVersions,
  legacyImpliedFeatures,
  readerSupportedFeatures,
  supportedFeatures,
  tableFeature,
  withRequiredFeatures,
} from './features.js'
import { parseSchema, someField, type StructType } from './schema.js'

/** Highest protocol versions this library understands. */
export const MAX_READER_VERSION = 3
export const MAX_WRITER_VERSION = 7

/**
 * Reader features this library implements (names as written in protocols, aliases included).
 *
 * - `catalogManaged` (and its `catalogOwned*` previews) is refused: such tables must be read
 *   through their catalog, which we do not implement; listing the directory could miss ratified
 *   commits.
 * - `variantShredding` is refused by default. The reader passes variant columns through as their
 *   physical `{metadata, value}` struct; a shredded file moves part of each value into
 *   `typed_value`, so passing it through unassembled would hand engines incomplete values. A
 *   scan layer that reassembles shredded variants can opt in by passing its own set.
 * - `vacuumProtocolCheck` needs nothing from readers but acknowledgement.
 */
export const READER_FEATURES_SUPPORTED: ReadonlySet<string> = new Set([
  'columnMapping',
  'deletionVectors',
  'timestampNtz',
  'timestampWithoutTimezone',
  'v2Checkpoint',
  'typeWidening',
  'typeWidening-preview',
  'variantType',
  'variantType-preview',
  'vacuumProtocolCheck',
])

/**
 * How far the write path supports a feature: `full`, or only `when-unused` (the table supports
 * the feature but does not use it, so there is nothing to enforce: e.g. no column carries an
 * invariant).
 */
export type WriteSupport = 'full' | 'when-unused'

/**
 * The default write support. Notes:
 * - typeWidening: reading files written before a widening is supported; making new widenings is
 *   not (a schema change would be refused by the transaction layer, not here).
 * - checkpointProtection: acknowledged only (this library never truncates history in a way the
 *   RFC forbids: cleanup keeps a checkpoint before any deleted commit).
 * - Refused outright (absent): rowTracking, clustering, icebergCompat*, catalogManaged,
 *   variantType / variantShredding (the data writer cannot produce variant binaries), collations,
 *   and anything unknown.
 */
export const WRITER_FEATURES_SUPPORTED: ReadonlyMap<string, WriteSupport> = new Map<
  string,
  WriteSupport
>([
  ['appendOnly', 'full'],
  ['changeDataFeed', 'full'],
  ['columnMapping', 'full'],
  ['deletionVectors', 'full'],
  ['timestampNtz', 'full'],
  ['timestampWithoutTimezone', 'full'],
  ['domainMetadata', 'full'],
  ['v2Checkpoint', 'full'],
  ['inCommitTimestamp', 'full'],
  ['vacuumProtocolCheck', 'full'],
  ['typeWidening', 'full'],
  ['typeWidening-preview', 'full'],
  ['checkpointProtection', 'full'],
  ['invariants', 'when-unused'],
  ['checkConstraints', 'when-unused'],
  ['generatedColumns', 'when-unused'],
  ['identityColumns', 'when-unused'],
  ['allowColumnDefaults', 'when-unused'],
])

function versions(protocol: Protocol): { minReaderVersion: number; minWriterVersion: number } {
  return {
    minReaderVersion: protocol.minReaderVersion,
    minWriterVersion: protocol.minWriterVersion,
  }
}

/** Reader-side gaps: reader version too new, or reader features not in `supported`. */
function missingForRead(protocol: Protocol, supported: ReadonlySet<string>): string[] {
  if (protocol.minReaderVersion > MAX_READER_VERSION)
    return [`readerVersion ${protocol.minReaderVersion}`]
  const missing: string[] = []
  for (const name of readerSupportedFeatures(protocol)) {
    if (supported.has(name)) continue
    // A known writer-only feature listed among reader features asks nothing of readers.
    if (tableFeature(name)?.kind === 'writer') continue
    missing.push(name)
  }
  return missing
}

/**
 * Throws `ProtocolUnsupportedError` (operation `read`) naming exactly what is missing: reader
 * versions above 3, and each reader feature outside `supported` (unknown names included).
 */
export function checkReadSupport(
  protocol: Protocol,
  supported: ReadonlySet<string> = READER_FEATURES_SUPPORTED,
): void {
  const missing = missingForRead(protocol, supported)
  if (missing.length > 0)
    throw new ProtocolUnsupportedError('read', versions(protocol), missing.sort())
}

/**
 * Whether the table uses a feature whose write support is `when-unused`: the metadata that
 * would need enforcing is present.
 */
function featureInUse(canonical: string, metadata: Metadata, schema: () => StructType): boolean {
  const fieldHas = (key: string): boolean =>
    someField(schema(), (f) => Object.hasOwn(f.metadata, key))
  switch (canonical) {
    case 'invariants':
      return fieldHas('delta.invariants')
    case 'checkConstraints':
      return Object.keys(metadata.configuration).some((k) => k.startsWith('delta.constraints.'))
    case 'generatedColumns':
      return fieldHas('delta.generationExpression')
    case 'identityColumns':
      return someField(schema(), (f) =>
        Object.keys(f.metadata).some((k) => k.startsWith('delta.identity.')),
      )
    case 'allowColumnDefaults':
      return fieldHas('CURRENT_DEFAULT')
    default:
      return true // unknown to this check: assume used, i.e. refuse
  }
}

/**
 * Throws `ProtocolUnsupportedError` (operation `write`) unless every feature the protocol
 * supports (listed or implied by legacy versions) is in `supported`, and every `when-unused`
 * feature is in fact unused by `metadata`. Versions above (3, 7) are refused. `schema` saves
 * re-parsing `metadata.schemaString` when the caller has it.
 */
export function checkWriteSupport(
  protocol: Protocol,
  metadata: Metadata,
  supported: ReadonlyMap<string, WriteSupport> = WRITER_FEATURES_SUPPORTED,
  schema?: StructType,
): void {
  const missing: string[] = []
  if (protocol.minReaderVersion > MAX_READER_VERSION)
    missing.push(`readerVersion ${protocol.minReaderVersion}`)
  if (protocol.minWriterVersion > MAX_WRITER_VERSION)
    missing.push(`writerVersion ${protocol.minWriterVersion}`)
  if (missing.length === 0) {
    let parsed: StructType | undefined = schema
    const getSchema = (): StructType => (parsed ??= parseSchema(metadata.schemaString))
    for (const name of supportedFeatures(protocol)) {
      const support = supported.get(name)
      if (support === undefined) missing.push(name)
      else if (
        support === 'when-unused' &&
        featureInUse(canonicalFeatureName(name), metadata, getSchema)
      ) {
        missing.push(name)
      }
    }
  }
  if (missing.length > 0)
    throw new ProtocolUnsupportedError('write', versions(protocol), missing.sort())
}

/**
 * Problems with the shape of a protocol (PROTOCOL.md "Table Features"), for writers to check
 * before committing one. Empty when well-formed.
 */
export function protocolProblems(protocol: Protocol): string[] {
  const problems: string[] = []
  const { minReaderVersion: rv, minWriterVersion: wv, readerFeatures, writerFeatures } = protocol
  if (rv >= 3 && wv < 7) problems.push('reader version 3 requires writer version 7')
  if (rv >= 3 && readerFeatures === undefined)
    problems.push('reader version 3 requires readerFeatures')
  if (rv < 3 && readerFeatures !== undefined)
    problems.push('readerFeatures requires reader version 3')
  if (wv >= 7 && writerFeatures === undefined)
    problems.push('writer version 7 requires writerFeatures')
  if (wv < 7 && writerFeatures !== undefined)
    problems.push('writerFeatures requires writer version 7')
  for (const f of readerFeatures ?? []) {
    if (!(writerFeatures ?? []).includes(f))
      problems.push(`reader feature ${f} is not in writerFeatures`)
  }
  return problems
}

/**
 * The smallest protocol that supports `features` (and what they require), starting from `base`
 * (an existing table's protocol; by default nothing, i.e. (1, 1)). Follows Spark's normalisation:
 *
 * - If every needed feature predates table features, the result is the legacy version pair that
 *   implies them all, e.g. {changeDataFeed} gives (1, 4).
 * - Otherwise writer 7 with an explicit `writerFeatures` list holding every feature, including
 *   those the base's legacy versions implied (a (1, 2) base contributes appendOnly and
 *   invariants, as Spark writes). Reader version 3 with `readerFeatures` (the reader-writer
 *   features) when a reader-writer feature needs it; reader 2 when column mapping is the only
 *   reader-writer feature (as the spec's own example and Spark do); else reader 1.
 * - A given `base` is never weakened: its versions are a lower bound and its features stay.
 *
 * Unknown feature names are an `InvalidArgumentError`: we cannot know their kind.
 */
export function minimalProtocol(features: Iterable<string>, base?: Protocol): Protocol {
  const baseFeatures = base === undefined ? [] : [...supportedFeatures(base)]
  const requested = withRequiredFeatures(features)
  const all = withRequiredFeatures([...requested, ...baseFeatures])
  const unknown = all.filter((name) => tableFeature(name) === undefined)
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`Unknown table feature(s): ${unknown.join(', ')}`)
  }
  const entries = all.map((name) => tableFeature(name)!)

  let rv = Math.max(1, ...entries.map((f) => featureMinVersions(f).minReaderVersion))
  let wv = Math.max(1, ...entries.map((f) => featureMinVersions(f).minWriterVersion))
  const baseIsTableFeatures = base !== undefined && base.minWriterVersion >= 7
  if (base !== undefined) {
    rv = Math.max(rv, base.minReaderVersion)
    wv = Math.max(wv, base.minWriterVersion)
  }

  if (wv < 7) {
    // Every feature is legacy and the versions imply all of them.
    const implied = new Set(legacyImpliedFeatures(rv, wv))
    if (all.every((name) => implied.has(name)))
      return { minReaderVersion: rv, minWriterVersion: wv }
    wv = 7 // cannot happen for catalogue entries, kept as a safe fallback
  }

  // Table features. List base-listed names first (keep an existing table's order), then the
  // requested ones, then what legacy versions of the base implied (Spark's order).
  const ordered: string[] = []
  const add = (name: string): void => {
    if (!ordered.includes(name)) ordered.push(name)
  }
  if (baseIsTableFeatures) for (const name of base.writerFeatures ?? []) add(name)
  for (const name of requested) add(name)
  for (const name of all) add(name)

  const readerWriter = ordered.filter((name) => tableFeature(name)!.kind === 'reader-writer')
  if (rv >= 3) {
    const readerFeatures: string[] = []
    for (const name of base?.readerFeatures ?? [])
      if (!readerFeatures.includes(name)) readerFeatures.push(name)
    for (const name of readerWriter) if (!readerFeatures.includes(name)) readerFeatures.push(name)
    return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures, writerFeatures: ordered }
  }
  return { minReaderVersion: rv, minWriterVersion: 7, writerFeatures: ordered }
}
