/**
 * Running the built `delta` CLI as a subprocess, the way users run it: `node bin/delta.js`.
 * Tests need `npm run build` first (`npm test` does it); a missing build fails loudly rather
 * than testing stale code by accident.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { inject } from 'vitest'

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..')
export const BIN = path.join(REPO_ROOT, 'bin/delta.js')

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  /** Added to a clean environment (PATH and HOME only, no colour variables). */
  readonly env?: Record<string, string>
  readonly timeoutMs?: number
}

/** Fails unless the CLI has been built. */
export function requireBuild(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) {
    throw new Error("dist/cli/main.js is missing: run 'npm run build' before the CLI tests")
  }
}

/** The environment a test CLI runs in: nothing inherited that changes output. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    TZ: 'America/Los_Angeles',
    ...extra,
  }
}

/** Runs `delta <args>` to completion. */
export function runDelta(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Parses stdout as the one JSON document of a `--json` run. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
export function jsonOf<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`stdout is not one JSON document:\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}

/** The rows of `scan --format jsonl` output. */
export function jsonLines(result: CliResult): Record<string, unknown>[] {
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** The error code of a failed `--json` run (`{"error": {"code", "message"}}`). */
export function errorCodeOf(result: CliResult): string | undefined {
  const doc = jsonOf<{ error?: { code?: string } }>(result)
  return doc.error?.code
}

/** A temporary directory, removed by the returned cleanup. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `dlts-cli-${prefix}-`))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/**
 * The shared corpus, as the global setup found it. Absent: tests skip with a message, except
 * in CI (CI=true), where a missing corpus fails the run.
 */
export function corpusRoot(): string | undefined {
  const root = inject('servers').corpus
  if (root === undefined && (process.env.CI === 'true' || process.env.CI === '1')) {
    throw new Error('CI is set but the Delta corpus is missing: set DELTA_CORPUS')
  }
  return root
}
