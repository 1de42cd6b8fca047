/**
 * Numbers and times for people: `1.5 GiB`, `12,345`, `2024-05-01 10:00:00 UTC`, `3 hours ago`.
 * Binary units, because object stores and `du -h` count in them. Times are shown in UTC: an
 * operator comparing a table's history with server logs in another zone needs one clock.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']

/** `0 B`, `999 B`, `1.0 KiB`, `12.3 MiB`, `1,024 EiB` (three significant digits above 1 KiB). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes)
  const sign = bytes < 0 ? '-' : ''
  let value = Math.abs(bytes)
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${sign}${Math.round(value)} B`
  const text = value >= 100 ? formatCount(Math.round(value)) : value.toFixed(value >= 10 ? 1 : 2)
  return `${sign}${text} ${UNITS[unit]!}`
}

/** Thousands separators, whatever the locale: output that tests and scripts can rely on. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const [whole, fraction] = String(Math.abs(n)).split('.')
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${n < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`
}

/** `2024-05-01 10:00:00 UTC` (milliseconds shown only when not zero). */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return 'invalid time'
  const iso = new Date(ms).toISOString()
  const text = iso
    .replace('T', ' ')
    .replace(/\.000Z$/, 'Z')
    .replace(/Z$/, '')
  return `${text} UTC`
}

/** ISO-8601 in UTC with milliseconds: the form of every time in `--json` output. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString()
}

/** Days are the largest unit: "30 days" is what retention settings say, not "1 month". */
const SPANS: readonly [number, string][] = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
]

/**
 * A duration in its largest unit and, when not zero, the next one: `7 days`, `1 day 6 hours`,
 * `1 hour 30 minutes`. Under a second: `250 ms`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  const abs = Math.abs(ms)
  for (let i = 0; i < SPANS.length; i++) {
    const [size, name] = SPANS[i]!
    if (abs < size) continue
    const whole = Math.floor(abs / size)
    const next = SPANS[i + 1]
    const rest = next === undefined ? 0 : Math.floor((abs - whole * size) / next[0])
    return rest > 0 ? `${plural(whole, name)} ${plural(rest, next![1])}` : plural(whole, name)
  }
  return `${Math.round(abs)} ms`
}

/** `3 hours ago`, `in 2 minutes`, `just now`. */
export function formatAge(ms: number, now: number): string {
  const delta = now - ms
  if (Math.abs(delta) < 1000) return 'just now'
  const coarse = coarseDuration(Math.abs(delta))
  return delta > 0 ? `${coarse} ago` : `in ${coarse}`
}

/** One unit only: for ages, where "3 days ago" is enough. */
function coarseDuration(ms: number): string {
  for (const [size, name] of SPANS) {
    if (ms >= size) return plural(Math.floor(ms / size), name)
  }
  return plural(Math.floor(ms / 1000), 'second')
}

function plural(n: number, unit: string): string {
  return `${formatCount(n)} ${unit}${n === 1 ? '' : 's'}`
}

/** A percentage with one decimal, or `<0.1%` so that a non-zero share never reads as zero. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0%'
  const p = (100 * part) / whole
  if (p > 0 && p < 0.1) return '<0.1%'
  return `${p.toFixed(p >= 10 ? 0 : 1)}%`
}
