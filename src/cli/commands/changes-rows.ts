/**
 * The row modes of `delta changes`: a range read through the library's change data feed reader
 * (`readChanges`, which validates the whole range before reading any data), and a follower that
 * reads the range so far, then tails the log and reads each new commit's changes as it lands.
 */
import { readChanges, type ChangesOptions } from '../../changes/cdf.js'
import { isChangeDataFeedEnabled, notRecorded } from '../../changes/cdf-plan.js'
import { ChangeReader } from '../../changes/cdf-read.js'
import { tail } from '../../changes/tail.js'
import type { CommandContext } from '../command.js'
import { formatTime } from '../output/human.js'
import { RowPrinter } from '../output/row-printer.js'
import type { Progress } from '../progress.js'
import { commitBounds, type ChangesRequest } from './changes-request.js'

/** Prints the feed of `--from` .. `--to`. */
export async function printRows(ctx: CommandContext, request: ChangesRequest): Promise<void> {
  const options = await rangeOptions(ctx, request)
  const changes = await readChanges(request.table, options)
  const printer = new RowPrinter(ctx, request.format, changes.schema, request.limit)
  const progress = ctx.progress('reading changes', 'rows')
  try {
    await drain(changes, printer, progress)
  } finally {
    await progress.end()
  }
  await printer.flush()
}

/**
 * Prints the feed from `--from` (default: the next commit) and keeps following. Ends only by
 * interruption (an `AbortedError`, which the command turns into exit 0) or at `--limit`.
 */
export async function followRows(ctx: CommandContext, request: ChangesRequest): Promise<void> {
  const { table } = request
  const signal = ctx.signal
  const bounds = await commitBounds(table, signal)
  let next = bounds.latest + 1
  let printer: RowPrinter | undefined
  if (request.from !== undefined) {
    // The history part first, through the range reader (out-of-range means nothing yet).
    const changes = await readChanges(table, {
      ...(await rangeOptions(ctx, request)),
      endingVersion: bounds.latest,
      allowOutOfRange: true,
    })
    printer = new RowPrinter(ctx, request.format, changes.schema, request.limit)
    await drain(changes, printer, undefined)
    if (printer.pending > 0) await printer.flush()
    if (printer.done) return
    if (changes.range === undefined && 'version' in request.from) next = request.from.version
  }
  await ctx.note(`Following changes from version ${next} (Ctrl-C to stop).`)
  let reader = await readerAt(ctx, request, next - 1)
  if (printer === undefined)
    printer = new RowPrinter(ctx, request.format, reader.schema, request.limit)
  for await (const commit of tail(table.log, next, {
    follow: true,
    signal,
    ...(request.pollIntervalMs === undefined ? {} : { pollIntervalMs: request.pollIntervalMs }),
  })) {
    // A new schema or protocol: read this and later commits in it (the feed must stay on).
    if (commit.actions.some((a) => 'metaData' in a || 'protocol' in a)) {
      reader = await readerAt(ctx, request, commit.version)
      if (!sameColumns(reader, printer)) {
        printer = new RowPrinter(
          ctx,
          request.format,
          reader.schema,
          remaining(request.limit, printer),
        )
      }
    }
    for await (const batch of reader.readCommit(commit, { signal })) {
      if (!(await printer.add(batch))) break
    }
    if (printer.pending > 0) {
      await printer.flush(`version ${commit.version}  ${formatTime(commit.timestamp)}`)
    }
    if (printer.done) return
  }
}

/** Reads every batch into the printer until it wants no more. */
async function drain(
  batches: AsyncIterable<Parameters<RowPrinter['add']>[0]>,
  printer: RowPrinter,
  progress: Progress | undefined,
): Promise<void> {
  for await (const batch of batches) {
    const more = await printer.add(batch)
    progress?.update(printer.rows)
    if (!more) break
  }
}

/** The library options for the requested bounds and columns. */
async function rangeOptions(ctx: CommandContext, request: ChangesRequest): Promise<ChangesOptions> {
  const common = { columns: request.columns, storage: ctx.storage, signal: ctx.signal }
  const { from, to } = request
  let start: Pick<ChangesOptions, 'startingVersion' | 'startingTimestamp'>
  if (from === undefined) {
    start = { startingVersion: (await commitBounds(request.table, ctx.signal)).earliest }
  } else
    start =
      'version' in from ? { startingVersion: from.version } : { startingTimestamp: from.timestamp }
  const end: Pick<ChangesOptions, 'endingVersion' | 'endingTimestamp'> =
    to === undefined
      ? {}
      : 'version' in to
        ? { endingVersion: to.version }
        : { endingTimestamp: to.timestamp }
  return { ...common, ...start, ...end }
}

/** A change reader in the schema of `version`, which must have the feed enabled. */
async function readerAt(
  ctx: CommandContext,
  request: ChangesRequest,
  version: number,
): Promise<ChangeReader> {
  const snapshot = await request.table.snapshot({ version, stats: 'skip', signal: ctx.signal })
  if (!isChangeDataFeedEnabled(snapshot.metadata)) throw notRecorded(version)
  return new ChangeReader(snapshot, { columns: request.columns, storage: ctx.storage })
}

function sameColumns(reader: ChangeReader, printer: RowPrinter): boolean {
  const names = reader.schema.fields.map((f) => f.name).join('\u0000')
  return names === printer.columns.join('\u0000')
}

function remaining(limit: number | undefined, printer: RowPrinter): number | undefined {
  return limit === undefined ? undefined : Math.max(0, limit - printer.rows)
}
