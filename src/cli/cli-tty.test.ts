/**
 * The human output in a real terminal: the CLI run under a pseudo-terminal (util-linux
 * `script`) colours its output; the same command piped, or under NO_COLOR, does not.
 */
import { spawn, spawnSync } from 'node:child_process'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { DeltaTable } from '../table/delta-table.js'
import { BIN, REPO_ROOT, cleanEnv, requireBuild, runDelta, tempDir } from './cli.test-util.js'

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0

/** Runs `delta <args>` with a pseudo-terminal as stdin, stdout and stderr. */
function inTerminal(
  args: readonly string[],
  env: Record<string, string> = {},
  wrap: (command: string) => string = (command) => command,
): Promise<{ code: number | null; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
  const command = wrap([process.execPath, BIN, ...args].map(quote).join(' '))
  return new Promise((resolve, reject) => {
    // -e: exit with the command's status; -q: no "Script started" banner; the typescript goes
    // to /dev/null, the terminal's output to our stdout.
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: REPO_ROOT,
      env: cleanEnv({ TERM: 'xterm-256color', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

describe.skipIf(!hasScript)(
  hasScript
    ? 'delta CLI in a terminal'
    : 'delta CLI in a terminal: SKIPPED, util-linux script not found',
  () => {
    let table: string
    let remove: () => Promise<void>
    beforeAll(async () => {
      requireBuild()
      const dir = await tempDir('tty')
      remove = dir.remove
      table = path.join(dir.dir, 't')
      const data = arrow.tableFromArrays({ id: Int32Array.from([1, 2]), name: ['a', 'b'] })
      await DeltaTable.create(table, { schema: data.schema, data })
    })
    afterAll(async () => {
      await remove()
    })

    it('colours the human output on a terminal, and not when piped', async () => {
      const tty = await inTerminal(['inspect', table])
      expect(tty.code).toBe(0)
      expect(tty.output).toContain('\x1b[1mTable\x1b[22m')
      expect(tty.output).toContain('\x1b[36mint')
      const piped = await runDelta(['inspect', table])
      expect(piped.code).toBe(0)
      expect(piped.stdout).toContain('Table')
      expect(piped.stdout).not.toContain('\x1b[')
    })

    it('honours NO_COLOR on a terminal and --color when piped', async () => {
      const tty = await inTerminal(['history', table], { NO_COLOR: '1' })
      expect(tty.code).toBe(0)
      expect(tty.output).toContain('WRITE')
      // No colour (SGR) codes; a progress line's cursor controls are not colour.
      expect(tty.output).not.toMatch(/\x1b\[[0-9;]*m/)
      const forced = await runDelta(['history', table, '--color'])
      expect(forced.stdout).toContain('\x1b[1mVERSION')
    })

    it.skipIf(inject('servers').corpus === undefined)(
      'draws a progress line on the terminal (stderr) for a long scan, and none when piped',
      async () => {
        const big = path.join(
          inject('servers').corpus!,
          'delta-golden/parquet-decimal-dictionaries',
        )
        const args = ['scan', big, '--format', 'csv', '--limit', '300000']
        // stdout to a file inside the terminal: what is left on the terminal is stderr.
        const tty = await inTerminal(args, {}, (command) => `${command} > /dev/null`)
        expect(tty.code).toBe(0)
        expect(tty.output).toContain('\r\x1b[K')
        expect(tty.output).toMatch(/scanning [\d,]+ rows/)
        const piped = await runDelta(args)
        expect(piped.code).toBe(0)
        expect(piped.stderr).toBe('')
      },
    )

    it('colours errors on a terminal and keeps them to one line', async () => {
      const tty = await inTerminal(['inspect', path.join(table, 'missing')])
      expect(tty.code).toBe(1)
      expect(tty.output).toContain('\x1b[31mdelta: No Delta table')
      expect(tty.output.trim().split('\n')).toHaveLength(1)
    })
  },
)
