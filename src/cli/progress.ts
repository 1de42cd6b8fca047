/**
 * Progress on stderr, for work that can take seconds: listing a table for vacuum, deleting,
 * writing a checkpoint, scanning. Shown only when stderr is a terminal and `--quiet` was not
 * given: logs and pipes must not fill up with carriage returns. Drawn once the work has run
 * for a moment, redrawn at most ten times a second, and erased when the work ends so the
 * result below starts on a clean line.
 */
import type { OutputStream } from './io.js'
import { formatCount } from './output/human.js'
import { truncate, type Style } from './output/style.js'

export interface Progress {
  /** `done` of `total` (a bar), or `done` alone (a counter) when the total is unknown. */
  update(done: number, total?: number, label?: string): void
  /** Erases the line. Safe to call more than once. */
  end(): Promise<void>
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const BAR = 24
const INTERVAL_MS = 100
/** Work that ends sooner than this shows no progress at all: no flash of a bar. */
const GRACE_MS = 300

export const noProgress: Progress = {
  update: () => undefined,
  end: async () => undefined,
}

/**
 * A progress line labelled `label` (`listing files`), counting `unit` (`files`). A spinner
 * ticks on a timer so that a long wait for the first result still shows life.
 */
export function startProgress(
  stream: OutputStream,
  style: Style,
  label: string,
  unit: string,
  enabled: boolean,
): Progress {
  if (!enabled || !stream.isTTY) return noProgress
  let done = 0
  let total: number | undefined
  let text = label
  let frame = 0
  let shown = false
  let ended = false
  let drawnAt = 0
  const started = Date.now()
  const draw = (): void => {
    if (ended || Date.now() - started < GRACE_MS) return
    drawnAt = Date.now()
    frame = (frame + 1) % FRAMES.length
    const seconds = ((Date.now() - started) / 1000).toFixed(0)
    let body: string
    if (total !== undefined && total > 0) {
      const share = Math.min(1, done / total)
      const filled = Math.round(share * BAR)
      const bar = '█'.repeat(filled) + style.dim('░'.repeat(BAR - filled))
      body = `${text} ${bar} ${Math.floor(share * 100)}% ${formatCount(done)}/${formatCount(total)} ${unit}`
    } else {
      body = `${FRAMES[frame]!} ${text}${done > 0 ? ` ${formatCount(done)} ${unit}` : ''}`
    }
    const width = (stream.columns ?? 80) - 1
    // Fire and forget: a slow terminal must not slow the work down.
    void stream
      .write(`\r\x1b[K${truncate(`${body} ${style.dim(`${seconds}s`)}`, width)}`)
      .catch(() => undefined)
    shown = true
  }
  const timer = setInterval(draw, INTERVAL_MS)
  timer.unref()
  return {
    update(value, newTotal, newLabel) {
      done = value
      if (newTotal !== undefined) total = newTotal
      if (newLabel !== undefined) text = newLabel
      // CPU-bound work chained on microtasks (decoding batch after batch) starves the timer:
      // updates draw too, at the same rate.
      if (Date.now() - drawnAt >= INTERVAL_MS) draw()
    },
    async end() {
      if (ended) return
      ended = true
      clearInterval(timer)
      if (shown) await stream.write('\r\x1b[K').catch(() => undefined)
    },
  }
}
