import { existsSync } from 'node:fs'
import { mkdtemp, rm, utimes } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LogStore, commitKey } from '../log/log-store.js'
import { serializeActions } from '../protocol/action-parser.js'
import type { Action } from '../protocol/actions.js'
import { loadSnapshot } from '../snapshot/load.js'
import { LocalStore } from '../storage/local.js'
import { utf8Encode } from '../util/utf8.js'
import { DAY, PROTOCOL_DV, SCHEMA, addAction, dvKeyOf, removeAction } from './vacuum.test-util.js'
import { relativeDvPath, serializeDeletionVectorFile } from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { vacuum } from './vacuum.js'
import { verify } from './verify.js'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

describe('vacuum on the local file system (end to end)', () => {
  it('deletes expired and orphaned files from disk, keeps the rest, and the table verifies', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'vacuum-'))
    dirs.push(root)
    const store = new LocalStore(root)
    const log = new LogStore(store)
    const now = Date.now()
    const put = async (key: string, bytes: Uint8Array, mtime: number): Promise<void> => {
      await store.put(key, bytes)
      await utimes(path.join(root, key), new Date(mtime), new Date(mtime))
    }
    let version = 0
    const commit = async (actions: readonly Action[], at: number): Promise<void> => {
      await put(commitKey(version++), utf8Encode(serializeActions(actions)), at)
    }
    const old = now - 30 * DAY
    await commit(
      [
        { commitInfo: { operation: 'CREATE TABLE' } },
        { protocol: PROTOCOL_DV },
        {
          metaData: {
            id: 'local-1',
            format: { provider: 'parquet', options: {} },
            schemaString: SCHEMA,
            partitionColumns: ['part'],
            configuration: {},
          },
        },
      ],
      old,
    )
    const data = new Uint8Array(100)
    for (const key of ['part=a/keep.parquet', 'part=a/expired.parquet', 'part=b/recent.parquet']) {
      await put(key, data, old)
    }
    const { bytes: dvBytes, entries } = serializeDeletionVectorFile([rowIndexSetOf([0, 5])])
    const uuid = '44444444-4444-4444-8444-444444444444'
    await put(dvKeyOf(uuid), dvBytes, old)
    const dv = {
      storageType: 'u' as const,
      pathOrInlineDv: relativeDvPath(uuid),
      offset: entries[0]!.offset,
      sizeInBytes: entries[0]!.sizeInBytes,
      cardinality: 2,
    }
    await commit(
      [
        addAction('part=a/keep.parquet', {
          size: 100,
          partitionValues: { part: 'a' },
          deletionVector: dv,
        }),
        addAction('part=a/expired.parquet', { size: 100, partitionValues: { part: 'a' } }),
        addAction('part=b/recent.parquet', { size: 100, partitionValues: { part: 'b' } }),
      ],
      old,
    )
    await commit([removeAction('part=a/expired.parquet', old + DAY)], old + DAY)
    await commit([removeAction('part=b/recent.parquet', now - DAY)], now - DAY)
    await put('part=b/orphan.parquet', data, old)
    await put('part=b/in-flight.parquet', data, now)
    await put('part=b/_SUCCESS', data, old)

    const report = await vacuum({ log }, { dryRun: false, listConcurrency: 4 })
    expect(report).toMatchObject({
      numFilesToDelete: 2,
      bytes: 200,
      deleted: 2,
      directories: 3,
      startVersion: 4,
      endVersion: 5,
      filesToDelete: [
        { path: 'part=a/expired.parquet', size: 100 },
        { path: 'part=b/orphan.parquet', size: 100 },
      ],
    })
    const on = (key: string): boolean => existsSync(path.join(root, key))
    expect(on('part=a/expired.parquet')).toBe(false)
    expect(on('part=b/orphan.parquet')).toBe(false)
    for (const key of [
      'part=a/keep.parquet',
      dvKeyOf(uuid),
      'part=b/recent.parquet',
      'part=b/in-flight.parquet',
      'part=b/_SUCCESS',
      '_delta_log/00000000000000000005.json',
    ]) {
      expect(on(key), key).toBe(true)
    }
    const snapshot = await loadSnapshot(log)
    expect(snapshot.version).toBe(5)
    expect(snapshot.commitInfo).toMatchObject({ operation: 'VACUUM END' })
    expect(await verify({ log })).toMatchObject({
      ok: true,
      checked: { files: 1, dvFiles: 1, deletionVectors: 1 },
    })
    expect(await vacuum({ log }, { mode: 'lite' })).toMatchObject({ numFilesToDelete: 0 })
  })
})
