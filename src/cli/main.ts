/**
 * The `delta` command line: dispatch, context, and the error boundary.
 *
 * `runCli(argv, io)` runs one command and resolves with its exit code; it never throws and never
 * touches `process` (tests call it in-process). `main()` binds it to the real process: streams,
 * environment, Ctrl-C, and the exit code. Exit codes: 0 success, 1 failure, 2 usage error,
 * 3 verify found problems (130 when interrupted).
 */
import { readFileSync } from 'node:fs'
import { DeltaTable } from '../table/delta-table.js'
import {
  closest,
  parseCommandArgs,
  type OptionGroup,
  type OptionSpecs,
  type ParsedArgs,
} from './args.js'
import type { Command, CommandContext } from './command.js'
import { changesCommand } from './commands/changes.js'
import { checkpointCommand } from './commands/checkpoint.js'
import { cleanupCommand } from './commands/cleanup.js'
import { filesCommand } from './commands/files.js'
import { historyCommand } from './commands/history.js'
import { inspectCommand } from './commands/inspect.js'
import { scanCommand } from './commands/scan.js'
import { vacuumCommand } from './commands/vacuum.js'
import { verifyCommand } from './commands/verify.js'
import { EXIT, UsageError, errorCode, exitCodeOf, formatError } from './exit-codes.js'
import { commandHelp, mainHelp } from './help.js'
import { OutputClosedError, processIo, type CliIo } from './io.js'
import { startProgress } from './progress.js'
import { storageOptionsFrom } from './storage-options.js'
import { colorEnabled, makeStyle } from './output/style.js'

export const COMMANDS: readonly Command[] = [
  inspectCommand,
  historyCommand,
  filesCommand,
  scanCommand,
  changesCommand,
  vacuumCommand,
  checkpointCommand,
  cleanupCommand,
  verifyCommand,
]

export interface RunOptions {
  /** Aborts the running command (Ctrl-C). */
  readonly signal?: AbortSignal
}

/** Runs one command line; resolves with the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: RunOptions = {},
): Promise<number> {
  // Known before parsing, so that even a parse error honours them.
  const debug = argv.includes('--debug')
  const choice = { color: argv.includes('--color'), noColor: argv.includes('--no-color') }
  const errStyle = makeStyle(colorEnabled(io.stderr.isTTY, io.env, choice))
  const outStyle = makeStyle(colorEnabled(io.stdout.isTTY, io.env, choice))
  let json = false
  try {
    const [first, ...rest] = argv
    if (first === undefined) {
      await io.stderr.write(mainHelp(COMMANDS, errStyle, packageVersion()))
      return EXIT.usage
    }
    if (first === '--help' || first === '-h') {
      await io.stdout.write(mainHelp(COMMANDS, outStyle, packageVersion()))
      return EXIT.ok
    }
    if (first === '--version' || first === '-V') {
      await io.stdout.write(`${packageVersion()}\n`)
      return EXIT.ok
    }
    if (first === 'help') {
      const name = rest[0]
      if (name === undefined) {
        await io.stdout.write(mainHelp(COMMANDS, outStyle, packageVersion()))
        return EXIT.ok
      }
      await io.stdout.write(commandHelp(findCommand(name), outStyle))
      return EXIT.ok
    }
    const command = findCommand(first)
    const args = parseCommandArgs(command.name, rest, mergeOptions(command.options))
    if (args.flag('help')) {
      await io.stdout.write(commandHelp(command, outStyle))
      return EXIT.ok
    }
    json = args.flag('json')
    const context = commandContext(
      command,
      args,
      io,
      options.signal ?? new AbortController().signal,
    )
    return await command.run(context)
  } catch (error) {
    if (error instanceof OutputClosedError) return EXIT.ok
    if (json) {
      const message = error instanceof Error ? error.message : String(error)
      const document = { error: { code: errorCode(error), message } }
      await io.stdout.write(`${JSON.stringify(document, null, 2)}\n`).catch(() => undefined)
    }
    const text = formatError(error, debug)
    const [headline = '', ...details] = text.split('\n')
    await io.stderr.write([errStyle.red(headline), ...details].join('\n')).catch(() => undefined)
    return exitCodeOf(error)
  }
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name)
  if (command !== undefined) return command
  if (name.startsWith('-')) throw new UsageError(`expected a command before ${name}`)
  const guess = closest(
    name,
    COMMANDS.map((c) => c.name),
  )
  throw new UsageError(
    `unknown command '${name}'${guess === undefined ? '' : ` (did you mean '${guess}'?)`}`,
  )
}

function mergeOptions(groups: readonly OptionGroup[]): OptionSpecs {
  return Object.assign({}, ...groups.map((g) => g.options)) as OptionSpecs
}

function commandContext(
  command: Command,
  args: ParsedArgs,
  io: CliIo,
  signal: AbortSignal,
): CommandContext {
  const [location, ...extra] = args.positionals
  if (location === undefined) {
    throw new UsageError(`'${command.name}' needs a table (a path or URL)`, command.name)
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument '${extra[0]!}' (one table at a time)`, command.name)
  }
  const choice = { color: args.flag('color'), noColor: args.flag('no-color') }
  const style = makeStyle(colorEnabled(io.stdout.isTTY, io.env, choice))
  const errStyle = makeStyle(colorEnabled(io.stderr.isTTY, io.env, choice))
  const storage = storageOptionsFrom(args, io.env)
  const quiet = args.flag('quiet')
  return {
    io,
    args,
    style,
    errStyle,
    json: args.flag('json'),
    signal,
    location,
    storage,
    openTable: () => DeltaTable.open(location, { storage, signal }),
    progress: (label, unit) => startProgress(io.stderr, errStyle, label, unit, !quiet),
    print: (text) => io.stdout.write(text),
    note: (text) => io.stderr.write(`${errStyle.dim(text)}\n`),
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  }
}

let cachedVersion: string | undefined

/** The package's version, from package.json next to dist/ (or src/). */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')
    const parsed = JSON.parse(text) as { version?: unknown }
    cachedVersion = typeof parsed.version === 'string' ? parsed.version : 'unknown'
  } catch {
    cachedVersion = 'unknown'
  }
  return cachedVersion
}

/**
 * Runs the CLI in this process and exits with its code. A first Ctrl-C (or SIGTERM) aborts
 * the command, which stops at the next safe point (a follower exits 0); a second one exits
 * at once.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  // The AWS SDK warns on stderr about Node versions it will stop supporting; a CLI user can do
  // nothing about it, so it is off unless the user set the variable themselves.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (): void => {
    interrupts++
    if (interrupts > 1) process.exit(EXIT.interrupted)
    controller.abort(new Error('interrupted'))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const code = await runCli(argv, processIo(), { signal: controller.signal })
  // Let buffered output reach its pipe before exiting: process.exit does not wait for it.
  await Promise.all([flush(process.stdout), flush(process.stderr)])
  process.exit(code)
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) {
      resolve()
      return
    }
    stream.write('', () => resolve())
  })
}
