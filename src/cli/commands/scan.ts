/**
 * `delta scan <table>`: print rows, with a projection (`--columns`), a filter in the scan layer's
 * predicate language (`--where`), a row limit, and three formats: an aligned table for people,
 * JSON lines and CSV for programs (README, "Row format"). Reading stops as soon as the limit is
 * reached, so `--limit 10` on a huge table reads one file, not all of them.
 */
import { readScan } from '../../scan/read-scan.js'
import { COMMON_OPTIONS, SNAPSHOT_OPTIONS, STORAGE_OPTIONS, type ParsedArgs } from '../args.js'
import { snapshotSelection, type Command } from '../command.js'
import { NotFoundError } from '../../errors.js'
import { EXIT, withHint } from '../exit-codes.js'
import { formatCount } from '../output/human.js'
import {
  ROW_FORMATS,
  RowPrinter,
  TABLE_FORMAT_ROWS,
  type RowFormat,
} from '../output/row-printer.js'

/** `--columns`, `--limit`, `--format`: shared with `changes`. */
export const ROW_OPTIONS = {
  columns: {
    type: 'string',
    value: 'A,B',
    description: 'Only these top-level columns, in this order',
  },
  limit: { type: 'string', value: 'N', description: 'At most N rows' },
  format: {
    type: 'string',
    value: 'F',
    description: `table (default; first ${formatCount(TABLE_FORMAT_ROWS)} rows unless --limit), jsonl or csv`,
  },
} as const

export interface RowArgs {
  readonly format: RowFormat
  readonly columns: string[] | undefined
  readonly limit: number | undefined
}

export function rowArgs(args: ParsedArgs): RowArgs {
  const text = args.string('columns')
  return {
    format: args.choice('format', ROW_FORMATS) ?? 'table',
    columns: text
      ?.split(',')
      .map((c) => c.trim())
      .filter((c) => c !== ''),
    limit: args.integer('limit', 0),
  }
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Print rows, filtered and projected, as a table, JSON lines or CSV',
  usage: 'delta scan <table> [options]',
  description:
    'Reads the table at its latest version (or --version / --timestamp), with deletion vectors ' +
    'applied, partition values filled in and column mapping resolved. --where takes a ' +
    'predicate: comparisons (=, !=, <, <=, >, >=), IN (...), IS [NOT] NULL, BETWEEN, AND, OR, ' +
    "NOT and parentheses, with 'quoted' strings, dates and timestamps. Files that cannot hold " +
    'a matching row are skipped using partition values and statistics.',
  options: [
    {
      title: 'Options',
      options: {
        ...ROW_OPTIONS,
        where: {
          type: 'string',
          value: 'EXPR',
          description: 'Only rows matching EXPR, e.g. "status = \'ok\'"',
        },
        ...SNAPSHOT_OPTIONS,
      },
    },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: [
    'delta scan ./data/events --limit 20',
    "delta scan ./data/events --where \"date >= '2024-01-01' AND status = 'ok'\" --columns date,status",
    'delta scan s3://bucket/events --format jsonl > events.jsonl',
    'delta scan ./data/events --version 3 --format csv > v3.csv',
  ],
  async run(ctx) {
    const { format, columns, limit } = rowArgs(ctx.args)
    const where = ctx.args.string('where')
    // Flags are checked before any I/O: a typo is a usage error even for a missing table.
    const selection = snapshotSelection(ctx.args)
    const table = await ctx.openTable()
    const snapshot = await table.snapshot({ ...selection, signal: ctx.signal })
    // Bad columns and filters fail here, before any data file is read.
    const scan = readScan(snapshot, {
      columns,
      filter: where,
      signal: ctx.signal,
      storage: ctx.storage,
    })
    const printer = new RowPrinter(ctx, format, scan.schema, limit)
    const progress = ctx.progress('scanning', 'rows')
    try {
      if (limit !== 0) {
        for await (const batch of scan) {
          const more = await printer.add(batch)
          progress.update(printer.rows)
          if (!more) break
        }
      }
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw withHint(
          error,
          `a file the log references is missing; 'delta verify ${ctx.location}' lists every such file.`,
        )
      }
      throw error
    } finally {
      await progress.end()
    }
    await printer.flush()
    return EXIT.ok
  },
}
