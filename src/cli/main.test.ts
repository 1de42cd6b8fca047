/**
 * `runCli` in-process (no subprocess): dispatch, help, usage errors and the error boundary,
 * which are pure command-line logic. The built CLI is exercised as a subprocess elsewhere.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { memoryIo } from './io.js'
import { COMMANDS, packageVersion, runCli } from './main.js'

async function run(argv: string[], options: { tty?: boolean } = {}) {
  const io = memoryIo({ tty: options.tty ?? false })
  const code = await runCli(argv, io)
  return { code, out: io.out(), err: io.err() }
}

describe('runCli', () => {
  it('prints help for every command, with usage, options and examples', async () => {
    for (const command of COMMANDS) {
      for (const argv of [
        [command.name, '--help'],
        ['help', command.name],
        [command.name, '-h'],
      ]) {
        const result = await run(argv)
        expect(result.code).toBe(0)
        expect(result.out).toContain(`Usage: delta ${command.name}`)
        expect(result.out).toContain('Examples:')
        expect(result.out).toContain('--debug')
      }
    }
    const main = await run(['--help'])
    expect(main.code).toBe(0)
    for (const command of COMMANDS) expect(main.out).toContain(command.summary)
    expect((await run(['--version'])).out).toBe(`${packageVersion()}\n`)
  })

  it('prints the command list on stderr and exits 2 without a command', async () => {
    const result = await run([])
    expect(result.code).toBe(2)
    expect(result.out).toBe('')
    expect(result.err).toContain('Commands:')
  })

  it.each([
    [['inspekt', 'x'], "did you mean 'inspect'"],
    [['--bogus'], 'expected a command'],
    [['inspect'], 'needs a table'],
    [['inspect', 'a', 'b'], "unexpected argument 'b'"],
    [['inspect', 'x', '--verion', '1'], '--version'],
    [['inspect', 'x', '--version', '-1'], '--version'],
    [['inspect', 'x', '--version', '1', '--timestamp', '2024-01-01'], 'not both'],
    [['inspect', 'x', '--timestamp', 'yesterday'], '--timestamp'],
    [['vacuum', 'x', '--retention-hours', 'soon'], '--retention-hours'],
    [['vacuum', 'x', '--full', '--lite'], '--full or --lite'],
    [['scan', 'x', '--format', 'xml'], '--format'],
    [['scan', 'x', '--limit', '-5'], '--limit'],
    [['changes', 'x', '--follow', '--to', '3'], '--follow'],
    [['changes', 'x', '--summary', '--format', 'csv'], '--summary'],
    [['changes', 'x', '--from', 'soon'], '--from'],
    [['checkpoint', 'x', '--kind', 'v3'], '--kind'],
    [['inspect', 'x', '--access-key-id', 'k'], '--secret-access-key'],
  ])('exits 2 with a one-line usage error for %j', async (argv, text) => {
    const result = await run(argv)
    expect(result.code).toBe(2)
    expect(result.err).toContain(text)
    expect(result.err).toMatch(/Run 'delta( \w+)? --help' for usage\.\n$/)
    expect(result.err.trim().split('\n')).toHaveLength(1)
  })

  it('reports usage errors as JSON documents with --json', async () => {
    const result = await run(['inspect', 'x', '--version', 'one', '--json'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: 'USAGE' } })
  })

  it.each(['ftp://host/t', 's3:///no-bucket', 'https://example.com/t', 'abfss://nobody/t', ''])(
    'treats the location %j as a usage error (INVALID_ARGUMENT, exit 2)',
    async (location) => {
      const result = await run(['inspect', location, '--json'])
      expect(result.code).toBe(2)
      expect(JSON.parse(result.out)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })
    },
  )

  it('reports a missing table with TABLE_NOT_FOUND and exit 1, coloured only on a terminal', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dlts-cli-main-'))
    try {
      const plain = await run(['history', path.join(dir, 'nope')])
      expect(plain.code).toBe(1)
      expect(plain.err).toMatch(/^delta: No Delta table at file:\/\/.*\(TABLE_NOT_FOUND\)\n$/)
      const tty = await run(['history', dir], { tty: true })
      expect(tty.err.startsWith('\x1b[31mdelta:')).toBe(true)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
