/**
 * Put-if-absent on the local file system across real processes: 20 node processes create
 * the same commit file at once (released together by a barrier file). Exactly one wins, and
 * the file holds its whole payload. Runs against the built package (dist/).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const writer = path.resolve(import.meta.dirname, 'processes/create-race-writer.mjs')

describe('local store, multi-process put-if-absent', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
  })

  it('20 processes creating one key: exactly one wins and its content is whole', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'dlts-race-'))
    dirs.push(root)
    for (let round = 0; round < 2; round++) {
      const key = `_delta_log/${String(round).padStart(20, '0')}.json`
      const barrier = path.join(root, `go-${round}`)
      const processes = Array.from({ length: 20 }, (_, id) =>
        run(process.execPath, [writer, root, key, String(id), barrier]),
      )
      // Let the processes start and spin on the barrier, then release them together.
      await new Promise((r) => setTimeout(r, 1500))
      await writeFile(barrier, '')
      const outputs = (await Promise.all(processes)).map((p) => p.stdout.trim())
      expect(outputs.filter((o) => o === 'won')).toHaveLength(1)
      expect(outputs.filter((o) => o === 'ALREADY_EXISTS')).toHaveLength(19)
      const content = await readFile(path.join(root, key), 'utf8')
      const winner = /^writer-(\d+);/.exec(content)?.[1]
      expect(content).toBe(`writer-${winner};`.repeat(20000))
    }
  })
})
