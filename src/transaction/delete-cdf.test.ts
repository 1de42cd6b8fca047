import { describe, expect, it } from 'vitest'
import { readParquet } from '../engine/parquet.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { physicalName } from '../protocol/column-mapping.js'
import type { AddCdcFile } from '../protocol/actions.js'
import { rowsOfTable } from './write.test-util.js'
import {
  CDF_ON,
  committed,
  deleteTable,
  type DeleteTable,
  expected,
  range,
  rows,
} from './delete.test-util.js'

// The table codec's extension, as data files get it (zstd is this library's default).
const CDC_NAME = /^cdc-00000-[0-9a-f-]{36}\.c000\.zstd\.parquet$/

/** The rows of a change data file, as plain objects with their columns in file order. */
async function cdcRows(t: DeleteTable, cdc: AddCdcFile) {
  const target = decodeLogPath(cdc.path)
  if (target.kind !== 'relative') throw new Error(`unexpected cdc path ${cdc.path}`)
  const bytes = (await t.memory.get(target.key)).bytes
  expect(bytes.length).toBe(cdc.size)
  const table = await readParquet(bytes)
  return { columns: table.schema.fields.map((f) => f.name), rows: rowsOfTable(table) }
}

describe('deleteRows with the change data feed (rewrite)', () => {
  it('writes the deleted rows to _change_data with _change_type = delete, next to the rewritten file', async () => {
    const t = await deleteTable({ properties: CDF_ON })
    await t.append(rows(range(0, 6), 'mon'))
    const result = committed(await t.delete('id >= 4'))
    const commit = await t.lastCommit()
    expect(commit.cdcs).toHaveLength(1)
    const cdc = commit.cdcs[0]!
    expect(cdc).toMatchObject({ partitionValues: {}, dataChange: false })
    expect(cdc.path.startsWith('_change_data/')).toBe(true)
    expect(cdc.path.slice('_change_data/'.length)).toMatch(CDC_NAME)
    expect(await cdcRows(t, cdc)).toEqual({
      columns: ['id', 'day', 'v', '_change_type'],
      rows: [
        { id: 4n, day: 'mon', v: 'v4', _change_type: 'delete' },
        { id: 5n, day: 'mon', v: 'v5', _change_type: 'delete' },
      ],
    })
    expect(commit.commitInfo['operationMetrics']).toMatchObject({
      numAddedChangeFiles: '1',
      numDeletedRows: '2',
      numCopiedRows: '4',
    })
    expect(result.metrics.changeFileBytes).toBe(cdc.size)
    expect(await t.contents()).toEqual(expected(range(0, 4), 'mon'))
  })

  it('partitions change data like the data (no partition column in the file), and covers files deleted whole', async () => {
    const t = await deleteTable({ properties: CDF_ON, partitionBy: ['day'] })
    await t.append(rows([1, 2], 'mon'))
    await t.append(rows([3, 4], 'tue'))
    await t.append(rows([5], null))
    // mon loses one row (rewritten), tue and the NULL partition lose every row (removed whole).
    committed(await t.delete('id >= 2'))
    const commit = await t.lastCommit()
    expect(commit.adds.map((a) => a.partitionValues)).toEqual([{ day: 'mon' }])
    const byDay = new Map(commit.cdcs.map((c) => [c.partitionValues['day'] ?? null, c]))
    expect([...byDay.keys()].sort()).toEqual(['mon', 'tue', null].sort())
    expect(byDay.get('tue')!.path).toMatch(/^_change_data\/day=tue\/cdc-/)
    expect(byDay.get(null)!.path).toMatch(/^_change_data\/day=__HIVE_DEFAULT_PARTITION__\/cdc-/)
    expect(await cdcRows(t, byDay.get('mon')!)).toEqual({
      columns: ['id', 'v', '_change_type'],
      rows: [{ id: 2n, v: 'v2', _change_type: 'delete' }],
    })
    expect((await cdcRows(t, byDay.get('tue')!)).rows).toEqual([
      { id: 3n, v: 'v3', _change_type: 'delete' },
      { id: 4n, v: 'v4', _change_type: 'delete' },
    ])
    expect((await cdcRows(t, byDay.get(null)!)).rows).toEqual([
      { id: 5n, v: 'v5', _change_type: 'delete' },
    ])
    expect(commit.commitInfo['operationMetrics']).toMatchObject({
      numRemovedFiles: '3',
      numAddedFiles: '1',
      numAddedChangeFiles: '3',
      numDeletedRows: '4',
      numCopiedRows: '1',
    })
    expect(await t.contents()).toEqual(expected([1], 'mon'))
  })

  it('names change data columns and directories by physical names under column mapping', async () => {
    const t = await deleteTable({
      properties: CDF_ON,
      partitionBy: ['day'],
      columnMapping: 'name',
    })
    await t.append(rows([1, 2, 3], 'mon'))
    committed(await t.delete("v = 'v2'"))
    const snapshot = await t.snapshot()
    const physical = (name: string) =>
      physicalName(
        snapshot.schema.fields.find((f) => f.name === name)!,
        'name',
      )
    expect(physical('v')).not.toBe('v')
    const [cdc] = (await t.lastCommit()).cdcs
    expect(cdc!.partitionValues).toEqual({ [physical('day')]: 'mon' })
    expect(cdc!.path.startsWith(`_change_data/${physical('day')}=mon/cdc-`)).toBe(true)
    const { columns, rows: changed } = await cdcRows(t, cdc!)
    expect(columns).toEqual([physical('id'), physical('v'), '_change_type'])
    expect(changed).toEqual([
      { [physical('id')]: 2n, [physical('v')]: 'v2', _change_type: 'delete' },
    ])
    expect(await t.contents()).toEqual(expected([1, 3], 'mon'))
  })

  it('writes no change data without the change data feed', async () => {
    const t = await deleteTable()
    await t.append(rows(range(0, 3), 'mon'))
    committed(await t.delete('id = 1'))
    expect((await t.lastCommit()).cdcs).toEqual([])
    expect((await t.dataKeys()).some((k) => k.startsWith('_change_data/'))).toBe(false)
  })
})
