/**
 * Per-file statistics, read side (PROTOCOL.md "Per-file Statistics").
 *
 * `add.stats` stays a string until someone needs it: most replays never look at stats, and
 * parsing a million of them up front would double the cost of opening a table. `fileStats(add)`
 * parses on first use and caches per action object.
 *
 * Values mirror the schema: `minValues.a.b.c` for column `a.b.c`, keyed by *physical* names under
 * column mapping. Typed accessors convert JSON to the representation of `partition-values.ts`
 * and return `undefined` whenever a statistic cannot be trusted exactly, so a data-skipping caller
 * that treats `undefined` as "unknown" can never skip a file wrongly:
 * - integers beyond 2^53 (a JSON double cannot hold them) and decimals with more than 15
 *   significant digits;
 * - `nullCount` under `tightBounds: false` unless it is 0 or `numRecords` (the only values the
 *   spec lets a reader use then).
 */

import { CorruptLogError, InvalidArgumentError } from '../errors.js'
import type { Where } from './action-validation.js'
import { parseDate, parseTimestamp } from './datetime.js'
import { parseDecimalText, rescaleDecimal } from './decimal.js'
import type { PartitionValue } from './partition-values.js'
import type { AtomicType } from './schema.js'

/** A nested statistics object: column name to value or to a nested object. */
export type StatsTree = Readonly<Record<string, unknown>>

export interface FileStats {
  readonly numRecords?: number
  readonly minValues?: StatsTree
  readonly maxValues?: StatsTree
  readonly nullCount?: StatsTree
  /** Whether min/max are tight (exist in the valid rows). Absent in the JSON means true. */
  readonly tightBounds: boolean
}

/**
 * Timestamp statistics are truncated to milliseconds, so the true maximum may exceed the stored
 * one by up to 999 microseconds (kernel-rs#1002).
 */
export const TIMESTAMP_STATS_SLACK_MICROS = 999n

function isTree(value: unknown): value is StatsTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Parses a `stats` JSON string. Malformed stats are a `CorruptLogError` (or InvalidArgument). */
export function parseStats(text: string, where?: Where): FileStats {
  const fail = (reason: string): never => {
    if (where !== undefined) throw new CorruptLogError(`invalid stats: ${reason}`, where)
    throw new InvalidArgumentError(`Invalid file statistics: ${reason}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return fail(`not JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  if (!isTree(value)) return fail('stats must be a JSON object')
  // Hot path (one call per file when skipping over millions): checks inline, one result
  // object, no temporary arrays or spreads.
  const { numRecords, minValues, maxValues, nullCount, tightBounds } = value
  const result: { -readonly [K in keyof FileStats]: FileStats[K] } = {
    tightBounds: typeof tightBounds === 'boolean' ? tightBounds : true,
  }
  if (typeof numRecords === 'number') {
    if (!Number.isInteger(numRecords) || numRecords < 0)
      fail('numRecords must be a non-negative integer')
    result.numRecords = numRecords
  } else if (numRecords !== undefined && numRecords !== null) {
    fail('numRecords must be a non-negative integer')
  }
  if (isTree(minValues)) result.minValues = minValues
  else if (minValues !== undefined && minValues !== null) fail('minValues must be an object')
  if (isTree(maxValues)) result.maxValues = maxValues
  else if (maxValues !== undefined && maxValues !== null) fail('maxValues must be an object')
  if (isTree(nullCount)) result.nullCount = nullCount
  else if (nullCount !== undefined && nullCount !== null) fail('nullCount must be an object')
  if (tightBounds !== undefined && tightBounds !== null && typeof tightBounds !== 'boolean') {
    fail('tightBounds must be a boolean')
  }
  return result
}

const CACHE = new WeakMap<object, FileStats | null>()

/**
 * The parsed stats of a file action, parsed once per action object and cached; `undefined` when
 * the action has no stats.
 */
export function fileStats(
  action: { readonly stats?: string },
  where?: Where,
): FileStats | undefined {
  const cached = CACHE.get(action)
  if (cached !== undefined) return cached ?? undefined
  const stats = action.stats === undefined ? null : parseStats(action.stats, where)
  CACHE.set(action, stats)
  return stats ?? undefined
}

/** The raw JSON value at `path` in one of the stats trees (undefined when absent). */
export function statsValue(
  stats: FileStats,
  tree: 'minValues' | 'maxValues' | 'nullCount',
  path: readonly string[],
): unknown {
  let node: unknown = stats[tree]
  for (const name of path) {
    if (!isTree(node) || !Object.hasOwn(node, name)) return undefined
    node = node[name]
  }
  return node
}

/**
 * The null count of a column, when it may be trusted: always under tight bounds; under wide
 * bounds only when it is 0 or equals `numRecords`.
 */
export function nullCountOf(stats: FileStats, path: readonly string[]): number | undefined {
  const value = statsValue(stats, 'nullCount', path)
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return undefined
  if (stats.tightBounds || value === 0 || value === stats.numRecords) return value
  return undefined
}

/** The minimum of a column as a typed value, or undefined when absent or not exact. */
export function minValueOf(
  stats: FileStats,
  path: readonly string[],
  type: AtomicType,
): Exclude<PartitionValue, null> | undefined {
  return typedStat(statsValue(stats, 'minValues', path), type)
}

/**
 * An upper bound for a column as a typed value, or undefined when absent or not exact. For
 * timestamps the stored (millisecond-truncated) maximum is raised by 999 microseconds so that the
 * result really bounds the data.
 */
export function maxValueOf(
  stats: FileStats,
  path: readonly string[],
  type: AtomicType,
): Exclude<PartitionValue, null> | undefined {
  const value = typedStat(statsValue(stats, 'maxValues', path), type)
  if (typeof value === 'bigint' && (type.type === 'timestamp' || type.type === 'timestamp_ntz')) {
    return value + TIMESTAMP_STATS_SLACK_MICROS
  }
  return value
}

/** Converts one JSON statistic to the typed representation of `type`. */
export function typedStat(
  value: unknown,
  type: AtomicType,
): Exclude<PartitionValue, null> | undefined {
  if (value === undefined || value === null) return undefined
  switch (type.type) {
    case 'string':
      return typeof value === 'string' ? value : undefined
    case 'long':
      return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined
    case 'integer':
    case 'short':
    case 'byte':
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined
    case 'float':
      return typeof value === 'number' ? Math.fround(value) : undefined
    case 'double':
      return typeof value === 'number' ? value : undefined
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined
    case 'date':
      return typeof value === 'string' ? parseDate(value) : undefined
    case 'timestamp':
    case 'timestamp_ntz':
      return typeof value === 'string' ? parseTimestamp(value)?.micros : undefined
    case 'decimal': {
      // JSON.parse has already turned the number into a double; trust it only when the shortest
      // text of that double has at most 15 significant digits (then it is the written text).
      const text =
        typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined
      if (text === undefined) return undefined
      if (typeof value === 'number' && significantDigits(text) > 15) return undefined
      const parsed = parseDecimalText(text)
      return parsed === undefined ? undefined : rescaleDecimal(parsed, type.scale)
    }
    default:
      return undefined // binary, void, variant: no usable min/max
  }
}

/** Significant digits in a number's text (`-0.00120` has 2, `1.5e+21` has 2). */
function significantDigits(text: string): number {
  const digits = text.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '')
  return digits.replace(/^0+/, '').replace(/0+$/, '').length
}
