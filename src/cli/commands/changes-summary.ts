/**
 * `delta changes --summary`: one line per commit from the log alone — files and rows added and
 * removed, bytes, change files — for any table, with or without the change data feed enabled.
 * Rows are what readers see: a file's row count minus its deleted rows, so a deletion-vector
 * update (remove + re-add of one file) nets to the rows it deleted.
 */
import { tail, type CommitRecord } from '../../changes/tail.js'
import type { Add, Remove } from '../../protocol/actions.js'
import type { CommandContext } from '../command.js'
import { formatBytes, formatCount, formatTime, isoTime } from '../output/human.js'
import type { Style } from '../output/style.js'
import { renderTable } from '../output/table.js'
import { commitBounds, endVersion, startVersion, type ChangesRequest } from './changes-request.js'
import { recordsOf } from './inspect-facts.js'

export interface CommitSummary {
  readonly version: number
  readonly timestamp: string
  readonly operation: string | null
  readonly addedFiles: number
  readonly removedFiles: number
  readonly addedBytes: number
  readonly removedBytes: number
  /** Visible rows of the added files; null when one has no row count. */
  readonly addedRows: number | null
  /** Visible rows of the removed files before removal; null when one has no row count. */
  readonly removedRows: number | null
  readonly cdcFiles: number
  /** Whether any file action changed data (false for OPTIMIZE-style rearrangements). */
  readonly dataChange: boolean
}

export function summarizeCommit(commit: CommitRecord): CommitSummary {
  let addedFiles = 0
  let removedFiles = 0
  let addedBytes = 0
  let removedBytes = 0
  let addedRows: number | null = 0
  let removedRows: number | null = 0
  let cdcFiles = 0
  let dataChange = false
  for (const action of commit.actions) {
    if ('add' in action) {
      addedFiles++
      addedBytes += action.add.size
      dataChange ||= action.add.dataChange
      const rows = visibleRows(action.add)
      addedRows = addedRows === null || rows === undefined ? null : addedRows + rows
    } else if ('remove' in action) {
      removedFiles++
      removedBytes += action.remove.size ?? 0
      dataChange ||= action.remove.dataChange
      const rows = visibleRows(action.remove)
      removedRows = removedRows === null || rows === undefined ? null : removedRows + rows
    } else if ('cdc' in action) {
      cdcFiles++
    }
  }
  const operation = commit.commitInfo?.operation
  return {
    version: commit.version,
    timestamp: isoTime(commit.timestamp),
    operation: typeof operation === 'string' ? operation : null,
    addedFiles,
    removedFiles,
    addedBytes,
    removedBytes,
    addedRows,
    removedRows,
    cdcFiles,
    dataChange,
  }
}

function visibleRows(file: Add | Remove): number | undefined {
  const records = recordsOf(file.stats)
  return records === undefined ? undefined : records - (file.deletionVector?.cardinality ?? 0)
}

const COLUMNS = [
  { header: 'VERSION', align: 'right' as const },
  { header: 'TIME' },
  { header: 'OPERATION' },
  { header: '+FILES', align: 'right' as const },
  { header: '+ROWS', align: 'right' as const },
  { header: '-FILES', align: 'right' as const },
  { header: '-ROWS', align: 'right' as const },
  { header: 'BYTES', align: 'right' as const },
  { header: 'CDC', align: 'right' as const },
]

function cells(s: CommitSummary): string[] {
  const rows = (n: number | null): string => (n === null ? '?' : formatCount(n))
  const net = s.addedBytes - s.removedBytes
  return [
    String(s.version),
    formatTime(Date.parse(s.timestamp)),
    s.operation ?? '-',
    formatCount(s.addedFiles),
    rows(s.addedRows),
    formatCount(s.removedFiles),
    rows(s.removedRows),
    `${net >= 0 ? '+' : ''}${formatBytes(net)}`,
    s.cdcFiles === 0 ? '' : formatCount(s.cdcFiles),
  ]
}

/** The summaries as one aligned table. */
export function summaryTable(
  summaries: readonly CommitSummary[],
  style: Style,
  width: number | undefined,
): string {
  return renderTable(COLUMNS, summaries.map(cells), style, { width })
}

/** One summary as a line, for following (no alignment across lines that are yet to come). */
export function summaryLine(s: CommitSummary, style: Style): string {
  const c = cells(s)
  const rows = (label: string, files: string, count: string): string =>
    `${label}${files} files (${count} rows)`
  return (
    `${style.bold(`v${c[0]!}`)}  ${c[1]!}  ${style.cyan(c[2]!)}  ` +
    `${rows('+', c[3]!, c[4]!)}  ${rows('-', c[5]!, c[6]!)}  ${c[7]!}` +
    `${s.cdcFiles === 0 ? '' : `  ${c[8]!} change files`}\n`
  )
}

/**
 * Prints the summaries of `--from` .. `--to` (a table, or JSON lines), or, following, one line
 * (or JSON line) per commit as it lands. `--limit` counts commits.
 */
export async function printSummaries(ctx: CommandContext, request: ChangesRequest): Promise<void> {
  const signal = ctx.signal
  const bounds = await commitBounds(request.table, signal)
  const start = await startVersion(request, bounds, signal)
  const end = request.follow ? undefined : await endVersion(request, bounds, signal)
  const max = request.limit ?? Infinity
  const jsonl = request.format === 'jsonl'
  if (request.follow) await ctx.note(`Following commits from version ${start} (Ctrl-C to stop).`)
  const held: CommitSummary[] = []
  let count = 0
  if (max > 0 && (end === undefined || end >= start)) {
    for await (const commit of tail(request.table.log, start, {
      follow: request.follow,
      signal,
      ...(end === undefined ? {} : { endVersion: end }),
      ...(request.pollIntervalMs === undefined ? {} : { pollIntervalMs: request.pollIntervalMs }),
    })) {
      const summary = summarizeCommit(commit)
      if (jsonl) await ctx.print(`${JSON.stringify(summary)}\n`)
      else if (request.follow) await ctx.print(summaryLine(summary, ctx.style))
      else held.push(summary)
      if (++count >= max) break
    }
  }
  if (!jsonl && !request.follow) {
    await ctx.print(summaryTable(held, ctx.style, ctx.io.stdout.columns))
  }
}
