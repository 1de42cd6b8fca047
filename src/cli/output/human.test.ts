import { describe, expect, it } from 'vitest'
import {
  formatAge,
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  formatTime,
} from './human.js'

describe('human formatting', () => {
  it('sizes in binary units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(733.8)).toBe('734 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1024)).toBe('1.00 KiB')
    expect(formatBytes(1536)).toBe('1.50 KiB')
    expect(formatBytes(12.34 * 1024 * 1024)).toBe('12.3 MiB')
    expect(formatBytes(500 * 1024 ** 3)).toBe('500 GiB')
    expect(formatBytes(-2048)).toBe('-2.00 KiB')
  })

  it('counts with thousands separators whatever the locale', () => {
    expect(formatCount(0)).toBe('0')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(-1000)).toBe('-1,000')
    expect(formatCount(1234.5)).toBe('1,234.5')
  })

  it('durations in their largest unit and the next one when not zero', () => {
    expect(formatDuration(250)).toBe('250 ms')
    expect(formatDuration(7 * 86_400_000)).toBe('7 days')
    expect(formatDuration(30 * 86_400_000 + 6 * 3_600_000)).toBe('30 days 6 hours')
    expect(formatDuration(90 * 60_000)).toBe('1 hour 30 minutes')
    expect(formatDuration(1000)).toBe('1 second')
  })

  it('times in UTC, and ages relative to now', () => {
    expect(formatTime(Date.UTC(2024, 4, 1, 10, 0, 0))).toBe('2024-05-01 10:00:00 UTC')
    expect(formatTime(Date.UTC(2024, 4, 1, 10, 0, 0, 250))).toBe('2024-05-01 10:00:00.250 UTC')
    const now = Date.UTC(2024, 4, 2)
    expect(formatAge(now - 3 * 3_600_000 - 5000, now)).toBe('3 hours ago')
    expect(formatAge(now + 120_000, now)).toBe('in 2 minutes')
    expect(formatAge(now, now)).toBe('just now')
  })

  it('percentages never round a non-zero share down to zero', () => {
    expect(formatPercent(1, 10_000)).toBe('<0.1%')
    expect(formatPercent(1, 3)).toBe('33%')
    expect(formatPercent(1, 40)).toBe('2.5%')
    expect(formatPercent(0, 0)).toBe('0%')
  })
})
