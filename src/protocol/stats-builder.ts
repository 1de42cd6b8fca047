/**
 * Per-file statistics, write side: builds the `stats` JSON string of an `add` the way Spark
 * writes it (`numRecords`, `minValues`, `maxValues`, `nullCount`, then `tightBounds` if given).
 *
 * Two protocol rules shape the values (PROTOCOL.md "Per-file Statistics", footnote 1):
 * - strings are cut to a prefix (32 UTF-16 units by default, Spark's
 *   `delta.dataSkippingStringPrefixLength`), and a cut maximum gets a tie-breaker character
 *   appended so it stays an upper bound;
 * - timestamps are truncated to milliseconds and written as `2024-01-01T00:00:00.000Z`
 *   (timestamp_ntz without the `Z`).
 */

import { InvalidArgumentError } from '../errors.js'
import { formatDate, formatTimestampMicros } from './datetime.js'
import { stringifyJson } from './json-tree.js'
import { type DecimalValue, formatDecimal, rescaleDecimal } from './decimal.js'
import { formatJavaDouble, formatJavaFloat, type PartitionValue } from './partition-values.js'
import type { AtomicType } from './schema.js'

export const DEFAULT_STRING_PREFIX_LENGTH = 32

export interface ColumnStats {
  /** Physical names from the top-level column down (nested struct fields). */
  readonly path: readonly string[]
  readonly type: AtomicType
  readonly nullCount: number
  /** Minimum non-null value (typed as in `partition-values.ts`); omit when all values are null. */
  readonly min?: Exclude<PartitionValue, null>
  readonly max?: Exclude<PartitionValue, null>
}

export interface StatsInput {
  readonly numRecords: number
  readonly columns: readonly ColumnStats[]
  /** Written only when given (Spark writes it on tables with deletion vectors). */
  readonly tightBounds?: boolean
  /** Default 32. */
  readonly stringPrefixLength?: number
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff

/**
 * A lower bound for `value` of at most `prefixLength` UTF-16 units (one more when the cut would
 * split a surrogate pair, which is kept whole). Spark's `truncateMinStringAgg`.
 */
export function truncateMinString(value: string, prefixLength: number): string | undefined {
  if (value.length <= prefixLength) return value
  if (prefixLength <= 0) return undefined
  if (isHigh(value.charCodeAt(prefixLength - 1)) && isLow(value.charCodeAt(prefixLength))) {
    return value.slice(0, prefixLength + 1)
  }
  return value.slice(0, prefixLength)
}

const ASCII_MAX = '\u007f'
const UNICODE_MAX = '\u{10ffff}' // two UTF-16 units; also the largest UTF-8 sequence

/**
 * An upper bound for `value` from a short prefix, as Spark's `truncateMaxStringAgg` computes it:
 * the prefix plus U+007F when the next character is below it, else plus U+10FFFF (skipping over
 * U+10FFFF characters already in the value, which nothing can exceed). Undefined when no bound
 * fits in twice the prefix length; then no maximum is written.
 */
export function truncateMaxString(value: string, prefixLength: number): string | undefined {
  if (value.length <= prefixLength) return value
  if (prefixLength <= 0) return undefined
  const limit = 2 * prefixLength
  let length = truncateMinString(value, prefixLength)!.length
  while (length <= limit) {
    if (length >= value.length) return value
    if (value.startsWith(UNICODE_MAX, length)) {
      length += 2
    } else if (value.charCodeAt(length) < 0x7f) {
      return value.slice(0, length) + ASCII_MAX
    } else {
      return value.slice(0, length) + UNICODE_MAX
    }
  }
  return undefined
}

/**
 * JSON text of one statistic, or undefined when the type keeps no min/max (binary, variant,
 * void) or the value cannot be written (NaN and infinities are not JSON).
 */
function statText(
  value: Exclude<PartitionValue, null>,
  type: AtomicType,
  bound: 'min' | 'max',
  prefix: number,
): string | undefined {
  const wrong = (): never => {
    throw new InvalidArgumentError(
      `A ${type.type} statistic cannot be ${typeof value} ${stringifyJson(value)}`,
    )
  }
  switch (type.type) {
    case 'string': {
      if (typeof value !== 'string') return wrong()
      const cut =
        bound === 'min' ? truncateMinString(value, prefix) : truncateMaxString(value, prefix)
      return cut === undefined ? undefined : JSON.stringify(cut)
    }
    case 'long':
      return typeof value === 'bigint' ? value.toString() : wrong()
    case 'integer':
    case 'short':
    case 'byte':
      return typeof value === 'number' && Number.isInteger(value) ? String(value) : wrong()
    case 'double':
      if (typeof value !== 'number') return wrong()
      return Number.isFinite(value) ? formatJavaDouble(value) : undefined
    case 'float':
      if (typeof value !== 'number') return wrong()
      return Number.isFinite(value) ? formatJavaFloat(value) : undefined
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : wrong()
    case 'date':
      return typeof value === 'number' ? JSON.stringify(formatDate(value)) : wrong()
    case 'timestamp':
    case 'timestamp_ntz': {
      if (typeof value !== 'bigint') return wrong()
      const zone = type.type === 'timestamp' ? 'Z' : ''
      return JSON.stringify(
        formatTimestampMicros(value, { separator: 'T', fraction: 'millis', zone }),
      )
    }
    case 'decimal': {
      const v = value as DecimalValue
      if (typeof v !== 'object' || typeof v.unscaled !== 'bigint') return wrong()
      const scaled = rescaleDecimal(v, type.scale)
      return scaled === undefined ? wrong() : formatDecimal(scaled)
    }
    default:
      return undefined
  }
}

/** A tree of JSON texts, built column by column, written in insertion order. */
type TextTree = Map<string, string | TextTree>

function put(tree: TextTree, path: readonly string[], text: string): void {
  let node = tree
  for (let i = 0; i < path.length - 1; i++) {
    let child = node.get(path[i]!)
    if (typeof child !== 'object') {
      child = new Map()
      node.set(path[i]!, child)
    }
    node = child
  }
  node.set(path[path.length - 1]!, text)
}

function writeTree(tree: TextTree): string {
  const parts: string[] = []
  for (const [key, value] of tree) {
    parts.push(`${JSON.stringify(key)}:${typeof value === 'string' ? value : writeTree(value)}`)
  }
  return `{${parts.join(',')}}`
}

/** Serializes statistics to the `stats` JSON string of an `add`. */
export function serializeStats(input: StatsInput): string {
  if (!Number.isSafeInteger(input.numRecords) || input.numRecords < 0) {
    throw new InvalidArgumentError(
      `numRecords must be a non-negative integer, got ${input.numRecords}`,
    )
  }
  const prefix = input.stringPrefixLength ?? DEFAULT_STRING_PREFIX_LENGTH
  const mins: TextTree = new Map()
  const maxs: TextTree = new Map()
  const nulls: TextTree = new Map()
  for (const column of input.columns) {
    if (column.path.length === 0)
      throw new InvalidArgumentError('A stats column path must not be empty')
    if (column.min !== undefined) {
      const text = statText(column.min, column.type, 'min', prefix)
      if (text !== undefined) put(mins, column.path, text)
    }
    if (column.max !== undefined) {
      const text = statText(column.max, column.type, 'max', prefix)
      if (text !== undefined) put(maxs, column.path, text)
    }
    put(nulls, column.path, String(column.nullCount))
  }
  let out = `{"numRecords":${input.numRecords}`
  if (mins.size > 0) out += `,"minValues":${writeTree(mins)}`
  if (maxs.size > 0) out += `,"maxValues":${writeTree(maxs)}`
  if (nulls.size > 0) out += `,"nullCount":${writeTree(nulls)}`
  if (input.tightBounds !== undefined) out += `,"tightBounds":${input.tightBounds}`
  return `${out}}`
}
