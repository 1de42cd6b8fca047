/**
 * Child node processes for the multi-process suites (writers, followers): the environment
 * that tells them where the table is and how to reach its server (read by
 * `conformance/streaming/processes/store.mjs`), and a runner that collects their stdout as
 * JSON lines.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { inject } from 'vitest'
import type { ObjectStore } from '../../src/storage/object-store.js'

/** Environment for a child process: where the table is, and how to reach its server. */
export function childEnv(store: ObjectStore): NodeJS.ProcessEnv {
  const servers = inject('servers')
  return {
    ...process.env,
    STREAM_TABLE_URL: store.url,
    ...(servers.s3 === undefined
      ? {}
      : {
          STREAM_S3_ENDPOINT: servers.s3.endpoint,
          STREAM_S3_ACCESS_KEY: servers.s3.accessKeyId,
          STREAM_S3_SECRET_KEY: servers.s3.secretAccessKey,
        }),
    ...(servers.azure === undefined
      ? {}
      : { STREAM_AZURE_CONNECTION_STRING: servers.azure.connectionString }),
  }
}

export interface NodeChild {
  readonly child: ChildProcess & { stdin: NonNullable<ChildProcess['stdin']> }
  /** Its stdout lines (one JSON value each) once it exits with 0; its stderr otherwise. */
  readonly done: Promise<unknown[]>
}

/** Starts `node script ...args`; `onLine` sees each stdout line (JSON) as it arrives. */
export function runNodeScript(
  script: string,
  args: readonly string[],
  options: {
    readonly env: NodeJS.ProcessEnv
    readonly timeoutMs: number
    readonly onLine?: (line: unknown) => void
  },
): NodeChild {
  const child = spawn(process.execPath, [script, ...args], {
    env: options.env,
    timeout: options.timeoutMs,
  })
  const lines: unknown[] = []
  let buffered = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = JSON.parse(buffered.slice(0, nl)) as unknown
      buffered = buffered.slice(nl + 1)
      lines.push(line)
      options.onLine?.(line)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const done = new Promise<unknown[]>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) resolve(lines)
      else reject(new Error(`${script} exited with ${code ?? signal}:\n${stderr}`))
    })
  })
  return { child, done }
}
