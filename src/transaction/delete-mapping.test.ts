import { describe, expect, it } from 'vitest'
import { readParquetSchema } from '../engine/parquet.js'
import { verify } from '../maintenance/verify.js'
import { fieldId, physicalName } from '../protocol/column-mapping.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { committed, deleteTable, DV_ON, expected, range, rows } from './delete.test-util.js'

describe('deleteRows under column mapping', () => {
  it.each([
    ['name', 'deletion-vectors'],
    ['name', 'rewrite'],
    ['id', 'deletion-vectors'],
    ['id', 'rewrite'],
  ] as const)('mode %s, %s: deletes exactly the matching rows', async (mode, strategy) => {
    const t = await deleteTable({
      partitionBy: ['day'],
      columnMapping: mode,
      properties: strategy === 'deletion-vectors' ? DV_ON : {},
    })
    await t.append(rows(range(0, 5), 'mon'))
    await t.append(rows(range(5, 8), 'tue'))
    const result = committed(await t.delete("v IN ('v1', 'v6') OR id = 3"))
    expect(result.strategy).toBe(strategy)
    expect(await t.contents()).toEqual([...expected([0, 2, 4], 'mon'), ...expected([5, 7], 'tue')])

    const snapshot = await t.snapshot()
    const field = (name: string) => snapshot.schema.fields.find((f) => f.name === name)!
    const physicalDay = physicalName(field('day'), mode)
    expect(physicalDay).not.toBe('day')
    const commit = await t.lastCommit()
    expect(commit.adds.map((a) => Object.keys(a.partitionValues))).toEqual([
      [physicalDay],
      [physicalDay],
    ])
    if (strategy === 'rewrite') {
      // The rewritten files carry physical names (and field ids in id mode), like any data file.
      const target = decodeLogPath(commit.adds[0]!.path)
      if (target.kind !== 'relative') throw new Error('expected a relative path')
      const fields = readParquetSchema((await t.memory.get(target.key)).bytes).fields
      expect(fields.map((f) => f.name)).toEqual([
        physicalName(field('id'), mode),
        physicalName(field('v'), mode),
      ])
      if (mode === 'id') {
        expect(fields.map((f) => f.metadata.get('PARQUET:field_id'))).toEqual([
          String(fieldId(field('id'))),
          String(fieldId(field('v'))),
        ])
      }
    } else {
      // Statistics stay keyed by physical names.
      const stats = JSON.parse(commit.adds[0]!.stats!) as { minValues: Record<string, unknown> }
      expect(Object.keys(stats.minValues).sort()).toEqual(
        [physicalName(field('id'), mode), physicalName(field('v'), mode)].sort(),
      )
    }
    expect((await verify({ log: t.log }, { clock: t.clock })).ok).toBe(true)
  })
})
