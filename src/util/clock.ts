/**
 * Time and randomness are injected so tests are deterministic. Library code never calls
 * `Date.now()`, `Math.random()` or `crypto.randomUUID()` directly; it takes a `Clock` / `Ids`.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number
  /** Resolves after `ms` milliseconds, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error)
        return
      }
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(signal?.reason as Error)
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}

/** A clock that only moves when told to; `sleep` advances it instantly. For tests. */
export class ManualClock implements Clock {
  private time: number
  constructor(start = 0) {
    this.time = start
  }
  now(): number {
    return this.time
  }
  advance(ms: number): void {
    this.time += ms
  }
  set(ms: number): void {
    this.time = ms
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error)
    this.time += ms
    return Promise.resolve()
  }
}

export interface Ids {
  /** A random RFC 4122 version-4 UUID string. */
  uuid(): string
  /** A float in [0, 1), for jitter. */
  random(): number
}

export const systemIds: Ids = {
  uuid: () => globalThis.crypto.randomUUID(),
  random: () => Math.random(),
}

/** Deterministic ids from a seed (xorshift32), for tests. */
export function seededIds(seed: number): Ids {
  let state = seed >>> 0 || 1
  const next = (): number => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
  return {
    random: () => next() / 0x1_0000_0000,
    uuid: () => {
      const hex = [next(), next(), next(), next()]
        .map((n) => n.toString(16).padStart(8, '0'))
        .join('')
      const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
    },
  }
}
