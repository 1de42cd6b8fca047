/**
 * `replaceWhere` predicates over partition columns, evaluated exactly.
 *
 * An overwrite with `replaceWhere` removes the files whose partition values make the predicate
 * TRUE, and refuses to write a row for which it is not TRUE (Spark's
 * DELTA_REPLACE_WHERE_MISMATCH). Since every row of a file shares the file's partition values,
 * both are exact decisions on partition values alone, under SQL's three-valued logic: NULL is
 * not TRUE, so `date = '2024-01-01'` neither removes nor accepts rows whose date is NULL.
 *
 * Scope: only partition columns. Spark can also replace by a predicate on data columns (it
 * rewrites the matching files, keeping their other rows), which needs a scan of those files;
 * that is refused here with `InvalidArgumentError` rather than approximated.
 *
 * Parsing, name resolution and literal typing are the scan layer's (`parsePredicate`,
 * `bindPredicate`), so a predicate means the same thing to a scan and to an overwrite.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Add } from '../protocol/actions.js'
import { type ColumnMappingMode, physicalName } from '../protocol/column-mapping.js'
import { formatDecimal } from '../protocol/decimal.js'
import { type PartitionValue, parsePartitionValue } from '../protocol/partition-values.js'
import type { AtomicType, StructField, StructType } from '../protocol/schema.js'
import type { Expression } from '../scan/expression.js'
import { bindPredicate, formatColumnPath, referencedColumns } from '../scan/predicate-bind.js'
import { normalize } from '../scan/predicate-normalize.js'
import { parsePredicate } from '../scan/predicate-parser.js'
import { isDecimalValue } from '../scan/scalar-compare.js'

export interface PartitionPredicate {
  /** The predicate as given (for `operationParameters.predicate`). */
  readonly text: string
  /** Bound to the table schema. */
  readonly expression: Expression
  /** Whether the predicate is TRUE for these partition values (logical names; NULL is null). */
  matches(values: Readonly<Record<string, PartitionValue>>): boolean
  /** Whether it is TRUE for a file's `partitionValues`. */
  matchesFile(add: Pick<Add, 'partitionValues'>): boolean
}

export interface PartitionedTable {
  readonly schema: StructType
  readonly partitionColumns: readonly string[]
  readonly columnMappingMode: ColumnMappingMode
}

/** Replaces each column by its value; what remains folds to a constant. */
function substitute(e: Expression, values: Readonly<Record<string, PartitionValue>>): Expression {
  switch (e.kind) {
    case 'column':
      return { kind: 'literal', value: values[e.path[0]!] ?? null }
    case 'literal':
      return e
    case 'compare':
      return { ...e, left: substitute(e.left, values), right: substitute(e.right, values) }
    case 'and':
    case 'or':
      return { kind: e.kind, operands: e.operands.map((o) => substitute(o, values)) }
    case 'not':
    case 'isNull':
      return { kind: e.kind, operand: substitute(e.operand, values) }
    case 'in':
      return {
        kind: 'in',
        value: substitute(e.value, values),
        list: e.list.map((x) => substitute(x, values)),
      }
  }
}

/**
 * Parses (text) or binds (an expression) a `replaceWhere` predicate for `table`. Throws
 * `InvalidArgumentError` (the scan layer's predicate errors included) when it does not parse,
 * names unknown columns, or names a column that is not a partition column.
 */
export function partitionPredicate(
  predicate: Expression | string,
  table: PartitionedTable,
): PartitionPredicate {
  const expression =
    typeof predicate === 'string'
      ? parsePredicate(predicate, table.schema)
      : bindPredicate(predicate, table.schema)
  // Keyed by the schema's spelling, which is what binding resolves names to.
  const partitions = new Map<string, StructField>()
  for (const name of table.partitionColumns) {
    const field =
      table.schema.fields.find((f) => f.name === name) ??
      table.schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
    if (field !== undefined) partitions.set(field.name, field)
  }
  for (const path of referencedColumns(expression)) {
    if (path.length !== 1 || !partitions.has(path[0]!)) {
      throw new InvalidArgumentError(
        `replaceWhere may only reference partition columns` +
          ` (${table.partitionColumns.length === 0 ? 'the table has none' : table.partitionColumns.join(', ')});` +
          ` ${formatColumnPath(path)} is a data column. Replacing rows by a data predicate is not supported:` +
          ' delete them first, then append.',
      )
    }
  }
  const matches = (values: Readonly<Record<string, PartitionValue>>): boolean => {
    const form = normalize(substitute(expression, values))
    return form.kind === 'const' && form.value === 'true'
  }
  return {
    text: typeof predicate === 'string' ? predicate : formatExpression(predicate),
    expression,
    matches,
    matchesFile: (add) => {
      const values: Record<string, PartitionValue> = {}
      for (const [name, field] of partitions) {
        const raw = add.partitionValues[physicalName(field, table.columnMappingMode)]
        values[name] = parsePartitionValue(raw, field.type as AtomicType)
      }
      return matches(values)
    },
  }
}

function formatLiteral(value: PartitionValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (value instanceof Uint8Array) {
    return `X'${[...value].map((b) => b.toString(16).padStart(2, '0')).join('')}'`
  }
  if (isDecimalValue(value)) return formatDecimal(value)
  return String(value)
}

/** A predicate as SQL text (for commitInfo), close to what a user would write. */
export function formatExpression(e: Expression): string {
  switch (e.kind) {
    case 'column':
      return formatColumnPath(e.path)
    case 'literal':
      return formatLiteral(e.value)
    case 'compare':
      return `(${formatExpression(e.left)} ${e.op} ${formatExpression(e.right)})`
    case 'and':
    case 'or':
      return `(${e.operands.map(formatExpression).join(` ${e.kind.toUpperCase()} `)})`
    case 'not':
      return `(NOT ${formatExpression(e.operand)})`
    case 'isNull':
      return `(${formatExpression(e.operand)} IS NULL)`
    case 'in':
      return `(${formatExpression(e.value)} IN (${e.list.map(formatExpression).join(', ')}))`
  }
}
