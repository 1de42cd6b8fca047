/**
 * The shared corpus of real Delta tables (../shared/corpus), enumerated with what each one
 * should produce: most must load and match their expected results; some are broken on
 * purpose and must fail with a specific typed error (never a wrong snapshot).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import type { DeltaErrorCode } from '../../src/errors.js'

export interface ManifestEntry {
  readonly path: string
  readonly latestVersion: number
  readonly checkpointKind: string
  readonly protocol: { readonly minReaderVersion: number; readonly minWriterVersion: number }
  readonly activeFiles: number
  readonly statsRowCount: number | null
}

export type Expectation =
  | { readonly kind: 'valid' }
  /** Must fail with one of these codes. */
  | { readonly kind: 'error'; readonly codes: readonly DeltaErrorCode[]; readonly reason: string }

export interface Fact {
  readonly source: string
  readonly facts: Readonly<Record<string, unknown>>
}

export interface CorpusTable {
  /** Manifest path, e.g. `delta-golden/checkpoint` or `dat-deltaray/basic_append/delta`. */
  readonly id: string
  /** Absolute path of the table root. */
  readonly root: string
  readonly manifest: ManifestEntry
  readonly expectation: Expectation
  readonly facts: readonly Fact[]
  /** DAT: expected results per version (`latest` resolved to its number). */
  readonly dat: readonly DatVersion[]
  /** Golden: directory of Parquet files with the rows Spark reads at the latest version. */
  readonly goldenExpected: string | undefined
}

export interface DatVersion {
  readonly version: number
  readonly label: string
  readonly contentDir: string
  readonly metadata: {
    readonly version: number
    readonly properties: Readonly<Record<string, string>>
    readonly min_reader_version: number
    readonly min_writer_version: number
  }
}

/** Tables that are broken on purpose (corpus README), with the error a correct reader gives. */
const BROKEN: readonly {
  readonly match: RegExp
  readonly codes: readonly DeltaErrorCode[]
  readonly reason: string
}[] = [
  {
    match: /versions-not-contiguous/,
    codes: ['CORRUPT_LOG'],
    reason: 'commit versions have a gap',
  },
  {
    match: /data_err_logs\/table_c$/,
    codes: ['CORRUPT_LOG'],
    reason: 'a commit is missing after the checkpoint',
  },
  {
    match: /state-reconstruction-without-(protocol|metadata)/,
    codes: ['CORRUPT_LOG'],
    reason: 'no protocol or metaData action',
  },
  {
    match: /state-reconstruction-from-checkpoint-missing-protocol/,
    codes: ['CORRUPT_LOG'],
    reason: 'the checkpoint has no protocol',
  },
  {
    match: /invalid-protocol-version/,
    codes: ['PROTOCOL_UNSUPPORTED'],
    reason: 'reader version 99',
  },
  {
    match: /^delta-rs\/simple_table_features$/,
    codes: ['PROTOCOL_UNSUPPORTED'],
    reason: 'declares an unknown feature',
  },
  {
    match: /catalog_managed|data_err_logs\/table_[de]$/,
    codes: ['PROTOCOL_UNSUPPORTED'],
    reason:
      'catalogManaged (catalogOwned-preview): commits live in a catalog, which this library does not implement',
  },
  {
    match: /spark-shredded-variant|variant-stats-/,
    codes: ['PROTOCOL_UNSUPPORTED'],
    reason: 'variantShredding: shredded variant columns are not reassembled by this reader',
  },
  {
    match: /table-with-geo$/,
    codes: ['PROTOCOL_UNSUPPORTED'],
    reason:
      'geospatial: not a feature of the Delta protocol spec; geometry/geography types are not implemented',
  },
  {
    match: /data-reader-absolute-paths-escaped-chars/,
    codes: ['CORRUPT_LOG'],
    reason:
      'the log has no metaData action (the upstream test only inspects file paths); the spec requires one',
  },
]

/**
 * Where the manifest (made by a survey script, "a guide, not an oracle") disagrees with the
 * upstream test that owns the table, the upstream test wins.
 */
const MANIFEST_CORRECTIONS: Readonly<
  Record<string, { readonly activeFiles: number; readonly source: string }>
> = {
  'delta-golden/canonicalized-paths-normal-a': {
    activeFiles: 0,
    source: "Spark DeltaLogSuite 'paths should be canonicalized - normal characters'",
  },
  'delta-golden/canonicalized-paths-normal-b': {
    activeFiles: 0,
    source: "Spark DeltaLogSuite 'paths should be canonicalized - normal characters'",
  },
  'delta-golden/canonicalized-paths-special-a': {
    activeFiles: 0,
    source: "Spark DeltaLogSuite 'paths should be canonicalized - special characters'",
  },
  'delta-golden/canonicalized-paths-special-b': {
    activeFiles: 0,
    source: "Spark DeltaLogSuite 'paths should be canonicalized - special characters'",
  },
  'delta-kernel-rs-golden/canonicalized-paths-normal-a/delta': {
    activeFiles: 0,
    source: "Spark DeltaLogSuite 'paths should be canonicalized - normal characters'",
  },
  'delta-kernel-rs-golden/canonicalized-paths-normal-b/delta': {
    activeFiles: 0,
    source: "Spark DeltaLogSuite 'paths should be canonicalized - normal characters'",
  },
  'delta-kernel-rs-golden/canonicalized-paths-special-a/delta': {
    activeFiles: 0,
    source: "Spark DeltaLogSuite 'paths should be canonicalized - special characters'",
  },
  'delta-kernel-rs-golden/canonicalized-paths-special-b/delta': {
    activeFiles: 0,
    source: "Spark DeltaLogSuite 'paths should be canonicalized - special characters'",
  },
}

export function loadCorpus(corpusRoot: string): CorpusTable[] {
  const manifest = JSON.parse(
    readFileSync(path.join(corpusRoot, 'manifest.json'), 'utf8'),
  ) as ManifestEntry[]
  return manifest.map((entry) => {
    const correction = MANIFEST_CORRECTIONS[entry.path]
    return describeTable(
      corpusRoot,
      correction === undefined ? entry : { ...entry, activeFiles: correction.activeFiles },
    )
  })
}

function describeTable(corpusRoot: string, manifest: ManifestEntry): CorpusTable {
  const root = path.join(corpusRoot, manifest.path)
  const broken = BROKEN.find((b) => b.match.test(manifest.path))
  const expectation: Expectation =
    broken === undefined
      ? { kind: 'valid' }
      : { kind: 'error', codes: broken.codes, reason: broken.reason }
  // A case directory holds `delta/` (the table) beside `expected/` and facts.
  const caseDir = path.basename(root) === 'delta' ? path.dirname(root) : root
  const factsFile = path.join(caseDir, 'expected-facts.json')
  const facts = existsSync(factsFile)
    ? (JSON.parse(readFileSync(factsFile, 'utf8')) as { entries: Fact[] }).entries
    : []
  const dat: DatVersion[] = []
  const goldenDir = path.join(caseDir, 'expected')
  let goldenExpected: string | undefined
  if (manifest.path.startsWith('dat-deltaray/')) {
    for (const label of existsSync(goldenDir) ? readdirSync(goldenDir) : []) {
      const dir = path.join(goldenDir, label)
      const metadata = JSON.parse(
        readFileSync(path.join(dir, 'table_version_metadata.json'), 'utf8'),
      ) as DatVersion['metadata']
      dat.push({
        version: metadata.version,
        label,
        contentDir: path.join(dir, 'table_content'),
        metadata,
      })
    }
  } else if (path.basename(root) === 'delta' && existsSync(goldenDir)) {
    goldenExpected = goldenDir
  }
  return { id: manifest.path, root, manifest, expectation, facts, dat, goldenExpected }
}

/** Names of the Parquet files directly in the table root and its partition directories. */
export function dataFilesOnDisk(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue
      if (entry.isDirectory()) walk(path.join(dir, entry.name))
      else if (entry.name.endsWith('.parquet')) out.push(entry.name)
    }
  }
  walk(root)
  return out.sort()
}
