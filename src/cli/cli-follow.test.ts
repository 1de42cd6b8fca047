/**
 * `delta changes --follow` as a live tail: it prints the changes of commits that land while it
 * runs, and Ctrl-C (SIGINT) ends it with exit 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DeltaTable } from '../table/delta-table.js'
import { BIN, REPO_ROOT, cleanEnv, requireBuild, tempDir } from './cli.test-util.js'

function rows(ids: number[]): arrow.Table {
  return arrow.tableFromArrays({ id: Int32Array.from(ids) })
}

/** Starts `delta <args>` and collects its output as it comes. */
function start(args: readonly string[]): {
  child: ChildProcessWithoutNullStreams
  out: () => string
  err: () => string
  exited: Promise<number | null>
} {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: cleanEnv() })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  return { child, out: () => out, err: () => err, exited }
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('delta changes --follow', () => {
  let location: string
  let table: DeltaTable
  let remove: () => Promise<void>
  beforeAll(async () => {
    requireBuild()
    const dir = await tempDir('follow')
    remove = dir.remove
    location = path.join(dir.dir, 't')
    table = await DeltaTable.create(location, {
      schema: rows([1]).schema,
      data: rows([1]),
      properties: { 'delta.enableChangeDataFeed': 'true' },
    })
  })
  afterAll(async () => {
    await remove()
  })

  it('prints the history from --from, then new commits as they land, until SIGINT (exit 0)', async () => {
    const run = start([
      'changes',
      location,
      '--from',
      '0',
      '--follow',
      '--format',
      'jsonl',
      '--interval',
      '0.05',
    ])
    try {
      await until(
        () => run.err().includes('Following changes from version 1'),
        'the follower to start',
      )
      expect(run.out()).toContain('"id":1,"_change_type":"insert","_commit_version":0')
      await table.append(rows([2, 3]))
      await until(() => run.out().split('\n').length >= 4, 'the appended rows')
      const lines = run
        .out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(lines.slice(1).map((r) => [r.id, r._change_type, r._commit_version])).toEqual(
        expect.arrayContaining([
          [2, 'insert', 1],
          [3, 'insert', 1],
        ]),
      )
    } finally {
      run.child.kill('SIGINT')
    }
    expect(await run.exited).toBe(0)
  })

  it('follows commit summaries from the next version, and stops at --limit', async () => {
    const run = start([
      'changes',
      location,
      '--summary',
      '--follow',
      '--format',
      'jsonl',
      '--interval',
      '0.05',
      '--limit',
      '1',
    ])
    await until(() => run.err().includes('Following commits from version'), 'the follower to start')
    await table.append(rows([4]))
    expect(await run.exited).toBe(0)
    const [summary] = run
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(summary).toMatchObject({
      operation: 'WRITE',
      addedFiles: 1,
      addedRows: 1,
      removedFiles: 0,
    })
  })
})
