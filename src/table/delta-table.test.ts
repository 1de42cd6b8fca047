import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import { afterAll, describe, expect, it } from 'vitest'
import { TableNotFoundError } from '../errors.js'
import { seededIds } from '../util/clock.js'
import { DeltaTable } from './delta-table.js'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

/** The values of a column as strings. */
function values(table: arrow.Table, column: string): string[] {
  const vector = table.getChild(column)!
  return Array.from({ length: table.numRows }, (_, i) => String(vector.get(i)))
}

function events(devices: string[], status: string): arrow.Table {
  return arrow.tableFromArrays({
    device: devices,
    status: devices.map(() => status),
    reading: Float64Array.from(devices.map((_, i) => i * 1.5)),
  })
}

describe('DeltaTable', () => {
  it('creates, appends, reads, overwrites, checkpoints, vacuums and verifies a local table', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dlts-facade-'))
    dirs.push(dir)
    const location = path.join(dir, 'events')
    const options = { ids: seededIds(42) }
    await expect(DeltaTable.open(location, options)).rejects.toBeInstanceOf(TableNotFoundError)

    const table = await DeltaTable.create(location, {
      ...options,
      schema: events(['x'], 'ok').schema,
      partitionBy: ['status'],
      properties: { 'delta.checkpointInterval': '2' },
    })
    await table.append(events(['a', 'b'], 'ok'))
    await table.append(events(['c'], 'error'))
    const all = await table.toArrow()
    const statuses = values(all, 'status')
    const rows = values(all, 'device').map((d, i) => `${d}:${statuses[i]!}`)
    expect(rows.sort()).toEqual(['a:ok', 'b:ok', 'c:error'])
    // Version 2 is a multiple of the interval: the post-commit hook wrote a checkpoint.
    const snapshot = await table.snapshot()
    expect(snapshot.version).toBe(2)
    expect(snapshot.segment.checkpoint?.version).toBe(2)

    const filtered: string[] = []
    for await (const batch of table.scan({ filter: "status = 'error'", columns: ['device'] })) {
      const device = batch.getChild('device')!
      for (let i = 0; i < batch.numRows; i++) filtered.push(String(device.get(i)))
    }
    expect(filtered).toEqual(['c'])

    await table.overwrite(events(['d'], 'ok'), { replaceWhere: "status = 'ok'" })
    const after = values(await table.toArrow(), 'device')
    expect(after.sort()).toEqual(['c', 'd'])
    expect((await table.toArrow({ version: 1 })).numRows).toBe(2)

    // The file the overwrite replaced is the only garbage (a zero retention must be forced).
    await expect(table.vacuum({ retentionHours: 0 })).rejects.toMatchObject({
      code: 'OPERATION_NOT_ALLOWED',
    })
    const dryRun = await table.vacuum({ retentionHours: 0, force: true })
    expect(dryRun.dryRun).toBe(true)
    expect(dryRun.numFilesToDelete).toBe(1)
    const executed = await table.vacuum({ retentionHours: 0, force: true, dryRun: false })
    expect(executed.deleted).toBe(1)
    expect((await table.toArrow()).numRows).toBe(2)
    const reopened = await DeltaTable.open(location, options)
    expect((await reopened.verify()).ok).toBe(true)
  })
})
