import type { Clock, Ids } from './clock.js'

export interface BackoffOptions {
  /** First delay, before jitter. Default 20 ms. */
  readonly baseMs?: number
  /** Upper bound of any single delay. Default 2 s. */
  readonly maxMs?: number
}

/**
 * "Full jitter" exponential backoff: the n-th delay (n from 0) is uniform in
 * [0, min(maxMs, baseMs * 2^n)]. Full jitter spreads contending writers apart best
 * (see the AWS architecture note on backoff); a fixed sleep makes them collide again.
 */
export function backoffDelay(attempt: number, ids: Ids, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 20
  const max = options.maxMs ?? 2000
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30))
  return Math.floor(ids.random() * ceiling)
}

export async function sleepBackoff(
  attempt: number,
  clock: Clock,
  ids: Ids,
  options: BackoffOptions & { signal?: AbortSignal | undefined } = {},
): Promise<void> {
  await clock.sleep(backoffDelay(attempt, ids, options), options.signal)
}
