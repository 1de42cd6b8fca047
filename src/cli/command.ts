/**
 * What every command is: a name, its help, its options, and a `run` over a `CommandContext`.
 * The context carries everything a command may touch (output streams, styles, parsed flags,
 * the table, an abort signal), so commands stay free of `process` and easy to read.
 */
import { parseTimestampInput } from '../snapshot/history.js'
import type { SnapshotOptions } from '../snapshot/load.js'
import type { StorageOptions } from '../storage/url.js'
import type { DeltaTable } from '../table/delta-table.js'
import type { OptionGroup, ParsedArgs } from './args.js'
import { UsageError } from './exit-codes.js'
import type { CliIo } from './io.js'
import type { Progress } from './progress.js'
import type { Style } from './output/style.js'

export interface Command {
  readonly name: string
  /** One line for `delta --help`. */
  readonly summary: string
  /** `delta inspect <table> [options]` */
  readonly usage: string
  /** A paragraph or two for `delta inspect --help`. */
  readonly description: string
  /** The command's own options first, then shared groups. */
  readonly options: readonly OptionGroup[]
  readonly examples: readonly string[]
  run(context: CommandContext): Promise<number>
}

export interface CommandContext {
  readonly io: CliIo
  readonly args: ParsedArgs
  /** Styles for stdout and stderr (each decided by its own stream). */
  readonly style: Style
  readonly errStyle: Style
  /** `--json` was given (for the commands that take it). */
  readonly json: boolean
  /** Fires on Ctrl-C. */
  readonly signal: AbortSignal
  /** The table location as typed (exactly one positional argument). */
  readonly location: string
  /** Storage options from flags and environment (for stores of files outside the root, too). */
  readonly storage: StorageOptions
  /** Opens the table at `location` with the storage flags; fails when there is no table. */
  openTable(): Promise<DeltaTable>
  /** A progress line on stderr (a no-op when stderr is not a terminal, or with `--quiet`). */
  progress(label: string, unit: string): Progress
  /** Writes to stdout. */
  print(text: string): Promise<void>
  /** Writes a line to stderr (notes that are not the result). */
  note(text: string): Promise<void>
  /** Writes `value` as the single JSON document of the run. */
  printJson(value: unknown): Promise<void>
}

/** Runs `work` under a progress line on stderr, which ends however `work` ends. */
export async function withProgress<T>(
  ctx: Pick<CommandContext, 'progress'>,
  label: string,
  unit: string,
  work: (progress: Progress) => Promise<T> | T,
): Promise<T> {
  const progress = ctx.progress(label, unit)
  try {
    return await work(progress)
  } finally {
    await progress.end()
  }
}

/**
 * `--version N` / `--timestamp T` as snapshot options. A timestamp of digits only is epoch
 * milliseconds; anything else must parse as ISO-8601 (checked here, so a typo is a usage error).
 */
export function snapshotSelection(args: ParsedArgs): SnapshotOptions {
  const version = args.integer('version', 0)
  const timestamp = args.string('timestamp')
  if (version !== undefined && timestamp !== undefined) {
    throw new UsageError('give --version or --timestamp, not both', args.command)
  }
  if (version !== undefined) return { version }
  if (timestamp === undefined) return {}
  return { timestamp: parseTimestampArg(timestamp, args.command, '--timestamp') }
}

/** Epoch milliseconds from digits or ISO-8601 text. */
export function parseTimestampArg(text: string, command: string, flag: string): number {
  if (/^-?\d+$/.test(text.trim())) return Number(text)
  try {
    return parseTimestampInput(text)
  } catch {
    throw new UsageError(
      `${flag} must be ISO-8601 (2024-05-01, 2024-05-01T12:00:00Z) or epoch milliseconds, got '${text}'`,
      command,
    )
  }
}
