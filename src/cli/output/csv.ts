/**
 * CSV per RFC 4180: comma-separated, CRLF-free (lines end in `\n`, which every CSV reader
 * accepts), fields quoted when they hold a comma, quote or line break, quotes doubled. A NULL is
 * an empty unquoted field and an empty string is `""`, so the two stay distinguishable.
 */
import { cellText, type CellValue } from './format-values.js'

export function csvField(value: CellValue): string {
  if (value === null) return ''
  const text = cellText(value)
  if (text === '') return '""'
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function csvLine(values: readonly CellValue[]): string {
  return `${values.map(csvField).join(',')}\n`
}
