/**
 * Fixtures for the snapshot tests.
 *
 * `fakeAddColumns`: a stand-in for the checkpoint reader's `AddColumns` (engine/checkpoint-decode.ts), built from
 * `Add` objects: every field at once but the stats, which come from `pendingStats.decode()`, counted.
 */
import type { AddColumns } from '../engine/checkpoint-read.js'
import type { Action, Add } from '../protocol/actions.js'

/** The protocol and metaData a replay needs to finish, for a table partitioned by `columns`. */
export function tableHead(partitionColumns: readonly string[] = []): Action[] {
  const fields = partitionColumns.map((name) => ({
    name,
    type: 'string',
    nullable: true,
    metadata: {},
  }))
  return [
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    {
      metaData: {
        id: 't',
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify({ type: 'struct', fields }),
        partitionColumns: [...partitionColumns],
        configuration: {},
      },
    },
  ]
}

export function fakeAddColumns(adds: readonly Add[], decodes = { count: 0 }): AddColumns {
  const dvs = adds.some((a) => a.deletionVector !== undefined)
  const fake = {
    rows: adds.map((_, j) => j),
    paths: adds.map((a) => a.path),
    sizes: adds.map((a) => a.size),
    modificationTimes: adds.map((a) => a.modificationTime),
    deletionVectors: dvs ? adds.map((a) => a.deletionVector) : undefined,
    dataChangeAt: (j: number) => adds[j]!.dataChange,
    partitionValuesAt: (j: number) => adds[j]!.partitionValues,
    rareAt: (j: number) => rareOf(adds[j]!),
    pendingStats: {
      decode: (): (string | undefined)[] => {
        decodes.count++
        return adds.map((a) => a.stats)
      },
    },
    decode: (): Add[] => adds.map((a) => ({ ...a })),
  }
  return fake as unknown as AddColumns
}

/** The fields of an add that the snapshot keeps apart (the rare ones), if it has any. */
function rareOf(add: Add): Partial<Add> | undefined {
  const { deletionVector, tags, baseRowId, defaultRowCommitVersion, clusteringProvider } = add
  const rare = { deletionVector, tags, baseRowId, defaultRowCommitVersion, clusteringProvider }
  const set = Object.entries(rare).filter(([, v]) => v !== undefined)
  return set.length === 0 ? undefined : Object.fromEntries(set)
}
