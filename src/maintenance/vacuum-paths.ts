/**
 * Which store keys vacuum may ever touch, and the keys the log's file actions name.
 *
 * Hidden names follow Spark's `DeltaTableUtils.isHiddenDirectory`, applied (as Spark's listing
 * applies it) to every path component, directories and file names alike: a component starting
 * with `_` or `.` is hidden — so `_delta_log/`, `_SUCCESS`, `.part-0.crc` and temp directories
 * are never listed nor deleted — except
 * - `_change_data...`: change data files are vacuumed like data files (by age; the snapshot does
 *   not track them);
 * - `_delta_index...`: index files tied to data files;
 * - `<partitionColumn>=...`: a partition directory whose column name starts with `_`.
 * With Iceberg UniForm enabled, a component named exactly `metadata` is hidden too: it holds the
 * converted Iceberg metadata.
 *
 * Log paths are decoded exactly once (`canonicalPathFn`): a path that resolves outside the table
 * root yields no key, so nothing outside the root can become a deletion candidate.
 */
import type { DeletionVectorDescriptor, Metadata } from '../protocol/actions.js'
import { dvFileLocation } from '../protocol/deletion-vector.js'
import { keyWithinRoot } from '../protocol/file-paths.js'
import { canonicalPathFn } from '../snapshot/read-segment.js'

/** The log directory: never a vacuum candidate, whatever else is decided. */
export const LOG_PREFIX = '_delta_log/'

export interface HiddenRule {
  /** Names of `col=value` directories that stay visible even when `col` starts with `_`. */
  readonly partitionColumns: readonly string[]
  /** Iceberg UniForm keeps its metadata in `metadata/`, which vacuum must not sweep. */
  readonly icebergMetadataHidden: boolean
}

export function hiddenRuleOf(metadata: Metadata): HiddenRule {
  const formats = metadata.configuration['delta.universalFormat.enabledFormats'] ?? ''
  return {
    partitionColumns: metadata.partitionColumns,
    icebergMetadataHidden: formats.split(',').some((f) => f.trim().toLowerCase() === 'iceberg'),
  }
}

/** Spark's hidden-name test for one path component. */
export function isHiddenName(name: string, rule: HiddenRule): boolean {
  if (rule.icebergMetadataHidden && name === 'metadata') return true
  if (!name.startsWith('_') && !name.startsWith('.')) return false
  if (name.startsWith('_delta_index') || name.startsWith('_change_data')) return false
  return !rule.partitionColumns.some((column) => name.startsWith(`${column}=`))
}

/**
 * Whether vacuum must leave `key` alone: it lies in `_delta_log/`, or a component at or after
 * character `from` is hidden (callers that already checked a prefix pass its length).
 */
export function isProtectedKey(key: string, rule: HiddenRule, from = 0): boolean {
  // Belt and braces: the hidden rule already covers `_delta_log`, but the log is the one
  // thing whose loss is unrecoverable, so it gets its own check.
  if (key.startsWith(LOG_PREFIX)) return true
  let start = from
  while (start < key.length) {
    const slash = key.indexOf('/', start)
    const end = slash < 0 ? key.length : slash
    if (isHiddenName(key.slice(start, end), rule)) return true
    start = end + 1
  }
  return false
}

/** Maps log paths (add/remove/cdc `path`, DV descriptors) to store keys under the table root. */
export interface KeyResolver {
  /** The key a file action's `path` names, or undefined when it lies outside the table root. */
  fileKey(path: string): string | undefined
  /** The key of a stored DV's file under the root; undefined for inline DVs and files elsewhere. */
  dvKey(dv: DeletionVectorDescriptor | undefined): string | undefined
}

export function keyResolver(tableUrl: string): KeyResolver {
  const canonical = canonicalPathFn(tableUrl)
  const source = { path: tableUrl }
  return {
    fileKey(path) {
      const key = canonical(path, source)
      // Outside the root, `canonicalPathFn` returns `../x` or a full URI (`s3://b/x`); neither
      // is a valid store key (keys have no `..` and no empty segments), so both are refused.
      return key.startsWith('../') || key.includes('://') ? undefined : key
    },
    dvKey(dv) {
      if (dv === undefined || dv.storageType === 'i') return undefined
      const target = dvFileLocation(dv)
      // Spark ignores absolute (`p`) DVs when it collects valid files; one that lies inside the
      // root would then be deleted. We resolve it and keep it.
      return keyWithinRoot(target, tableUrl)
    },
  }
}
