/**
 * A checkpoint's adds applied in their columns (`readCheckpointFileColumns` +
 * `Replay.applyCheckpointAdds`, stats decoded on first read) give the same state as the rows
 * decoded at once (`readCheckpointFile` + `applyCheckpoint`): files, their order, keys with
 * deletion vectors, tags, sizes, lookups and tombstones; also under the commits that follow,
 * applied over the checkpoint's layer or straight onto it (a long tail that compacts it).
 */
import { describe, expect, it } from 'vitest'
import { readCheckpointFile, readCheckpointFileColumns } from '../engine/checkpoint-read.js'
import { writeCheckpoint } from '../engine/checkpoint-write.js'
import type { Action, Add } from '../protocol/actions.js'
import { fileKey } from './file-set.js'
import { canonicalPathFn } from './read-segment.js'
import { tableHead } from './snapshot.test-util.js'
import { Replay, type ReplayState } from './replay.js'

const TABLE = 'file:///data/t/'
const source = { path: `${TABLE}_delta_log/00000000000000000010.checkpoint.parquet` }

const head = tableHead(['p'])

/** File `i`: every fifth tagged, every seventh with a deletion vector. */
function file(i: number, path = `p=${i % 3}/f-${i}.parquet`): Add {
  return {
    path,
    partitionValues: { p: String(i % 3) },
    size: i + 1,
    modificationTime: 1_700_000_000_000 + i,
    dataChange: false,
    stats: `{"numRecords":${i}}`,
    ...(i % 5 === 0 ? { tags: { t: String(i) } } : {}),
    ...(i % 7 === 0
      ? {
          deletionVector: {
            storageType: 'u' as const,
            pathOrInlineDv: `ab^-aqEH.-t@S}K{vb[*k^${i % 10}`,
            sizeInBytes: 36,
            cardinality: 2,
          },
        }
      : {}),
  }
}
const adds = (from: number, to: number): Action[] =>
  Array.from({ length: to - from }, (_, k) => ({ add: file(from + k) }))
const removeOf = (add: Add): Action => ({
  remove: {
    path: add.path,
    dataChange: true,
    ...(add.deletionVector === undefined ? {} : { deletionVector: add.deletionVector }),
  },
})

interface Scenario {
  readonly checkpoint: Action[]
  /** Keys the commits touch, left out of the checkpoint (commits read first), if any. */
  readonly superseded?: ReadonlySet<string>
  readonly commits?: Action[][]
}

/** The state replayed both ways, with rows of `sliceRows` decoded at a time. */
async function bothWays(scenario: Scenario, sliceRows = 256): Promise<ReplayState[]> {
  const { bytes } = await writeCheckpoint(scenario.checkpoint)
  const options = { path: source.path, batchSize: sliceRows }
  const superseded = scenario.superseded
  const rows = new Replay(canonicalPathFn(TABLE))
  for await (const batch of readCheckpointFile(bytes, 'parquet', options)) {
    rows.applyCheckpoint(batch, source, superseded)
  }
  const columns = new Replay(canonicalPathFn(TABLE))
  for await (const slice of readCheckpointFileColumns(bytes, 'parquet', options)) {
    columns.applyCheckpoint(slice.actions, source, superseded)
    if (slice.adds !== undefined) columns.applyCheckpointAdds(slice.adds, source, superseded)
  }
  return [rows, columns].map((replay) => {
    if (superseded !== undefined) replay.endCheckpoint(superseded)
    for (const commit of scenario.commits ?? []) replay.applyCommit(commit, source)
    return replay.finish(source)
  })
}

function expectSameState(rows: ReplayState, columns: ReplayState): void {
  // Counts and lookups first: they must not need the columns decoded.
  expect(columns.files.size).toBe(rows.files.size)
  expect(columns.files.totalBytes).toBe(rows.files.totalBytes)
  for (const [key] of rows.files.entries()) {
    expect(columns.files.sizeOf(key)).toBe(rows.files.sizeOf(key))
  }
  expect([...columns.files.entries()]).toStrictEqual([...rows.files.entries()])
  for (const [key, add] of rows.files.entries()) expect(columns.files.get(key)).toStrictEqual(add)
  expect([...columns.tombstones]).toStrictEqual([...rows.tombstones])
}

describe('checkpoint adds in their columns replay like decoded rows', () => {
  it('adds spread over slices with removes, metadata and deletion vectors among them', async () => {
    const checkpoint = [head[0]!, ...adds(0, 700), head[1]!, ...adds(700, 1500)]
    checkpoint.push({ remove: { path: 'gone.parquet', dataChange: false } })
    const [rows, columns] = await bothWays({ checkpoint })
    expect(rows!.files.size).toBe(1500)
    expectSameState(rows!, columns!)
  })

  it('keys the commits touch are left out, and the commits replay over the layer', async () => {
    const touched = [file(3), file(7), file(1400)]
    const superseded = new Set(touched.map((f) => fileKey(f.path, f.deletionVector)))
    const commits: Action[][] = [[removeOf(file(3)), removeOf(file(7)), { add: file(1400) }]]
    const [rows, columns] = await bothWays({
      checkpoint: [...head, ...adds(0, 1500)],
      superseded,
      commits,
    })
    expect(rows!.files.size).toBe(1498)
    expectSameState(rows!, columns!)
  })

  it('a path spelled otherwise than its key: the rows from there on are deduplicated', async () => {
    const checkpoint = [...head, ...adds(0, 600)]
    checkpoint.push({ add: file(5, 'p%3D2/f-5.parquet') }) // another spelling of f-5's key
    checkpoint.push({ add: file(9, `${TABLE}p=0/f-9.parquet`) }) // absolute inside the table
    checkpoint.push(...adds(600, 1000))
    const [rows, columns] = await bothWays({ checkpoint })
    expect(rows!.files.size).toBe(1000)
    expectSameState(rows!, columns!)
  })

  it('a long tail applied straight onto the layer removes most files (compaction)', async () => {
    const removes = Array.from({ length: 5000 }, (_, i) => i)
      .filter((i) => i % 4 !== 0)
      .map((i) => removeOf(file(i)))
    const [rows, columns] = await bothWays({
      checkpoint: [...head, ...adds(0, 5000)],
      commits: [removes, [{ add: file(8) }, { add: file(99_999) }]],
    })
    expect(rows!.files.size).toBe(1251)
    expectSameState(rows!, columns!)
  })
})
