import { mkdtemp, readdir, rm, writeFile, mkdir, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { collect } from '../util/async.js'
import { utf8Encode } from '../util/utf8.js'
import { LocalStore } from './local.js'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dlts-local-unit-'))
  dirs.push(dir)
  return dir
}

describe('LocalStore', () => {
  it('leaves no temporary files behind after create, overwrite, update and a lost create', async () => {
    const dir = await freshDir()
    const store = new LocalStore(dir)
    await store.put('_delta_log/0.json', utf8Encode('a'), { mode: 'create' })
    await store.put('_delta_log/0.json', utf8Encode('b'), { mode: 'create' }).catch(() => undefined)
    const { etag } = await store.put('x', utf8Encode('1'))
    await store.put('x', utf8Encode('2'), { mode: { update: etag! } })
    await store.put('x', utf8Encode('3'), { mode: { update: 'stale' } }).catch(() => undefined)
    expect((await readdir(path.join(dir, '_delta_log'))).sort()).toEqual(['0.json'])
    expect((await readdir(dir)).sort()).toEqual(['_delta_log', 'x'])
  })

  it('hides in-flight temporary files and lock files from listings', async () => {
    const dir = await freshDir()
    await mkdir(path.join(dir, '_delta_log'))
    await writeFile(path.join(dir, '_delta_log', '.deltalake-tmp-123'), 'partial')
    await writeFile(path.join(dir, '_delta_log', '00000000000000000000.json.deltalake-lock'), '')
    await writeFile(path.join(dir, '_delta_log', '00000000000000000000.json'), '{}')
    const store = new LocalStore(dir)
    expect((await collect(store.list('_delta_log/'))).map((m) => m.path)).toEqual([
      '_delta_log/00000000000000000000.json',
    ])
  })

  it('follows symlinked directories and skips dangling links', async () => {
    const dir = await freshDir()
    const elsewhere = await freshDir()
    await writeFile(path.join(elsewhere, 'f'), 'x')
    await symlink(elsewhere, path.join(dir, 'linked'))
    await symlink(path.join(dir, 'gone'), path.join(dir, 'dangling'))
    const store = new LocalStore(dir)
    expect((await collect(store.list(''))).map((m) => m.path)).toEqual(['linked/f'])
  })

  it('lists an absent directory as empty and reports file:// URLs', async () => {
    const dir = await freshDir()
    const store = new LocalStore(path.join(dir, 'not-yet'))
    expect(await collect(store.list('_delta_log/'))).toEqual([])
    expect(store.url).toBe(`file://${dir}/not-yet`)
  })

  it('rejects keys with backslashes', async () => {
    const store = new LocalStore(await freshDir())
    await expect(store.put('a\\b', utf8Encode('x'))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })
})
