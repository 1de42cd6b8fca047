import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { DeltaError } from '../errors.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { CountingStore } from '../storage/counting.js'
import { LocalStore } from '../storage/local.js'
import { TableFiles } from './file-source.js'

// <tmp>/table (the table root) and <tmp>/other (outside it), each holding one file.
const base = mkdtempSync(path.join(tmpdir(), 'scan-file-source-'))
const root = path.join(base, 'table')
mkdirSync(path.join(root, 'p=a b'), { recursive: true })
mkdirSync(path.join(base, 'other dir'), { recursive: true })
writeFileSync(path.join(root, 'p=a b', 'in.parquet'), 'inside')
writeFileSync(path.join(base, 'other dir', 'out.parquet'), 'outside')
afterAll(() => rmSync(base, { recursive: true, force: true }))

const store = new CountingStore(new LocalStore(root))
const files = new TableFiles(store, store.url)
const text = async (location: Parameters<TableFiles['locate']>[0]): Promise<string> =>
  new TextDecoder().decode(await files.read(await files.locate(location)))

describe('TableFiles', () => {
  it('reads store keys and decoded relative paths from the table store', async () => {
    expect(await text({ kind: 'key', key: 'p=a b/in.parquet' })).toBe('inside')
    expect(await text(decodeLogPath('p=a%20b/in.parquet'))).toBe('inside')
  })

  it('reads an absolute file:// URI inside the root through the table store, by key', async () => {
    store.reset()
    const uri = pathToFileURL(path.join(root, 'p=a b', 'in.parquet')).href
    const ref = await files.locate({ kind: 'uri', uri })
    expect(ref.store).toBe(store)
    expect(ref.key).toBe('p=a b/in.parquet')
    expect(await text({ kind: 'uri', uri })).toBe('inside')
    expect(store.reset().gets).toEqual(['p=a b/in.parquet'])
  })

  it('opens a store for a file outside the root (file:// URI, rooted path, or ..)', async () => {
    store.reset()
    const outside = path.join(base, 'other dir', 'out.parquet')
    expect(await text({ kind: 'uri', uri: pathToFileURL(outside).href })).toBe('outside')
    expect(await text(decodeLogPath(encodeURI(outside)))).toBe('outside')
    expect(await text(decodeLogPath('../other%20dir/out.parquet'))).toBe('outside')
    expect(store.reset().get).toBe(0)
  })

  it('a missing file is NotFoundError naming its URL', async () => {
    const error = await text({ kind: 'key', key: 'nope.parquet' }).then(
      () => undefined,
      (e: unknown) => e as DeltaError & { path: string },
    )
    expect(error?.code).toBe('NOT_FOUND')
    expect(error?.path).toBe(`${pathToFileURL(root).href}/nope.parquet`)
  })
})
