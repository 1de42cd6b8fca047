import { describe, expect, it } from 'vitest'
import {
  addAction,
  LogTable,
  metadataAction,
  removeAction,
} from '../../conformance/support/log-table.js'
import {
  AbortedError,
  InvalidArgumentError,
  StreamChangeUnsupportedError,
  VersionNotFoundError,
} from '../errors.js'
import { LogStore } from '../log/log-store.js'
import { writeCheckpoint } from '../maintenance/checkpoint.js'
import { loadSnapshot } from '../snapshot/load.js'
import { FaultyStore, isInjectedFault } from '../storage/fault.js'
import type { ListOptions, ObjectMeta } from '../storage/object-store.js'
import { collect } from '../util/async.js'
import { ManualClock } from '../util/clock.js'
import { DeltaSource, type MicroBatch, type SourceOffset } from './source.js'

const paths = (batch: MicroBatch): string[] =>
  batch.files.map((f) => (f.file.kind === 'add' ? f.file.add.path : `${f.file.kind}?`))

async function tableWithFiles(): Promise<LogTable> {
  const t = await LogTable.create()
  // Initial snapshot at version 2: three files, modification times out of path order.
  await t.commit(1, [
    addAction('c', { modificationTime: 3 }),
    addAction('a', { modificationTime: 5 }),
  ])
  await t.commit(2, [addAction('b', { modificationTime: 3 })])
  return t
}

describe('DeltaSource', () => {
  it('starts with the snapshot ordered by modification time then path, then new commits', async () => {
    const t = await tableWithFiles()
    const source = await DeltaSource.open(t.log)
    const first = await source.nextBatch()
    expect(paths(first!)).toEqual(['b', 'c', 'a'])
    expect(first!.files.every((f) => f.isInitialSnapshot && f.version === 2)).toBe(true)
    expect(await source.nextBatch()).toBeUndefined()
    await t.commit(3, [addAction('d'), addAction('e')])
    const next = await source.nextBatch()
    expect(paths(next!)).toEqual(['d', 'e'])
    expect(next!.end).toEqual({
      tableId: 'table-1',
      version: 4,
      index: -1,
      isInitialSnapshot: false,
    })
  })

  it('admits at most maxFilesPerTrigger files and resumes exactly from a stored offset', async () => {
    const t = await tableWithFiles()
    const source = await DeltaSource.open(t.log, { maxFilesPerTrigger: 2 })
    await t.commit(3, [addAction('d'), addAction('e'), addAction('f')])
    const b1 = await source.nextBatch()
    const b2 = await source.nextBatch()
    expect(paths(b1!)).toEqual(['b', 'c'])
    expect(paths(b2!)).toEqual(['a', 'd'])
    // Restart from b2's stored (JSON round-tripped) end offset.
    const stored = JSON.parse(JSON.stringify(b2!.end)) as SourceOffset
    const resumed = await DeltaSource.open(t.log, { maxFilesPerTrigger: 2 }, stored)
    const rest = await collect(resumed.batches())
    expect(rest.flatMap(paths)).toEqual(['e', 'f'])
    // And the original continues the same way.
    expect((await collect(source.batches())).flatMap(paths)).toEqual(['e', 'f'])
  })

  it('treats maxBytesPerTrigger as soft: at least one file per batch', async () => {
    const t = await LogTable.create()
    await t.commit(1, [
      addAction('big', { size: 500 }),
      addAction('s1', { size: 10 }),
      addAction('s2', { size: 10 }),
    ])
    const source = await DeltaSource.open(t.log, { startingVersion: 1, maxBytesPerTrigger: 100 })
    expect((await collect(source.batches())).map(paths)).toEqual([['big'], ['s1', 's2']])
  })

  it('startingVersion reads changes from that commit; latest only new ones', async () => {
    const t = await tableWithFiles()
    const fromTwo = await DeltaSource.open(t.log, { startingVersion: 2 })
    expect((await collect(fromTwo.batches())).flatMap(paths)).toEqual(['b'])
    const latest = await DeltaSource.open(t.log, { startingVersion: 'latest' })
    expect(await latest.nextBatch()).toBeUndefined()
    await t.commit(3, [addAction('new')])
    expect(paths((await latest.nextBatch())!)).toEqual(['new'])
  })

  it('startingTimestamp starts at the first commit at or after the time', async () => {
    const t = await LogTable.create()
    await t.commit(1, [addAction('a')], 10_000)
    await t.commit(2, [addAction('b')], 20_000)
    const source = await DeltaSource.open(t.log, { startingTimestamp: 15_000 })
    expect((await collect(source.batches())).flatMap(paths)).toEqual(['b'])
  })

  it('stops on a commit that deletes data, naming the version', async () => {
    const t = await tableWithFiles()
    await t.commit(3, [removeAction('a')])
    const source = await DeltaSource.open(t.log, { startingVersion: 3 })
    const error = await source.nextBatch().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StreamChangeUnsupportedError)
    expect(error).toMatchObject({ code: 'STREAM_CHANGE_UNSUPPORTED', version: 3 })
  })

  it('ignoreDeletes lets pure deletes through but not updates; skipChangeCommits skips both', async () => {
    const t = await tableWithFiles()
    await t.commit(3, [removeAction('a')])
    await t.commit(4, [removeAction('b'), addAction('b2')])
    await t.commit(5, [addAction('g')])
    const ignoring = await DeltaSource.open(t.log, { startingVersion: 3, ignoreDeletes: true })
    await expect(collect(ignoring.batches())).rejects.toMatchObject({ version: 4 })
    const skipping = await DeltaSource.open(t.log, { startingVersion: 3, skipChangeCommits: true })
    expect((await collect(skipping.batches())).flatMap(paths)).toEqual(['g'])
  })

  it('never re-emits files rearranged with dataChange=false', async () => {
    const t = await tableWithFiles()
    await t.commit(3, [
      removeAction('a', { dataChange: false }),
      removeAction('b', { dataChange: false }),
      addAction('ab', { dataChange: false }),
    ])
    await t.commit(4, [addAction('h')])
    const source = await DeltaSource.open(t.log, { startingVersion: 3 })
    expect((await collect(source.batches())).flatMap(paths)).toEqual(['h'])
  })

  it('lets additive schema changes through and stops on others', async () => {
    const t = await tableWithFiles()
    const wider = JSON.stringify({
      type: 'struct',
      fields: [
        { name: 'id', type: 'long', nullable: true, metadata: {} },
        { name: 'part', type: 'string', nullable: true, metadata: {} },
        { name: 'extra', type: 'string', nullable: true, metadata: {} },
      ],
    })
    await t.commit(3, [metadataAction({}, { schemaString: wider })])
    await t.commit(4, [addAction('x')])
    const source = await DeltaSource.open(t.log, { startingVersion: 3 })
    const batches = await collect(source.batches())
    expect(batches.flatMap(paths)).toEqual(['x'])
    expect(source.currentSchema.fields.map((f) => f.name)).toEqual(['id', 'part', 'extra'])
    const narrower = JSON.stringify({
      type: 'struct',
      fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }],
    })
    await t.commit(5, [metadataAction({}, { schemaString: narrower })])
    await expect(source.nextBatch()).rejects.toMatchObject({
      code: 'STREAM_CHANGE_UNSUPPORTED',
      version: 5,
    })
  })

  it('moves the offset past commits with nothing to emit, so a restart does not re-read them', async () => {
    const t = await tableWithFiles()
    await t.commit(3, [metadataAction({ 'delta.appendOnly': 'false' })])
    const source = await DeltaSource.open(t.log, { startingVersion: 3 })
    const batch = await source.nextBatch()
    expect(batch).toMatchObject({ files: [], end: { version: 4, index: -1 } })
    expect(await source.nextBatch()).toBeUndefined()
  })

  // Regression: resuming set the next version to read past the offset's version even when
  // that version was not committed yet, so a stream stopped while caught up skipped it.
  it('resumed from a caught-up offset, emits the next commit when it lands', async () => {
    const t = await tableWithFiles()
    const source = await DeltaSource.open(t.log)
    const [snapshot] = await collect(source.batches())
    expect(snapshot!.end).toMatchObject({ version: 3, index: -1 })
    const stored = JSON.parse(JSON.stringify(snapshot!.end)) as SourceOffset
    const resumed = await DeltaSource.open(t.log, {}, stored)
    await t.commit(3, [addAction('d')])
    expect((await collect(resumed.batches())).flatMap(paths)).toEqual(['d'])
  })

  // Regression: commits read before a failing one were dropped while the next version to
  // read had already moved past them, so retrying on the same source skipped them.
  it('a read failure part-way keeps the commits already read for the retry', async () => {
    const t = await tableWithFiles()
    await t.commit(3, [addAction('d')])
    await t.commit(4, [addAction('e')])
    const faulty = new FaultyStore(t.memory)
    faulty.inject({ op: 'get', path: /0{15}4\.json$/, action: 'fail', times: 1 })
    const source = await DeltaSource.open(new LogStore(faulty), { startingVersion: 3 })
    const error = await source.nextBatch().catch((e: unknown) => e)
    expect(isInjectedFault(error)).toBe(true)
    expect((await collect(source.batches())).flatMap(paths)).toEqual(['d', 'e'])
  })

  // Regression: an abort during the idle wait surfaced the signal's raw reason.
  it('a follower aborted while idle stops with AbortedError', async () => {
    const t = await tableWithFiles()
    const clock = new ManualClock()
    const controller = new AbortController()
    clock.sleep = (_ms: number, signal?: AbortSignal) => {
      controller.abort()
      return Promise.reject(signal?.reason as Error)
    }
    const source = await DeltaSource.open(t.log, { startingVersion: 'latest', clock })
    const error = await collect(source.batches({ follow: true, signal: controller.signal })).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AbortedError)
  })

  it('refuses a poll interval that is not a positive number', async () => {
    const t = await tableWithFiles()
    const source = await DeltaSource.open(t.log, { startingVersion: 'latest' })
    for (const pollIntervalMs of [0, -1, Number.NaN]) {
      await expect(
        collect(source.batches({ follow: true, pollIntervalMs })),
      ).rejects.toBeInstanceOf(InvalidArgumentError)
    }
  })

  it('a follower polls at a fixed rate: the time a poll spent listing comes off its wait', async () => {
    const t = await tableWithFiles()
    const clock = new ManualClock()
    let lists = 0
    class SlowList extends FaultyStore {
      override async *list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
        lists++
        clock.advance(30)
        yield* super.list(prefix, options)
      }
    }
    const source = await DeltaSource.open(new LogStore(new SlowList(t.memory)), {
      startingVersion: 'latest',
      clock,
    })
    const waits: number[] = []
    const controller = new AbortController()
    clock.sleep = (ms: number) => {
      waits.push(ms)
      controller.abort()
      return Promise.resolve()
    }
    lists = 0
    await collect(
      source.batches({ follow: true, pollIntervalMs: 100, signal: controller.signal }),
    ).catch(() => undefined)
    expect(lists).toBeGreaterThan(0)
    expect(waits).toEqual([100 - 30 * lists])
  })

  // Regression: a stream read the schema from the version before its first commit, so
  // starting at the earliest commit left after log cleanup failed on the version before it.
  it('starts or resumes at the earliest version left by cleanup; before it, VersionNotFoundError', async () => {
    const t = await tableWithFiles()
    await writeCheckpoint(await loadSnapshot(t.log))
    await t.memory.delete('_delta_log/00000000000000000000.json')
    await t.memory.delete('_delta_log/00000000000000000001.json')
    await t.commit(3, [addAction('d')])
    const fromEarliest = await DeltaSource.open(t.log, { startingVersion: 2 })
    expect((await collect(fromEarliest.batches())).flatMap(paths)).toEqual(['b', 'd'])
    const offset: SourceOffset = {
      tableId: 'table-1',
      version: 2,
      index: -1,
      isInitialSnapshot: false,
    }
    const resumed = await DeltaSource.open(t.log, {}, offset)
    expect((await collect(resumed.batches())).flatMap(paths)).toEqual(['b', 'd'])
    const tooOld = DeltaSource.open(t.log, {}, { ...offset, version: 1 })
    await expect(tooOld).rejects.toBeInstanceOf(VersionNotFoundError)
    await expect(tooOld).rejects.toMatchObject({ earliest: 2 })
  })
})
