/**
 * The checkpoint property: for any history of adds, removes, re-adds, deletion-vector updates,
 * txns, domains and metadata changes, with checkpoints of any kind written at any versions,
 * loading any version through the checkpoints gives the same state as replaying the JSON
 * commits alone (a copy of the store without checkpoint files).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Action, Add, DeletionVectorDescriptor } from '../protocol/actions.js'
import { dvUniqueId } from '../protocol/deletion-vector.js'
import { TABLE_PROPERTIES } from '../protocol/table-properties.js'
import { seededIds } from '../util/clock.js'
import { MAX_COMMITS_READ_FIRST } from '../snapshot/read-segment.js'
import { writeCheckpoint, type CheckpointKind } from './checkpoint.js'
import {
  DAY,
  INLINE_DV,
  PROTOCOL_DV,
  PROTOCOL_V2,
  TestTable,
  addFile,
  metadata,
  removeFile,
  stateOf,
} from './maintenance.test-util.js'

const DVS: readonly DeletionVectorDescriptor[] = [
  INLINE_DV,
  {
    storageType: 'u',
    pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
    offset: 4,
    sizeInBytes: 40,
    cardinality: 6,
  },
  {
    storageType: 'u',
    pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
    offset: 48,
    sizeInBytes: 40,
    cardinality: 2,
  },
]

type Op =
  | { readonly kind: 'add'; readonly file: number; readonly size: number; readonly tagged: boolean }
  | { readonly kind: 'remove'; readonly pick: number; readonly expired: boolean }
  | { readonly kind: 'readd'; readonly pick: number }
  | { readonly kind: 'dv'; readonly pick: number; readonly dv: number }
  | { readonly kind: 'txn'; readonly app: number; readonly version: number }
  | { readonly kind: 'domain'; readonly domain: number; readonly remove: boolean }
  | { readonly kind: 'metadata'; readonly statsAsJson: boolean; readonly statsAsStruct: boolean }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      file: fc.nat(11),
      size: fc.nat(50_000),
      tagged: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('remove' as const),
      pick: fc.nat(),
      expired: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('readd' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('dv' as const),
      pick: fc.nat(),
      dv: fc.nat(DVS.length - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('txn' as const),
      app: fc.nat(2),
      version: fc.nat(100),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('domain' as const),
      domain: fc.nat(2),
      remove: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('metadata' as const),
      statsAsJson: fc.boolean(),
      statsAsStruct: fc.boolean(),
    }),
  },
)

const history = fc.record({
  v2: fc.boolean(),
  steps: fc.array(
    fc.record({
      ops: fc.array(op, { minLength: 1, maxLength: 4 }),
      checkpoint: fc.option(fc.constantFrom<CheckpointKind>('classic', 'multi-part', 'v2'), {
        nil: undefined,
        freq: 3,
      }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
})

const keyOf = (a: Add): string =>
  a.deletionVector === undefined ? a.path : `${a.path}@${dvUniqueId(a.deletionVector)}`

/** Turns abstract ops into a valid commit against the live files of the model. */
function commitOf(ops: readonly Op[], live: Map<string, Add>, now: number): Action[] {
  const actions: Action[] = []
  const touched = new Set<string>()
  const pick = (n: number): Add | undefined => {
    const free = [...live.values()].filter((a) => !touched.has(a.path))
    return free.length === 0 ? undefined : free[n % free.length]
  }
  let metadataSet = false
  const apps = new Set<number>()
  const domains = new Set<number>()
  for (const o of ops) {
    switch (o.kind) {
      case 'add': {
        const path = `part=a/f${o.file}.parquet`
        if (touched.has(path) || [...live.values()].some((a) => a.path === path)) break
        const add = addFile(path, { size: o.size, ...(o.tagged ? { tags: { k: 'v' } } : {}) })
        actions.push({ add })
        live.set(keyOf(add), add)
        touched.add(path)
        break
      }
      case 'remove': {
        const a = pick(o.pick)
        if (a === undefined) break
        const when = o.expired ? now - 8 * DAY : now
        actions.push({
          remove: removeFile(a.path, when, {
            size: a.size,
            ...(a.deletionVector ? { deletionVector: a.deletionVector } : {}),
          }),
        })
        live.delete(keyOf(a))
        touched.add(a.path)
        break
      }
      case 'readd': {
        const a = pick(o.pick)
        if (a === undefined) break
        const again = { ...a, dataChange: false, modificationTime: now }
        actions.push({ add: again })
        live.set(keyOf(again), again)
        touched.add(a.path)
        break
      }
      case 'dv': {
        const a = pick(o.pick)
        const dv = DVS[o.dv]!
        if (
          a === undefined ||
          (a.deletionVector !== undefined && dvUniqueId(a.deletionVector) === dvUniqueId(dv))
        )
          break
        actions.push({
          remove: removeFile(a.path, now, {
            size: a.size,
            ...(a.deletionVector ? { deletionVector: a.deletionVector } : {}),
          }),
        })
        const next = { ...a, deletionVector: dv }
        actions.push({ add: next })
        live.delete(keyOf(a))
        live.set(keyOf(next), next)
        touched.add(a.path)
        break
      }
      case 'txn':
        if (apps.has(o.app)) break
        apps.add(o.app)
        actions.push({ txn: { appId: `app-${o.app}`, version: o.version, lastUpdated: now } })
        break
      case 'domain':
        if (domains.has(o.domain)) break
        domains.add(o.domain)
        actions.push({
          domainMetadata: {
            domain: `d${o.domain}`,
            configuration: `{"at":${now}}`,
            removed: o.remove,
          },
        })
        break
      case 'metadata':
        if (metadataSet) break
        metadataSet = true
        actions.push({
          metaData: metadata({
            'delta.checkpoint.writeStatsAsJson': String(o.statsAsJson),
            // Both false asks checkpoints to drop statistics altogether (tested on its own).
            'delta.checkpoint.writeStatsAsStruct': String(o.statsAsStruct || !o.statsAsJson),
          }),
        })
        break
    }
  }
  return actions
}

/** Stats compared as JSON values: a checkpoint without JSON stats rebuilds them from the struct. */
function normalizeStats(state: Record<string, unknown>): Record<string, unknown> {
  const files = (state.files as { stats?: string }[]).map((f) =>
    f.stats === undefined ? f : { ...f, stats: JSON.parse(f.stats) as unknown },
  )
  return { ...state, files }
}

describe('checkpoints preserve state (property)', () => {
  it('loading any version through checkpoints equals replaying the JSON commits', async () => {
    // Which kinds of checkpoint the runs wrote, so the property cannot pass vacuously.
    const written = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(history, async ({ v2, steps }) => {
        const t = new TestTable(1_700_000_000_000, 'property')
        await t.commit(0, [{ protocol: v2 ? PROTOCOL_V2 : PROTOCOL_DV }, { metaData: metadata() }])
        const live = new Map<string, Add>()
        const ids = seededIds(5)
        let version = 0
        for (const step of steps) {
          const actions = commitOf(step.ops, live, t.time + 1_000)
          if (actions.length === 0) continue
          await t.commit(++version, actions)
          const kind = step.checkpoint
          if (kind === undefined || (kind === 'multi-part' && v2) || (kind === 'v2' && !v2))
            continue
          const result = await writeCheckpoint(await t.snapshot(), { kind, partSize: 2, ids })
          const snapshot = await t.snapshot()
          const label = `${result.kind}${snapshot.property(TABLE_PROPERTIES.checkpointWriteStatsAsJson) ? '' : '/struct-stats-only'}`
          written.set(label, (written.get(label) ?? 0) + 1)
        }
        const jsonOnly = await t.jsonOnly()
        for (let v = 0; v <= version; v++) {
          const snapshot = await t.snapshot(v)
          const through = normalizeStats(stateOf(snapshot, t.time))
          const json = await t.snapshot(v, jsonOnly)
          expect([snapshot.numFiles, snapshot.sizeInBytes]).toEqual([
            json.numFiles,
            json.sizeInBytes,
          ])
          // A load from a checkpoint replays the commits after it without indexing its files.
          if (snapshot.segment.checkpoint !== undefined)
            expect(snapshot.state.files.bottomIndexed).toBe(false)
          const replay = normalizeStats(stateOf(await t.snapshot(v, jsonOnly), t.time))
          expect(through).toEqual(replay)
        }
      }),
      { numRuns: 25, seed: 20_240_501 },
    )
    for (const kind of ['classic', 'multi-part', 'v2', 'classic/struct-stats-only']) {
      expect(written.get(kind) ?? 0, `${kind} checkpoints written`).toBeGreaterThan(0)
    }
  })

  it('updates of a snapshot loaded from a checkpoint agree with fresh loads, through many layers', async () => {
    const t = new TestTable(1_700_000_000_000, 'updates')
    await t.commit(0, [{ protocol: PROTOCOL_DV }, { metaData: metadata() }])
    const files = Array.from({ length: 12 }, (_, i) =>
      addFile(`part=a/f${i}.parquet`, { size: 100 + i }),
    )
    await t.commit(
      1,
      files.map((add) => ({ add })),
    )
    await writeCheckpoint(await t.snapshot())
    await t.commit(2, [{ remove: removeFile(files[0]!.path, t.time, { size: files[0]!.size }) }])
    let snapshot = await t.snapshot()
    expect(snapshot.state.files.bottomIndexed).toBe(false)
    // Twelve updates (past the depth at which overlays are folded), each removing, re-adding
    // or giving a deletion vector to a file of the checkpoint.
    for (let v = 3; v < 15; v++) {
      const file = files[v % files.length]!
      const actions: Action[] =
        v % 3 === 0
          ? [{ remove: removeFile(file.path, t.time, { size: file.size }) }]
          : v % 3 === 1
            ? [{ add: { ...file, size: file.size + v, modificationTime: v } }]
            : [
                { remove: removeFile(file.path, t.time, { size: file.size }) },
                { add: { ...file, deletionVector: DVS[v % DVS.length]!, modificationTime: v } },
              ]
      await t.commit(v, actions)
      snapshot = await snapshot.update()
      const fresh = await t.snapshot(v)
      expect(stateOf(snapshot, t.time)).toEqual(stateOf(fresh, t.time))
      expect([snapshot.numFiles, snapshot.sizeInBytes]).toEqual([fresh.numFiles, fresh.sizeInBytes])
    }
  })

  it('a long tail of commits after a checkpoint is streamed over it, with the same state', async () => {
    const t = new TestTable(1_700_000_000_000, 'long-tail')
    await t.commit(0, [{ protocol: PROTOCOL_DV }, { metaData: metadata() }])
    const files = Array.from({ length: 20 }, (_, i) => addFile(`part=a/f${i}.parquet`))
    await t.commit(
      1,
      files.map((add) => ({ add })),
    )
    await writeCheckpoint(await t.snapshot())
    // Each commit after the checkpoint removes one of its files or re-adds one, with and
    // without a deletion vector, so the tail touches keys the checkpoint holds.
    const tail = MAX_COMMITS_READ_FIRST + 5
    for (let v = 2; v < 2 + tail; v++) {
      const file = files[v % files.length]!
      const actions: Action[] =
        v % 3 === 0
          ? [{ remove: removeFile(file.path, t.time, { size: file.size }) }]
          : v % 3 === 1
            ? [{ add: { ...file, modificationTime: v } }]
            : [{ add: { ...file, deletionVector: DVS[v % DVS.length]!, modificationTime: v } }]
      await t.commit(v, actions)
    }
    const jsonOnly = await t.jsonOnly()
    const last = 1 + tail
    for (const v of [last, last - 10]) {
      const snapshot = await t.snapshot(v)
      expect(snapshot.segment.checkpoint).toBeDefined()
      expect(normalizeStats(stateOf(snapshot, t.time))).toEqual(
        normalizeStats(stateOf(await t.snapshot(v, jsonOnly), t.time)),
      )
    }
    // Past the limit the commits are not read first, so the checkpoint layer gets its index.
    expect((await t.snapshot(last)).state.files.bottomIndexed).toBe(true)
    const short = await t.snapshot(1 + MAX_COMMITS_READ_FIRST)
    expect(short.state.files.bottomIndexed).toBe(false)
  })
})
