/**
 * The storage backends every cross-backend suite runs over: about three lines each. A
 * backend whose server is missing is still listed, with the reason, so suites can skip
 * with a message (and CI, which requires every server, never gets here without them).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { BlobServiceClient } from '@azure/storage-blob'
import { inject } from 'vitest'
import { AzureStore } from '../../src/storage/azure.js'
import { LocalStore } from '../../src/storage/local.js'
import { MemoryStore } from '../../src/storage/memory.js'
import type { ObjectStore } from '../../src/storage/object-store.js'
import { S3Store } from '../../src/storage/s3.js'
import type { AzureServer, S3Server } from './servers.js'

export interface Backend {
  readonly name: 'memory' | 'local' | 's3' | 'azure'
  /** Why the backend cannot run here; undefined when it can. */
  readonly skip: string | undefined
  /** A fresh, empty store (its own directory, bucket or container). */
  create(options?: { listPageSize?: number }): Promise<ObjectStore>
  /** Removes everything `create` made. */
  cleanup(): Promise<void>
}

let counter = 0
function uniqueName(kind: string): string {
  return `dlts-${kind}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`
}

function memoryBackend(): Backend {
  return {
    name: 'memory',
    skip: undefined,
    create: () => Promise.resolve(new MemoryStore()),
    cleanup: () => Promise.resolve(),
  }
}

function localBackend(): Backend {
  const dirs: string[] = []
  return {
    name: 'local',
    skip: undefined,
    async create() {
      const dir = await mkdtemp(path.join(tmpdir(), 'dlts-local-'))
      dirs.push(dir)
      return new LocalStore(dir, { fsync: false })
    },
    async cleanup() {
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
    },
  }
}

function s3Backend(server: S3Server | undefined, why: string | undefined): Backend {
  const clients: S3Client[] = []
  return {
    name: 's3',
    skip: server === undefined ? (why ?? 'no S3 server') : undefined,
    async create(options = {}) {
      const s = server!
      const client = new S3Client({
        endpoint: s.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
      })
      clients.push(client)
      const bucket = uniqueName('s3')
      await client.send(new CreateBucketCommand({ Bucket: bucket }))
      return new S3Store({ bucket, client, ...options })
    },
    cleanup() {
      // Buckets live in the memstore of a throwaway cluster: nothing to reclaim on disk.
      for (const client of clients.splice(0)) client.destroy()
      return Promise.resolve()
    },
  }
}

function azureBackend(server: AzureServer | undefined, why: string | undefined): Backend {
  const containers: (() => Promise<unknown>)[] = []
  return {
    name: 'azure',
    skip: server === undefined ? (why ?? 'no Azure server') : undefined,
    async create(options = {}) {
      const service = BlobServiceClient.fromConnectionString(server!.connectionString)
      const client = service.getContainerClient(uniqueName('az'))
      await client.create()
      containers.push(() => client.deleteIfExists())
      return new AzureStore({ container: client.containerName, client, ...options })
    },
    async cleanup() {
      await Promise.all(containers.splice(0).map((drop) => drop()))
    },
  }
}

/** Every backend, in the order reports list them. */
export function allBackends(): readonly Backend[] {
  const servers = inject('servers')
  return [
    memoryBackend(),
    localBackend(),
    s3Backend(servers.s3, servers.missing.s3),
    azureBackend(servers.azure, servers.missing.azure),
  ]
}
