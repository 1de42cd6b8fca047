/**
 * Test helpers for the engine: the shared corpus of real tables and DuckDB as an independent
 * Parquet reader (an oracle: it shares no code with parquet-wasm or apache-arrow).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

const repoRoot = path.resolve(import.meta.dirname, '../..')

/** `process.env.DELTA_CORPUS`, else `../shared/corpus` beside the repository. */
export const corpusRoot = path.resolve(
  process.env.DELTA_CORPUS ?? path.resolve(repoRoot, '../shared/corpus'),
)

const ci = process.env.CI === 'true' || process.env.CI === '1'

/**
 * Whether corpus tests must be skipped. Outside CI a missing corpus skips them with a message;
 * in CI it fails the run (a silently skipped oracle is worse than a red build).
 */
export function corpusMissing(): boolean {
  if (existsSync(path.join(corpusRoot, 'manifest.json'))) return false
  const why = `Delta corpus not found at ${corpusRoot} (set DELTA_CORPUS)`
  if (ci) throw new Error(`${why}: corpus tests cannot be skipped in CI`)
  console.warn(`${why}: skipping corpus tests`)
  return true
}

export function inCorpus(...parts: string[]): string {
  return path.join(corpusRoot, ...parts)
}

let connection: Promise<DuckDBConnection> | undefined

export function duckdb(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:').then((db) => db.connect())
  return connection
}

/** Runs SQL in DuckDB and returns rows as plain JS values (BIGINT as bigint). */
export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const c = await duckdb()
  const result = await c.runAndReadAll(sql)
  return result.getRowObjectsJS()
}

/** Single-quoted SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/** Writes bytes to a fresh temporary file (removed by the returned cleanup) for DuckDB. */
export function tempFile(name: string, bytes: Uint8Array): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deltalake-ts-engine-'))
  const file = path.join(dir, name)
  writeFileSync(file, bytes)
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface ParquetSchemaRow {
  readonly name: string
  readonly type: string | null
  readonly repetition: string | null
  readonly numChildren: number
  readonly convertedType: string | null
  readonly logicalType: string | null
  readonly fieldId: number | null
}

/** The Parquet schema of a file as DuckDB's `parquet_schema()` sees it (root row dropped). */
export async function parquetSchema(file: string): Promise<ParquetSchemaRow[]> {
  const rows = await duckRows(
    `select name, type, repetition_type, num_children, converted_type, logical_type, field_id
     from parquet_schema(${sqlString(file)})`,
  )
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
  return rows.slice(1).map((r) => ({
    name: str(r.name) ?? '',
    type: str(r.type),
    repetition: str(r.repetition_type),
    numChildren: r.num_children === null ? 0 : Number(r.num_children),
    convertedType: str(r.converted_type),
    logicalType: str(r.logical_type),
    fieldId: r.field_id === null ? null : Number(r.field_id),
  }))
}

/**
 * The schema as an indented tree of `name repetition type/converted` lines: easy to diff, and
 * independent of sibling order only where the caller sorts it.
 */
export function schemaTree(rows: readonly ParquetSchemaRow[]): string[] {
  const out: string[] = []
  let at = 0
  const visit = (depth: number): void => {
    const r = rows[at++]
    if (r === undefined) return
    const kind =
      r.numChildren > 0
        ? `group${r.convertedType === null ? '' : `/${r.convertedType}`}`
        : `${r.type}${r.convertedType === null ? '' : `/${r.convertedType}`}`
    out.push(`${'  '.repeat(depth)}${r.name} ${r.repetition} ${kind}`)
    for (let i = 0; i < r.numChildren; i++) visit(depth + 1)
  }
  while (at < rows.length) visit(0)
  return out
}
