/**
 * `delta history <table>`: one row per commit, newest first — version, time, operation, its
 * parameters and metrics, and the engine that wrote it (Spark's DESCRIBE HISTORY).
 *
 * Reads the log only (commitInfo of each commit), no snapshot: history stays available for a
 * table whose current version this library cannot read. Commit times are those time travel
 * uses: the in-commit timestamp when the commit has one, else the file time, monotonized.
 */
import type { CommitInfo } from '../../protocol/actions.js'
import { monotonize } from '../../snapshot/history.js'
import { mapConcurrent } from '../../util/async.js'
import { COMMON_OPTIONS, JSON_OPTION, STORAGE_OPTIONS } from '../args.js'
import type { Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { formatBytes, formatCount, formatTime, isoTime } from '../output/human.js'
import { renderTable } from '../output/table.js'

export interface HistoryEntry {
  readonly version: number
  readonly timestamp: string
  readonly operation: string | null
  readonly operationParameters: Readonly<Record<string, unknown>>
  readonly operationMetrics: Readonly<Record<string, unknown>>
  readonly engineInfo: string | null
  /** The whole commitInfo action, as written (null when the commit has none). */
  readonly commitInfo: CommitInfo | null
}

/** Metrics shown first, in this order: the ones that say how much a commit changed. */
const KEY_METRICS = [
  'numOutputRows',
  'numDeletedRows',
  'numUpdatedRows',
  'numCopiedRows',
  'numTargetRowsInserted',
  'numTargetRowsUpdated',
  'numTargetRowsDeleted',
  'numAddedFiles',
  'numRemovedFiles',
  'numFiles',
  'numOutputBytes',
  'numFilesToDelete',
  'sizeOfDataToDelete',
  'numDeletedFiles',
  'numDeletionVectorsAdded',
]
const BYTE_METRICS = new Set([
  'numOutputBytes',
  'sizeOfDataToDelete',
  'numAddedBytes',
  'numRemovedBytes',
])

export const historyCommand: Command = {
  name: 'history',
  summary: 'One row per commit: version, time, operation, parameters, metrics, engine',
  usage: 'delta history <table> [options]',
  description:
    'Lists the commits still in the log, newest first, from their commitInfo: the operation ' +
    '(WRITE, MERGE, DELETE, OPTIMIZE, VACUUM START, ...), its parameters and metrics, and the ' +
    'engine that wrote it. Commits removed by log cleanup are no longer listed.',
  options: [
    {
      title: 'Options',
      options: {
        ...JSON_OPTION,
        limit: { type: 'string', value: 'N', description: 'Only the newest N commits' },
      },
    },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: [
    'delta history ./data/events',
    'delta history s3://bucket/events --limit 20',
    'delta history ./data/events --json | jq \'.commits[] | select(.operation == "DELETE")\'',
  ],
  async run(ctx) {
    const limit = ctx.args.integer('limit', 1)
    const table = await ctx.openTable()
    const entries = await table.log.listAll({ signal: ctx.signal })
    const commits = entries
      .flatMap((e) =>
        e.file.kind === 'commit'
          ? [{ version: e.file.version, lastModified: e.lastModified, key: e.key }]
          : [],
      )
      .sort((a, b) => a.version - b.version)
    const times = monotonize(commits)
    const newest = commits
      .map((c, i) => ({ ...c, time: times[i]!.timestamp }))
      .reverse()
      .slice(0, limit ?? Infinity)
    const progress = ctx.progress('reading commits', 'commits')
    let read = 0
    const history = await mapConcurrent(newest, 8, async (c): Promise<HistoryEntry> => {
      const actions = await table.log.readJsonFile(c.key, { signal: ctx.signal })
      progress.update(++read, newest.length)
      let info: CommitInfo | undefined
      for (const action of actions) if ('commitInfo' in action) info = action.commitInfo
      const ict = info?.inCommitTimestamp
      return {
        version: c.version,
        timestamp: isoTime(typeof ict === 'number' ? ict : c.time),
        operation: typeof info?.operation === 'string' ? info.operation : null,
        operationParameters: record(info?.operationParameters),
        operationMetrics: record(info?.operationMetrics),
        engineInfo: engineOf(info),
        commitInfo: info ?? null,
      }
    })
    await progress.end()
    if (ctx.json) {
      await ctx.printJson({ table: table.url, commits: history })
      return EXIT.ok
    }
    if (history.length === 0) {
      await ctx.print('No commits in the log.\n')
      return EXIT.ok
    }
    const { style } = ctx
    await ctx.print(
      renderTable(
        [
          { header: 'VERSION', align: 'right' },
          { header: 'TIME' },
          { header: 'OPERATION', paint: style.cyan },
          { header: 'PARAMETERS', maxWidth: 60 },
          { header: 'METRICS', maxWidth: 70 },
          { header: 'ENGINE', maxWidth: 40, paint: style.dim },
        ],
        history.map((h) => [
          String(h.version),
          formatTime(Date.parse(h.timestamp)),
          h.operation ?? '-',
          parametersText(h.operationParameters),
          metricsText(h.operationMetrics),
          h.engineInfo ?? '',
        ]),
        style,
        { width: ctx.io.stdout.columns },
      ),
    )
    return EXIT.ok
  },
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

function engineOf(info: CommitInfo | undefined): string | null {
  const engine = info?.engineInfo ?? info?.clientVersion
  return typeof engine === 'string' ? engine : null
}

/** `mode=Append, partitionBy=["date"]`, leaving out empty values (`[]`, `null`, `{}`). */
export function parametersText(parameters: Readonly<Record<string, unknown>>): string {
  return Object.entries(parameters)
    .map(([key, value]) => [key, valueText(value)] as const)
    .filter(([, text]) => text !== '' && text !== '[]' && text !== '{}' && text !== 'null')
    .map(([key, text]) => `${key}=${text}`)
    .join(', ')
}

/** The metrics that say how much changed first; byte counts in human units; counts grouped. */
export function metricsText(metrics: Readonly<Record<string, unknown>>): string {
  const rank = (key: string): number => {
    const i = KEY_METRICS.indexOf(key)
    return i < 0 ? KEY_METRICS.length : i
  }
  return Object.entries(metrics)
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^\d+$/.test(value)
            ? Number(value)
            : undefined
      const text =
        n === undefined ? valueText(value) : BYTE_METRICS.has(key) ? formatBytes(n) : formatCount(n)
      return `${key}=${text}`
    })
    .join(', ')
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return ''
  return JSON.stringify(value)
}
