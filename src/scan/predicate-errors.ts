/**
 * Typed errors of the predicate language. All are `InvalidArgumentError`s (code
 * `INVALID_ARGUMENT`): a bad filter is the caller's mistake, never the table's. The extra fields
 * let a CLI point at the problem (a caret under `position`) or suggest a column, without anyone
 * parsing message text.
 */
import { InvalidArgumentError } from '../errors.js'

/** The filter text is not a valid predicate; `position` is the 0-based offset of the problem. */
export class PredicateSyntaxError extends InvalidArgumentError {
  readonly text: string
  readonly position: number
  constructor(text: string, position: number, problem: string) {
    super(
      `Invalid filter at position ${position}: ${problem}\n  ${text}\n  ${' '.repeat(position)}^\n` +
        `Write predicates like: date >= '2024-01-01' AND status IN ('ok', 'warn').`,
    )
    this.text = text
    this.position = position
  }
}

/** The predicate names a column the table (or batch) does not have. */
export class UnknownColumnError extends InvalidArgumentError {
  /** The column as written, dotted for nested fields. */
  readonly column: string
  /** Every column that could have been meant, dotted, in schema order. */
  readonly available: readonly string[]
  /** Offset in the filter text, when the predicate came from text. */
  readonly position: number | undefined
  constructor(column: string, available: readonly string[], position?: number) {
    const shown = available.length > 40 ? [...available.slice(0, 40), '...'] : available
    super(
      `Unknown column ${column}${position === undefined ? '' : ` at position ${position}`} in ` +
        `the filter. Available columns: ${shown.join(', ') || '(none)'}.`,
    )
    this.column = column
    this.available = available
    this.position = position
  }
}

/** A literal cannot stand for a value of the column it is compared with (`date > 5`). */
export class LiteralTypeError extends InvalidArgumentError {
  readonly column: string
  /** The Delta type of the column (`date`, `decimal(10,2)`, `array`, ...). */
  readonly columnType: string
  readonly position: number | undefined
  constructor(column: string, columnType: string, detail: string, position?: number) {
    super(
      `Cannot compare column ${column} (${columnType}) with ${detail}` +
        `${position === undefined ? '' : ` at position ${position}`}. Use a literal of the ` +
        `column's type, e.g. a quoted '2024-01-01' for a date.`,
    )
    this.column = column
    this.columnType = columnType
    this.position = position
  }
}
