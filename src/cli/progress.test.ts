import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { memoryIo } from './io.js'
import { makeStyle } from './output/style.js'
import { withProgress } from './command.js'
import { startProgress, type Progress } from './progress.js'

describe('startProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('draws a bar with counts on a terminal and erases it at the end', async () => {
    const io = memoryIo({ tty: true, columns: 100 })
    const progress = startProgress(io.stderr, makeStyle(false), 'deleting', 'files', true)
    progress.update(50, 200)
    vi.advanceTimersByTime(150)
    expect(io.err()).toBe('') // quick work shows nothing
    vi.advanceTimersByTime(300)
    expect(io.err()).toContain('deleting')
    expect(io.err()).toContain('25% 50/200 files')
    await progress.end()
    expect(io.err().endsWith('\r\x1b[K')).toBe(true)
  })

  it('counts without a total, with a spinner', () => {
    const io = memoryIo({ tty: true })
    const progress = startProgress(io.stderr, makeStyle(false), 'listing files', 'files', true)
    progress.update(1234)
    vi.advanceTimersByTime(450)
    expect(io.err()).toMatch(/listing files 1,234 files/)
  })

  it('writes nothing when stderr is not a terminal, or with --quiet', async () => {
    for (const [tty, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const io = memoryIo({ tty })
      const progress = startProgress(io.stderr, makeStyle(false), 'x', 'files', enabled)
      progress.update(1, 2)
      vi.advanceTimersByTime(500)
      await progress.end()
      expect(io.err()).toBe('')
    }
  })
})

describe('withProgress', () => {
  const recording = (): { ctx: { progress: () => Progress }; ended: () => number } => {
    let ended = 0
    const progress: Progress = {
      update: () => undefined,
      end: () => {
        ended++
        return Promise.resolve()
      },
    }
    return { ctx: { progress: () => progress }, ended: () => ended }
  }

  it('ends the progress line after the work, returning its result', async () => {
    const { ctx, ended } = recording()
    await expect(withProgress(ctx, 'working', 'files', () => Promise.resolve(7))).resolves.toBe(7)
    expect(ended()).toBe(1)
  })

  it('ends the progress line when the work throws, synchronously or not, and rethrows', async () => {
    const { ctx, ended } = recording()
    const boom = new Error('boom')
    await expect(
      withProgress(ctx, 'working', 'files', () => {
        throw boom
      }),
    ).rejects.toBe(boom)
    await expect(withProgress(ctx, 'working', 'files', () => Promise.reject(boom))).rejects.toBe(
      boom,
    )
    expect(ended()).toBe(2)
  })
})
