import { describe, expect, it } from 'vitest'
import type { DeltaError } from '../errors.js'
import type { DeletionVectorDescriptor } from '../protocol/actions.js'
import { relativeDvPath, serializeDeletionVectorFile } from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { CountingStore } from '../storage/counting.js'
import { MemoryStore } from '../storage/memory.js'
import { DvLoader } from './dv-loader.js'
import { TableFiles } from './file-source.js'

const UUID = 'd2c639aa-8816-431a-aaf6-d3fe2512ff61'
const DV_KEY = `ab/deletion_vector_${UUID}.bin`

/** A store holding one DV file with three DVs; descriptors for each. */
async function setup(options: { cacheBytes?: number } = {}): Promise<{
  store: CountingStore
  memory: MemoryStore
  loader: DvLoader
  dvs: DeletionVectorDescriptor[]
  bytes: Uint8Array
}> {
  const memory = new MemoryStore()
  const store = new CountingStore(memory)
  const { bytes, entries } = serializeDeletionVectorFile([
    rowIndexSetOf([0, 5]),
    rowIndexSetOf([1, 2, 3, 70000]),
    rowIndexSetOf([2 ** 33]),
  ])
  await memory.put(DV_KEY, bytes)
  const dvs = entries.map((e): DeletionVectorDescriptor => ({
    storageType: 'u',
    pathOrInlineDv: relativeDvPath(UUID, 'ab'),
    offset: e.offset,
    sizeInBytes: e.sizeInBytes,
    cardinality: e.cardinality,
  }))
  const loader = new DvLoader(new TableFiles(store, store.url), options)
  return { store, memory, loader, dvs, bytes }
}

async function failure(promise: Promise<unknown>): Promise<DeltaError> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error as DeltaError,
  )
}

describe('DvLoader', () => {
  it('decodes the inline DV of the spec: rows 3, 4, 7, 11, 18, 29', async () => {
    const { loader, store } = await setup()
    const rows = await loader.load(
      {
        storageType: 'i',
        pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
        sizeInBytes: 40,
        cardinality: 6,
      },
      'data.parquet',
    )
    expect([...rows]).toEqual([3, 4, 7, 11, 18, 29])
    expect(store.counts.get).toBe(0)
  })

  it('reads a stored DV with one ranged GET of exactly sizeInBytes + 8 bytes at its offset', async () => {
    const { loader, store, dvs } = await setup()
    const dv = dvs[1]!
    expect(dv.offset).toBeGreaterThan(1)
    const rows = await loader.load(dv, 'data.parquet')
    expect([...rows]).toEqual([1, 2, 3, 70000])
    expect(store.counts.get).toBe(1)
    expect(store.counts.bytesRead).toBe(dv.sizeInBytes + 8)
    expect(store.counts.gets).toEqual([DV_KEY])
  })

  it('reads row indexes above 2^32 (64-bit buckets)', async () => {
    const { loader, dvs } = await setup()
    expect([...(await loader.load(dvs[2]!, 'data.parquet'))]).toEqual([2 ** 33])
  })

  it('fetches a DV file announced as shared once, whole, and serves every DV from it', async () => {
    const { loader, store, dvs, bytes } = await setup()
    for (const dv of dvs) loader.expect(dv)
    const sets = await Promise.all(dvs.map((dv) => loader.load(dv, 'data.parquet')))
    expect(sets.map((s) => s.cardinality)).toEqual([2, 4, 1])
    expect(store.counts.get).toBe(1)
    expect(store.counts.bytesRead).toBe(bytes.length)
  })

  it('switches to one whole-file read when an unannounced DV file turns out shared', async () => {
    const { loader, store, dvs } = await setup()
    for (const dv of dvs) await loader.load(dv, 'data.parquet')
    // First use: a ranged read; second: the whole file; third: from the cache.
    expect(store.counts.get).toBe(2)
  })

  it('with no cache budget, always reads ranges', async () => {
    const { loader, store, dvs } = await setup({ cacheBytes: 0 })
    for (const dv of dvs) loader.expect(dv)
    for (const dv of dvs) await loader.load(dv, 'data.parquet')
    expect(store.counts.get).toBe(3)
    expect(store.counts.bytesRead).toBe(dvs.reduce((n, dv) => n + dv.sizeInBytes + 8, 0))
  })

  it('rejects a checksum mismatch with CorruptDataError naming the DV file', async () => {
    const { loader, memory, dvs, bytes } = await setup()
    const damaged = bytes.slice()
    damaged[dvs[0]!.offset! + 4 + 10]! ^= 0xff
    await memory.put(DV_KEY, damaged)
    const error = await failure(loader.load(dvs[0]!, 'data.parquet'))
    expect(error.code).toBe('CORRUPT_DATA')
    expect((error as DeltaError & { path: string }).path).toBe(`memory://anonymous/${DV_KEY}`)
  })

  it('rejects a size field that disagrees with the log, and a truncated file', async () => {
    const { loader, dvs, memory, bytes } = await setup()
    const wrongSize = { ...dvs[0]!, sizeInBytes: dvs[0]!.sizeInBytes + 1 }
    expect((await failure(loader.load(wrongSize, 'data.parquet'))).code).toBe('CORRUPT_DATA')
    await memory.put(DV_KEY, bytes.subarray(0, dvs[2]!.offset! + 6))
    expect((await failure(loader.load(dvs[2]!, 'data.parquet'))).code).toBe('CORRUPT_DATA')
  })

  it('rejects a cardinality that disagrees with the bitmap', async () => {
    const { loader, dvs } = await setup()
    const wrong = { ...dvs[1]!, cardinality: 3 }
    expect((await failure(loader.load(wrong, 'data.parquet'))).code).toBe('CORRUPT_DATA')
  })

  it('a missing DV file is NotFoundError naming it', async () => {
    const { loader, dvs, memory } = await setup()
    await memory.delete(DV_KEY)
    const error = await failure(loader.load(dvs[0]!, 'data.parquet'))
    expect(error.code).toBe('NOT_FOUND')
    expect((error as DeltaError & { path: string }).path).toBe(`memory://anonymous/${DV_KEY}`)
  })

  it('reads an absolute (p) DV path inside the table root through the table store', async () => {
    const { loader, store, dvs } = await setup()
    const absolute: DeletionVectorDescriptor = {
      ...dvs[0]!,
      storageType: 'p',
      pathOrInlineDv: `memory://anonymous/${DV_KEY}`,
    }
    expect([...(await loader.load(absolute, 'data.parquet'))]).toEqual([0, 5])
    expect(store.counts.gets).toEqual([DV_KEY])
  })
})
