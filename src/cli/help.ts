/**
 * Help text, generated from the command table so that it cannot drift from what the parser
 * accepts: `delta --help` lists commands, `delta <command> --help` shows usage, options by group
 * and examples.
 */
import type { OptionGroup, OptionSpec } from './args.js'
import type { Command } from './command.js'
import type { Style } from './output/style.js'

/** `delta --help`. */
export function mainHelp(commands: readonly Command[], style: Style, version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  const list = commands.map((c) => `  ${style.bold(c.name.padEnd(width))}  ${c.summary}`)
  return [
    `${style.bold('delta')} ${version} — inspect and maintain Delta Lake tables`,
    '',
    `${style.bold('Usage:')} delta <command> <table> [options]`,
    '',
    'A table is a local path, file://, s3://bucket/path, az://container/path,',
    'abfss://container@account.dfs.core.windows.net/path or',
    'https://account.blob.core.windows.net/container/path. Credentials come from the usual',
    "AWS_* and AZURE_STORAGE_* environment variables, or from flags (see a command's --help).",
    '',
    style.bold('Commands:'),
    ...list,
    '',
    `Run 'delta <command> --help' for a command's options and examples.`,
    '',
    `${style.bold('Exit codes:')} 0 success, 1 failure, 2 usage error, 3 verify found problems.`,
    '',
  ].join('\n')
}

/** `delta <command> --help`. */
export function commandHelp(command: Command, style: Style): string {
  const lines = [
    `${style.bold(`delta ${command.name}`)} — ${command.summary}`,
    '',
    `${style.bold('Usage:')} ${command.usage}`,
    '',
    ...wrap(command.description, 92),
    '',
  ]
  for (const group of command.options) lines.push(...groupHelp(group, style), '')
  lines.push(style.bold('Examples:'), ...command.examples.map((e) => `  ${e}`), '')
  return lines.join('\n')
}

function groupHelp(group: OptionGroup, style: Style): string[] {
  const entries = Object.entries(group.options).map(
    ([name, spec]) => [flagText(name, spec), spec.description] as const,
  )
  const width = Math.min(28, Math.max(...entries.map(([flag]) => flag.length)))
  return [
    style.bold(`${group.title}:`),
    ...entries.map(([flag, text]) =>
      flag.length > width
        ? `  ${flag}\n  ${' '.repeat(width)}  ${text}`
        : `  ${flag.padEnd(width)}  ${text}`,
    ),
  ]
}

function flagText(name: string, spec: OptionSpec): string {
  const short = spec.short === undefined ? '' : `-${spec.short}, `
  const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''
  return `${short}--${name}${value}`
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line)
        line = word
      } else line = line === '' ? word : `${line} ${word}`
    }
    lines.push(line)
  }
  return lines
}
