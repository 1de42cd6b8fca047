/**
 * Vitest global setup: finds (or starts) the real servers and the corpus, tells every test
 * worker where they are, and prints which backends run against which server.
 *
 * - Servers started by `scripts/servers.sh start` (as `.ci/run` does) are found through
 *   `.tmp/servers.env` or the `DELTA_TEST_*` variables.
 * - Otherwise Azurite (an npm dev dependency, always present) is started here for the run,
 *   and Ceph radosgw too when its Debian packages are installed (~15 s) — but only for a
 *   full run (`npm test` sets DELTA_TEST_START_SERVERS=1); a targeted `vitest run src/x`
 *   uses what is running and skips the rest with a message.
 * - In CI (`CI=true`) nothing is optional: a missing server or corpus fails the run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import * as net from 'node:net'
import * as path from 'node:path'
import type { TestProject } from 'vitest/node'
import {
  parseEnvFile,
  serversFromEnv,
  type AzureServer,
  type S3Server,
  type TestServers,
} from '../support/servers.js'

const repoRoot = path.resolve(import.meta.dirname, '../..')
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ci = process.env.CI === 'true' || process.env.CI === '1'
  const stops: (() => Promise<void>)[] = []
  const envFile = path.join(repoRoot, '.tmp/servers.env')
  const fileEnv = existsSync(envFile) ? parseEnvFile(readFileSync(envFile, 'utf8')) : {}
  let { s3, azure } = serversFromEnv({ ...fileEnv, ...process.env })
  const missing: Record<string, string> = {}

  if (azure !== undefined && !(await reachable(azure.connectionString))) {
    missing.azure = `Azure server from .tmp/servers.env is not answering (${azure.description})`
    azure = undefined
  }
  if (s3 !== undefined && !(await reachableUrl(s3.endpoint))) {
    missing.s3 = `S3 server ${s3.endpoint} is not answering`
    s3 = undefined
  }
  const mayStart = process.env.DELTA_TEST_START_SERVERS === '1'
  if (!ci && mayStart && azure === undefined) {
    const started = await startAzurite()
    azure = started.server
    stops.push(started.stop)
    delete missing.azure
  }
  if (!ci && mayStart && s3 === undefined) {
    const started = startCeph()
    if (started === undefined) {
      missing.s3 ??=
        'no S3 server: install radosgw ceph-mon ceph-osd (Debian) or run scripts/servers.sh start'
    } else {
      s3 = started.server
      stops.push(started.stop)
      delete missing.s3
    }
  }
  if (s3 === undefined)
    missing.s3 ??= 'no S3 server running (scripts/servers.sh start, or run the full npm test)'
  if (azure === undefined)
    missing.azure ??= 'no Azure server running (scripts/servers.sh start, or run the full npm test)'

  const corpusDir = path.resolve(
    process.env.DELTA_CORPUS ?? path.join(repoRoot, '../shared/corpus'),
  )
  const corpus = existsSync(path.join(corpusDir, 'manifest.json')) ? corpusDir : undefined

  if (ci) {
    const problems = [
      ...Object.entries(missing).map(([name, why]) => `${name}: ${why}`),
      ...(corpus === undefined ? [`corpus: not found at ${corpusDir} (set DELTA_CORPUS)`] : []),
    ]
    if (problems.length > 0) {
      throw new Error(`CI requires every real server and the corpus:\n  ${problems.join('\n  ')}`)
    }
  }

  const servers: TestServers = { s3, azure, missing, corpus }
  project.provide('servers', servers)
  console.log(
    [
      'Storage backends under test:',
      '  memory: in-process',
      '  local:  the local file system (temporary directories)',
      `  s3:     ${s3 === undefined ? `SKIPPED (${missing.s3})` : `${s3.description} at ${s3.endpoint}`}`,
      `  azure:  ${azure === undefined ? `SKIPPED (${missing.azure})` : azure.description}`,
      `Corpus:   ${corpus ?? `SKIPPED (not found at ${corpusDir}; set DELTA_CORPUS)`}`,
    ].join('\n'),
  )
  return async () => {
    for (const stop of stops.reverse()) await stop()
  }
}

async function startAzurite(): Promise<{ server: AzureServer; stop: () => Promise<void> }> {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules/azurite/dist/src/blob/main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--silent',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--loose',
    ],
    { stdio: 'ignore' },
  )
  const endpoint = `http://127.0.0.1:${port}/devstoreaccount1`
  for (let i = 0; i < 200 && !(await reachableUrl(`${endpoint}?comp=list`, 1)); i++) {
    await new Promise((r) => setTimeout(r, 50))
  }
  const version = (
    JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/azurite/package.json'), 'utf8')) as {
      version: string
    }
  ).version
  return {
    server: {
      connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
      description: `Azurite ${version} (started for this run)`,
    },
    stop: () => stopChild(child),
  }
}

function startCeph(): { server: S3Server; stop: () => Promise<void> } | undefined {
  const script = path.join(repoRoot, 'scripts/ceph-s3.sh')
  const hasCeph =
    spawnSync('sh', ['-c', 'command -v radosgw && command -v ceph-mon && command -v ceph-osd'])
      .status === 0
  if (!hasCeph) return undefined
  const env = {
    ...process.env,
    CEPH_DIR: path.join(repoRoot, '.tmp/ceph-vitest'),
    RGW_PORT: '7481',
    MON_PORT: '6791',
  }
  const result = spawnSync('bash', [script, 'start'], { env, stdio: 'inherit' })
  if (result.status !== 0) return undefined
  const version =
    spawnSync('radosgw', ['--version'], { encoding: 'utf8' }).stdout.split(' ')[2] ?? ''
  return {
    server: {
      endpoint: 'http://127.0.0.1:7481',
      accessKeyId: 'DELTATSACCESSKEY',
      secretAccessKey: 'DELTATSSECRETKEY',
      description: `Ceph radosgw ${version} (started for this run)`,
    },
    stop: () => {
      spawnSync('bash', [script, 'stop'], { env, stdio: 'ignore' })
      return Promise.resolve()
    },
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve()
      return
    }
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      )
    })
  })
}

/**
 * Whether a server answers at `url`. Patient: a server on a loaded machine (the suite's own
 * processes, other jobs) can take seconds to answer, and in CI a wrong "no" fails the run. A
 * server that is down refuses at once, so asking a few times costs little.
 */
async function reachableUrl(url: string, attempts = 4): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(5000) })
      return true
    } catch {
      if (attempt >= attempts) return false
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
}

async function reachable(connectionString: string): Promise<boolean> {
  const endpoint = /BlobEndpoint=([^;]+)/.exec(connectionString)?.[1]
  return endpoint === undefined ? true : reachableUrl(`${endpoint}?comp=list`)
}
