/**
 * `delta vacuum <table>`: reclaim space without losing anything. A dry run unless --execute:
 * it lists what would be deleted, how many files and bytes. All the safety rules live in the
 * library (`maintenance/vacuum.ts`): the writer-protocol check (vacuumProtocolCheck), the
 * refusal of a retention below delta.deletedFileRetentionDuration without --force, nothing
 * outside the table root, nothing a version inside the retention window references, and the
 * VACUUM START / END commits. The CLI only chooses the options and shows the plan.
 */
import type { VacuumProgress, VacuumReport } from '../../maintenance/vacuum.js'
import { COMMON_OPTIONS, JSON_OPTION, STORAGE_OPTIONS } from '../args.js'
import { withProgress, type Command, type CommandContext } from '../command.js'
import { EXIT, UsageError } from '../exit-codes.js'
import { formatBytes, formatCount, formatDuration, formatTime, isoTime } from '../output/human.js'
import { oneLine, renderTable } from '../output/table.js'
import type { Progress } from '../progress.js'

/** Files listed in the human report by default (the JSON report lists up to 1,000). */
export const VACUUM_LIST_HUMAN = 20
export const VACUUM_LIST_JSON = 1000

export const vacuumCommand: Command = {
  name: 'vacuum',
  summary: 'Delete files the table no longer needs (a dry run unless --execute)',
  usage: 'delta vacuum <table> [--execute] [--retention-hours H] [--lite] [options]',
  description:
    'Finds the files no version inside the retention window references and that are older than ' +
    "it: by default (--full) by listing the table's directories, with --lite only from the " +
    'files the log removed. Without --execute nothing is deleted: the plan is printed. With ' +
    '--execute the files are deleted and VACUUM START / VACUUM END commits are recorded, as ' +
    'Spark does.\n' +
    "The retention defaults to the table's delta.deletedFileRetentionDuration (7 days unless " +
    'set); a shorter one is refused unless --force, because readers and writers may still ' +
    'need younger files. Tables with the vacuumProtocolCheck feature are vacuumed only when ' +
    'this tool can write them.',
  options: [
    {
      title: 'Options',
      options: {
        execute: { type: 'boolean', description: 'Delete the files (default: dry run)' },
        'retention-hours': {
          type: 'string',
          value: 'H',
          description: "Keep files younger than H hours (default: the table's retention)",
        },
        force: {
          type: 'boolean',
          description: "Allow a retention shorter than the table's (unsafe with active readers)",
        },
        full: { type: 'boolean', description: 'List the table for unreferenced files (default)' },
        lite: { type: 'boolean', description: 'Only delete files the log removed (no listing)' },
        limit: {
          type: 'string',
          value: 'N',
          description: `Files listed in the report (default ${VACUUM_LIST_HUMAN}; ${VACUUM_LIST_JSON} with --json)`,
        },
        ...JSON_OPTION,
      },
    },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: [
    'delta vacuum ./data/events',
    'delta vacuum ./data/events --execute',
    'delta vacuum s3://bucket/events --retention-hours 336 --lite --execute',
    'delta vacuum ./data/events --json | jq .sizeOfDataToDelete',
  ],
  async run(ctx) {
    const { args } = ctx
    if (args.flag('full') && args.flag('lite')) {
      throw new UsageError('choose --full or --lite, not both', args.command)
    }
    const retentionHours = args.number('retention-hours', 0)
    const limit = args.integer('limit', 0) ?? (ctx.json ? VACUUM_LIST_JSON : VACUUM_LIST_HUMAN)
    const execute = args.flag('execute')
    const table = await ctx.openTable()
    const report: VacuumReport = await withProgress(ctx, 'listing files', 'files', (progress) =>
      table.vacuum({
        ...(retentionHours === undefined ? {} : { retentionHours }),
        dryRun: !execute,
        mode: args.flag('lite') ? 'lite' : 'full',
        force: args.flag('force'),
        reportLimit: limit,
        signal: ctx.signal,
        onProgress: (p) => showProgress(progress, p),
      }),
    )
    if (ctx.json) await ctx.printJson(vacuumJson(table.url, report))
    else await ctx.print(renderVacuum(ctx, table.url, report, retentionHours !== undefined))
    return EXIT.ok
  },
}

function showProgress(progress: Progress, p: VacuumProgress): void {
  if (p.phase === 'listing') progress.update(p.done, undefined, 'listing files')
  else progress.update(p.done, p.total ?? 0, 'deleting')
}

/** The `vacuum --json` document (README, "vacuum --json"). */
export function vacuumJson(tableUrl: string, report: VacuumReport): Record<string, unknown> {
  return {
    table: tableUrl,
    dryRun: report.dryRun,
    mode: report.mode,
    version: report.version,
    retentionHours: report.retentionMs / 3_600_000,
    cutoff: isoTime(report.cutoff),
    numFilesToDelete: report.numFilesToDelete,
    sizeOfDataToDelete: report.bytes,
    filesToDelete: report.filesToDelete,
    filesToDeleteComplete: report.filesToDeleteComplete,
    numDeletedFiles: report.deleted,
    numSparedFiles: report.spared,
    numVacuumedDirectories: report.directories,
    startVersion: report.startVersion ?? null,
    endVersion: report.endVersion ?? null,
  }
}

function renderVacuum(
  ctx: CommandContext,
  tableUrl: string,
  report: VacuumReport,
  retentionGiven: boolean,
): string {
  const { style } = ctx
  const mode =
    report.mode === 'full'
      ? `full: listed ${formatCount(report.directories)} director${report.directories === 1 ? 'y' : 'ies'}`
      : `lite${report.logRange === undefined ? '' : `: commits ${report.logRange.start} to ${report.logRange.end}`}`
  let out = `${style.bold(report.dryRun ? 'Vacuum (dry run)' : 'Vacuum')} of ${oneLine(tableUrl)} at version ${report.version} (${mode})\n`
  const source = retentionGiven
    ? '--retention-hours'
    : "the table's delta.deletedFileRetentionDuration"
  out +=
    `Retention ${report.retentionMs === 0 ? '0 hours' : formatDuration(report.retentionMs)} (${source}): unreferenced files older than ` +
    `${formatTime(report.cutoff)} are eligible.\n`
  if (ctx.args.flag('force')) {
    out += `${style.yellow('--force: the retention safety check is off.')}\n`
  }
  const files = `${formatCount(report.numFilesToDelete)} file${report.numFilesToDelete === 1 ? '' : 's'} (${formatBytes(report.bytes)})`
  if (report.numFilesToDelete === 0) return `${out}\n${style.green('Nothing to delete.')}\n`
  out += `\n${report.dryRun ? 'Would delete' : 'Deleted'} ${style.bold(files)}${report.dryRun ? ':' : '.'}\n`
  if (report.dryRun) {
    out += renderTable(
      [{ header: 'PATH' }, { header: 'SIZE', align: 'right' }],
      report.filesToDelete.map((f) => [f.path, formatBytes(f.size)]),
      style,
      { width: ctx.io.stdout.columns },
    )
    const rest = report.numFilesToDelete - report.filesToDelete.length
    if (rest > 0) out += style.dim(`… and ${formatCount(rest)} more (--limit N lists more).\n`)
    out += `\nNothing was deleted. Run again with ${style.bold('--execute')} to delete these files.\n`
    return out
  }
  if (report.spared > 0) {
    out += `Spared ${formatCount(report.spared)} files that a concurrent commit added back.\n`
  }
  if (report.startVersion !== undefined && report.endVersion !== undefined) {
    out += style.dim(
      `Recorded VACUUM START (version ${report.startVersion}) and VACUUM END (version ${report.endVersion}).\n`,
    )
  }
  return out
}
