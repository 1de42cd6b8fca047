// Storage benchmark: put-if-absent latency per backend, next to the raw call it wraps (the
// same syscalls on local disk; the bare SDK request on S3 and Azure), in one run.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import * as fs from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { BlobServiceClient } from '@azure/storage-blob'
import { AzureStore } from '../dist/storage/azure.js'
import { LocalStore } from '../dist/storage/local.js'
import { S3Store } from '../dist/storage/s3.js'
import { record, sample, servers, smoke, stats } from './lib.mjs'

const runs = smoke ? 10 : 300
const warmup = smoke ? 2 : 20
// A commit of a small append: commitInfo + one add, about 550 bytes.
const payload = new TextEncoder().encode(
  `${JSON.stringify({ commitInfo: { timestamp: 0, operation: 'WRITE', txnId: randomUUID() } })}\n${'x'.repeat(440)}\n`,
)
const key = (i) => `_delta_log/${String(i).padStart(20, '0')}.json`

async function pair(name, ours, raw, note) {
  // Interleave the two so drift on a shared machine hits both alike.
  const oursSamples = []
  const rawSamples = []
  for (let round = 0; round < 2; round++) {
    oursSamples.push(
      ...(await sample((i) => ours(round * 100_000 + i), { warmup, runs: runs / 2 })),
    )
    rawSamples.push(...(await sample((i) => raw(round * 100_000 + i), { warmup, runs: runs / 2 })))
  }
  const o = stats(oursSamples)
  const b = stats(rawSamples)
  console.log(
    `${name}: ours p50 ${o.median.toFixed(2)} ms p99 ${o.p99.toFixed(2)} | raw p50 ${b.median.toFixed(2)} p99 ${b.p99.toFixed(2)} | ratio ${(o.median / b.median).toFixed(2)}`,
  )
  return {
    case: name,
    ours: o,
    baseline: b,
    ratio: o.median / b.median,
    target: '≤ 1.1x + 1 ms',
    met: o.median <= 1.1 * b.median + 1,
    note,
  }
}

const rows = []
for (const fsync of [false, true]) {
  const dirA = mkdtempSync(path.join(tmpdir(), 'dlts-bench-a-'))
  const dirB = mkdtempSync(path.join(tmpdir(), 'dlts-bench-b-'))
  await fs.mkdir(path.join(dirB, '_delta_log'))
  const store = new LocalStore(dirA, { fsync })
  rows.push(
    await pair(
      `local create${fsync ? ' + fsync' : ''}`,
      (i) => store.put(key(i), payload, { mode: 'create' }),
      async (i) => {
        const temp = path.join(dirB, '_delta_log', `.t-${i}`)
        const handle = await fs.open(temp, 'wx')
        await handle.writeFile(payload)
        if (fsync) await handle.sync()
        await handle.close()
        await fs.link(temp, path.join(dirB, key(i)))
        await fs.rm(temp)
      },
      'open+write+close+link+unlink with fs.promises',
    ),
  )
  rmSync(dirA, { recursive: true, force: true })
  rmSync(dirB, { recursive: true, force: true })
}
const { s3, azure } = servers()
const notes = []
if (s3) {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  })
  const bucket = `bench-${Date.now()}`
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  const store = new S3Store({ bucket, client })
  rows.push(
    await pair(
      `s3 create (${s3.description})`,
      (i) => store.put(key(i), payload, { mode: 'create' }),
      (i) =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `raw/${key(i)}`,
            Body: payload,
            IfNoneMatch: '*',
          }),
        ),
      'PutObject If-None-Match:* with the same client',
    ),
  )
  client.destroy()
} else notes.push('S3 skipped: no server (scripts/servers.sh start s3)')
if (azure) {
  const container = BlobServiceClient.fromConnectionString(
    azure.connectionString,
  ).getContainerClient(`bench-${Date.now()}`)
  await container.create()
  const store = new AzureStore({ container: container.containerName, client: container })
  rows.push(
    await pair(
      `azure create (${azure.description})`,
      (i) => store.put(key(i), payload, { mode: 'create' }),
      (i) =>
        container
          .getBlockBlobClient(`raw/${key(i)}`)
          .upload(payload, payload.byteLength, { conditions: { ifNoneMatch: '*' } }),
      'upload If-None-Match:* with the same client',
    ),
  )
  await container.deleteIfExists()
} else notes.push('Azure skipped: no server (scripts/servers.sh start azure)')

record('storage', {
  description: `Put-if-absent of a ~${payload.byteLength} B commit file, ${runs} sequential creates per side, interleaved in two rounds.`,
  rows,
  notes,
})
