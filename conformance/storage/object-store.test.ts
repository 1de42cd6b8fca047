/**
 * The storage conformance suite: every backend (memory, local, S3 on Ceph radosgw, Azure on
 * Azurite) must pass the same tests, ending in a 20-writer put-if-absent race.
 */
import { afterAll, describe, expect, it } from 'vitest'
import {
  AbortedError,
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  PreconditionFailedError,
} from '../../src/errors.js'
import type { ObjectMeta, ObjectStore } from '../../src/storage/object-store.js'
import { collect } from '../../src/util/async.js'
import { compareUtf8, utf8Decode, utf8Encode } from '../../src/util/utf8.js'
import { allBackends } from '../support/backends.js'
import { createRace } from './race.js'

const text = (s: string): Uint8Array => utf8Encode(s)
const read = async (store: ObjectStore, key: string): Promise<string> =>
  utf8Decode((await store.get(key)).bytes)
const keysOf = async (store: ObjectStore, prefix: string, startAfter?: string): Promise<string[]> =>
  (await collect(store.list(prefix, startAfter === undefined ? {} : { startAfter }))).map(
    (m) => m.path,
  )

/** Keys that trip up encoders and sorters: spaces, %, =, +, non-ASCII, emoji, and U+FF5E vs U+1F600. */
const AWKWARD_KEYS = [
  'k/a b.txt',
  'k/a%20b.txt',
  'k/a=1/x',
  'k/a+b',
  'k/a-b',
  'k/a/b',
  'k/é',
  'k/z',
  'k/\u{ff5e}',
  'k/\u{1f600}.json',
  'k/\u{10348}',
  'k/日本語',
]

describe.each(allBackends())('object store conformance: $name', (backend) => {
  afterAll(() => backend.cleanup())

  describe.skipIf(backend.skip !== undefined)(`against ${backend.skip ?? 'its server'}`, () => {
    it('put then get returns the same bytes and head the same size', async () => {
      const store = await backend.create()
      const bytes = new Uint8Array(3000).map((_, i) => (i * 7) % 256)
      await store.put('dir/obj.bin', bytes)
      const got = await store.get('dir/obj.bin')
      expect(got.bytes).toEqual(bytes)
      expect(got.meta.size).toBe(3000)
      const meta = await store.head('dir/obj.bin')
      expect(meta).toMatchObject({ path: 'dir/obj.bin', size: 3000 })
      expect(Math.abs(meta.lastModified - Date.now())).toBeLessThan(10 * 60_000)
    })

    it('overwrite replaces the content and changes the etag', async () => {
      const store = await backend.create()
      const first = await store.put('o', text('one'))
      const second = await store.put('o', text('two!'), { mode: 'overwrite' })
      expect(await read(store, 'o')).toBe('two!')
      expect(second.etag).toBeDefined()
      expect(second.etag).not.toBe(first.etag)
    })

    it('create on a new key succeeds; on an existing key fails with AlreadyExistsError and keeps the content', async () => {
      const store = await backend.create()
      await store.put('_delta_log/00000000000000000000.json', text('winner'), { mode: 'create' })
      const attempt = store.put('_delta_log/00000000000000000000.json', text('loser'), {
        mode: 'create',
      })
      await expect(attempt).rejects.toBeInstanceOf(AlreadyExistsError)
      await expect(attempt).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
        path: '_delta_log/00000000000000000000.json',
      })
      expect(await read(store, '_delta_log/00000000000000000000.json')).toBe('winner')
    })

    it('update succeeds with the current etag and fails with a stale one or on a missing key', async () => {
      const store = await backend.create()
      const { etag: v1 } = await store.put('cas', text('v1'))
      const { etag: v2 } = await store.put('cas', text('v2'), { mode: { update: v1! } })
      expect(await read(store, 'cas')).toBe('v2')
      await expect(store.put('cas', text('v3'), { mode: { update: v1! } })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      })
      expect(await read(store, 'cas')).toBe('v2')
      const headEtag = (await store.head('cas')).etag!
      expect(headEtag).toBe(v2)
      await store.put('cas', text('v4'), { mode: { update: headEtag } })
      expect(await read(store, 'cas')).toBe('v4')
      await expect(
        store.put('missing', text('x'), { mode: { update: headEtag } }),
      ).rejects.toBeInstanceOf(PreconditionFailedError)
    })

    it('get and head of a missing key fail with NotFoundError', async () => {
      const store = await backend.create()
      await expect(store.get('nope/x.json')).rejects.toMatchObject({
        code: 'NOT_FOUND',
        path: 'nope/x.json',
      })
      await expect(store.head('nope/x.json')).rejects.toBeInstanceOf(NotFoundError)
    })

    it('ranged get is half-open and clamps to the object', async () => {
      const store = await backend.create()
      await store.put('r', text('0123456789'))
      const range = async (start: number, end?: number): Promise<string> =>
        utf8Decode(
          (await store.get('r', { range: end === undefined ? { start } : { start, end } })).bytes,
        )
      expect(await range(0, 10)).toBe('0123456789')
      expect(await range(2, 5)).toBe('234')
      expect(await range(7)).toBe('789')
      expect(await range(8, 100)).toBe('89')
      expect(await range(4, 4)).toBe('')
      expect(await range(10)).toBe('')
      expect(await range(25, 30)).toBe('')
      const meta = (await store.get('r', { range: { start: 2, end: 5 } })).meta
      expect(meta.size).toBe(10)
      await store.put('empty', new Uint8Array(0))
      expect((await store.get('empty', { range: { start: 0, end: 10 } })).bytes.byteLength).toBe(0)
      expect((await store.get('empty')).bytes.byteLength).toBe(0)
      await expect(store.get('r', { range: { start: -1, end: 3 } })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      )
      await expect(store.get('r', { range: { start: 5, end: 3 } })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      )
      await expect(store.get('missing', { range: { start: 0, end: 3 } })).rejects.toBeInstanceOf(
        NotFoundError,
      )
    })

    it('delete is idempotent and deleteMany removes existing and ignores missing keys', async () => {
      const store = await backend.create()
      await store.put('d/1', text('1'))
      await store.delete('d/1')
      await store.delete('d/1')
      await expect(store.get('d/1')).rejects.toBeInstanceOf(NotFoundError)
      await Promise.all(['d/a', 'd/b', 'd/c'].map((k) => store.put(k, text(k))))
      const result = await store.deleteMany(['d/a', 'd/missing', 'd/c'])
      expect(result.deleted).toBe(3)
      expect(await keysOf(store, 'd/')).toEqual(['d/b'])
    })

    it('deleteMany spans several batches', async () => {
      const store = await backend.create()
      const keys = Array.from(
        { length: store.capabilities.deleteBatchSize + 7 },
        (_, i) => `many/${String(i).padStart(5, '0')}`,
      )
      await putAll(store, keys)
      await store.deleteMany(keys.slice(0, -2))
      expect(await keysOf(store, 'many/')).toEqual(keys.slice(-2))
    })

    it('lists recursively in its declared key order, with awkward characters intact', async () => {
      const store = await backend.create()
      const compare = keyOrder(store)
      // 'k.txt' sorts before everything under 'k/' ('.' < '/'), 'kk/y' after it.
      await putAll(store, [...AWKWARD_KEYS, 'other/x', 'k.txt', 'kk/y'])
      const expected = [...AWKWARD_KEYS].sort(compare)
      expect(await keysOf(store, 'k/')).toEqual(expected)
      // A prefix is a string prefix, not a directory.
      expect(await keysOf(store, 'k/a')).toEqual(expected.filter((k) => k.startsWith('k/a')))
      expect(await keysOf(store, 'k')).toEqual(['k.txt', ...expected, 'kk/y'])
      const all = await keysOf(store, '')
      expect(all).toEqual([...all].sort(compare))
      expect(all).toHaveLength(AWKWARD_KEYS.length + 3)
      for (const meta of await collect(store.list('k/')))
        expect(meta.size).toBe(utf8Encode(meta.path).byteLength)
    })

    it('declares a list cost: a round trip for server-backed stores', async () => {
      const store = await backend.create()
      const serverBacked = backend.name === 's3' || backend.name === 'azure'
      expect(store.capabilities.listCost).toBe(serverBacked ? 'round-trip' : 'local')
    })

    it('lazyMetadata lists the same keys and metadata, or NotFoundError once deleted', async () => {
      const store = await backend.create()
      await putAll(store, [...AWKWARD_KEYS, 'other/x'])
      const eager = await collect(store.list('k/'))
      const lazy = await collect(store.list('k/', { lazyMetadata: true }))
      const metaOf = (m: ObjectMeta): unknown[] => [m.path, m.size, m.lastModified, m.etag]
      expect(lazy.slice(1).map(metaOf)).toEqual(eager.slice(1).map(metaOf))
      // Deleted after the listing: the metadata is either what was listed or NotFoundError.
      const first = lazy[0]!
      await store.delete(first.path)
      try {
        expect(first.size).toBe(utf8Encode(first.path).byteLength)
      } catch (error) {
        expect(error).toBeInstanceOf(NotFoundError)
      }
      expect(await keysOf(store, 'k/', first.path)).toEqual(eager.slice(1).map((m) => m.path))
    })

    it('startAfter is exclusive, whether or not the key exists', async () => {
      const store = await backend.create()
      const log = Array.from(
        { length: 12 },
        (_, v) => `_delta_log/${String(v).padStart(20, '0')}.json`,
      )
      await putAll(store, [...log, '_delta_log/_last_checkpoint', 'part-0.parquet'])
      expect(await keysOf(store, '_delta_log/', log[9])).toEqual([
        log[10],
        log[11],
        '_delta_log/_last_checkpoint',
      ])
      expect(
        await keysOf(store, '_delta_log/', '_delta_log/00000000000000000009.checkpoint.parquet'),
      ).toEqual([log[9], log[10], log[11], '_delta_log/_last_checkpoint'])
      // startAfter before the prefix lists everything under it; after it, nothing.
      expect(await keysOf(store, '_delta_log/', '_')).toHaveLength(13)
      expect(await keysOf(store, '_delta_log/', '_delta_log/zzz')).toEqual([])
    })

    it('startAfter follows the declared key order (UTF-8 bytes unless the store says UTF-16)', async () => {
      const store = await backend.create()
      await putAll(store, AWKWARD_KEYS)
      const sorted = [...AWKWARD_KEYS].sort(keyOrder(store))
      const at = sorted.indexOf('k/\u{ff5e}')
      expect(await keysOf(store, 'k/', 'k/\u{ff5e}')).toEqual(sorted.slice(at + 1))
    })

    it('lists past a page boundary (more than 1000 keys)', async () => {
      const store = await backend.create(backend.name === 'azure' ? { listPageSize: 400 } : {})
      const keys = Array.from({ length: 1105 }, (_, i) => `p/${String(i).padStart(6, '0')}.json`)
      await putAll(store, keys)
      expect(await keysOf(store, 'p/')).toEqual(keys)
      expect(await keysOf(store, 'p/', keys[999])).toEqual(keys.slice(1000))
    })

    it('rejects keys that could leave the root', async () => {
      const store = await backend.create()
      for (const key of ['../x', '/abs', 'a//b', 'a/./b', '', 'a/..']) {
        await expect(store.put(key, text('x'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
        await expect(store.get(key)).rejects.toBeInstanceOf(InvalidArgumentError)
      }
    })

    it('every call honours an aborted signal', async () => {
      const store = await backend.create()
      await store.put('a/1', text('1'))
      const signal = AbortSignal.abort()
      await expect(store.put('a/2', text('2'), { signal })).rejects.toBeInstanceOf(AbortedError)
      await expect(store.get('a/1', { signal })).rejects.toMatchObject({ code: 'ABORTED' })
      await expect(store.head('a/1', { signal })).rejects.toBeInstanceOf(AbortedError)
      await expect(store.delete('a/1', { signal })).rejects.toBeInstanceOf(AbortedError)
      await expect(store.deleteMany(['a/1'], { signal })).rejects.toBeInstanceOf(AbortedError)
      await expect(collect(store.list('a/', { signal }))).rejects.toBeInstanceOf(AbortedError)
      await expect(store.head('a/2')).rejects.toBeInstanceOf(NotFoundError)
      expect(await read(store, 'a/1')).toBe('1')
    })

    it('an abort during a listing stops it with AbortedError', async () => {
      const store = await backend.create(backend.name === 'azure' ? { listPageSize: 400 } : {})
      const keys = Array.from({ length: 1050 }, (_, i) => `s/${String(i).padStart(5, '0')}`)
      await putAll(store, keys)
      const controller = new AbortController()
      const seen: string[] = []
      const listing = (async () => {
        for await (const meta of store.list('s/', { signal: controller.signal })) {
          seen.push(meta.path)
          if (seen.length === 3) controller.abort()
        }
      })()
      await expect(listing).rejects.toBeInstanceOf(AbortedError)
      expect(seen.length).toBeLessThan(keys.length)
    })

    it('20 concurrent creators of one key: exactly one wins, the rest get AlreadyExistsError, the content is whole', async () => {
      const store = await backend.create()
      for (let round = 0; round < 3; round++) {
        const verdict = await createRace(
          store,
          `_delta_log/${String(round).padStart(20, '0')}.json`,
        )
        expect(verdict).toMatchObject({
          winners: 1,
          alreadyExists: 19,
          otherErrors: [],
          contentIsWinners: true,
          ok: true,
        })
      }
    })
  })
})

function keyOrder(store: ObjectStore): (a: string, b: string) => number {
  return store.capabilities.listOrder === 'utf8'
    ? compareUtf8
    : (a, b) => (a < b ? -1 : a > b ? 1 : 0)
}

async function putAll(store: ObjectStore, keys: readonly string[]): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!
      await store.put(key, utf8Encode(key))
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
}
