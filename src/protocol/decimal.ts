/**
 * Exact decimal values: an unscaled `bigint` and a scale, as Parquet and Spark store them.
 *
 * `1.50` in a `decimal(10,2)` column is `{ unscaled: 150n, scale: 2 }`. Keeping the scale means a
 * partition value or a statistic reads back exactly as written, with no binary floating point in
 * between.
 */

export interface DecimalValue {
  readonly unscaled: bigint
  readonly scale: number
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/**
 * Parses decimal text (`-12.340`, `1E+3`, `.5`), keeping every written digit: the scale of the
 * result is the number of fraction digits after applying the exponent (never negative). Returns
 * undefined for anything that is not a plain decimal number.
 */
export function parseDecimalText(text: string): DecimalValue | undefined {
  const m = DECIMAL_TEXT.exec(text.trim())
  if (m === null) return undefined
  const intPart = m[2] ?? ''
  const fracPart = m[3] ?? ''
  if (intPart === '' && fracPart === '') return undefined
  const exponent = m[4] === undefined ? 0 : Number(m[4])
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) return undefined
  let digits = intPart + fracPart
  let scale = fracPart.length - exponent
  if (scale < 0) {
    digits += '0'.repeat(-scale)
    scale = 0
  }
  const unscaled = BigInt(digits || '0')
  return { unscaled: m[1] === '-' ? -unscaled : unscaled, scale }
}

/**
 * The same value at another scale, or undefined when that would drop non-zero digits (a value
 * with more fraction digits than its column allows is not representable).
 */
export function rescaleDecimal(value: DecimalValue, scale: number): DecimalValue | undefined {
  if (scale === value.scale) return value
  if (scale > value.scale) {
    return { unscaled: value.unscaled * 10n ** BigInt(scale - value.scale), scale }
  }
  const factor = 10n ** BigInt(value.scale - scale)
  if (value.unscaled % factor !== 0n) return undefined
  return { unscaled: value.unscaled / factor, scale }
}

/** Number of decimal digits of the unscaled value (its precision). */
export function decimalPrecision(value: DecimalValue): number {
  const abs = value.unscaled < 0n ? -value.unscaled : value.unscaled
  return abs === 0n ? 1 : abs.toString().length
}

/** Plain text with exactly `scale` fraction digits: `{150n, 2}` is `1.50` (Java's toPlainString). */
export function formatDecimal(value: DecimalValue): string {
  const negative = value.unscaled < 0n
  const digits = (negative ? -value.unscaled : value.unscaled).toString()
  if (value.scale === 0) return (negative ? '-' : '') + digits
  const padded = digits.padStart(value.scale + 1, '0')
  const point = padded.length - value.scale
  return `${negative ? '-' : ''}${padded.slice(0, point)}.${padded.slice(point)}`
}
