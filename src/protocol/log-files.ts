/**
 * Names of the files in `_delta_log/`, parsed once into typed values (PROTOCOL.md "File Types",
 * "Checkpoint Naming Scheme").
 *
 * Names are relative to `_delta_log/`: `00000000000000000007.json`,
 * `_staged_commits/00000000000000000007.<uuid>.json`, `_sidecars/<name>.parquet`,
 * `_last_checkpoint`. Anything else (Hadoop `.crc` side files, delta-rs `.tmp/` files, editor
 * leftovers) parses to `undefined` and is not part of the log.
 *
 * Versions are zero-padded to exactly 20 digits (parts to 10), so string order of formatted names
 * of one kind equals numeric order: listing with `startAfter` works.
 */

import { InvalidArgumentError } from '../errors.js'

export type LogFile =
  | { readonly kind: 'commit'; readonly version: number }
  | { readonly kind: 'checkpoint'; readonly version: number; readonly format: 'classic' }
  | {
      readonly kind: 'checkpoint'
      readonly version: number
      readonly format: 'multi-part'
      /** 1-based part number. */
      readonly part: number
      readonly parts: number
    }
  | {
      readonly kind: 'checkpoint'
      readonly version: number
      readonly format: 'uuid'
      readonly uuid: string
      readonly fileFormat: 'json' | 'parquet'
    }
  | { readonly kind: 'compaction'; readonly startVersion: number; readonly endVersion: number }
  | { readonly kind: 'crc'; readonly version: number }
  | { readonly kind: 'last-checkpoint' }
  | { readonly kind: 'staged-commit'; readonly version: number; readonly uuid: string }
  | { readonly kind: 'sidecar'; readonly name: string }

export type CheckpointFile = Extract<LogFile, { kind: 'checkpoint' }>

export const LAST_CHECKPOINT_NAME = '_last_checkpoint'
export const STAGED_COMMITS_DIR = '_staged_commits/'
export const SIDECARS_DIR = '_sidecars/'

// Exactly 20 digits, as the spec says and kernel-rs checks: Spark's looser `\d+` would accept
// names whose string order no longer matches version order, and listing relies on that order.
const V = '(\\d{20})'
const UUID = '([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})'

// One pattern per kind, anchored; tried in order of how common they are in a listing.
const COMMIT = new RegExp(`^${V}\\.json$`)
const CLASSIC = new RegExp(`^${V}\\.checkpoint\\.parquet$`)
const MULTI_PART = new RegExp(`^${V}\\.checkpoint\\.(\\d{10})\\.(\\d{10})\\.parquet$`)
const UUID_CHECKPOINT = new RegExp(`^${V}\\.checkpoint\\.${UUID}\\.(json|parquet)$`)
const CRC = new RegExp(`^${V}\\.crc$`)
const COMPACTION = new RegExp(`^${V}\\.${V}\\.compacted\\.json$`)
const STAGED = new RegExp(`^_staged_commits/${V}\\.${UUID}\\.json$`)
const SIDECAR = /^_sidecars\/([^/]+\.parquet)$/

/**
 * A 20-digit version, or undefined above 2^53 - 1: such a version cannot be held exactly, and no
 * real table gets anywhere near it, so the name is treated as not ours rather than misread.
 */
function version(digits: string): number | undefined {
  const n = Number(digits)
  return Number.isSafeInteger(n) ? n : undefined
}

/** Parses a name relative to `_delta_log/`; `undefined` when it is not a Delta log file. */
export function parseLogFileName(name: string): LogFile | undefined {
  let m = COMMIT.exec(name)
  if (m !== null) {
    const v = version(m[1]!)
    return v === undefined ? undefined : { kind: 'commit', version: v }
  }
  m = CLASSIC.exec(name)
  if (m !== null) {
    const v = version(m[1]!)
    return v === undefined ? undefined : { kind: 'checkpoint', version: v, format: 'classic' }
  }
  m = MULTI_PART.exec(name)
  if (m !== null) {
    const v = version(m[1]!)
    const part = Number(m[2])
    const parts = Number(m[3])
    if (v === undefined || part < 1 || part > parts) return undefined
    return { kind: 'checkpoint', version: v, format: 'multi-part', part, parts }
  }
  m = UUID_CHECKPOINT.exec(name)
  if (m !== null) {
    const v = version(m[1]!)
    if (v === undefined) return undefined
    return {
      kind: 'checkpoint',
      version: v,
      format: 'uuid',
      uuid: m[2]!,
      fileFormat: m[3] as 'json' | 'parquet',
    }
  }
  m = CRC.exec(name)
  if (m !== null) {
    const v = version(m[1]!)
    return v === undefined ? undefined : { kind: 'crc', version: v }
  }
  m = COMPACTION.exec(name)
  if (m !== null) {
    const startVersion = version(m[1]!)
    const endVersion = version(m[2]!)
    // The spec requires the end to be strictly greater than the start.
    if (startVersion === undefined || endVersion === undefined || endVersion <= startVersion)
      return undefined
    return { kind: 'compaction', startVersion, endVersion }
  }
  if (name === LAST_CHECKPOINT_NAME) return { kind: 'last-checkpoint' }
  m = STAGED.exec(name)
  if (m !== null) {
    const v = version(m[1]!)
    return v === undefined ? undefined : { kind: 'staged-commit', version: v, uuid: m[2]! }
  }
  m = SIDECAR.exec(name)
  // Hidden names in `_sidecars/` are Hadoop `.crc` side files or in-flight temporaries.
  if (m !== null && !m[1]!.startsWith('.')) return { kind: 'sidecar', name: m[1]! }
  return undefined
}

function pad(n: number, width: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(
      `A log version or part number must be a non-negative integer, got ${n}`,
    )
  }
  return String(n).padStart(width, '0')
}

/** Zero-pads a version to the 20 digits log file names use. */
export function formatVersion(version: number): string {
  return pad(version, 20)
}

/** Formats a log file back to its name relative to `_delta_log/`. */
export function formatLogFileName(file: LogFile): string {
  switch (file.kind) {
    case 'commit':
      return `${formatVersion(file.version)}.json`
    case 'checkpoint':
      switch (file.format) {
        case 'classic':
          return `${formatVersion(file.version)}.checkpoint.parquet`
        case 'multi-part':
          return `${formatVersion(file.version)}.checkpoint.${pad(file.part, 10)}.${pad(file.parts, 10)}.parquet`
        case 'uuid':
          return `${formatVersion(file.version)}.checkpoint.${file.uuid}.${file.fileFormat}`
      }
    case 'crc':
      return `${formatVersion(file.version)}.crc`
    case 'compaction':
      return `${formatVersion(file.startVersion)}.${formatVersion(file.endVersion)}.compacted.json`
    case 'last-checkpoint':
      return LAST_CHECKPOINT_NAME
    case 'staged-commit':
      return `${STAGED_COMMITS_DIR}${formatVersion(file.version)}.${file.uuid}.json`
    case 'sidecar':
      return `${SIDECARS_DIR}${file.name}`
  }
}

/** The name of the commit file for `version` (relative to `_delta_log/`). */
export function commitFileName(version: number): string {
  return `${formatVersion(version)}.json`
}
