/**
 * Printing rows of Arrow record batches in one of three formats, for `scan` and `changes`:
 * - `jsonl`: one JSON object per row (the contract of `format-values.ts`), written per batch;
 * - `csv`: a header, then one line per row, written per batch;
 * - `table`: aligned columns for people. Alignment needs every row first, so rows are held
 *   until `flush` (at the end, or per commit when following), at most `limit` of them; without
 *   a limit the table shows the first `TABLE_FORMAT_ROWS` and says that there are more.
 *
 * `add` returns false once no more rows are wanted for now, so the caller stops reading — and
 * fetching — data files: the limit is reached (`done`), or, for a table without --limit, the
 * `TABLE_FORMAT_ROWS` shown per block (a follower skips to the next commit).
 */
import * as arrow from 'apache-arrow'
import type { CommandContext } from '../command.js'
import { csvLine } from './csv.js'
import { batchRows, cellText, type CellValue } from './format-values.js'
import { formatCount } from './human.js'
import { renderTable, type Column } from './table.js'

export const ROW_FORMATS = ['table', 'jsonl', 'csv'] as const
export type RowFormat = (typeof ROW_FORMATS)[number]

/** Rows the table format shows without --limit: it holds them in memory to align them. */
export const TABLE_FORMAT_ROWS = 1000

export class RowPrinter {
  /** Rows printed (or held, for the table format) so far. */
  rows = 0
  private readonly names: readonly string[]
  private readonly max: number
  private readonly blockCap: number
  private held: CellValue[][] = []
  private more = false
  private headerDone = false

  constructor(
    private readonly ctx: Pick<CommandContext, 'print' | 'note' | 'style' | 'io'>,
    private readonly format: RowFormat,
    private readonly schema: arrow.Schema,
    limit: number | undefined,
  ) {
    this.names = schema.fields.map((f) => f.name)
    this.max = limit ?? Infinity
    this.blockCap = format === 'table' && limit === undefined ? TABLE_FORMAT_ROWS : Infinity
  }

  /** The column names, in order. */
  get columns(): readonly string[] {
    return this.names
  }

  /** Rows held for the next `flush` (table format). */
  get pending(): number {
    return this.held.length
  }

  /** The limit is reached: nothing more will be printed. */
  get done(): boolean {
    return this.rows >= this.max
  }

  /** Prints (or holds) the rows of a batch; false when no more rows are wanted. */
  async add(batch: arrow.RecordBatch): Promise<boolean> {
    if (this.format === 'table') return this.hold(batch)
    let text = ''
    if (this.format === 'csv' && !this.headerDone) {
      text += csvLine(this.names)
      this.headerDone = true
    }
    for (const row of batchRows(batch, this.max - this.rows)) {
      text +=
        this.format === 'jsonl'
          ? `${JSON.stringify(row)}\n`
          : csvLine(this.names.map((n) => row[n]!))
      this.rows++
    }
    await this.ctx.print(text)
    return this.rows < this.max
  }

  private hold(batch: arrow.RecordBatch): boolean {
    for (const row of batchRows(batch, this.max - this.rows)) {
      if (this.held.length === this.blockCap) {
        // A row past the default cap: there is more to mention.
        this.more = true
        return false
      }
      this.held.push(this.names.map((n) => row[n]!))
      this.rows++
    }
    return !this.done
  }

  /**
   * Prints the held rows (table format) under an optional title. CSV prints its header here if
   * no row came, so that an empty result is still a valid CSV file with its columns.
   */
  async flush(title?: string): Promise<void> {
    if (this.format === 'csv' && !this.headerDone) {
      this.headerDone = true
      await this.ctx.print(csvLine(this.names))
    }
    if (this.format !== 'table') return
    const { style } = this.ctx
    const columns: Column[] = this.schema.fields.map((f) => ({
      header: f.name,
      align: isNumeric(f.type as arrow.DataType) ? 'right' : 'left',
      maxWidth: 60,
      paint: (cell: string) => (cell === 'NULL' ? style.dim(cell) : cell),
    }))
    const cells = this.held.map((row) => row.map((v) => (v === null ? 'NULL' : cellText(v))))
    const count = `${formatCount(this.held.length)} row${this.held.length === 1 ? '' : 's'}`
    this.held = []
    let text = title === undefined ? '' : `${style.bold(title)}\n`
    text += renderTable(columns, cells, style, { width: this.ctx.io.stdout.columns })
    text += style.dim(`(${count})\n`)
    await this.ctx.print(text)
    if (this.more) {
      this.more = false
      await this.ctx.note(
        `Showing the first ${formatCount(this.blockCap)} rows; use --limit N, or --format jsonl / csv for all of them.`,
      )
    }
  }
}

function isNumeric(type: arrow.DataType): boolean {
  return (
    type.typeId === arrow.Type.Int ||
    type.typeId === arrow.Type.Float ||
    type.typeId === arrow.Type.Decimal
  )
}
