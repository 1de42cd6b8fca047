/**
 * Calendar arithmetic for Delta's date and timestamp text forms, without `Date`.
 *
 * `Date` covers only ±8.64e15 ms and silently applies the host time zone in some parsers; Delta
 * values are days since epoch (date) and microseconds since epoch (timestamp, timestamp_ntz) over
 * the proleptic Gregorian calendar, years 0001..9999 in practice but wider in principle. Integer
 * math on `bigint` microseconds is exact over that whole range, and floor division keeps pre-epoch
 * values correct (Kernel Java's off-by-one-second bug for negative NTZ values, delta#7287, came
 * from truncating division).
 */

export const MICROS_PER_SECOND = 1_000_000n
export const MICROS_PER_DAY = 86_400_000_000n

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** The calendar date of a day number (inverse of `daysFromCivil`). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

const two = (n: number): string => String(n).padStart(2, '0')

/** ISO year text as Java prints it: 4 digits, a sign only beyond 9999 or below 0. */
function formatYear(year: number): string {
  if (year < 0) return `-${String(-year).padStart(4, '0')}`
  if (year > 9999) return `+${year}`
  return String(year).padStart(4, '0')
}

/** `YYYY-MM-DD` for a day number. */
export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days)
  return `${formatYear(year)}-${two(month)}-${two(day)}`
}

const DATE = /^([+-]?\d{4,})-(\d{1,2})-(\d{1,2})$/

/** Parses `YYYY-MM-DD` (also unpadded month/day, signed years) into days; undefined if invalid. */
export function parseDate(text: string): number | undefined {
  const m = DATE.exec(text.trim())
  if (m === null) return undefined
  return checkedDays(Number(m[1]), Number(m[2]), Number(m[3]))
}

function checkedDays(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  return daysFromCivil(year, month, day)
}

/** Floor division and modulo for bigint (truncating `/` is wrong for negatives). */
export function floorDivMod(a: bigint, b: bigint): [bigint, bigint] {
  let q = a / b
  let r = a % b
  if (r !== 0n && r < 0n !== b < 0n) {
    q -= 1n
    r += b
  }
  return [q, r]
}

export interface TimestampFormat {
  /** Between date and time: `T` (ISO) or a space (Spark's partition form). */
  readonly separator: 'T' | ' '
  /**
   * Fraction digits: `micros` always 6, `millis` always 3 (value truncated to milliseconds, as
   * Delta stats require), `trim` only as many as needed (none for whole seconds).
   */
  readonly fraction: 'micros' | 'millis' | 'trim'
  /** Append `Z` (UTC instant) or nothing (timestamp without time zone). */
  readonly zone: 'Z' | ''
}

/** Formats microseconds since epoch, interpreted in UTC. */
export function formatTimestampMicros(micros: bigint, format: TimestampFormat): string {
  const [days, microsOfDay] = floorDivMod(micros, MICROS_PER_DAY)
  const [secondsOfDay, fractionMicros] = floorDivMod(microsOfDay, MICROS_PER_SECOND)
  const s = Number(secondsOfDay)
  const time = `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`
  let fraction = ''
  const f = String(fractionMicros).padStart(6, '0')
  if (format.fraction === 'micros') fraction = `.${f}`
  else if (format.fraction === 'millis') fraction = `.${f.slice(0, 3)}`
  else if (fractionMicros !== 0n) fraction = `.${f.replace(/0+$/, '')}`
  return `${formatDate(Number(days))}${format.separator}${time}${fraction}${format.zone}`
}

const TIMESTAMP =
  /^([+-]?\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i

export interface ParsedTimestamp {
  readonly micros: bigint
  /** Whether the text carried a zone (`Z` or an offset), i.e. denotes an instant. */
  readonly hasZone: boolean
}

/**
 * Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|±HH[:MM]]` into microseconds since epoch.
 * Without a zone the wall-clock time is taken as UTC. Fractions beyond microseconds are truncated
 * toward the past (floor). Returns undefined for invalid text or out-of-range fields.
 */
export function parseTimestamp(text: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP.exec(text.trim())
  if (m === null) return undefined
  const days = checkedDays(Number(m[1]), Number(m[2]), Number(m[3]))
  const hour = Number(m[4] ?? 0)
  const minute = Number(m[5] ?? 0)
  const second = Number(m[6] ?? 0)
  if (days === undefined || hour > 23 || minute > 59 || second > 59) return undefined
  const fraction = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0')
  let micros =
    BigInt(days) * MICROS_PER_DAY +
    BigInt(hour * 3600 + minute * 60 + second) * MICROS_PER_SECOND +
    fraction
  const zone = m[8]
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const offsetHours = Number(digits.slice(0, 2))
    const offsetMinutes = Number(digits.slice(2) || '0')
    if (offsetHours > 18 || offsetMinutes > 59) return undefined
    // Local time = UTC + offset, so UTC = local - offset.
    micros -= BigInt(sign * (offsetHours * 3600 + offsetMinutes * 60)) * MICROS_PER_SECOND
  }
  return { micros, hasZone: zone !== undefined }
}
