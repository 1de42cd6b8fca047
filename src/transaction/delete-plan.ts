/**
 * How a DELETE runs, decided from its predicate alone (Spark's `DeleteCommand.performDelete`):
 *
 * - no predicate: every file is removed, no data is read;
 * - a predicate over partition columns only (or over no column at all, like `TRUE`): it is
 *   decided per file on its partition values, exactly, and the files where it is TRUE are
 *   removed whole — a metadata-only delete, reading no data;
 * - otherwise rows must be read: the predicate plans the candidate files (partition pruning
 *   and stats skipping) and is then evaluated per row.
 *
 * For conflict detection the transaction declares what it read by a predicate on partition
 * values, as Spark's conflict checker evaluates read predicates: for a row-level delete, the
 * top-level AND terms that use partition columns only (a concurrently added file in another
 * partition cannot hold a row this delete would have deleted); when there is no such term, any
 * concurrently added file counts as read.
 */
import type { Add } from '../protocol/actions.js'
import type { Expression } from '../scan/expression.js'
import { bindPredicate, referencedColumns } from '../scan/predicate-bind.js'
import { parsePredicate } from '../scan/predicate-parser.js'
import {
  formatExpression,
  type PartitionedTable,
  type PartitionPredicate,
  partitionPredicate,
} from './partition-predicate.js'

export type DeletePlan =
  /** Delete everything. */
  | { readonly kind: 'all' }
  /** Remove the files whose partition values satisfy `predicate`. */
  | { readonly kind: 'partitions'; readonly predicate: PartitionPredicate }
  /** Evaluate `expression` row by row in the candidate files. */
  | {
      readonly kind: 'rows'
      /** Bound to the table schema. */
      readonly expression: Expression
      /** The predicate as given (for `operationParameters.predicate`). */
      readonly text: string
      /** Top-level columns the predicate reads. */
      readonly columns: readonly string[]
      /** Whether a file added concurrently would have been read (see the file comment). */
      readonly readMatches: (add: Pick<Add, 'partitionValues'>) => boolean
    }

/** The schema names of the partition columns (the log may spell them in another case). */
function partitionNames(table: PartitionedTable): Set<string> {
  const names = new Set<string>()
  for (const name of table.partitionColumns) {
    const field =
      table.schema.fields.find((f) => f.name === name) ??
      table.schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
    if (field !== undefined) names.add(field.name)
  }
  return names
}

function onlyPartitions(expression: Expression, partitions: ReadonlySet<string>): boolean {
  return referencedColumns(expression).every((p) => p.length === 1 && partitions.has(p[0]!))
}

/** The top-level AND terms of an expression (nested ANDs flattened). */
function conjuncts(expression: Expression): Expression[] {
  return expression.kind === 'and' ? expression.operands.flatMap(conjuncts) : [expression]
}

/**
 * The plan for deleting the rows of `table` where `predicate` is TRUE (everything when it is
 * undefined). Text is parsed against the schema and an expression bound to it; throws the scan
 * layer's `InvalidArgumentError`s for a predicate that does not parse, names an unknown column,
 * or is not boolean.
 */
export function planDelete(
  table: PartitionedTable,
  predicate: Expression | string | undefined,
): DeletePlan {
  if (predicate === undefined) return { kind: 'all' }
  const schema = table.schema
  const expression = bindPredicate(
    typeof predicate === 'string' ? parsePredicate(predicate, schema) : predicate,
    schema,
  )
  const partitions = partitionNames(table)
  if (onlyPartitions(expression, partitions)) {
    // Handing over the text keeps it verbatim in the commit; an Expression is formatted.
    return { kind: 'partitions', predicate: partitionPredicate(predicate, table) }
  }
  const partitionTerms = conjuncts(expression).filter((e) => onlyPartitions(e, partitions))
  const readFilter =
    partitionTerms.length === 0
      ? undefined
      : partitionPredicate(
          partitionTerms.length === 1
            ? partitionTerms[0]!
            : { kind: 'and', operands: partitionTerms },
          table,
        )
  return {
    kind: 'rows',
    expression,
    text: typeof predicate === 'string' ? predicate : formatExpression(predicate),
    columns: [...new Set(referencedColumns(expression).map((p) => p[0]!))],
    readMatches: readFilter === undefined ? () => true : (add) => readFilter.matchesFile(add),
  }
}
