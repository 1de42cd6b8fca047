/**
 * The race test must be able to fail: a store that treats `create` as `overwrite` (as
 * GCS's XML API does with If-None-Match, or a rename-based local commit) must be caught.
 */
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/storage/memory.js'
import type { ObjectStore, PutOptions, PutResult } from '../../src/storage/object-store.js'
import { createRace } from './race.js'

/** Ignores the put mode: every put overwrites, after a yield so writers interleave. */
class IgnoresCreateStore extends MemoryStore {
  override async put(path: string, bytes: Uint8Array, _options?: PutOptions): Promise<PutResult> {
    await new Promise((resolve) => setImmediate(resolve))
    return super.put(path, bytes, { mode: 'overwrite' })
  }
}

describe('race verdict', () => {
  it('flags a store that ignores create: many winners, no AlreadyExistsError', async () => {
    const store: ObjectStore = new IgnoresCreateStore()
    const verdict = await createRace(store, '_delta_log/00000000000000000001.json')
    expect(verdict.ok).toBe(false)
    expect(verdict.winners).toBe(20)
    expect(verdict.alreadyExists).toBe(0)
  })

  it('passes a correct store', async () => {
    const verdict = await createRace(new MemoryStore(), 'k')
    expect(verdict).toMatchObject({ ok: true, winners: 1, alreadyExists: 19 })
  })
})
