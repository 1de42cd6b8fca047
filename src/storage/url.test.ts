import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { LocalStore } from './local.js'
import { PrefixStore } from './prefix.js'
import { openStore, parseLocation } from './url.js'

describe('parseLocation', () => {
  it('resolves relative and absolute paths and file:// URLs to one directory', () => {
    const abs = path.resolve('some/table')
    expect(parseLocation('some/table')).toEqual({ scheme: 'file', directory: abs })
    expect(parseLocation(abs)).toEqual({ scheme: 'file', directory: abs })
    expect(parseLocation(pathToFileURL(abs).href)).toEqual({ scheme: 'file', directory: abs })
    expect(parseLocation('file:///tmp/a%20b')).toEqual({ scheme: 'file', directory: '/tmp/a b' })
  })

  it('splits S3 URLs into bucket and prefix', () => {
    expect(parseLocation('s3://bucket/events/2024/')).toEqual({
      scheme: 's3',
      bucket: 'bucket',
      prefix: 'events/2024',
    })
    expect(parseLocation('s3a://b')).toEqual({ scheme: 's3', bucket: 'b', prefix: '' })
  })

  it('understands the three Azure URL forms', () => {
    expect(parseLocation('az://container/path/to/table')).toEqual({
      scheme: 'azure',
      container: 'container',
      account: undefined,
      endpoint: undefined,
      prefix: 'path/to/table',
    })
    expect(parseLocation('abfss://data@myacct.dfs.core.windows.net/lake/events')).toEqual({
      scheme: 'azure',
      container: 'data',
      account: 'myacct',
      endpoint: undefined,
      prefix: 'lake/events',
    })
    expect(parseLocation('https://myacct.blob.core.windows.net/data/lake/events')).toEqual({
      scheme: 'azure',
      container: 'data',
      account: 'myacct',
      endpoint: 'https://myacct.blob.core.windows.net',
      prefix: 'lake/events',
    })
  })

  it('names memory stores by host', () => {
    expect(parseLocation('memory://demo/t1')).toEqual({
      scheme: 'memory',
      name: 'demo',
      prefix: 't1',
    })
  })

  it('rejects unknown schemes, empty locations and incomplete URLs with InvalidArgumentError', () => {
    for (const bad of [
      'gs://bucket/x',
      'ftp://host/x',
      '',
      'abfss://myacct.dfs.core.windows.net/x',
      'https://example.com/x',
    ]) {
      expect(() => parseLocation(bad)).toThrow(InvalidArgumentError)
    }
  })
})

describe('openStore', () => {
  it('opens a local path as a LocalStore rooted at the table', async () => {
    const store = await openStore('some/table')
    if (!(store instanceof LocalStore)) throw new Error(`expected a LocalStore, got ${store.kind}`)
    expect(store.root).toBe(path.resolve('some/table'))
  })

  it('shares a named memory store between handles and scopes it to the path', async () => {
    const a = await openStore('memory://url-test/t1')
    const b = await openStore('memory://url-test/t1')
    const root = await openStore('memory://url-test')
    expect(a).toBeInstanceOf(PrefixStore)
    await a.put('_delta_log/x', new Uint8Array([1]))
    expect((await b.get('_delta_log/x')).bytes).toEqual(new Uint8Array([1]))
    expect((await root.head('t1/_delta_log/x')).size).toBe(1)
  })

  it('builds S3 and Azure stores without contacting them', async () => {
    const s3 = await openStore('s3://bucket/t', {
      s3: { region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    })
    expect(s3.kind).toBe('s3')
    expect(s3.url).toBe('s3://bucket/t/')
    const az = await openStore('abfss://data@acct.dfs.core.windows.net/t', {
      azure: { accountKey: 'a2V5' },
    })
    expect(az.kind).toBe('azure')
    expect(az.url).toBe('az://data/t/')
  })
})
