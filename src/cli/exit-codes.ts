/**
 * Exit codes and the one-line error report. Scripts branch on the exit code (stable, in the
 * README) and, with `--json`, on the error `code` in the JSON document; people read the line.
 */
import { AbortedError, DeltaError, type DeltaErrorCode } from '../errors.js'
import { OutputClosedError } from './io.js'

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** `verify` found problems: the check ran fine, the table did not pass. */
  problems: 3,
  /** Interrupted (Ctrl-C) outside `changes --follow`, as shells report SIGINT. */
  interrupted: 130,
} as const

/** A mistake in the command line itself: exit 2 and point at `--help`. */
export class UsageError extends Error {
  /** The command whose help explains the fix, when there is one. */
  readonly command: string | undefined
  constructor(message: string, command?: string) {
    super(message)
    this.name = 'UsageError'
    this.command = command
  }
}

const HINTS = new WeakMap<object, string>()

/**
 * Attaches a CLI-specific next step to a library error (shown on its own line after the error):
 * the library cannot know that, say, `delta changes --summary` exists.
 */
export function withHint(error: unknown, hint: string): unknown {
  if (typeof error === 'object' && error !== null) HINTS.set(error, hint)
  return error
}

/** The stable code of an error for `--json` output: the library's, or `USAGE` / `INTERNAL`. */
export type CliErrorCode = DeltaErrorCode | 'USAGE' | 'INTERNAL'

export function errorCode(error: unknown): CliErrorCode {
  if (error instanceof UsageError) return 'USAGE'
  if (error instanceof DeltaError) return error.code
  return 'INTERNAL'
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof OutputClosedError) return EXIT.ok
  if (error instanceof UsageError) return EXIT.usage
  // Every INVALID_ARGUMENT the library raises under the CLI stems from what the user typed: a
  // malformed URL, an unknown column, a filter that does not parse. That is a usage error.
  if (error instanceof DeltaError && error.code === 'INVALID_ARGUMENT') return EXIT.usage
  if (error instanceof AbortedError) return EXIT.interrupted
  return EXIT.failure
}

/**
 * The error as people see it: `delta: <message> (<CODE>)`, and under `--debug` the stack and
 * every `cause` below it. Library messages already say what to do next; usage errors add the
 * help command. Unexpected errors (bugs) say so and ask for `--debug`.
 */
export function formatError(error: unknown, debug: boolean): string {
  const lines: string[] = []
  if (error instanceof UsageError) {
    const help = error.command === undefined ? 'delta --help' : `delta ${error.command} --help`
    lines.push(`delta: ${error.message}. Run '${help}' for usage.`)
  } else if (error instanceof DeltaError) {
    lines.push(`delta: ${error.message} (${error.code})`)
  } else if (error instanceof AbortedError) {
    lines.push('delta: interrupted')
  } else {
    const text = error instanceof Error ? error.message : String(error)
    lines.push(
      `delta: unexpected error: ${text}${debug ? '' : ' (run again with --debug for details)'}`,
    )
  }
  const hint = typeof error === 'object' && error !== null ? HINTS.get(error) : undefined
  if (hint !== undefined) lines.push(`delta: ${hint}`)
  if (debug) {
    let cause: unknown = error
    let depth = 0
    while (cause !== undefined && depth < 8) {
      const stack = cause instanceof Error ? (cause.stack ?? cause.message) : JSON.stringify(cause)
      lines.push(depth === 0 ? stack : `caused by: ${stack}`)
      cause = cause instanceof Error ? cause.cause : undefined
      depth++
    }
  }
  return `${lines.join('\n')}\n`
}
