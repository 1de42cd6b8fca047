/**
 * Colour, only where a person sees it. The decision (in order): `--no-color`, `--color`, the
 * `NO_COLOR` convention (no-color.org), `FORCE_COLOR`, `TERM=dumb`, and finally whether the
 * stream is a terminal. Piped output therefore never carries escape codes unless asked to.
 */

export interface Style {
  readonly enabled: boolean
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly red: (text: string) => string
  readonly green: (text: string) => string
  readonly yellow: (text: string) => string
  readonly cyan: (text: string) => string
}

export interface ColorChoice {
  readonly color: boolean
  readonly noColor: boolean
}

export function colorEnabled(
  isTTY: boolean,
  env: Readonly<Record<string, string | undefined>>,
  choice: ColorChoice,
): boolean {
  if (choice.noColor) return false
  if (choice.color) return true
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  if (env.TERM === 'dumb') return false
  return isTTY
}

const wrap =
  (enabled: boolean, open: number, close: number) =>
  (text: string): string =>
    enabled && text !== '' ? `\x1b[${open}m${text}\x1b[${close}m` : text

export function makeStyle(enabled: boolean): Style {
  return {
    enabled,
    bold: wrap(enabled, 1, 22),
    dim: wrap(enabled, 2, 22),
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    cyan: wrap(enabled, 36, 39),
  }
}

const ANSI = /\x1b\[[0-9;]*m/g

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '')
}

/**
 * Columns a string occupies in a terminal: escape codes take none, East Asian wide characters
 * and most emoji take two, combining marks none. (Good enough for alignment; not a full wcwidth.)
 */
export function displayWidth(text: string): number {
  let width = 0
  for (const char of stripAnsi(text)) {
    const code = char.codePointAt(0)!
    if (code < 0x20 || (code >= 0x300 && code <= 0x36f) || code === 0x200b) continue
    width += isWide(code) ? 2 : 1
  }
  return width
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
}

/** Cuts text to at most `max` columns, ending in `…` when cut. Escape codes are dropped. */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text
  let out = ''
  let width = 0
  for (const char of stripAnsi(text)) {
    const w = isWide(char.codePointAt(0)!) ? 2 : 1
    if (width + w > max - 1) break
    out += char
    width += w
  }
  return `${out}…`
}
