/**
 * `delta changes <table>`: the change data feed — every inserted, deleted and updated row with
 * `_change_type`, `_commit_version` and `_commit_timestamp` — between two versions or times,
 * or live with `--follow` until interrupted. `--summary` shows one line per commit from the log
 * alone (files and rows added and removed), which works on any table, feed enabled or not.
 *
 * Bounds: digits are versions, anything else is a time (ISO-8601). Without `--from`, the feed
 * starts at the oldest commit still in the log, or, when following, at the next commit.
 */
import { AbortedError } from '../../errors.js'
import { ChangeDataFeedError } from '../../changes/cdf-errors.js'
import { parseTimestampInput } from '../../snapshot/history.js'
import { COMMON_OPTIONS, STORAGE_OPTIONS, type ParsedArgs } from '../args.js'
import type { Command } from '../command.js'
import { EXIT, UsageError, withHint } from '../exit-codes.js'
import type { Bound } from './changes-request.js'
import { followRows, printRows } from './changes-rows.js'
import { printSummaries } from './changes-summary.js'
import { ROW_OPTIONS, rowArgs } from './scan.js'

export const changesCommand: Command = {
  name: 'changes',
  summary: 'The change data feed between versions or times, or live with --follow',
  usage: 'delta changes <table> [--from V|T] [--to V|T] [--follow] [options]',
  description:
    'Prints the rows each commit inserted, deleted or updated, from the change data feed ' +
    '(the table needs delta.enableChangeDataFeed=true for the versions read), with the columns ' +
    '_change_type, _commit_version and _commit_timestamp. --from and --to take a version ' +
    '(digits) or a time (ISO-8601); both are inclusive. --follow prints the changes of new ' +
    'commits as they land, until interrupted (Ctrl-C exits with status 0).\n' +
    '--summary prints one line per commit instead — files and rows added and removed — from ' +
    'the log alone, for any table.',
  options: [
    {
      title: 'Options',
      options: {
        from: { type: 'string', value: 'V|T', description: 'First version (or time) to read' },
        to: { type: 'string', value: 'V|T', description: 'Last version (or time) to read' },
        follow: {
          type: 'boolean',
          short: 'f',
          description: 'Keep printing new changes until interrupted',
        },
        interval: {
          type: 'string',
          value: 'SECONDS',
          description:
            'With --follow: time from the start of one poll of the log to the next (default 1; doubles while idle, up to 10x)',
        },
        summary: {
          type: 'boolean',
          description: 'One line per commit (files, rows, bytes) instead of rows',
        },
        ...ROW_OPTIONS,
      },
    },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: [
    'delta changes ./data/events --from 10 --to 12',
    "delta changes ./data/events --from '2024-05-01T00:00:00Z' --format jsonl",
    'delta changes s3://bucket/events --follow --format jsonl',
    'delta changes ./data/events --summary --follow',
  ],
  async run(ctx) {
    const from = bound(ctx.args, 'from')
    const to = bound(ctx.args, 'to')
    const follow = ctx.args.flag('follow')
    if (follow && to !== undefined) {
      throw new UsageError('--to and --follow do not go together', ctx.args.command)
    }
    const interval = ctx.args.number('interval', 0.01)
    const pollIntervalMs = interval === undefined ? undefined : Math.round(interval * 1000)
    const rows = rowArgs(ctx.args)
    const summary = ctx.args.flag('summary')
    if (summary && (rows.format === 'csv' || rows.columns !== undefined)) {
      throw new UsageError(
        '--summary takes --format table or jsonl, and no --columns',
        ctx.args.command,
      )
    }
    const table = await ctx.openTable()
    const request = { table, from, to, follow, pollIntervalMs, ...rows }
    try {
      if (summary) await printSummaries(ctx, request)
      else if (follow) await followRows(ctx, request)
      else await printRows(ctx, request)
    } catch (error) {
      // Interrupting a follower is how it is meant to end.
      if (follow && error instanceof AbortedError) return EXIT.ok
      if (error instanceof ChangeDataFeedError && error.problem === 'not-enabled') {
        throw withHint(
          error,
          "'delta changes --summary' lists the commits of any table, feed enabled or not.",
        )
      }
      throw error
    }
    return EXIT.ok
  },
}

/** Digits are a version; anything else must be a time. */
function bound(args: ParsedArgs, name: 'from' | 'to'): Bound | undefined {
  const text = args.string(name)?.trim()
  if (text === undefined) return undefined
  if (/^\d+$/.test(text)) {
    const version = Number(text)
    if (!Number.isSafeInteger(version)) throw new UsageError(`--${name} is too large`, args.command)
    return { version }
  }
  try {
    return { timestamp: parseTimestampInput(text) }
  } catch {
    throw new UsageError(
      `--${name} must be a version (digits) or an ISO-8601 time such as 2024-05-01T12:00:00Z, got '${text}'`,
      args.command,
    )
  }
}
