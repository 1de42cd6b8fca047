/**
 * The rows the write-path proofs write and read back: `(id long, part string, value string)`,
 * where `part` is the partition column of partitioned tables. Ids are unique per test, so a
 * row lost or written twice shows up as a missing or repeated id.
 */
import * as arrow from 'apache-arrow'
import type { Snapshot } from '../../../src/snapshot/snapshot.js'
import { scanToTable } from '../../../src/scan/read-scan.js'

import type { Row } from '../processes/shared.mjs'

export { ROW_SCHEMA, rowsTable, type Row } from '../processes/shared.mjs'

/**
 * Partition values that trip up path encoding and NULL handling: spaces, `=`, `%`, `/`, `?`,
 * `#`, quotes, non-ASCII, an astral character, the empty string (a NULL partition, as in
 * Spark) and NULL itself.
 */
export const AWKWARD_PARTS: readonly (string | null)[] = [
  'a',
  'b c',
  'x=1',
  '100%',
  '%2F',
  'slash/y',
  'q?#&',
  "it's",
  'é',
  '日本',
  'emoji😀',
  '',
  null,
]

/** What a reader sees for a written partition value: '' reads back as NULL. */
export function readPart(part: string | null): string | null {
  return part === '' ? null : part
}

function nullableString(value: unknown, column: string): string | null {
  if (value === null || typeof value === 'string') return value
  throw new Error(`column ${column}: expected a string or null, got ${typeof value}`)
}

/** The rows of an Arrow table with the `ROW_SCHEMA` columns, sorted by id. */
export function rowsOf(table: arrow.Table): Row[] {
  const id = table.getChild('id')
  const part = table.getChild('part')
  const value = table.getChild('value')
  if (id === null || part === null || value === null) {
    throw new Error(`expected columns id, part, value; got ${table.schema.names.join(', ')}`)
  }
  const rows: Row[] = []
  for (let i = 0; i < table.numRows; i++) {
    const rawId: unknown = id.get(i)
    if (typeof rawId !== 'bigint' && typeof rawId !== 'number') {
      throw new Error(`row ${i}: id ${String(rawId)} is not a number`)
    }
    rows.push({
      id: Number(rawId),
      part: nullableString(part.get(i), 'part'),
      value: nullableString(value.get(i), 'value'),
    })
  }
  return sortRows(rows)
}

/** The rows a snapshot holds (deletion vectors applied, partition values materialized). */
export async function snapshotRows(snapshot: Snapshot): Promise<Row[]> {
  return rowsOf(await scanToTable(snapshot, {}))
}

export function sortRows(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => a.id - b.id)
}

/** The ids that occur more than once. */
export function repeatedIds(rows: readonly Row[]): number[] {
  const seen = new Set<number>()
  const repeated = new Set<number>()
  for (const row of rows) {
    if (seen.has(row.id)) repeated.add(row.id)
    seen.add(row.id)
  }
  return [...repeated].sort((a, b) => a - b)
}

/** The SQL text of a string literal ('' escapes a quote). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/** A predicate selecting one partition value (NULL and '' select the NULL partition). */
export function partPredicate(part: string | null): string {
  const read = readPart(part)
  return read === null ? 'part IS NULL' : `part = ${sqlString(read)}`
}
