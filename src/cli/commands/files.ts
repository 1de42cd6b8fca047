/**
 * `delta files <table>`: the active files of a version with size, rows, partition values and
 * deletion-vector cardinality — the table's physical layout, for "why is it slow" questions.
 */
import type { Add } from '../../protocol/actions.js'
import { physicalNamesByLogical } from '../../protocol/column-mapping.js'
import { decodeLogPath } from '../../protocol/file-paths.js'
import type { Snapshot } from '../../snapshot/snapshot.js'
import { COMMON_OPTIONS, JSON_OPTION, SNAPSHOT_OPTIONS, STORAGE_OPTIONS } from '../args.js'
import { snapshotSelection, type Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { formatBytes, formatCount, formatTime, isoTime } from '../output/human.js'
import { renderTable } from '../output/table.js'
import { recordsOf } from './inspect-facts.js'

export interface FileEntry {
  /** As in the log: a URI reference, percent-encoded, relative to the table root or absolute. */
  readonly path: string
  readonly size: number
  readonly modificationTime: string
  /** Rows stored in the file (deleted ones included); `null` without statistics. */
  readonly numRecords: number | null
  /** Keyed by logical column name; values as serialized in the log (`null` for NULL). */
  readonly partitionValues: Readonly<Record<string, string | null>>
  readonly deletionVector: {
    readonly storageType: string
    readonly cardinality: number
    readonly sizeInBytes: number
  } | null
}

export const filesCommand: Command = {
  name: 'files',
  summary: 'Active files with size, rows, partition values and deletion vectors',
  usage: 'delta files <table> [options]',
  description:
    'Lists the data files of the table at its latest version (or --version / --timestamp), in ' +
    'log order: path, size, rows from statistics, partition values and the number of rows ' +
    'each file has deleted through a deletion vector.',
  options: [
    {
      title: 'Options',
      options: {
        ...JSON_OPTION,
        ...SNAPSHOT_OPTIONS,
        limit: { type: 'string', value: 'N', description: 'Only the first N files' },
      },
    },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: [
    'delta files ./data/events',
    'delta files s3://bucket/events --version 3 --limit 100',
    "delta files ./data/events --json | jq '[.files[].size] | add'",
  ],
  async run(ctx) {
    const limit = ctx.args.integer('limit', 0) ?? Infinity
    // Flags are checked before any I/O: a typo is a usage error even for a missing table.
    const selection = snapshotSelection(ctx.args)
    const table = await ctx.openTable()
    const snapshot = await table.snapshot({ ...selection, signal: ctx.signal })
    const entries = fileEntries(snapshot, limit)
    if (ctx.json) {
      await ctx.printJson({
        table: snapshot.tableUrl,
        version: snapshot.version,
        numFiles: snapshot.numFiles,
        files: entries,
      })
      return EXIT.ok
    }
    const { style } = ctx
    const partitions = snapshot.partitionColumns
    await ctx.print(
      renderTable(
        [
          { header: 'PATH' },
          { header: 'SIZE', align: 'right' },
          { header: 'ROWS', align: 'right' },
          ...(partitions.length === 0 ? [] : [{ header: 'PARTITION', maxWidth: 50 }]),
          { header: 'DELETED', align: 'right' as const },
          { header: 'MODIFIED', paint: style.dim },
        ],
        entries.map((f) => [
          displayPath(f.path),
          formatBytes(f.size),
          f.numRecords === null ? '?' : formatCount(f.numRecords),
          ...(partitions.length === 0
            ? []
            : [partitions.map((p) => `${p}=${f.partitionValues[p] ?? 'NULL'}`).join(', ')]),
          f.deletionVector === null ? '' : formatCount(f.deletionVector.cardinality),
          formatTime(Date.parse(f.modificationTime)),
        ]),
        style,
        { width: ctx.io.stdout.columns },
      ),
    )
    const shown = entries.length
    const total = snapshot.numFiles
    await ctx.print(
      style.dim(
        `${formatCount(total)} files, ${formatBytes(snapshot.sizeInBytes)}` +
          `${shown < total ? ` (showing ${formatCount(shown)}; use --limit to see more)` : ''}\n`,
      ),
    )
    return EXIT.ok
  },
}

/** The first `limit` active files as the `files --json` entries. */
export function fileEntries(snapshot: Snapshot, limit: number): FileEntry[] {
  // partitionValues are keyed by physical name under column mapping; show the logical ones.
  const physical = physicalNamesByLogical(snapshot.schema, snapshot.columnMappingMode)
  const columns = snapshot.partitionColumns.map(
    (logical) => [logical, physical.get(logical) ?? logical] as const,
  )
  const out: FileEntry[] = []
  for (const add of snapshot.files()) {
    if (out.length >= limit) break
    out.push(fileEntry(add, columns))
  }
  return out
}

function fileEntry(add: Add, columns: readonly (readonly [string, string])[]): FileEntry {
  const partitionValues: Record<string, string | null> = {}
  for (const [logical, physical] of columns)
    partitionValues[logical] = add.partitionValues[physical] ?? null
  const dv = add.deletionVector
  return {
    path: add.path,
    size: add.size,
    modificationTime: isoTime(add.modificationTime),
    numRecords: recordsOf(add.stats) ?? null,
    partitionValues,
    deletionVector:
      dv === undefined
        ? null
        : { storageType: dv.storageType, cardinality: dv.cardinality, sizeInBytes: dv.sizeInBytes },
  }
}

/** Relative paths decoded (`date=2024-01-01/part-0.parquet`); absolute ones as written. */
function displayPath(path: string): string {
  try {
    const target = decodeLogPath(path)
    return target.kind === 'relative' ? target.key : path
  } catch {
    return path
  }
}
