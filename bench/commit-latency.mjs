// commit.latency: one writer committing small appends (a Transaction with one add, as an
// engine that writes its own data files commits), on local disk, S3 (radosgw) and Azure
// (Azurite), next to the bare put-if-absent of the same commit bytes with the raw call the
// backend wraps (fs link, PutObject If-None-Match, upload ifNoneMatch). Commits and raw puts
// alternate one by one. Also the facade's `table.append` of one Arrow row (a Parquet data
// file, the commit, and the post-commit .crc), for what a user of the facade pays.
import { randomUUID } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import { LogStore } from '../dist/log/log-store.js'
import { loadSnapshot } from '../dist/snapshot/load.js'
import { LocalStore } from '../dist/storage/local.js'
import { PrefixStore } from '../dist/storage/prefix.js'
import { DeltaTable } from '../dist/table/delta-table.js'
import { createTable } from '../dist/transaction/create-table.js'
import { Transaction } from '../dist/transaction/transaction.js'
import { T0 } from './fixtures.mjs'
import { compareRow, dataRoot, log, reachable, record, servers, smoke } from './lib.mjs'

// What bounds the figures, from the latest full run and its profile (see bench/README.md).
const NOTES = []

const runs = smoke ? 10 : 200
const warmup = smoke ? 2 : 20
const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), true)])

/** The add of commit i: one small data file with stats, as an engine would commit it. */
const addOf = (i) => ({
  path: `part-00000-${String(i).padStart(8, '0')}-c000.snappy.parquet`,
  partitionValues: {},
  size: 1024 + i,
  modificationTime: T0 + i,
  dataChange: true,
  stats: `{"numRecords":1,"minValues":{"id":${i}},"maxValues":{"id":${i}},"nullCount":{"id":0}}`,
})

/**
 * Times `runs` commits against `store` (after `warmup`), each followed by a raw put of the same
 * bytes with `rawPut(key, bytes)`; returns the two sample arrays.
 */
async function measure(store, rawPut) {
  const logStore = new LogStore(store)
  await createTable(logStore, { schema })
  let snapshot = await loadSnapshot(logStore)
  const ours = []
  const raw = []
  for (let i = 0; i < warmup + runs; i++) {
    const transaction = Transaction.on(snapshot, {
      operation: 'WRITE',
      operationParameters: { mode: 'Append' },
    }).addFile(addOf(i))
    let started = performance.now()
    const result = await transaction.commit()
    const oursMs = performance.now() - started
    if (result.attempts !== 1)
      throw new Error(`commit ${result.version} took ${result.attempts} attempts`)
    const { bytes } = await store.get(`_delta_log/${String(result.version).padStart(20, '0')}.json`)
    started = performance.now()
    await rawPut(`raw/_delta_log/${String(i).padStart(20, '0')}.json`, bytes)
    const rawMs = performance.now() - started
    if (i >= warmup) {
      ours.push(oursMs)
      raw.push(rawMs)
    }
    snapshot = await snapshot.update()
  }
  return {
    ours,
    raw,
    bytes: (await store.get('_delta_log/00000000000000000001.json')).bytes.length,
  }
}

/** `table.append` of one row per call, through the facade (data file + commit + .crc). */
async function measureAppend(store, rawPut) {
  const table = await DeltaTable.create('memory://unused', { store, schema })
  let snapshot = await table.snapshot()
  const ours = []
  const raw = []
  const n = Math.max(5, Math.floor(runs / 4))
  for (let i = 0; i < warmup + n; i++) {
    const data = arrow.tableFromArrays({ id: BigInt64Array.of(BigInt(i)) })
    let started = performance.now()
    const result = await table.append(data, { snapshot })
    const oursMs = performance.now() - started
    const { bytes } = await store.get(
      `_delta_log/${String(result.commit?.version ?? result.version).padStart(20, '0')}.json`,
    )
    started = performance.now()
    await rawPut(`raw-append/_delta_log/${String(i).padStart(20, '0')}.json`, bytes)
    const rawMs = performance.now() - started
    if (i >= warmup) {
      ours.push(oursMs)
      raw.push(rawMs)
    }
    snapshot = await snapshot.update()
  }
  return { ours, raw }
}

const rows = []
const within = (ratio, o, b) => o.median <= 1.1 * b.median + 1

/** Adds the commit row and the facade row of one backend. */
async function backend(name, makeStore, rawPut, rawNote) {
  log(`  ${name} ...`)
  const commit = await measure(makeStore('commit'), rawPut)
  rows.push(
    compareRow(`${name}: commit (1 add, ${commit.bytes} B)`, commit.ours, commit.raw, {
      kind: 'time',
      target: '≤ 1.1x the store round trip + 1 ms',
      met: within,
      note: `baseline: ${rawNote}; p99 ours/raw ${(percentile(commit.ours, 0.99) / percentile(commit.raw, 0.99)).toFixed(2)}x`,
    }),
  )
  const append = await measureAppend(makeStore('append'), rawPut)
  rows.push(
    compareRow(`${name}: table.append of 1 row (facade)`, append.ours, append.raw, {
      kind: 'time',
      note: 'data file + commit + .crc, against one raw put of the commit: 3 writes and the Parquet encoding against 1 write',
    }),
  )
}

const percentile = (xs, q) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]

// Local disk, with and without fsync (the store's default is fsync).
for (const fsync of [true, false]) {
  const root = path.join(
    dataRoot,
    'tmp',
    `commit-latency-${process.pid}-${fsync ? 'fsync' : 'nofsync'}`,
  )
  rmSync(root, { recursive: true, force: true })
  mkdirSync(path.join(root, 'raw', '_delta_log'), { recursive: true })
  mkdirSync(path.join(root, 'raw-append', '_delta_log'), { recursive: true })
  await backend(
    `local${fsync ? ' (fsync)' : ' (no fsync)'}`,
    (kind) => new LocalStore(path.join(root, kind), { fsync }),
    async (key, bytes) => {
      const target = path.join(root, key)
      const temp = `${target}.tmp-${randomUUID()}`
      const handle = await fs.open(temp, 'wx')
      await handle.writeFile(bytes)
      if (fsync) await handle.sync()
      await handle.close()
      await fs.link(temp, target)
      await fs.rm(temp)
    },
    `fs.promises open(wx) + write${fsync ? ' + fsync' : ''} + close + link + unlink`,
  )
  rmSync(root, { recursive: true, force: true })
}

const { s3, azure } = servers()
if (s3 && (await reachable(s3.endpoint))) {
  const { CreateBucketCommand, PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3')
  const { S3Store } = await import('../dist/storage/s3.js')
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  })
  const bucket = `bench-commit-${Date.now()}`
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  const store = new S3Store({ bucket, client })
  await backend(
    `s3 (${s3.description})`,
    (kind) => new PrefixStore(store, kind),
    (key, bytes) =>
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, IfNoneMatch: '*' }),
      ),
    'PutObject If-None-Match:* with the same client',
  )
  client.destroy()
} else NOTES.push('S3 rows skipped: no S3 server reachable (scripts/servers.sh start s3)')

if (azure && (await reachable(/BlobEndpoint=([^;]+)/.exec(azure.connectionString)?.[1] ?? ''))) {
  const { BlobServiceClient } = await import('@azure/storage-blob')
  const { AzureStore } = await import('../dist/storage/azure.js')
  const container = BlobServiceClient.fromConnectionString(
    azure.connectionString,
  ).getContainerClient(`bench-commit-${Date.now()}`)
  await container.create()
  const store = new AzureStore({ container: container.containerName, client: container })
  await backend(
    `azure (${azure.description})`,
    (kind) => new PrefixStore(store, kind),
    (key, bytes) =>
      container.getBlockBlobClient(key).upload(bytes, bytes.byteLength, {
        conditions: { ifNoneMatch: '*' },
      }),
    'upload If-None-Match:* with the same client',
  )
  await container.deleteIfExists()
} else NOTES.push('Azure rows skipped: no Azurite reachable (scripts/servers.sh start azure)')

record('commit.latency', {
  description: `One writer, ${runs} sequential commits per backend after ${warmup} warm-up commits, each commit followed by the raw put-if-absent of the same bytes to another key (alternating, so drift hits both). The snapshot is advanced between commits, outside the timing.`,
  rows,
  notes: NOTES,
})
