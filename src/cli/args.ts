/**
 * Command-line parsing on Node's `util.parseArgs`: strict (an unknown option is an error, not a
 * silently ignored typo), with the option table doubling as the source of `--help`.
 *
 * Values are validated here, before any I/O, so that every malformed flag is a usage error
 * (exit 2) with the flag's name in the message rather than a failure deep in the library.
 */
import { parseArgs } from 'node:util'
import { UsageError } from './exit-codes.js'

export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  /** Placeholder shown in help: `--limit N`. */
  readonly value?: string
  readonly description: string
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** A titled group of options, for help output. */
export interface OptionGroup {
  readonly title: string
  readonly options: OptionSpecs
}

export const COMMON_OPTIONS: OptionSpecs = {
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
  debug: { type: 'boolean', description: 'Print stack traces and causes on errors' },
  color: { type: 'boolean', description: 'Colour output even when it is not a terminal' },
  'no-color': { type: 'boolean', description: 'Never colour output (also: NO_COLOR=1)' },
  quiet: { type: 'boolean', short: 'q', description: 'No progress bars' },
}

/**
 * Storage flags. Each overrides the environment variable the store reads by default
 * (`AWS_*`, `AZURE_STORAGE_*`); secrets are better left in the environment than on a command
 * line, which other users of the machine can see.
 */
export const STORAGE_OPTIONS: OptionSpecs = {
  region: { type: 'string', value: 'REGION', description: 'S3 region (AWS_REGION)' },
  endpoint: {
    type: 'string',
    value: 'URL',
    description: 'S3-compatible or Azure Blob endpoint (AWS_ENDPOINT_URL, AZURE_STORAGE_ENDPOINT)',
  },
  'path-style': {
    type: 'boolean',
    description: 'S3 path-style addressing (AWS_S3_FORCE_PATH_STYLE)',
  },
  'access-key-id': { type: 'string', value: 'ID', description: 'S3 key id (AWS_ACCESS_KEY_ID)' },
  'secret-access-key': {
    type: 'string',
    value: 'KEY',
    description: 'S3 secret (AWS_SECRET_ACCESS_KEY)',
  },
  'session-token': {
    type: 'string',
    value: 'TOKEN',
    description: 'S3 session token (AWS_SESSION_TOKEN)',
  },
  account: {
    type: 'string',
    value: 'NAME',
    description: 'Azure storage account (AZURE_STORAGE_ACCOUNT_NAME)',
  },
  'account-key': {
    type: 'string',
    value: 'KEY',
    description: 'Azure account key (AZURE_STORAGE_ACCOUNT_KEY)',
  },
  'sas-token': { type: 'string', value: 'SAS', description: 'Azure SAS (AZURE_STORAGE_SAS_TOKEN)' },
  'connection-string': {
    type: 'string',
    value: 'TEXT',
    description: 'Azure connection string (AZURE_STORAGE_CONNECTION_STRING)',
  },
}

export const SNAPSHOT_OPTIONS: OptionSpecs = {
  version: { type: 'string', value: 'N', description: 'Read the table as of version N' },
  timestamp: {
    type: 'string',
    value: 'T',
    description: 'Read the table as of time T (ISO-8601, e.g. 2024-05-01T12:00:00Z, or epoch ms)',
  },
}

export const JSON_OPTION: OptionSpecs = {
  json: { type: 'boolean', description: 'Print one JSON document (stable; see the README)' },
}

export interface ParsedArgs {
  readonly command: string
  readonly positionals: readonly string[]
  /** A boolean flag was given. */
  flag(name: string): boolean
  string(name: string): string | undefined
  /** An integer option, checked against `min`; undefined when absent. */
  integer(name: string, min?: number): number | undefined
  /** A finite number option, checked against `min`; undefined when absent. */
  number(name: string, min?: number): number | undefined
  /** One of the allowed words; undefined when absent. */
  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined
}

/** Parses `argv` (after the command name) against the given options. */
export function parseCommandArgs(
  command: string,
  argv: readonly string[],
  specs: OptionSpecs,
): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(specs).map(([name, spec]) => [
          name,
          spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    throw usageFromParseError(error, command, specs)
  }
  const values = parsed.values as Readonly<Record<string, string | boolean | undefined>>
  const string = (name: string): string | undefined => {
    const value = values[name]
    return typeof value === 'string' ? value : undefined
  }
  const number = (name: string, min: number | undefined, integer: boolean): number | undefined => {
    const text = string(name)
    if (text === undefined) return undefined
    const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text.trim()) ? Number(text) : NaN
    const kind = integer ? 'an integer' : 'a number'
    if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
      throw new UsageError(`--${name} must be ${kind}, got '${text}'`, command)
    }
    if (min !== undefined && value < min) {
      throw new UsageError(`--${name} must be ${kind} of at least ${min}, got '${text}'`, command)
    }
    return value
  }
  return {
    command,
    positionals: parsed.positionals,
    flag: (name) => values[name] === true,
    string,
    integer: (name, min) => number(name, min, true),
    number: (name, min) => number(name, min, false),
    choice: <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
      const text = string(name)
      if (text === undefined) return undefined
      const found = allowed.find((a) => a === text.toLowerCase())
      if (found === undefined) {
        throw new UsageError(
          `--${name} must be one of ${allowed.join(', ')}, got '${text}'`,
          command,
        )
      }
      return found
    },
  }
}

/** Node's parseArgs messages are long and mention internals; say it our way. */
function usageFromParseError(error: unknown, command: string, specs: OptionSpecs): Error {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1]
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    const guess = closest(option.replace(/^-+/, ''), Object.keys(specs))
    const hint = guess === undefined ? '' : ` (did you mean --${guess}?)`
    return new UsageError(`unknown option ${option} for '${command}'${hint}`, command)
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    const name = option.replace(/^-+/, '')
    const spec = specs[name] ?? Object.values(specs).find((s) => s.short === name)
    return new UsageError(
      spec?.type === 'boolean'
        ? `${option} takes no value`
        : `${option} needs a value (write ${option}=VALUE when it starts with '-')`,
      command,
    )
  }
  return new UsageError(message.split('. ')[0] ?? message, command)
}

/** The candidate within edit distance 2 of `word`, for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined
  for (const name of candidates) {
    const distance = editDistance(word, name)
    if (distance <= 2 && (best === undefined || distance < best.distance)) {
      best = { name, distance }
    }
  }
  return best?.name
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost))
    }
    previous = current
  }
  return previous[b.length]!
}
