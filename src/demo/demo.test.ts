/**
 * The README's main job: the demo runs to the end on local disk (from the built package, as
 * `npm run demo` runs it) and shows each part of the pipeline.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const main = path.resolve(import.meta.dirname, '../../dist/demo/main.js')
const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

describe('npm run demo', () => {
  it('streams, deletes, reads the change feed, checkpoints, time travels and vacuums, then exits 0', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dlts-demo-'))
    dirs.push(dir)
    const { stdout } = await run(process.execPath, [main, path.join(dir, 'events')], {
      timeout: 60_000,
    })
    expect(stdout).toMatch(/batch 3 replayed after a simulated restart: skipped/)
    expect(stdout.match(/\[consumer\] window 08:0\d-08:0\d/g)).toHaveLength(6)
    expect(stdout).toMatch(/consumer read 480 events in total/)
    const deleted = /deleted its error readings in v(\d+) \((\d+) rows, deletion-vectors\)/.exec(
      stdout,
    )
    expect(deleted).not.toBeNull()
    // The change feed of the delete version shows exactly the deleted rows.
    expect(stdout).toContain(
      `change data feed of v${deleted![1]}:\n  delete sensor-3 error: ${deleted![2]} rows`,
    )
    expect(stdout).toMatch(/checkpoint written at v\d+/)
    expect(stdout).toMatch(
      new RegExp(
        `time travel: 280 rows at v7 \\(before the delete\\), ${480 - Number(deleted![2])} rows`,
      ),
    )
    expect(stdout).toMatch(/vacuum dry run .* would delete \d+ files/)
    expect(stdout).toMatch(/verify: ok/)
  })
})
