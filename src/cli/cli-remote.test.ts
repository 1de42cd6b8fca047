/**
 * The built CLI against object stores: S3 (Ceph radosgw) and Azure Blob (Azurite), as the
 * conformance setup provides them. Credentials and endpoints come from the environment
 * variables users set (AWS_*, AZURE_STORAGE_*) or from flags; wrong credentials are one
 * clear error line, not an SDK stack trace. Skipped with a message when a server is missing.
 */
import * as arrow from 'apache-arrow'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { allBackends, type Backend } from '../../conformance/support/backends.js'
import type { ObjectStore } from '../storage/object-store.js'
import { PrefixStore } from '../storage/prefix.js'
import { DeltaTable } from '../table/delta-table.js'
import { errorCodeOf, jsonLines, jsonOf, requireBuild, runDelta } from './cli.test-util.js'

const servers = inject('servers')
const backends = allBackends()
const s3 = backends.find((b) => b.name === 's3')!
const azure = backends.find((b) => b.name === 'azure')!

afterAll(async () => {
  await Promise.all([s3.cleanup(), azure.cleanup()])
})

/** A two-row table at `<store>/events`; returns the store's URL (`s3://bucket/`, `az://c/`). */
async function eventsIn(backend: Backend): Promise<{ url: string; store: ObjectStore }> {
  requireBuild()
  const store = await backend.create()
  const data = arrow.tableFromArrays({ id: Int32Array.from([1, 2]), name: ['a', 'b'] })
  await DeltaTable.create(`${store.url}events`, {
    store: new PrefixStore(store, 'events'),
    schema: data.schema,
    data,
  })
  return { url: store.url, store }
}

describe.skipIf(s3.skip !== undefined)(
  s3.skip === undefined ? 'delta CLI on S3' : `delta CLI on S3: SKIPPED (${s3.skip})`,
  () => {
    // The body is collected even when skipped: no server, empty values.
    const server = servers.s3 ?? { endpoint: '', accessKeyId: '', secretAccessKey: '' }
    const env = {
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      AWS_REGION: 'us-east-1',
    }

    it('reads an s3:// table with credentials from the environment or from flags', async () => {
      const { url } = await eventsIn(s3)
      const table = `${url}events`
      const inspect = await runDelta(['inspect', table, '--json'], { env })
      expect(inspect.code, inspect.stderr).toBe(0)
      expect(jsonOf(inspect)).toMatchObject({ version: 0, numFiles: 1, numRecords: 2 })
      // No warning from the AWS SDK about Node versions reaches the user.
      expect(inspect.stderr).toBe('')
      const flags = [
        '--endpoint',
        server.endpoint,
        '--access-key-id',
        server.accessKeyId,
        '--secret-access-key',
        server.secretAccessKey,
        '--region',
        'us-east-1',
        '--path-style',
      ]
      const scan = await runDelta(['scan', table, '--format', 'jsonl', ...flags])
      expect(scan.code, scan.stderr).toBe(0)
      expect(
        jsonLines(scan)
          .map((r) => r.name)
          .sort(),
      ).toEqual(['a', 'b'])
      const verify = await runDelta(['verify', table, '--json'], { env })
      expect(jsonOf(verify)).toMatchObject({ ok: true })
      const vacuum = await runDelta(['vacuum', table, '--json'], { env })
      expect(jsonOf(vacuum)).toMatchObject({ dryRun: true, numFilesToDelete: 0 })
    })

    it('fails in one line with STORAGE_ERROR on wrong credentials, and TABLE_NOT_FOUND on an empty prefix', async () => {
      const { url } = await eventsIn(s3)
      const wrong = await runDelta(['inspect', `${url}events`, '--json'], {
        env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' },
      })
      expect(wrong.code).toBe(1)
      expect(errorCodeOf(wrong)).toBe('STORAGE_ERROR')
      expect(wrong.stderr.trim().split('\n')).toHaveLength(1)
      const empty = await runDelta(['inspect', `${url}nothing-here`, '--json'], { env })
      expect(errorCodeOf(empty)).toBe('TABLE_NOT_FOUND')
    })
  },
)

describe.skipIf(azure.skip !== undefined)(
  azure.skip === undefined
    ? 'delta CLI on Azure Blob'
    : `delta CLI on Azure Blob: SKIPPED (${azure.skip})`,
  () => {
    const connection = servers.azure?.connectionString ?? ''

    it('reads az:// with a connection string from the environment, abfss:// with endpoint and key flags', async () => {
      const { url } = await eventsIn(azure)
      const container = new URL(url).host
      const env = { AZURE_STORAGE_CONNECTION_STRING: connection }
      const inspect = await runDelta(['inspect', `${url}events`, '--json'], { env })
      expect(inspect.code, inspect.stderr).toBe(0)
      expect(jsonOf(inspect)).toMatchObject({ version: 0, numRecords: 2 })
      // An abfss:// URL names the account, so the account's endpoint and key come from flags
      // (Azurite's, taken from its connection string).
      const field = (name: string): string => new RegExp(`${name}=([^;]+)`).exec(connection)![1]!
      const abfss = `abfss://${container}@${field('AccountName')}.dfs.core.windows.net/events`
      const history = await runDelta([
        'history',
        abfss,
        '--json',
        '--endpoint',
        field('BlobEndpoint'),
        '--account-key',
        field('AccountKey'),
      ])
      expect(history.code, history.stderr).toBe(0)
      expect(jsonOf<{ commits: unknown[] }>(history).commits).toHaveLength(1)
      const files = await runDelta(['files', `${url}events`, '--json'], { env })
      expect(jsonOf<{ files: unknown[] }>(files).files).toHaveLength(1)
    })
  },
)
