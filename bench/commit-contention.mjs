// commit.contention: 8 writer processes × 100 blind appends each to one table, started
// together (a time barrier), each refreshing its snapshot and committing one add per
// transaction with the library's commit loop (default retries and backoff). Afterwards the
// log is read back: every commit must be there exactly once (zero lost, zero duplicated),
// versions contiguous. Reports attempts per commit and commit latency (first attempt to
// success, p50/p99). No baseline: the bound here is correctness under contention.
import { mkdirSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { tail } from '../dist/changes/tail.js'
import { LogStore } from '../dist/log/log-store.js'
import { loadSnapshot } from '../dist/snapshot/load.js'
import { LocalStore } from '../dist/storage/local.js'
import { PrefixStore } from '../dist/storage/prefix.js'
import { createTable } from '../dist/transaction/create-table.js'
import { Transaction } from '../dist/transaction/transaction.js'
import * as arrow from 'apache-arrow'
import { T0 } from './fixtures.mjs'
import {
  argValue,
  childCase,
  childDone,
  dataRoot,
  inChild,
  log,
  reachable,
  record,
  servers,
  smoke,
  stats,
} from './lib.mjs'
import { sleep } from './stores.mjs'

// What bounds the figures, from the latest full run (see bench/README.md).
const NOTES = []

const WRITERS = smoke ? 3 : 8
const COMMITS = smoke ? 10 : 100
const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), true)])

/** A small deterministic PRNG (mulberry32), so think times repeat run to run. */
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The store of a backend, scoped to the table `name`. */
async function storeOf(backend, name) {
  if (backend === 'local') return new LocalStore(path.join(dataRoot, 'tmp', name))
  const { s3, azure } = servers()
  if (backend === 's3') {
    const { S3Client } = await import('@aws-sdk/client-s3')
    const { S3Store } = await import('../dist/storage/s3.js')
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    })
    return new PrefixStore(new S3Store({ bucket: 'bench-contention', client }), name)
  }
  const { BlobServiceClient } = await import('@azure/storage-blob')
  const { AzureStore } = await import('../dist/storage/azure.js')
  const container = BlobServiceClient.fromConnectionString(
    azure.connectionString,
  ).getContainerClient('bench-contention')
  return new PrefixStore(new AzureStore({ container: 'bench-contention', client: container }), name)
}

if (childCase === 'writer') {
  // One writer process: waits for the start time, then commits COMMITS blind appends.
  const id = Number(argValue('id'))
  const think = Number(argValue('think'))
  const log_ = new LogStore(await storeOf(argValue('backend'), argValue('table')))
  let snapshot = await loadSnapshot(log_)
  const random = prng(id + 1)
  await sleep(Math.max(0, Number(argValue('start')) - Date.now()))
  const latencies = []
  const attempts = []
  const committed = []
  const failures = []
  for (let i = 0; i < COMMITS; i++) {
    if (think > 0) await sleep(random() * 2 * think)
    snapshot = await snapshot.update()
    const transaction = Transaction.on(snapshot, {
      operation: 'WRITE',
      operationParameters: { mode: 'Append' },
    }).addFile({
      path: `part-${id}-${String(i).padStart(5, '0')}.snappy.parquet`,
      partitionValues: {},
      size: 1000 + i,
      modificationTime: T0 + i,
      dataChange: true,
      stats: `{"numRecords":1}`,
    })
    const started = performance.now()
    try {
      const result = await transaction.commit()
      latencies.push(performance.now() - started)
      attempts.push(result.attempts)
      committed.push({ version: result.version, txnId: result.txnId })
    } catch (error) {
      failures.push({ code: String(error?.code ?? error), at: i })
    }
  }
  childDone({ latencies, attempts, committed, failures })
}

/** Runs WRITERS writer processes against a fresh table; returns the row. */
async function contend(backend, think) {
  const name = `contention-${backend}-${think}-${process.pid}-${Date.now()}`
  if (backend === 'local')
    rmSync(path.join(dataRoot, 'tmp', name), { recursive: true, force: true })
  if (backend === 'local') mkdirSync(path.join(dataRoot, 'tmp', name), { recursive: true })
  const logStore = new LogStore(await storeOf(backend, name))
  await createTable(logStore, { schema })
  log(`  ${backend}, ${WRITERS} writers × ${COMMITS} commits, think ${think} ms ...`)
  const start = Date.now() + 1500 + WRITERS * 150
  const results = await Promise.all(
    Array.from({ length: WRITERS }, (_, id) =>
      inChild(import.meta.filename, 'writer', [
        '--id',
        String(id),
        '--think',
        String(think),
        '--backend',
        backend,
        '--table',
        name,
        '--start',
        String(start),
      ]),
    ),
  )
  // From the barrier to the last writer's exit (process exit included: an upper bound).
  const wallMs = Date.now() - start

  // Read the log back: every commit after version 0 must be one of ours, exactly once.
  const byTxn = new Map()
  let versions = 0
  let expectedVersion = 1
  let gaps = 0
  for await (const commit of tail(logStore, 1)) {
    versions++
    if (commit.version !== expectedVersion) gaps++
    expectedVersion = commit.version + 1
    const txnId = commit.commitInfo?.txnId
    byTxn.set(txnId, (byTxn.get(txnId) ?? 0) + 1)
  }
  const committed = results.flatMap((r) => r.committed)
  const lost = committed.filter((c) => !byTxn.has(c.txnId)).length
  const duplicated = [...byTxn.values()].filter((n) => n > 1).length
  const failures = results.flatMap((r) => r.failures)
  const failedCodes = [...new Set(failures.map((f) => f.code))].join(', ')
  const failedAt = failures.map((f) => f.at).sort((a, b) => a - b)
  const snapshot = await loadSnapshot(logStore)
  const attempts = results.flatMap((r) => r.attempts)
  const meanAttempts = attempts.reduce((s, a) => s + a, 0) / attempts.length
  const retried = attempts.filter((a) => a > 1).length / attempts.length
  if (backend === 'local')
    rmSync(path.join(dataRoot, 'tmp', name), { recursive: true, force: true })
  return {
    case: `${backend}: ${WRITERS} writers × ${COMMITS} blind appends, think ${think} ms`,
    ours: stats(results.flatMap((r) => r.latencies)),
    target: 'zero lost or duplicated; mean attempts ≤ 2.5; p99 reported',
    met:
      lost === 0 &&
      duplicated === 0 &&
      gaps === 0 &&
      failures.length === 0 &&
      snapshot.numFiles === WRITERS * COMMITS &&
      meanAttempts <= 2.5,
    note: `attempts mean ${meanAttempts.toFixed(2)}, p99 ${stats(attempts).p99}, max ${Math.max(...attempts)}, ${(retried * 100).toFixed(0)}% retried; ${committed.length} committed, ${failures.length} failed${failures.length > 0 ? ` (${failedCodes}, at commit #${failedAt.join(', #')} of their writer)` : ''}; ${lost} lost, ${duplicated} duplicated, ${gaps} gaps; ${versions} versions, ${snapshot.numFiles} files; ${Math.round((committed.length / wallMs) * 1000)} commits/s`,
  }
}

const rows = [await contend('local', 5), await contend('local', 0)]
const { s3, azure } = servers()
if (azure && (await reachable(/BlobEndpoint=([^;]+)/.exec(azure.connectionString)?.[1] ?? ''))) {
  const { BlobServiceClient } = await import('@azure/storage-blob')
  await BlobServiceClient.fromConnectionString(azure.connectionString)
    .getContainerClient('bench-contention')
    .createIfNotExists()
  rows.push(await contend('azure', 20))
} else NOTES.push('Azure row skipped: no Azurite reachable')
if (s3 && (await reachable(s3.endpoint))) {
  const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3')
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  })
  await client.send(new CreateBucketCommand({ Bucket: 'bench-contention' })).catch(() => undefined)
  client.destroy()
  rows.push(await contend('s3', 20))
} else NOTES.push('S3 row skipped: no S3 server reachable')

record('commit.contention', {
  description: `${WRITERS} writer processes start together (a time barrier) and each commits ${COMMITS} blind appends (Transaction with one add; default maxAttempts 20 and jittered backoff), refreshing their snapshot (\`update()\`) before each; think time uniform in [0, 2 × think]. Latency: from the first attempt to success. The log is then read back with \`tail\` and the final snapshot checked.`,
  rows,
  notes: NOTES,
})
