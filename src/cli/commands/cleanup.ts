/**
 * `delta cleanup <table>`: remove expired log files as the protocol's metadata cleanup allows —
 * commits, checkpoints and checksums older than delta.logRetentionDuration that come before a
 * checkpoint the log keeps. A dry run unless --execute. Time travel to the removed versions
 * ends; every later version stays readable.
 */
import type { CleanupResult } from '../../maintenance/log-cleanup.js'
import { COMMON_OPTIONS, JSON_OPTION, STORAGE_OPTIONS } from '../args.js'
import { withProgress, type Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { formatCount, formatTime, isoTime } from '../output/human.js'

export const cleanupCommand: Command = {
  name: 'cleanup',
  summary: 'Remove expired log files (a dry run unless --execute)',
  usage: 'delta cleanup <table> [--execute] [options]',
  description:
    'Deletes _delta_log files older than delta.logRetentionDuration (30 days unless set), up ' +
    'to the newest checkpoint before that cutoff, which the log then starts from. Versions ' +
    'before it can no longer be read (time travel, history, change feed). Without --execute, ' +
    'prints what would be deleted.',
  options: [
    {
      title: 'Options',
      options: {
        execute: { type: 'boolean', description: 'Delete the files (default: dry run)' },
        limit: { type: 'string', value: 'N', description: 'Files listed (default 20)' },
        ...JSON_OPTION,
      },
    },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: ['delta cleanup ./data/events', 'delta cleanup ./data/events --execute --json'],
  async run(ctx) {
    const limit = ctx.args.integer('limit', 0) ?? 20
    const execute = ctx.args.flag('execute')
    const table = await ctx.openTable()
    const result: CleanupResult = await withProgress(
      ctx,
      execute ? 'cleaning up the log' : 'planning log cleanup',
      'files',
      () => table.cleanupLogs({ dryRun: !execute, signal: ctx.signal }),
    )
    if (ctx.json) {
      await ctx.printJson({
        table: table.url,
        dryRun: result.dryRun,
        cutoff: isoTime(result.cutoffTimestamp),
        cutoffCommit: result.cutoffCommit ?? null,
        checkpointVersion: result.checkpointVersion ?? null,
        numFilesToDelete: result.deleted.length,
        files: result.deleted,
        compatCheckpoint: result.compatCheckpoint ?? null,
      })
      return EXIT.ok
    }
    const { style } = ctx
    let out = `Log files older than ${formatTime(result.cutoffTimestamp)} are expired.\n`
    if (result.deleted.length === 0) {
      out +=
        result.checkpointVersion === undefined
          ? `${style.green('Nothing to clean up')}: no checkpoint before the cutoff to start the log from.\n`
          : `${style.green('Nothing to clean up')}: the log already starts at checkpoint ${result.checkpointVersion}.\n`
      await ctx.print(out)
      return EXIT.ok
    }
    const n = `${formatCount(result.deleted.length)} log file${result.deleted.length === 1 ? '' : 's'}`
    out += `${result.dryRun ? 'Would delete' : 'Deleted'} ${style.bold(n)}; the log ${result.dryRun ? 'would start' : 'now starts'} at checkpoint ${result.checkpointVersion ?? '?'}.\n`
    for (const key of result.deleted.slice(0, limit)) out += style.dim(`  ${key}\n`)
    if (result.deleted.length > limit) {
      out += style.dim(`  … and ${formatCount(result.deleted.length - limit)} more\n`)
    }
    if (result.compatCheckpoint !== undefined) {
      out += `Wrote the classic-named V2 checkpoint ${result.compatCheckpoint} first.\n`
    }
    if (result.dryRun)
      out += `\nNothing was deleted. Run again with ${style.bold('--execute')} to delete them.\n`
    await ctx.print(out)
    return EXIT.ok
  },
}
