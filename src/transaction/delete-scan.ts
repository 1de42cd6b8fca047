/**
 * The first pass of a row-level DELETE: which live rows of which files the predicate deletes.
 *
 * Candidate files come from the scan planner with the delete predicate as filter (partition
 * pruning and stats skipping), so files that cannot hold a matching row are never opened. Each
 * candidate is then read with its current deletion vector applied, projecting only the columns
 * the predicate needs (a delete by `id = 7` reads the `id` column alone; partition columns cost
 * no I/O), and the predicate is evaluated row by row with SQL's three-valued logic: rows where it
 * is TRUE are deleted, NULL and FALSE rows stay.
 *
 * The result per touched file is the set of *physical* row indexes it matched (positions in the
 * file, as a deletion vector records them), plus the facts the next steps need: the physical
 * row count from the footer (exact `numRecords` for a new DV) and the rows still visible (to
 * tell a file that loses every row, which is removed whole, from one that keeps some).
 *
 * Files are read one at a time in plan order while the next one is fetched, as scans do.
 */
import { throwIfAborted } from '../errors.js'
import type { Add } from '../protocol/actions.js'
import { type RowIndexSet, rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { DataReader, type OpenedFile } from '../scan/data-reader.js'
import { evaluatePredicate } from '../scan/evaluate.js'
import type { Expression } from '../scan/expression.js'
import { planScan } from '../scan/plan.js'
import type { ScanFile } from '../scan/scan-file.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import type { StorageOptions } from '../storage/url.js'

/** A live file of the snapshot: its `add` action and its planned form. */
export interface CandidateFile {
  readonly add: Add
  readonly file: ScanFile
}

/** A candidate file in which the predicate matched at least one visible row. */
export interface TouchedFile extends CandidateFile {
  /** Rows in the data file, deleted ones included (from its footer). */
  readonly physicalRows: number
  /** Rows visible before this delete (physical rows minus the current DV). */
  readonly liveRows: number
  /** The rows the file's current deletion vector deletes; undefined when it has none. */
  readonly previouslyDeleted: RowIndexSet | undefined
  /** Physical indexes of the visible rows this delete deletes (never empty). */
  readonly matched: RowIndexSet
}

export interface ScanOptions {
  readonly storage?: StorageOptions | undefined
  readonly signal?: AbortSignal | undefined
}

/**
 * The live files the predicate may match (stats skipping applied), with their `add` actions, in
 * the snapshot's order. Throws the planner's errors for a bad predicate.
 */
export function candidateFiles(snapshot: Snapshot, predicate: Expression): CandidateFile[] {
  const planned = new Map<string, ScanFile>()
  for (const file of planScan(snapshot, { filter: predicate })) planned.set(file.logPath, file)
  // A path is live at most once (PROTOCOL.md: a path is re-added only together with the remove
  // of its previous DV), so the log path identifies the add.
  const out: CandidateFile[] = []
  for (const add of snapshot.files()) {
    const file = planned.get(add.path)
    if (file !== undefined) out.push({ add, file })
  }
  return out
}

/**
 * Opens `files` one after another with `reader`, fetching the next while the caller works on
 * the current one. A failed prefetch is never left unobserved.
 */
export async function* prefetched<T extends { readonly file: ScanFile }>(
  reader: DataReader,
  files: readonly T[],
  signal: AbortSignal | undefined,
): AsyncGenerator<{ readonly item: T; readonly opened: OpenedFile }> {
  for (const { file } of files) reader.expect(file)
  let next: Promise<OpenedFile> | undefined
  const open = (i: number): Promise<OpenedFile> | undefined => {
    const item = files[i]
    return item === undefined ? undefined : reader.open(item.file, { signal })
  }
  next = open(0)
  try {
    for (let i = 0; i < files.length; i++) {
      throwIfAborted(signal)
      const opened = await next!
      next = open(i + 1)
      yield { item: files[i]!, opened }
    }
  } finally {
    next?.catch(() => undefined)
  }
}

/** Physical rows of an opened file, from its footer. */
export function physicalRowsOf(opened: OpenedFile): number {
  return opened.source.rowGroupRows.reduce((sum, rows) => sum + rows, 0)
}

/**
 * Reads `candidates` (of `snapshot`) and returns those in which `predicate` (bound to the
 * schema; `columns` are the top-level columns it reads) is TRUE for at least one visible row.
 * Throws `NotFoundError` for a missing data or DV file and `CorruptDataError` for a damaged one.
 */
export async function findTouchedFiles(
  snapshot: Snapshot,
  candidates: readonly CandidateFile[],
  predicate: Expression,
  columns: readonly string[],
  options: ScanOptions = {},
): Promise<TouchedFile[]> {
  const signal = options.signal
  const reader = new DataReader(snapshot, { columns, storage: options.storage })
  const touched: TouchedFile[] = []
  for await (const { item, opened } of prefetched(reader, candidates, signal)) {
    const chunks: Float64Array[] = []
    let liveRows = 0
    let matchedRows = 0
    for await (const { batch, rowIndexes } of reader.readWithRowIndexes(opened, { signal })) {
      liveRows += batch.numRows
      const mask = evaluatePredicate(batch, predicate)
      let count = 0
      for (let i = 0; i < mask.length; i++) count += mask[i]!
      if (count === 0) continue
      const hits = new Float64Array(count)
      let at = 0
      for (let i = 0; i < mask.length; i++) if (mask[i] === 1) hits[at++] = rowIndexes[i]!
      chunks.push(hits)
      matchedRows += count
    }
    if (matchedRows === 0) continue
    touched.push({
      ...item,
      physicalRows: physicalRowsOf(opened),
      liveRows,
      previouslyDeleted: opened.deleted,
      matched: rowIndexSetOf(concat(chunks, matchedRows)),
    })
  }
  return touched
}

function concat(chunks: readonly Float64Array[], length: number): Float64Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Float64Array(length)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
