/**
 * Aligned plain-text tables: a header, columns padded to their widest cell (numbers aligned
 * right), two spaces between columns. On a terminal the table is fitted to its width by
 * narrowing the widest columns, with `…` where a cell was cut; piped, only each column's own
 * `maxWidth` applies, so `grep` and `awk` see whole values.
 */
import { displayWidth, truncate, type Style } from './style.js'

export interface Column {
  readonly header: string
  readonly align?: 'left' | 'right'
  /** Cells wider than this are cut with `…`. */
  readonly maxWidth?: number
  /** Colours a cell (after cutting, before padding); cells themselves are plain text. */
  readonly paint?: (cell: string) => string
}

export interface TableOptions {
  /** Terminal width to fit into; undefined when not a terminal. */
  readonly width?: number | undefined
}

const GAP = '  '
/** A column is never narrowed below this when fitting a terminal. */
const MIN_WIDTH = 6

/**
 * Renders rows (cells already formatted as text) under their headers. Returns whole lines,
 * each ending in a newline; an empty table is just the header.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  style: Style,
  options: TableOptions = {},
): string {
  const cells = rows.map((row) => columns.map((c, i) => oneLine(row[i] ?? '')))
  const widths = columns.map((column, i) => {
    let width = displayWidth(column.header)
    for (const row of cells) width = Math.max(width, displayWidth(row[i]!))
    return Math.min(width, column.maxWidth ?? Infinity)
  })
  if (options.width !== undefined) fitWidths(widths, columns, options.width)
  const line = (row: readonly string[], header: boolean): string => {
    const parts = row.map((text, i) => {
      const width = widths[i]!
      const cut = displayWidth(text) > width ? truncate(text, width) : text
      const pad = ' '.repeat(Math.max(0, width - displayWidth(cut)))
      const painted = header ? style.bold(cut) : (columns[i]!.paint?.(cut) ?? cut)
      const last = i === row.length - 1
      return columns[i]!.align === 'right' ? pad + painted : last ? painted : painted + pad
    })
    return parts.join(GAP).trimEnd()
  }
  const out = [
    line(
      columns.map((c) => c.header),
      true,
    ),
  ]
  for (const row of cells) out.push(line(row, false))
  return `${out.join('\n')}\n`
}

/** Narrows the widest columns, one column at a time, until the row fits `total`. */
function fitWidths(widths: number[], columns: readonly Column[], total: number): void {
  const width = (): number => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1)
  while (width() > total) {
    let widest = -1
    for (let i = 0; i < widths.length; i++) {
      const min = Math.max(MIN_WIDTH, Math.min(displayWidth(columns[i]!.header), 12))
      if (widths[i]! > min && (widest < 0 || widths[i]! > widths[widest]!)) widest = i
    }
    if (widest < 0) return
    widths[widest] = Math.max(widths[widest]! - Math.max(1, width() - total), MIN_WIDTH)
  }
}

/**
 * Table cells are single lines of plain text: newlines become `\n`, and every other control
 * character (escape sequences included: table data must not drive the terminal) a visible escape.
 */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, escapeControl)
}

function escapeControl(char: string): string {
  if (char === '\n') return '\\n'
  if (char === '\t') return '\\t'
  if (char === '\r') return '\\r'
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`
}

/**
 * `key  value` lines with keys padded to the longest, for the sections of `inspect`.
 * A value with several lines continues under the value column.
 */
export function renderKeyValues(
  pairs: readonly (readonly [string, string])[],
  style: Style,
  indent = '  ',
): string {
  const keyWidth = Math.max(0, ...pairs.map(([key]) => displayWidth(key)))
  const lines: string[] = []
  for (const [key, value] of pairs) {
    const [first = '', ...rest] = value.split('\n')
    const pad = ' '.repeat(keyWidth - displayWidth(key))
    lines.push(`${indent}${style.dim(key)}${pad}${GAP}${first}`.trimEnd())
    for (const more of rest) lines.push(`${indent}${' '.repeat(keyWidth)}${GAP}${more}`.trimEnd())
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}
