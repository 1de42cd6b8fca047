/**
 * Statistics for the property tests: the stats JSON of a file computed from its rows as TRUE
 * bounds, in the ways real writers produce them (truncated strings with or without a
 * tie-breaker, millisecond timestamps, wide bounds, missing columns), keyed by physical names.
 */
import fc from 'fast-check'
import type { ColumnMappingMode } from '../protocol/column-mapping.js'
import { formatDate, formatTimestampMicros } from '../protocol/datetime.js'
import type { DecimalValue } from '../protocol/decimal.js'
import {
  COLUMNS,
  type ColumnKind,
  DECIMAL_SCALE,
  type Partition,
  type Row,
  type Value,
  physical,
  refOrder,
  valueAt,
} from './predicate.test-util.js'

export interface StatsStyle {
  /** Prefix length for strings. */
  readonly prefix: number
  /** `spark`: a cut max gets a tie-breaker; `bare`: a cut max is a plain prefix. */
  readonly maxStyle: 'spark' | 'bare'
  /** Wide bounds (`tightBounds: false`): min lowered, max raised. */
  readonly wide: boolean
  /** Columns (dotted logical paths) left out of the stats. */
  readonly omit: readonly string[]
}

export const arbStatsStyle: fc.Arbitrary<StatsStyle> = fc.record({
  prefix: fc.integer({ min: 1, max: 2 }),
  maxStyle: fc.constantFrom('spark' as const, 'bare' as const),
  wide: fc.boolean(),
  omit: fc.subarray(COLUMNS.filter((c) => !c.partition).map((c) => c.path.join('.'))),
})

const MS = 1000n

function statValue(
  kind: ColumnKind,
  v: Exclude<Value, null>,
  bound: 'min' | 'max',
  style: StatsStyle,
): unknown {
  switch (kind) {
    case 'string': {
      const s = v as string
      const chars = Array.from(s) // cut at code points, never inside a surrogate pair
      if (chars.length <= style.prefix) return s
      const prefix = chars.slice(0, style.prefix).join('')
      if (bound === 'min' || style.maxStyle === 'bare') return prefix
      return prefix + '\u{10ffff}' // a tie-breaker larger than any character
    }
    case 'timestamp': {
      const us = v as bigint
      const ms = us >= 0n ? (us / MS) * MS : ((us - 999n) / MS) * MS
      return formatTimestampMicros(ms, { separator: 'T', fraction: 'millis', zone: 'Z' })
    }
    case 'date':
      return formatDate(v as number)
    case 'decimal': {
      const d = v as DecimalValue
      return Number(d.unscaled) / 10 ** d.scale
    }
    case 'long':
      return Number(v)
    case 'double':
      return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v
    default:
      return v
  }
}

/** Widens a bound for `tightBounds: false` (numbers only; other kinds stay tight, still valid). */
function widen(
  kind: ColumnKind,
  v: Exclude<Value, null>,
  bound: 'min' | 'max',
): Exclude<Value, null> {
  const step = bound === 'min' ? -1 : 1
  if (kind === 'long') return (v as bigint) + BigInt(step * 3)
  if (kind === 'integer' || kind === 'date') return (v as number) + step * 2
  if (kind === 'decimal')
    return { unscaled: (v as DecimalValue).unscaled + BigInt(step * 50), scale: DECIMAL_SCALE }
  if (kind === 'timestamp') return (v as bigint) + BigInt(step * 5000)
  return v
}

function setPath(tree: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = tree
  for (const name of path.slice(0, -1)) node = (node[name] ??= {}) as Record<string, unknown>
  node[path.at(-1)!] = value
}

/** The `stats` JSON of a file holding `rows` (physical rows, deleted ones included). */
export function statsJson(
  rows: readonly Row[],
  style: StatsStyle,
  mode: ColumnMappingMode,
): string {
  const minValues: Record<string, unknown> = {}
  const maxValues: Record<string, unknown> = {}
  const nullCount: Record<string, unknown> = {}
  for (const c of COLUMNS) {
    if (c.partition || style.omit.includes(c.path.join('.'))) continue
    const path = c.path.map((n) => physical(n, mode))
    const values = rows
      .map((r) => valueAt(r, c.path))
      .filter((v): v is Exclude<Value, null> => v !== null)
    setPath(nullCount, path, rows.length - values.length)
    if (values.length === 0) continue
    let min = values[0]!
    let max = values[0]!
    for (const v of values) {
      if (refOrder(v, min) < 0) min = v
      if (refOrder(v, max) > 0) max = v
    }
    if (style.wide) {
      min = widen(c.kind, min, 'min')
      max = widen(c.kind, max, 'max')
    }
    setPath(minValues, path, statValue(c.kind, min, 'min', style))
    setPath(maxValues, path, statValue(c.kind, max, 'max', style))
  }
  return JSON.stringify({
    numRecords: rows.length,
    minValues,
    maxValues,
    nullCount,
    ...(style.wide ? { tightBounds: false } : {}),
  })
}

/** Serialized partition values of a file, keyed by physical names. */
export function partitionValuesJson(
  partition: Partition,
  mode: ColumnMappingMode,
): Record<string, string | null> {
  return {
    [physical('part', mode)]: partition.part,
    [physical('pd', mode)]: partition.pd === null ? null : formatDate(partition.pd),
  }
}
