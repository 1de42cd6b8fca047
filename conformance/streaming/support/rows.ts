/**
 * Rows out of Arrow batches, as plain values the streaming proofs compare: `(id, part)` for
 * appended data, plus the change columns for the change data feed.
 */
import type * as arrow from 'apache-arrow'

export interface IdRow {
  readonly id: number
  readonly part: string
}

export interface ChangeRow extends IdRow {
  readonly changeType: string
  readonly commitVersion: number
  readonly commitTimestamp: number
}

/** Reads a named column of the current row. */
export type Cell = (name: string) => unknown

/** Maps every row of the batches through `row`, which reads its columns by name. */
export function mapRows<T>(batches: Iterable<arrow.RecordBatch>, row: (cell: Cell) => T): T[] {
  const out: T[] = []
  for (const batch of batches) {
    for (let i = 0; i < batch.numRows; i++) {
      out.push(
        row((name) => {
          const column = batch.getChild(name)
          if (column === null) throw new Error(`the batch has no column ${name}`)
          return column.get(i) as unknown
        }),
      )
    }
  }
  return out
}

export function numberOf(value: unknown): number {
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value)
  throw new Error(`expected a number, got ${String(value)}`)
}

export function stringOf(value: unknown): string {
  if (typeof value === 'string') return value
  throw new Error(`expected a string, got ${String(value)}`)
}

export function idRows(batches: Iterable<arrow.RecordBatch>): IdRow[] {
  return mapRows(batches, (cell) => ({ id: numberOf(cell('id')), part: stringOf(cell('part')) }))
}

export function changeRows(batches: Iterable<arrow.RecordBatch>): ChangeRow[] {
  return mapRows(batches, (cell) => ({
    id: numberOf(cell('id')),
    part: stringOf(cell('part')),
    changeType: stringOf(cell('_change_type')),
    commitVersion: numberOf(cell('_commit_version')),
    // Stored in microseconds; Arrow presents timestamps as epoch milliseconds.
    commitTimestamp: numberOf(cell('_commit_timestamp')),
  }))
}

export async function collectBatches(
  batches: AsyncIterable<arrow.RecordBatch>,
): Promise<arrow.RecordBatch[]> {
  const out: arrow.RecordBatch[] = []
  for await (const batch of batches) out.push(batch)
  return out
}

/** A stable text per row, for sorting and for messages that show what differs. */
export const keyOf = (row: object): string => JSON.stringify(row)

export function sortedKeys(rows: readonly object[]): string[] {
  return rows.map(keyOf).sort()
}

/** The keys that occur more than once (a stream that emitted something twice). */
export function duplicates(rows: readonly object[]): string[] {
  const seen = new Set<string>()
  const twice = new Set<string>()
  for (const key of rows.map(keyOf)) (seen.has(key) ? twice : seen).add(key)
  return [...twice]
}
