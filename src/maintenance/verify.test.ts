import { describe, expect, it } from 'vitest'
import { loadSnapshot } from '../snapshot/load.js'
import { utf8Encode } from '../util/utf8.js'
import { writeCheckpoint } from './checkpoint.js'
import {
  DAY,
  HOUR,
  PROTOCOL_DV,
  T0,
  VacuumTable,
  addAction,
  dvKeyOf,
  removeAction,
} from './vacuum.test-util.js'
import { verify } from './verify.js'

const UUID_1 = '55555555-5555-4555-8555-555555555555'
const UUID_2 = '66666666-6666-4666-8666-666666666666'

/**
 * v1: a, b, c (b with a DV in file 1, c with a DV in file 2 sharing nothing); v2: removes a,
 * sets a txn; v3: adds d with an inline DV. A checkpoint at v2. `extra` adds one more file to
 * v1 (to build a twin whose checkpoint disagrees).
 */
async function healthyTable(extra = false): Promise<VacuumTable> {
  const t = await VacuumTable.create({ protocol: PROTOCOL_DV })
  for (const key of ['a.parquet', 'b.parquet', 'c.parquet', 'extra.parquet'])
    await t.putFile(key, 10)
  const dv1 = await t.putDv(UUID_1, [1, 2])
  const dv2 = await t.putDv(UUID_2, [3], t.time, 'xy')
  await t.commit(
    [
      addAction('a.parquet'),
      addAction('b.parquet', { deletionVector: dv1 }),
      addAction('c.parquet', { deletionVector: dv2 }),
      ...(extra ? [addAction('extra.parquet')] : []),
    ],
    T0 + HOUR,
  )
  await t.commit(
    [removeAction('a.parquet', T0 + 2 * HOUR), { txn: { appId: 'app', version: 7 } }],
    T0 + 2 * HOUR,
  )
  await writeCheckpoint(await loadSnapshot(t.log, { clock: t.clock }), { now: t.time })
  await t.putFile('d.parquet', 10)
  await t.commit(
    [
      addAction('d.parquet', {
        deletionVector: {
          storageType: 'i',
          pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
          sizeInBytes: 40,
          cardinality: 6,
        },
      }),
    ],
    T0 + 3 * HOUR,
  )
  return t
}

describe('verify', () => {
  it('finds no problem in a healthy table, and says what it checked', async () => {
    const t = await healthyTable()
    expect(await verify(t, { clock: t.clock })).toEqual({
      ok: true,
      version: 3,
      problems: [],
      problemsOmitted: 0,
      checked: {
        files: 3,
        dvFiles: 2,
        deletionVectors: 3,
        versions: 4,
        checkpoints: 1,
        outsideRoot: 0,
      },
    })
  })

  it('reports a deleted data file as missing-file', async () => {
    const t = await healthyTable()
    await t.store.delete('c.parquet')
    const report = await verify(t, { clock: t.clock })
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual([
      { kind: 'missing-file', path: 'c.parquet', detail: 'the file does not exist' },
    ])
  })

  it('reports a truncated data file as size-mismatch', async () => {
    const t = await healthyTable()
    await t.store.put('b.parquet', new Uint8Array(7))
    expect((await verify(t, { clock: t.clock })).problems).toEqual([
      {
        kind: 'size-mismatch',
        path: 'b.parquet',
        detail: 'the log records 10 bytes, the store holds 7',
      },
    ])
  })

  it('reports a deletion vector whose checksum fails as corrupt-dv, and a missing DV file', async () => {
    const t = await healthyTable()
    const key = dvKeyOf(UUID_1)
    const bytes = (await t.store.get(key)).bytes
    bytes[6] = bytes[6]! ^ 0xff // inside the bitmap: the stored CRC no longer matches
    await t.store.put(key, bytes)
    await t.store.delete(dvKeyOf(UUID_2, 'xy'))
    const report = await verify(t, { clock: t.clock })
    expect(report.problems.map((p) => [p.kind, p.path])).toEqual([
      ['corrupt-dv', key],
      ['missing-dv-file', dvKeyOf(UUID_2, 'xy')],
    ])
    expect(report.problems[0]!.detail).toMatch(/checksum mismatch/)
    // Skipping DV checks skips both.
    expect((await verify(t, { clock: t.clock, checkDeletionVectors: false })).ok).toBe(true)
  })

  it('reports a corrupt inline deletion vector as corrupt-dv on the data file', async () => {
    const t = await healthyTable()
    await t.commit([
      removeAction('d.parquet', t.time),
      addAction('e.parquet', {
        deletionVector: {
          storageType: 'i',
          pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
          sizeInBytes: 40,
          cardinality: 5,
        },
      }),
    ])
    await t.putFile('e.parquet', 10)
    const report = await verify(t, { clock: t.clock })
    expect(report.problems.map((p) => [p.kind, p.path])).toEqual([['corrupt-dv', 'e.parquet']])
  })

  it('reports a checkpoint that disagrees with the JSON commits as checkpoint-mismatch', async () => {
    const t = await healthyTable()
    const twin = await healthyTable(true)
    const key = '_delta_log/00000000000000000002.checkpoint.parquet'
    await t.store.put(key, (await twin.store.get(key)).bytes)
    const report = await verify(t, { clock: t.clock })
    expect(report.problems).toEqual([
      {
        kind: 'checkpoint-mismatch',
        path: key,
        detail: 'extra.parquet is in the checkpoint but was never live',
      },
    ])
    expect(report.checked.checkpoints).toBe(1)
  })

  it('skips the checkpoint comparison when early commits were cleaned up', async () => {
    const t = await healthyTable()
    await t.store.delete('_delta_log/00000000000000000000.json')
    const report = await verify(t, { clock: t.clock })
    expect(report).toMatchObject({ ok: true, checked: { checkpoints: 0, versions: 3 } })
  })

  it('reports a missing commit as version-gap, and an unloadable log as unreadable-log', async () => {
    const t = await VacuumTable.create()
    for (let i = 0; i < 4; i++) await t.append([`f${i}.parquet`])
    await t.store.delete('_delta_log/00000000000000000002.json')
    const report = await verify(t, { clock: t.clock })
    expect(report.version).toBeUndefined()
    expect(report.problems.map((p) => [p.kind, p.path, p.detail])).toEqual([
      ['unreadable-log', '_delta_log/', expect.stringMatching(/commit 2 is missing/) as unknown],
      ['version-gap', '_delta_log/', 'commit 2 is missing (between 1 and 3)'],
    ])
  })

  it('reports a gap that a checkpoint papers over, though the table loads', async () => {
    const t = await healthyTable()
    await t.store.delete('_delta_log/00000000000000000001.json')
    const report = await verify(t, { clock: t.clock })
    expect(report.version).toBe(3)
    expect(report.problems).toEqual([
      { kind: 'version-gap', path: '_delta_log/', detail: 'commit 1 is missing (between 0 and 2)' },
    ])
  })

  it('reports a .crc file that disagrees with replay as checksum-mismatch', async () => {
    const t = await healthyTable()
    const snapshot = await loadSnapshot(t.log, { clock: t.clock })
    const crc = {
      tableSizeBytes: 30,
      numFiles: 4,
      numMetadata: 1,
      numProtocol: 1,
      metadata: snapshot.metadata,
      protocol: snapshot.protocol,
    }
    await t.store.put('_delta_log/00000000000000000003.crc', utf8Encode(JSON.stringify(crc)))
    const report = await verify(t, { clock: t.clock })
    expect(report.problems.map((p) => [p.kind, p.path])).toEqual([
      ['checksum-mismatch', '_delta_log/00000000000000000003.crc'],
    ])
  })

  it('reports up to maxProblems and counts the rest', async () => {
    const t = await healthyTable()
    await t.store.deleteMany(['a.parquet', 'b.parquet', 'c.parquet', 'd.parquet'])
    const report = await verify(t, { clock: t.clock, maxProblems: 2, concurrency: 1 })
    expect(report).toMatchObject({ ok: false, problemsOmitted: 1 })
    expect(report.problems.map((p) => p.path)).toEqual(['b.parquet', 'c.parquet'])
  })

  it('verifies an older version when asked', async () => {
    const t = await healthyTable()
    await t.store.delete('d.parquet')
    expect(await verify(t, { clock: t.clock, version: 2 })).toMatchObject({ ok: true, version: 2 })
    expect((await verify(t, { clock: t.clock })).problems.map((p) => p.kind)).toEqual([
      'missing-file',
    ])
    // Time moves on; expired tombstones do not make a healthy checkpoint disagree.
    t.time += 30 * DAY
    expect((await verify(t, { clock: t.clock, version: 2 })).ok).toBe(true)
  })
})
