import { describe, expect, it } from 'vitest'
import {
  dvFileLocation,
  parseDeletionVectorFile,
  parseInlineDeletionVector,
} from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { decodeUuidZ85 } from '../protocol/z85.js'
import { MemoryStore } from '../storage/memory.js'
import { seededIds } from '../util/clock.js'
import { discardDeletionVectors, writeDeletionVectors } from './deletion-vector-writer.js'
import { rejection } from './write.test-util.js'

/** `n` scattered rows (one array container: 32 + 2n bitmap bytes). */
const scattered = (n: number) => rowIndexSetOf(Array.from({ length: n }, (_, i) => i * 2))

async function keys(store: MemoryStore): Promise<string[]> {
  const out: string[] = []
  for await (const meta of store.list('')) out.push(meta.path)
  return out
}

describe('writeDeletionVectors', () => {
  it('inlines bitmaps up to 64 bytes by default and stores the rest in one file, in input order', async () => {
    const store = new MemoryStore()
    const sets = [scattered(17), scattered(16), rowIndexSetOf(range(0, 5000)), scattered(40)]
    const written = await writeDeletionVectors(store, sets, { ids: seededIds(7) })
    const d = written.descriptors
    // 16 rows: 64 bytes, inline; 17 rows: 66 bytes, stored; a long run compresses to 31 bytes.
    expect(d.map((x) => [x.storageType, x.sizeInBytes, x.cardinality])).toEqual([
      ['u', 66, 17],
      ['i', 64, 16],
      ['i', 31, 5000],
      ['u', 112, 40],
    ])
    expect(d[0]!.pathOrInlineDv).toBe(d[3]!.pathOrInlineDv)
    expect([d[0]!.offset, d[3]!.offset]).toEqual([1, 1 + 4 + 66 + 4])
    expect(d[1]!.offset).toBeUndefined()
    expect([...parseInlineDeletionVector(d[2]!, 'x')]).toEqual(range(0, 5000))

    const location = dvFileLocation(d[0]!)
    expect(location).toEqual({ kind: 'relative', key: written.fileKey })
    expect(written.fileKey).toBe(`deletion_vector_${decodeUuidZ85(d[0]!.pathOrInlineDv)}.bin`)
    expect(await keys(store)).toEqual([written.fileKey])
    const bytes = (await store.get(written.fileKey!)).bytes
    expect(bytes[0]).toBe(1)
    expect(bytes.length).toBe(written.fileSize)
    const stored = parseDeletionVectorFile(bytes, 'x')
    expect(stored.map((s) => [s.offset, [...s.rows]])).toEqual([
      [1, [...scattered(17)]],
      [75, [...scattered(40)]],
    ])
  })

  it('writes no file when everything is inlined, and never inlines with inlineMaxBytes 0', async () => {
    const store = new MemoryStore()
    const none = await writeDeletionVectors(store, [scattered(1)], { ids: seededIds(1) })
    expect(none).toMatchObject({ fileKey: undefined, fileSize: 0 })
    expect(await keys(store)).toEqual([])
    const all = await writeDeletionVectors(store, [scattered(1)], {
      ids: seededIds(1),
      inlineMaxBytes: 0,
    })
    expect(all.descriptors[0]!.storageType).toBe('u')
    expect(await keys(store)).toEqual([all.fileKey])
  })

  it('puts the file under a random prefix directory recorded in pathOrInlineDv', async () => {
    const store = new MemoryStore()
    const written = await writeDeletionVectors(store, [scattered(20)], {
      ids: seededIds(3),
      randomPrefixLength: 2,
    })
    const dv = written.descriptors[0]!
    expect(dv.pathOrInlineDv).toHaveLength(22)
    expect(written.fileKey).toBe(
      `${dv.pathOrInlineDv.slice(0, 2)}/deletion_vector_${decodeUuidZ85(dv.pathOrInlineDv.slice(2))}.bin`,
    )
    expect(dvFileLocation(dv)).toEqual({ kind: 'relative', key: written.fileKey })
  })

  it('refuses an empty set and a negative inline limit', async () => {
    const store = new MemoryStore()
    const empty = await rejection(
      writeDeletionVectors(store, [rowIndexSetOf([])], { ids: seededIds(1) }),
    )
    expect(empty.code).toBe('INVALID_ARGUMENT')
    const negative = await rejection(
      writeDeletionVectors(store, [scattered(1)], { ids: seededIds(1), inlineMaxBytes: -1 }),
    )
    expect(negative.code).toBe('INVALID_ARGUMENT')
    expect(await keys(store)).toEqual([])
  })

  it('discard deletes the file (and is a no-op without one)', async () => {
    const store = new MemoryStore()
    const written = await writeDeletionVectors(store, [scattered(30)], { ids: seededIds(2) })
    await discardDeletionVectors(store, undefined)
    expect(await keys(store)).toHaveLength(1)
    await discardDeletionVectors(store, written)
    expect(await keys(store)).toEqual([])
  })
})

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}
