import { describe, expect, it } from 'vitest'
import { AlreadyExistsError, NotFoundError } from '../errors.js'
import { collect } from '../util/async.js'
import { utf8Decode, utf8Encode } from '../util/utf8.js'
import { CountingStore } from './counting.js'
import { FaultyStore, InjectedFaultError } from './fault.js'
import { MemoryStore } from './memory.js'
import { PrefixStore } from './prefix.js'

const bytes = (s: string): Uint8Array => utf8Encode(s)

describe('PrefixStore', () => {
  it('joins keys on the way in and strips them on the way out', async () => {
    const inner = new MemoryStore()
    await inner.put('other/x', bytes('o'))
    const store = new PrefixStore(inner, 'tables/t1/')
    await store.put('_delta_log/0.json', bytes('a'))
    await store.put('part-0.parquet', bytes('b'))
    expect((await inner.head('tables/t1/_delta_log/0.json')).size).toBe(1)
    expect((await store.get('part-0.parquet')).meta.path).toBe('part-0.parquet')
    expect((await collect(store.list(''))).map((m) => m.path)).toEqual([
      '_delta_log/0.json',
      'part-0.parquet',
    ])
    expect(
      (await collect(store.list('', { startAfter: '_delta_log/0.json' }))).map((m) => m.path),
    ).toEqual(['part-0.parquet'])
    await store.deleteMany(['part-0.parquet'])
    await expect(inner.head('tables/t1/part-0.parquet')).rejects.toBeInstanceOf(NotFoundError)
    expect(store.url).toBe('memory://anonymous/tables/t1/')
  })

  it('rejects a prefix that would leave the inner store root', () => {
    expect(() => new PrefixStore(new MemoryStore(), '../x')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

describe('CountingStore', () => {
  it('counts requests and bytes per operation, and resets', async () => {
    const store = new CountingStore(new MemoryStore())
    await store.put('a', bytes('12345'))
    await store.get('a')
    await store.get('a', { range: { start: 1, end: 3 } })
    await store.head('a')
    await collect(store.list(''))
    const counts = store.reset()
    expect(counts).toMatchObject({
      put: 1,
      get: 2,
      head: 1,
      list: 1,
      listed: 1,
      bytesWritten: 5,
      bytesRead: 7,
    })
    expect(counts.gets).toEqual(['a', 'a'])
    expect(store.counts.get).toBe(0)
  })
})

describe('FaultyStore', () => {
  it('fails only the n-th matching call, before it reaches the store', async () => {
    const inner = new MemoryStore()
    const store = new FaultyStore(inner)
    store.inject({ op: 'put', nth: 2, action: 'fail' })
    await store.put('a', bytes('1'))
    await expect(store.put('b', bytes('2'))).rejects.toBeInstanceOf(InjectedFaultError)
    await store.put('c', bytes('3'))
    await expect(inner.head('b')).rejects.toBeInstanceOf(NotFoundError)
    expect(store.calls.map((c) => c.fault)).toEqual([undefined, 'fail', undefined])
  })

  it('ambiguous: the write lands but the caller sees a retryable error', async () => {
    const inner = new MemoryStore()
    const store = new FaultyStore(inner)
    store.inject({ op: 'put', path: /_delta_log/, action: 'ambiguous' })
    const error = await store
      .put('_delta_log/1.json', bytes('mine'), { mode: 'create' })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'STORAGE_ERROR', retryable: true, injected: true })
    expect(utf8Decode((await inner.get('_delta_log/1.json')).bytes)).toBe('mine')
    // A retry of the same create now loses to its own first attempt.
    await expect(
      store.put('_delta_log/1.json', bytes('mine'), { mode: 'create' }),
    ).rejects.toBeInstanceOf(AlreadyExistsError)
  })

  it('crash: this and every later call fail until healed', async () => {
    const store = new FaultyStore(new MemoryStore())
    store.inject({ op: 'put', path: (p) => p.endsWith('.json'), action: 'crash' })
    await store.put('data.parquet', bytes('d'))
    await expect(store.put('0.json', bytes('c'))).rejects.toBeInstanceOf(InjectedFaultError)
    expect(store.isCrashed).toBe(true)
    await expect(store.get('data.parquet')).rejects.toBeInstanceOf(InjectedFaultError)
    await expect(collect(store.list(''))).rejects.toBeInstanceOf(InjectedFaultError)
    store.heal()
    expect((await collect(store.list(''))).map((m) => m.path)).toEqual(['data.parquet'])
  })

  it('delays calls by the given latency', async () => {
    const store = new FaultyStore(new MemoryStore())
    store.inject({ op: 'head', action: { delayMs: 30 } })
    await store.put('a', bytes('1'))
    const started = performance.now()
    await store.head('a')
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
  })

  it('a removed rule no longer fires, and times bounds how often one does', async () => {
    const store = new FaultyStore(new MemoryStore())
    const remove = store.inject({ op: 'get', action: 'fail' })
    await store.put('a', bytes('1'))
    await expect(store.get('a')).rejects.toBeInstanceOf(InjectedFaultError)
    remove()
    await store.get('a')
    store.inject({ op: 'get', times: 2, action: 'fail' })
    await expect(store.get('a')).rejects.toBeInstanceOf(InjectedFaultError)
    await expect(store.get('a')).rejects.toBeInstanceOf(InjectedFaultError)
    await store.get('a')
  })
})
