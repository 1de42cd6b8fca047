import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Metadata, Protocol } from './actions.js'
import {
  isFeatureActive,
  isFeatureSupported,
  legacyImpliedFeatures,
  supportedFeatures,
  TABLE_FEATURES,
  tableFeature,
} from './features.js'
import {
  checkReadSupport,
  checkWriteSupport,
  minimalProtocol,
  protocolProblems,
  READER_FEATURES_SUPPORTED,
  type WriteSupport,
  WRITER_FEATURES_SUPPORTED,
} from './protocol-check.js'

const p = (
  minReaderVersion: number,
  minWriterVersion: number,
  readerFeatures?: string[],
  writerFeatures?: string[],
): Protocol => ({
  minReaderVersion,
  minWriterVersion,
  ...(readerFeatures ? { readerFeatures } : {}),
  ...(writerFeatures ? { writerFeatures } : {}),
})

const schemaWith = (metadata: Record<string, unknown> = {}, type = 'long'): string =>
  JSON.stringify({ type: 'struct', fields: [{ name: 'x', type, nullable: true, metadata }] })

const meta = (
  configuration: Record<string, string> = {},
  schemaString = schemaWith(),
): Metadata => ({
  id: 'id',
  format: { provider: 'parquet', options: {} },
  schemaString,
  partitionColumns: [],
  configuration,
})

const missingOf = (fn: () => void): readonly string[] => {
  try {
    fn()
  } catch (error) {
    expect(error).toMatchObject({ code: 'PROTOCOL_UNSUPPORTED' })
    return (error as { missing: readonly string[] }).missing
  }
  return []
}

describe('supported features', () => {
  it('derives legacy features from versions', () => {
    expect(legacyImpliedFeatures(1, 1)).toEqual([])
    expect([...supportedFeatures(p(1, 2))]).toEqual(['appendOnly', 'invariants'])
    expect([...supportedFeatures(p(1, 4))]).toEqual([
      'appendOnly',
      'invariants',
      'checkConstraints',
      'changeDataFeed',
      'generatedColumns',
    ])
    expect(supportedFeatures(p(2, 5)).has('columnMapping')).toBe(true)
    expect(supportedFeatures(p(1, 5)).has('columnMapping')).toBe(false) // needs reader 2 as well
    expect(supportedFeatures(p(1, 6)).has('identityColumns')).toBe(true)
  })

  it('reads explicit lists at (3, 7) and reader-2 column mapping at (2, 7)', () => {
    const protocol = p(3, 7, ['deletionVectors'], ['deletionVectors', 'appendOnly'])
    expect([...supportedFeatures(protocol)].sort()).toEqual(['appendOnly', 'deletionVectors'])
    expect(supportedFeatures(p(1, 7, undefined, ['domainMetadata'])).has('invariants')).toBe(false)
    expect(isFeatureSupported(p(2, 7, undefined, ['icebergCompatV2']), 'columnMapping')).toBe(true)
  })

  it('treats aliases as the same feature', () => {
    const protocol = p(3, 7, ['typeWidening-preview'], ['typeWidening-preview'])
    expect(isFeatureSupported(protocol, 'typeWidening')).toBe(true)
    expect(
      isFeatureSupported(p(3, 7, ['timestampNtz'], ['timestampNtz']), 'timestampWithoutTimezone'),
    ).toBe(true)
    expect(isFeatureSupported(protocol, 'variantType')).toBe(false)
  })

  it('knows the kind of every spec feature', () => {
    expect(tableFeature('deletionVectors')?.kind).toBe('reader-writer')
    expect(tableFeature('inCommitTimestamp')?.kind).toBe('writer')
    expect(tableFeature('rowTracking')?.requires).toEqual(['domainMetadata'])
    expect(tableFeature('nope')).toBeUndefined()
    // Every dependency and alias target is itself in the catalogue.
    for (const f of TABLE_FEATURES) {
      for (const dep of f.requires) expect(tableFeature(dep)).toBeDefined()
      if (f.aliasOf !== undefined) expect(tableFeature(f.aliasOf)).toBeDefined()
    }
  })

  it('decides whether a feature is active from metadata', () => {
    const legacy = p(1, 2)
    expect(isFeatureActive(legacy, meta(), 'appendOnly')).toBe(false)
    expect(isFeatureActive(legacy, meta({ 'delta.appendOnly': 'true' }), 'appendOnly')).toBe(true)
    expect(
      isFeatureActive(legacy, meta({}, schemaWith({ 'delta.invariants': '{}' })), 'invariants'),
    ).toBe(true)
    expect(isFeatureActive(p(1, 1), meta({ 'delta.appendOnly': 'true' }), 'appendOnly')).toBe(false) // not supported
    const ntz = p(3, 7, ['timestampNtz'], ['timestampNtz', 'domainMetadata'])
    expect(isFeatureActive(ntz, meta({}, schemaWith({}, 'timestamp_ntz')), 'timestampNtz')).toBe(
      true,
    )
    expect(isFeatureActive(ntz, meta(), 'timestampNtz')).toBe(false)
    expect(isFeatureActive(ntz, meta(), 'domainMetadata')).toBe(true)
    expect(
      isFeatureActive(p(1, 4), meta({ 'delta.enableChangeDataCapture': 'true' }), 'changeDataFeed'),
    ).toBe(true)
  })
})

describe('checkReadSupport', () => {
  it('accepts reader versions 1 to 3 with the features we implement', () => {
    for (const protocol of [
      p(1, 2),
      p(2, 5),
      p(
        3,
        7,
        [
          'deletionVectors',
          'v2Checkpoint',
          'columnMapping',
          'timestampNtz',
          'typeWidening-preview',
        ],
        [],
      ),
      p(3, 7, ['variantType-preview', 'vacuumProtocolCheck'], []),
      p(3, 7, undefined, ['appendOnly']), // readerFeatures absent at reader 3: nothing to implement
    ]) {
      expect(() => checkReadSupport(protocol)).not.toThrow()
    }
  })

  it('refuses reader versions above 3', () => {
    expect(missingOf(() => checkReadSupport(p(99, 2)))).toEqual(['readerVersion 99'])
  })

  it('lists exactly the unsupported reader features, sorted, unknown names included', () => {
    const protocol = p(
      3,
      7,
      ['deletionVectors', 'catalogManaged', 'blahabl', 'variantShredding-preview'],
      [],
    )
    expect(missingOf(() => checkReadSupport(protocol))).toEqual([
      'blahabl',
      'catalogManaged',
      'variantShredding-preview',
    ])
  })

  it('reports the operation and versions on the error', () => {
    expect(() => checkReadSupport(p(3, 7, ['geospatial'], ['geospatial']))).toThrow(
      expect.objectContaining({
        operation: 'read',
        minReaderVersion: 3,
        minWriterVersion: 7,
        missing: ['geospatial'],
      }),
    )
  })

  it('ignores a known writer-only feature listed among reader features', () => {
    expect(() => checkReadSupport(p(3, 7, ['appendOnly'], ['appendOnly']))).not.toThrow()
  })

  it('lets a caller that implements more pass its own set', () => {
    const protocol = p(
      3,
      7,
      ['variantType', 'variantShredding'],
      ['variantType', 'variantShredding'],
    )
    expect(missingOf(() => checkReadSupport(protocol))).toEqual(['variantShredding'])
    expect(() =>
      checkReadSupport(protocol, new Set([...READER_FEATURES_SUPPORTED, 'variantShredding'])),
    ).not.toThrow()
  })
})

describe('checkWriteSupport', () => {
  it('accepts legacy and feature protocols we implement when nothing needs enforcing', () => {
    for (const protocol of [
      p(1, 2),
      p(1, 6), // implies identity columns, generated columns, constraints: none used
      p(2, 5),
      p(
        3,
        7,
        ['deletionVectors', 'v2Checkpoint'],
        [
          'deletionVectors',
          'v2Checkpoint',
          'appendOnly',
          'invariants',
          'inCommitTimestamp',
          'domainMetadata',
        ],
      ),
      p(1, 7, undefined, ['checkpointProtection', 'changeDataFeed']),
    ]) {
      expect(() => checkWriteSupport(protocol, meta())).not.toThrow()
    }
  })

  it('refuses tables that use invariants, constraints, generated, identity or default columns', () => {
    expect(
      missingOf(() =>
        checkWriteSupport(
          p(1, 2),
          meta({}, schemaWith({ 'delta.invariants': '{"expression":{"expression":"x > 3"}}' })),
        ),
      ),
    ).toEqual(['invariants'])
    expect(
      missingOf(() => checkWriteSupport(p(1, 3), meta({ 'delta.constraints.positive': 'x > 0' }))),
    ).toEqual(['checkConstraints'])
    expect(
      missingOf(() =>
        checkWriteSupport(p(1, 4), meta({}, schemaWith({ 'delta.generationExpression': 'y + 1' }))),
      ),
    ).toEqual(['generatedColumns'])
    expect(
      missingOf(() =>
        checkWriteSupport(
          p(1, 6),
          meta({}, schemaWith({ 'delta.identity.start': 1, 'delta.identity.step': 1 })),
        ),
      ),
    ).toEqual(['identityColumns'])
    expect(
      missingOf(() =>
        checkWriteSupport(
          p(1, 7, undefined, ['allowColumnDefaults']),
          meta({}, schemaWith({ CURRENT_DEFAULT: '1' })),
        ),
      ),
    ).toEqual(['allowColumnDefaults'])
    // The same metadata is fine when the protocol does not support the feature at all.
    expect(() =>
      checkWriteSupport(p(1, 1), meta({ 'delta.constraints.positive': 'x > 0' })),
    ).not.toThrow()
  })

  it('refuses features we cannot write, reader features included', () => {
    const protocol = p(
      3,
      7,
      ['deletionVectors', 'catalogManaged'],
      [
        'deletionVectors',
        'catalogManaged',
        'inCommitTimestamp',
        'rowTracking',
        'domainMetadata',
        'clustering',
        'icebergCompatV1',
        'collations-preview',
      ],
    )
    expect(missingOf(() => checkWriteSupport(protocol, meta()))).toEqual([
      'catalogManaged',
      'clustering',
      'collations-preview',
      'icebergCompatV1',
      'rowTracking',
    ])
    expect(
      missingOf(() => checkWriteSupport(p(3, 7, ['variantType'], ['variantType']), meta())),
    ).toEqual(['variantType'])
  })

  it('refuses versions above (3, 7)', () => {
    expect(missingOf(() => checkWriteSupport(p(1, 8), meta()))).toEqual(['writerVersion 8'])
    expect(missingOf(() => checkWriteSupport(p(4, 7, [], []), meta()))).toEqual(['readerVersion 4'])
  })

  it('uses a caller-supplied support map', () => {
    const protocol = p(1, 7, undefined, ['rowTracking', 'domainMetadata'])
    const support = new Map<string, WriteSupport>([
      ...WRITER_FEATURES_SUPPORTED,
      ['rowTracking', 'full'],
    ])
    expect(() => checkWriteSupport(protocol, meta(), support)).not.toThrow()
    expect(() => checkWriteSupport(protocol, meta())).toThrow(
      expect.objectContaining({ operation: 'write' }),
    )
  })
})

describe('minimalProtocol', () => {
  it('gives (1, 1) for nothing and keeps a legacy base as is', () => {
    expect(minimalProtocol([])).toEqual(p(1, 1))
    expect(minimalProtocol([], p(1, 2))).toEqual(p(1, 2))
    expect(minimalProtocol(['appendOnly'], p(2, 5))).toEqual(p(2, 5))
  })

  it('uses legacy versions when they are enough', () => {
    expect(minimalProtocol(['changeDataFeed'])).toEqual(p(1, 4))
    expect(minimalProtocol(['columnMapping'], p(1, 2))).toEqual(p(2, 5))
    expect(minimalProtocol(['identityColumns', 'appendOnly'])).toEqual(p(1, 6))
  })

  it('moves to (3, 7) listing the base legacy features, as Spark does', () => {
    expect(minimalProtocol(['deletionVectors'], p(1, 2))).toEqual(
      p(3, 7, ['deletionVectors'], ['deletionVectors', 'appendOnly', 'invariants']),
    )
    expect(minimalProtocol(['deletionVectors', 'columnMapping'])).toEqual(
      p(3, 7, ['deletionVectors', 'columnMapping'], ['deletionVectors', 'columnMapping']),
    )
  })

  it('uses reader 2 when column mapping is the only reader-writer feature (Spark, the spec example)', () => {
    expect(minimalProtocol(['columnMapping', 'icebergCompatV2'], p(1, 2))).toEqual(
      p(2, 7, undefined, ['columnMapping', 'icebergCompatV2', 'appendOnly', 'invariants']),
    )
  })

  it('uses (1, 7) for writer-only features and adds required features', () => {
    expect(minimalProtocol(['rowTracking'])).toEqual(
      p(1, 7, undefined, ['rowTracking', 'domainMetadata']),
    )
    expect(minimalProtocol(['variantShredding'])).toEqual(
      p(3, 7, ['variantShredding', 'variantType'], ['variantShredding', 'variantType']),
    )
  })

  it('never weakens a table-features base and keeps its order', () => {
    const base = p(3, 7, [], ['appendOnly', 'invariants'])
    expect(minimalProtocol([], base)).toEqual(base)
    expect(minimalProtocol(['inCommitTimestamp'], base)).toEqual(
      p(3, 7, [], ['appendOnly', 'invariants', 'inCommitTimestamp']),
    )
    expect(
      minimalProtocol(['deletionVectors'], p(3, 7, ['v2Checkpoint'], ['v2Checkpoint'])),
    ).toEqual(p(3, 7, ['v2Checkpoint', 'deletionVectors'], ['v2Checkpoint', 'deletionVectors']))
  })

  it('rejects unknown feature names', () => {
    expect(() => minimalProtocol(['warpDrive'])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('always yields a well-formed protocol supporting every requested feature and the base ones', () => {
    const names = TABLE_FEATURES.map((f) => f.name)
    const legacyBase = fc.constantFrom(
      p(1, 1),
      p(1, 2),
      p(1, 3),
      p(1, 4),
      p(2, 5),
      p(1, 6),
      p(2, 6),
    )
    fc.assert(
      fc.property(
        fc.subarray(names),
        fc.option(legacyBase, { nil: undefined }),
        (features, base) => {
          const result = minimalProtocol(features, base)
          expect(protocolProblems(result)).toEqual([])
          for (const f of features) expect(supportedFeatures(result).has(f)).toBe(true)
          for (const f of base === undefined ? [] : supportedFeatures(base))
            expect(isFeatureSupported(result, f)).toBe(true)
        },
      ),
    )
  })
})

describe('protocolProblems', () => {
  it('names each malformation', () => {
    expect(protocolProblems(p(3, 5))).toEqual([
      'reader version 3 requires writer version 7',
      'reader version 3 requires readerFeatures',
    ])
    expect(protocolProblems(p(1, 2, ['x'], ['x']))).toEqual([
      'readerFeatures requires reader version 3',
      'writerFeatures requires writer version 7',
    ])
    expect(protocolProblems(p(3, 7, ['deletionVectors'], []))).toEqual([
      'reader feature deletionVectors is not in writerFeatures',
    ])
    expect(protocolProblems(p(1, 7))).toEqual(['writer version 7 requires writerFeatures'])
  })
})
