import { AlreadyExistsError } from '../../src/errors.js'
import type { ObjectStore } from '../../src/storage/object-store.js'
import { utf8Decode, utf8Encode } from '../../src/util/utf8.js'

export interface RaceVerdict {
  readonly winners: number
  readonly alreadyExists: number
  /** Failures other than AlreadyExistsError (messages). */
  readonly otherErrors: readonly string[]
  /** The stored content is exactly one winner's payload. */
  readonly contentIsWinners: boolean
  readonly ok: boolean
}

/**
 * N writers put-if-absent the same key at once, each with a distinct payload large enough
 * that a torn write would show. Correct stores: exactly one winner, N-1 AlreadyExistsError,
 * and the stored bytes are the winner's, whole.
 */
export async function createRace(
  store: ObjectStore,
  key: string,
  writers = 20,
): Promise<RaceVerdict> {
  const payload = (i: number): Uint8Array => utf8Encode(`writer-${i};`.repeat(4000))
  const outcomes = await Promise.allSettled(
    Array.from({ length: writers }, (_, i) => store.put(key, payload(i), { mode: 'create' })),
  )
  const winnerIndexes = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []))
  const rejected = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []))
  const alreadyExists = rejected.filter((e) => e instanceof AlreadyExistsError).length
  const otherErrors = rejected.filter((e) => !(e instanceof AlreadyExistsError)).map(String)
  const stored = utf8Decode((await store.get(key)).bytes)
  const contentIsWinners =
    winnerIndexes.length === 1 && stored === utf8Decode(payload(winnerIndexes[0]!))
  return {
    winners: winnerIndexes.length,
    alreadyExists,
    otherErrors,
    contentIsWinners,
    ok: winnerIndexes.length === 1 && alreadyExists === writers - 1 && contentIsWinners,
  }
}
