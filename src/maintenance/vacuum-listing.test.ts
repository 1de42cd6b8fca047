import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CountingStore } from '../storage/counting.js'
import { FaultyStore } from '../storage/fault.js'
import { MemoryStore } from '../storage/memory.js'
import { compareUtf8 } from '../util/utf8.js'
import { CandidateList } from './vacuum-candidates.js'
import { listTableFiles } from './vacuum-listing.js'
import { isProtectedKey, type HiddenRule } from './vacuum-paths.js'

const RULE: HiddenRule = { partitionColumns: ['_p', 'q'], icebergMetadataHidden: false }

async function storeWith(keys: Iterable<string>): Promise<MemoryStore> {
  const store = new MemoryStore()
  for (const key of keys) await store.put(key, new Uint8Array(1))
  return store
}

async function listed(
  store: MemoryStore | CountingStore,
  concurrency: number,
  depth: number,
  knownKeys: readonly string[] = [],
): Promise<{ keys: string[]; directories: number; requests: number }> {
  const keys: string[] = []
  const result = await listTableFiles(store, { concurrency, depth, hidden: RULE, knownKeys }, (m) =>
    keys.push(m.path),
  )
  expect(result.files).toBe(keys.length)
  return {
    keys: keys.sort(compareUtf8),
    directories: result.directories,
    requests: result.requests,
  }
}

/** The answer by definition: visible keys, and the visible directories plus the root. */
function expected(keys: readonly string[]): { keys: string[]; directories: number } {
  const visible = keys.filter((k) => !isProtectedKey(k, RULE)).sort(compareUtf8)
  // Spark counts every directory it lists: those reached through visible directories.
  const dirs = new Set<string>()
  for (const key of keys) {
    const parts = key.split('/')
    for (let i = 1; i < parts.length; i++) {
      if (isProtectedKey(parts[i - 1]!, RULE)) break
      dirs.add(parts.slice(0, i).join('/'))
    }
  }
  return { keys: visible, directories: dirs.size + 1 }
}

// Names that sort around '/' (0x2F: '-', '.', '0'), hidden and partition names, and characters
// above U+FFFF, including U+10FFFF (the skip-scan's sentinel).
const segment = fc.constantFrom(
  'a',
  'a-b',
  'a.b',
  'a0',
  'b',
  '_x',
  '.y',
  '_delta_log',
  '_change_data',
  '_p=1',
  'q=2',
  '_q=3',
  'é',
  '\u{1F600}',
  '\u{10FFFF}',
  '\u{10FFFF}z',
  '\uFFFD',
)
const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'))

describe('listTableFiles', () => {
  it('parallel prefix listing finds exactly what a flat sequential listing finds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(key, { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        async (rawKeys, concurrency, depth) => {
          // A key cannot also be a directory of another key in an object store listing we
          // model (the local store could not hold both): drop such prefixes.
          const keys = rawKeys.filter((k) => !rawKeys.some((o) => o.startsWith(`${k}/`)))
          const store = await storeWith(keys)
          const want = expected(keys)
          const flat = await listed(store, 1, 0)
          const parallel = await listed(store, concurrency, depth)
          expect(flat.keys).toEqual(want.keys)
          expect(parallel.keys).toEqual(want.keys)
          expect(flat.directories).toBe(want.directories)
          expect(parallel.directories).toBe(want.directories)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('known keys (some long gone, some never there) change how, never what, it lists', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(key, { maxLength: 30 }),
        fc.uniqueArray(key, { maxLength: 10 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        async (rawKeys, absent, concurrency, depth) => {
          const keys = rawKeys.filter((k) => !rawKeys.some((o) => o.startsWith(`${k}/`)))
          const store = await storeWith(keys)
          const want = expected(keys)
          const known = [...keys.filter((_, i) => i % 3 !== 0), ...absent]
          const parallel = await listed(store, concurrency, depth, known)
          expect(parallel.keys).toEqual(want.keys)
          expect(parallel.directories).toBe(want.directories)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('lists each known directory together with the gap before it, all at once', async () => {
    const dirs = ['p=1', 'p=2', 'p=3', 'p=4']
    const keys = dirs.flatMap((d) => Array.from({ length: 3 }, (_, i) => `${d}/f${i}.parquet`))
    const counting = new CountingStore(await storeWith([...keys, 'p=9/orphan.parquet']))
    const result = await listed(counting, 4, 1, keys)
    expect(result.keys).toHaveLength(13)
    expect(result.directories).toBe(6)
    // One listing per known directory (with the gap before it), and one for the tail (p=9/).
    expect(result.requests).toBe(4 + 1)
  })

  it('jumps over _delta_log and other hidden directories instead of listing them', async () => {
    const keys = [
      ...Array.from({ length: 100 }, (_, v) => `_delta_log/${String(v).padStart(20, '0')}.json`),
      ...['p=1', 'p=2', 'p=3'].flatMap((d) =>
        Array.from({ length: 5 }, (_, i) => `${d}/f${i}.parquet`),
      ),
    ]
    const counting = new CountingStore(await storeWith(keys))
    const result = await listed(counting, 4, 1)
    expect(result.keys).toHaveLength(15)
    // Discovery: one request per directory (the first from the start), then one per prefix.
    expect(result.requests).toBe(5 + 3)
    expect(counting.counts.list).toBe(8)
    // One key of _delta_log/ was seen; its other 99 never left the store.
    expect(counting.counts.listed).toBe(1 + 3 + 15)
  })

  it('rejects with the first failed request', async () => {
    const faulty = new FaultyStore(await storeWith(['a/1', 'b/1', 'c/1']))
    faulty.inject({ op: 'list', path: /^b\/$/, action: 'fail' })
    await expect(listed(faulty as unknown as MemoryStore, 2, 1)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
    })
  })
})

describe('CandidateList', () => {
  it('gives back every retained key in insertion order across chunks, minus skipped ones', () => {
    const list = new CandidateList({ retain: true, sampleSize: 3 })
    const keys = Array.from(
      { length: 30_000 },
      (_, i) => `dir=${i % 7}/part-${i}-é\u{1F600}.parquet`,
    )
    for (const [i, k] of keys.entries()) list.add(k, i)
    expect(list.count).toBe(30_000)
    expect(list.bytes).toBe((29_999 * 30_000) / 2)
    const batches = [...list.batches(1000, (k) => k.startsWith('dir=3/'))]
    expect(batches.every((b) => b.length <= 1000)).toBe(true)
    expect(batches.flat()).toEqual(keys.filter((k) => !k.startsWith('dir=3/')))
    expect(list.sample()).toEqual(
      [...keys]
        .sort(compareUtf8)
        .slice(0, 3)
        .map((path) => ({ path, size: keys.indexOf(path) })),
    )
    expect(list.complete).toBe(false)
  })

  it('keeps only counts and the sample for a dry run', () => {
    const list = new CandidateList({ retain: false, sampleSize: 10 })
    list.add('b', 1)
    list.add('a', 2)
    expect([...list.batches(10)]).toEqual([])
    expect(list.sample()).toEqual([
      { path: 'a', size: 2 },
      { path: 'b', size: 1 },
    ])
    expect(list.complete).toBe(true)
  })
})
