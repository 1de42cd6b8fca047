/**
 * File skipping: may a file hold a row for which the predicate is TRUE? Decided from the file's
 * typed partition values (exact: every row of a file has the same value) and its statistics
 * (bounds: PROTOCOL.md "Per-file Statistics"). The answer errs on one side only: `false` means
 * no row can match; `true` means some row might.
 *
 * The predicate is put in negation normal form first (`predicate-normalize.ts`), so each leaf is
 * judged alone; AND needs every operand to be possible, OR one of them.
 *
 * What the statistics are trusted for:
 * - `minValues` is a lower bound and `maxValues` an upper bound of the non-NULL values, also under
 *   `tightBounds: false` (wide bounds are still bounds) and after rows were deleted by a deletion
 *   vector (deleting rows cannot push values outside the bounds).
 * - Timestamp maxima were truncated to milliseconds: `maxValueOf` already adds 999 µs.
 * - String bounds are prefixes. A truncated minimum is still a lower bound. A maximum is trusted
 *   only as a prefix envelope: Spark appends a tie-breaker character to a cut maximum so that it
 *   stays an upper bound, but a writer that cut without one would leave values *above* the stored
 *   maximum that start with it (max "abc" for "abcz"). So a value is ruled out by the maximum only
 *   when it sorts after it *and* does not extend it, which is safe for both kinds of writers and
 *   loses only the rare literal that extends the stored maximum.
 * - `nullCount` is used only when `nullCountOf` trusts it (always under tight bounds; under wide
 *   bounds only 0 or numRecords): 0 means no NULLs, numRecords means only NULLs.
 * - NaN: Spark's stats treat NaN as the largest double (a column holding NaN gets the max NaN,
 *   written as the JSON string "NaN", which reads as unknown), so a numeric maximum bounds NaN too
 *   (delta-io/delta#7101 drops footer stats of writers that leave NaN out for that reason).
 * Anything missing, unparseable or inexact (`undefined` from `protocol/stats.ts`) keeps the file.
 */
import type { ColumnMappingMode } from '../protocol/column-mapping.js'
import { physicalPath } from '../protocol/column-mapping.js'
import type { PartitionValue } from '../protocol/partition-values.js'
import type { AtomicType, StructType } from '../protocol/schema.js'
import { findField } from '../protocol/schema.js'
import type { FileStats } from '../protocol/stats.js'
import { maxValueOf, minValueOf, nullCountOf } from '../protocol/stats.js'
import { compareUtf8 } from '../util/utf8.js'
import type { ComparisonOperator, Expression, Scalar } from './expression.js'
import { type NormalForm, normalize } from './predicate-normalize.js'
import { compareScalars, satisfies } from './scalar-compare.js'

/** What skipping reads of a file. `stats` may be a getter: it is read at most once per file. */
export interface FileFacts {
  /** Typed partition values by logical column name; a missing entry is NULL. */
  readonly partitionValues: Readonly<Record<string, PartitionValue>>
  readonly stats: FileStats | undefined
}

/** The table-level facts that skipping needs to interpret file facts. */
export interface TableShape {
  /** The logical schema. */
  readonly schema: StructType
  /** Logical names of the partition columns. */
  readonly partitionColumns: readonly string[]
  /** Statistics are keyed by physical names under column mapping. */
  readonly columnMappingMode: ColumnMappingMode
}

export interface FileFilter {
  /** Whether some leaf reads statistics (if not, `stats` is never read). */
  readonly usesStats: boolean
  /** Whether some leaf reads partition values. */
  readonly usesPartitionValues: boolean
  /** The predicate folded to a constant: `'true'` keeps every file, `'false'` none. */
  readonly constant: 'true' | 'false' | undefined
  /** False when no row of the file can satisfy the predicate. */
  mayMatch(file: FileFacts): boolean
}

type Test = (file: FileFacts) => boolean

/**
 * Compiles a predicate (bound to `table.schema`, see `bindPredicate`) into a file filter. Columns
 * that are not atomic or not found are treated as unknown: such leaves never rule a file out.
 */
export function compileFileFilter(expression: Expression, table: TableShape): FileFilter {
  const form = normalize(expression)
  let usesStats = false
  let usesPartitionValues = false
  const partitions = new Map(table.partitionColumns.map((c) => [c.toLowerCase(), c]))

  const compile = (node: NormalForm): Test => {
    switch (node.kind) {
      case 'const':
        return node.value === 'true' ? always : never
      case 'unknown':
        return always
      case 'and': {
        const parts = node.operands.map(compile)
        return (file) => parts.every((p) => p(file))
      }
      case 'or': {
        const parts = node.operands.map(compile)
        return (file) => parts.some((p) => p(file))
      }
      case 'compare':
      case 'isNull': {
        const partition =
          node.column.length === 1 ? partitions.get(node.column[0]!.toLowerCase()) : undefined
        if (partition !== undefined) {
          usesPartitionValues = true
          return partitionTest(node, partition)
        }
        const field = findField(table.schema, node.column)
        const path = physicalPath(table.schema, node.column, table.columnMappingMode)
        if (field === undefined || path === undefined) return always
        const type = field.type
        if (
          node.kind === 'compare' &&
          (type.type === 'struct' || type.type === 'array' || type.type === 'map')
        ) {
          return always
        }
        usesStats = true
        return node.kind === 'isNull'
          ? nullTest(path, node.negated)
          : rangeTest(path, type as AtomicType, node.op, node.value)
      }
    }
  }

  const test = compile(form)
  return {
    usesStats,
    usesPartitionValues,
    constant: form.kind === 'const' ? (form.value === 'true' ? 'true' : 'false') : undefined,
    mayMatch: test,
  }
}

const always: Test = () => true
const never: Test = () => false

/** Partition columns hold one value per file: the leaf is decided exactly. */
function partitionTest(node: NormalForm & { kind: 'compare' | 'isNull' }, name: string): Test {
  if (node.kind === 'isNull') {
    return (file) => ((file.partitionValues[name] ?? null) === null) !== node.negated
  }
  return (file) => {
    const value = file.partitionValues[name] ?? null
    if (value === null) return false // NULL op v is NULL
    const order = compareScalars(value, node.value)
    return order === undefined ? true : satisfies(node.op, order)
  }
}

/** True when the stats prove that every row is NULL in the column (or there are no rows). */
function allNull(stats: FileStats, path: readonly string[]): boolean {
  const nulls = nullCountOf(stats, path)
  return nulls !== undefined && stats.numRecords !== undefined && nulls === stats.numRecords
}

function nullTest(path: readonly string[], negated: boolean): Test {
  if (negated) {
    // IS NOT NULL: impossible only when every row is NULL.
    return (file) => {
      const stats = file.stats
      return stats === undefined || !allNull(stats, path)
    }
  }
  return (file) => {
    const stats = file.stats
    if (stats === undefined) return true
    if (stats.numRecords === 0) return false
    const nulls = nullCountOf(stats, path)
    return nulls === undefined || nulls > 0
  }
}

function rangeTest(
  path: readonly string[],
  type: AtomicType,
  op: ComparisonOperator,
  value: Scalar,
): Test {
  const isString = type.type === 'string'
  return (file) => {
    const stats = file.stats
    if (stats === undefined) return true
    // A comparison with NULL is never TRUE: a file of only NULLs holds no match.
    if (allNull(stats, path)) return false
    const lower = minValueOf(stats, path, type)
    const upper = maxValueOf(stats, path, type)
    return rangeMayMatch(op, value, lower, upper, isString)
  }
}

/**
 * Whether some value in [lower, upper] may satisfy `x op value` (an undefined bound is open).
 * For strings the upper bound is a prefix envelope (see the file comment).
 */
export function rangeMayMatch(
  op: ComparisonOperator,
  value: Scalar,
  lower: Scalar | undefined,
  upper: Scalar | undefined,
  isString: boolean,
): boolean {
  // Rules a value out when it is above every value the file may hold.
  const aboveAll = (strict: boolean): boolean => {
    if (upper === undefined) return false
    if (isString && typeof value === 'string' && typeof upper === 'string') {
      return compareUtf8(value, upper) > 0 && !value.startsWith(upper)
    }
    const order = compareScalars(upper, value)
    return order !== undefined && (strict ? order < 0 : order <= 0)
  }
  const belowAll = (strict: boolean): boolean => {
    if (lower === undefined) return false
    const order = compareScalars(lower, value)
    return order !== undefined && (strict ? order > 0 : order >= 0)
  }
  switch (op) {
    case '=':
      return !belowAll(true) && !aboveAll(true)
    case '<':
      return !belowAll(false)
    case '<=':
      return !belowAll(true)
    case '>':
      // No value > v when upper <= v (for strings: when v is past the envelope).
      return !aboveAll(false)
    case '>=':
      return !aboveAll(true)
    case '!=': {
      // Every value equals v only when lower = upper = v; never provable for string prefixes.
      if (isString || lower === undefined || upper === undefined) return true
      return !(compareScalars(lower, upper) === 0 && compareScalars(lower, value) === 0)
    }
  }
}
