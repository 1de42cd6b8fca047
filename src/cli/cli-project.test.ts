/**
 * The built CLI over tables this project writes (DeltaTable.create / append / overwrite in temp
 * directories): every command's output and exit code, the --json documents, and the failures
 * (bad URLs, missing tables, broken logs, usage errors, a vacuum that must refuse).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, readdir, rm, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DeltaTable } from '../table/delta-table.js'
import {
  REPO_ROOT,
  errorCodeOf,
  jsonLines,
  jsonOf,
  requireBuild,
  runDelta,
  tempDir,
  type CliResult,
} from './cli.test-util.js'
import { COMMANDS, packageVersion } from './main.js'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()))
})

function events(ids: bigint[], status: string): arrow.Table {
  return new arrow.Table({
    id: arrow.vectorFromArray(ids, new arrow.Int64()),
    day: arrow.vectorFromArray(
      ids.map((id) => new Date(Date.UTC(2024, 0, Number(id % 28n) + 1))),
      new arrow.DateDay(),
    ),
    status: arrow.vectorFromArray(
      ids.map(() => status),
      new arrow.Utf8(),
    ),
    amount: arrow.vectorFromArray(
      ids.map((id) => Number(id) / 2),
      new arrow.Float64(),
    ),
  })
}

/**
 * `events`, partitioned by status, with the change data feed on: v0 creates it with ids 1-3
 * 'ok', v1 appends 4-5 'bad', v2 replaces the 'bad' partition with id 6.
 */
async function eventsTable(): Promise<string> {
  const { dir, remove } = await tempDir('project')
  cleanups.push(remove)
  const location = path.join(dir, 'events')
  const table = await DeltaTable.create(location, {
    schema: events([1n], 'ok').schema,
    data: events([1n, 2n, 3n], 'ok'),
    partitionBy: ['status'],
    name: 'events',
    description: 'test events',
    properties: { 'delta.enableChangeDataFeed': 'true' },
  })
  await table.append(events([4n, 5n], 'bad'))
  await table.overwrite(events([6n], 'bad'), { replaceWhere: "status = 'bad'" })
  return location
}

/** Data files under a table root (not the log). */
async function dataFiles(root: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (
      entry.isFile() &&
      entry.name.endsWith('.parquet') &&
      !entry.parentPath.includes('_delta_log')
    ) {
      out.push(path.join(entry.parentPath, entry.name))
    }
  }
  return out.sort()
}

function expectExit(result: CliResult, code: number): void {
  if (result.code !== code) {
    throw new Error(
      `expected exit ${code}, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    )
  }
}

beforeAll(() => requireBuild())

describe('delta CLI over tables the project writes', () => {
  let table: string
  beforeAll(async () => {
    table = await eventsTable()
  })

  it('inspect --json describes version, protocol, metadata, schema and counts', async () => {
    const result = await runDelta(['inspect', table, '--json'])
    expectExit(result, 0)
    const doc = jsonOf(result)
    expect(doc).toMatchObject({
      version: 2,
      protocol: {
        minReaderVersion: 1,
        minWriterVersion: 4,
        readerFeatures: null,
        writerFeatures: null,
      },
      metadata: {
        name: 'events',
        description: 'test events',
        partitionColumns: ['status'],
        configuration: { 'delta.enableChangeDataFeed': 'true' },
      },
      numFiles: 2,
      numRecords: 4,
      numDeletedRecords: 0,
      checkpoint: null,
      commitsSinceCheckpoint: 3,
      warnings: [],
    })
    expect(doc.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(doc.metadata).toHaveProperty('createdTime', expect.stringMatching(/Z$/) as unknown)
    const schema = doc.schema as { type: string; fields: { name: string; type: string }[] }
    expect(schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'id:long',
      'day:date',
      'status:string',
      'amount:double',
    ])
    expect(typeof doc.sizeInBytes).toBe('number')
  })

  it('inspect reads older versions by --version and --timestamp, and refuses both at once', async () => {
    expect(jsonOf(await runDelta(['inspect', table, '--version', '0', '--json']))).toMatchObject({
      version: 0,
      numRecords: 3,
    })
    // The commit time of version 1 reads version 1; a time after the last commit is an error.
    const history = jsonOf<{ commits: { version: number; timestamp: string }[] }>(
      await runDelta(['history', table, '--json']),
    )
    const v1 = history.commits.find((c) => c.version === 1)!.timestamp
    expect(jsonOf(await runDelta(['inspect', table, '--timestamp', v1, '--json'])).version).toBe(1)
    const now = new Date(Date.now() + 60_000).toISOString()
    const late = await runDelta(['inspect', table, '--timestamp', now, '--json'])
    expect(errorCodeOf(late)).toBe('VERSION_NOT_FOUND')
    const early = await runDelta(['inspect', table, '--timestamp', '2001-01-01', '--json'])
    expectExit(early, 1)
    expect(errorCodeOf(early)).toBe('VERSION_NOT_FOUND')
    const missing = await runDelta(['inspect', table, '--version', '9', '--json'])
    expectExit(missing, 1)
    expect(errorCodeOf(missing)).toBe('VERSION_NOT_FOUND')
    const both = await runDelta(['inspect', table, '--version', '0', '--timestamp', now, '--json'])
    expectExit(both, 2)
    expect(errorCodeOf(both)).toBe('USAGE')
  })

  it('inspect prints a human report with the schema tree and no colour when piped', async () => {
    const result = await runDelta(['inspect', table])
    expectExit(result, 0)
    expect(result.stdout).toContain('└─ amount: double')
    expect(result.stdout).toContain('status: string (partition)')
    expect(result.stdout).toContain('delta.enableChangeDataFeed = true')
    expect(result.stdout).not.toContain('\x1b[')
  })

  it('history lists commits newest first with operations, parameters and metrics', async () => {
    const result = await runDelta(['history', table, '--json'])
    expectExit(result, 0)
    const commits = jsonOf<{ commits: Record<string, unknown>[] }>(result).commits
    expect(commits.map((c) => c.version)).toEqual([2, 1, 0])
    expect(commits.map((c) => (c.operationParameters as { mode?: string }).mode)).toEqual([
      'Overwrite',
      'Append',
      'ErrorIfExists',
    ])
    expect(commits[1]).toMatchObject({
      operation: 'WRITE',
      operationMetrics: { numOutputRows: '2' },
    })
    expect(commits[0]!.engineInfo).toMatch(/^deltalake-ts/)
    const limited = jsonOf<{ commits: unknown[] }>(
      await runDelta(['history', table, '--limit', '1', '--json']),
    )
    expect(limited.commits).toHaveLength(1)
    const human = await runDelta(['history', table])
    expect(human.stdout.split('\n')[0]).toMatch(/^VERSION\s+TIME\s+OPERATION/)
    expect(human.stdout).toContain('mode=Append')
  })

  it('files lists active files with size, rows and partition values', async () => {
    const result = await runDelta(['files', table, '--json'])
    expectExit(result, 0)
    const doc = jsonOf<{ version: number; files: Record<string, unknown>[] }>(result)
    expect(doc.version).toBe(2)
    const summary = doc.files.map((f) => [f.partitionValues, f.numRecords, f.deletionVector])
    expect(summary).toEqual(
      expect.arrayContaining([
        [{ status: 'ok' }, 3, null],
        [{ status: 'bad' }, 1, null],
      ]),
    )
    for (const f of doc.files) expect(existsSync(path.join(table, f.path as string))).toBe(true)
    const atZero = jsonOf<{ files: unknown[] }>(
      await runDelta(['files', table, '--version', '1', '--json']),
    )
    expect(atZero.files).toHaveLength(2)
    const human = await runDelta(['files', table, '--limit', '1'])
    expect(human.stdout).toContain('showing 1')
  })

  it('scan filters, projects and limits, in jsonl, csv and table formats', async () => {
    const jsonl = await runDelta([
      'scan',
      table,
      '--where',
      "status = 'ok' AND id >= 2",
      '--columns',
      'id,day,amount',
      '--format',
      'jsonl',
    ])
    expectExit(jsonl, 0)
    const rows = jsonLines(jsonl).sort((a, b) => Number(a.id) - Number(b.id))
    expect(rows).toEqual([
      { id: 2, day: '2024-01-03', amount: 1 },
      { id: 3, day: '2024-01-04', amount: 1.5 },
    ])
    const csv = await runDelta([
      'scan',
      table,
      '--columns',
      'status,id',
      '--format',
      'csv',
      '--where',
      'id = 6',
    ])
    expect(csv.stdout).toBe('status,id\nbad,6\n')
    const limited = await runDelta(['scan', table, '--format', 'jsonl', '--limit', '2'])
    expect(jsonLines(limited)).toHaveLength(2)
    const human = await runDelta(['scan', table, '--where', 'id = 6'])
    expectExit(human, 0)
    expect(human.stdout).toMatch(
      /^id\s+day\s+status\s+amount\n\s+6\s+2024-01-07\s+bad\s+3\n\(1 row\)\n$/,
    )
  })

  it('scan rejects an unknown column or a malformed filter as a usage error', async () => {
    const column = await runDelta(['scan', table, '--columns', 'nope'])
    expectExit(column, 2)
    expect(column.stderr).toContain('(INVALID_ARGUMENT)')
    const filter = await runDelta(['scan', table, '--where', "status = 'ok' AND"])
    expectExit(filter, 2)
    const format = await runDelta(['scan', table, '--format', 'xml'])
    expectExit(format, 2)
  })

  it('changes prints the change data feed by version range, and a per-commit summary', async () => {
    const result = await runDelta(['changes', table, '--from', '1', '--format', 'jsonl'])
    expectExit(result, 0)
    const rows = jsonLines(result).map(
      (r) => `${String(r._commit_version)}:${String(r._change_type)}:${String(r.id)}`,
    )
    expect(rows.sort()).toEqual([
      '1:insert:4',
      '1:insert:5',
      '2:delete:4',
      '2:delete:5',
      '2:insert:6',
    ])
    const first = jsonLines(result)[0]!
    expect(first._commit_timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    const only = await runDelta(['changes', table, '--from', '0', '--to', '0', '--format', 'jsonl'])
    expect(jsonLines(only).every((r) => r._commit_version === 0)).toBe(true)
    const summary = await runDelta(['changes', table, '--summary', '--format', 'jsonl'])
    expectExit(summary, 0)
    expect(
      jsonLines(summary).map((s) => [s.version, s.addedFiles, s.addedRows, s.removedFiles]),
    ).toEqual([
      [0, 1, 3, 0],
      [1, 1, 2, 0],
      [2, 1, 1, 1],
    ])
    const bad = await runDelta(['changes', table, '--from', 'yesterday-ish'])
    expectExit(bad, 2)
  })

  it('checkpoint writes a checkpoint that inspect then reports', async () => {
    const { dir, remove } = await tempDir('checkpoint')
    cleanups.push(remove)
    const location = path.join(dir, 't')
    await DeltaTable.create(location, {
      schema: events([1n], 'ok').schema,
      data: events([1n], 'ok'),
    })
    const result = await runDelta(['checkpoint', location, '--json'])
    expectExit(result, 0)
    expect(jsonOf(result)).toMatchObject({
      version: 0,
      kind: 'classic',
      numOfAddFiles: 1,
      lastCheckpoint: 'written',
    })
    expect(
      existsSync(path.join(location, '_delta_log/00000000000000000000.checkpoint.parquet')),
    ).toBe(true)
    const inspect = jsonOf(await runDelta(['inspect', location, '--json']))
    expect(inspect).toMatchObject({
      checkpoint: { version: 0, kind: 'classic', parts: 1 },
      commitsSinceCheckpoint: 0,
    })
  })

  it('cleanup is a dry run by default and finds nothing to remove in a young log', async () => {
    const result = await runDelta(['cleanup', table, '--json'])
    expectExit(result, 0)
    expect(jsonOf(result)).toMatchObject({ dryRun: true, numFilesToDelete: 0, files: [] })
    expectExit(await runDelta(['cleanup', table, '--execute']), 0)
    expect(existsSync(path.join(table, '_delta_log/00000000000000000000.json'))).toBe(true)
  })
})

describe('delta vacuum over a project table', () => {
  it('plans by default, refuses a short retention, deletes with --execute and records it', async () => {
    const table = await eventsTable()
    const before = await dataFiles(table)
    // An unreferenced file outside the table root, next to it: vacuum must never see it.
    const outside = path.join(path.dirname(table), 'events-backup.parquet')
    await writeFile(outside, 'not ours')

    const plan = await runDelta(['vacuum', table, '--json'])
    expectExit(plan, 0)
    // The replaced files are younger than the 7-day retention: nothing is eligible.
    expect(jsonOf(plan)).toMatchObject({
      dryRun: true,
      mode: 'full',
      numFilesToDelete: 0,
      retentionHours: 168,
    })

    const refused = await runDelta([
      'vacuum',
      table,
      '--retention-hours',
      '0',
      '--execute',
      '--json',
    ])
    expectExit(refused, 1)
    expect(errorCodeOf(refused)).toBe('OPERATION_NOT_ALLOWED')
    expect(await dataFiles(table)).toEqual(before)

    const dry = await runDelta(['vacuum', table, '--retention-hours', '0', '--force', '--json'])
    expectExit(dry, 0)
    const dryDoc = jsonOf<{ numFilesToDelete: number; filesToDelete: { path: string }[] }>(dry)
    // The overwrite replaced the 'bad' file of version 1.
    expect(dryDoc.numFilesToDelete).toBe(1)
    expect(dryDoc.filesToDelete[0]!.path).toMatch(/^status=bad\//)
    expect(await dataFiles(table)).toEqual(before)

    const run = await runDelta([
      'vacuum',
      table,
      '--retention-hours',
      '0',
      '--force',
      '--execute',
      '--json',
    ])
    expectExit(run, 0)
    expect(jsonOf(run)).toMatchObject({
      dryRun: false,
      numDeletedFiles: 1,
      startVersion: 3,
      endVersion: 4,
    })
    expect(await dataFiles(table)).toHaveLength(before.length - 1)
    expect(existsSync(outside)).toBe(true)

    const history = jsonOf<{ commits: { operation: string }[] }>(
      await runDelta(['history', table, '--json']),
    )
    expect(history.commits.slice(0, 2).map((c) => c.operation)).toEqual([
      'VACUUM END',
      'VACUUM START',
    ])
    expectExit(await runDelta(['verify', table]), 0)
    const rows = jsonLines(await runDelta(['scan', table, '--format', 'jsonl']))
    expect(rows.map((r) => r.id).sort()).toEqual([1, 2, 3, 6])
  })

  it('prints the plan for people, and refuses --full with --lite', async () => {
    const table = await eventsTable()
    const human = await runDelta(['vacuum', table, '--retention-hours', '0', '--force', '--lite'])
    expectExit(human, 0)
    expect(human.stdout).toContain('Vacuum (dry run)')
    expect(human.stdout).toContain('Would delete 1 file')
    expect(human.stdout).toContain('--execute')
    expect(await dataFiles(table)).toHaveLength(3)
    expectExit(await runDelta(['vacuum', table, '--full', '--lite']), 2)
  })
})

describe('delta verify over a damaged project table', () => {
  it('exits 3 and names the missing file, 1 with CORRUPT_LOG for inspect of a broken log', async () => {
    const table = await eventsTable()
    expect(jsonOf(await runDelta(['verify', table, '--json']))).toMatchObject({
      ok: true,
      problems: [],
    })
    const files = jsonOf<{ files: { path: string }[] }>(await runDelta(['files', table, '--json']))
    const victim = path.join(table, decodeURIComponent(files.files[0]!.path))
    await rm(victim)
    const result = await runDelta(['verify', table, '--json'])
    expectExit(result, 3)
    const doc = jsonOf<{ ok: boolean; problems: { kind: string; path: string }[] }>(result)
    expect(doc.ok).toBe(false)
    expect(doc.problems.map((p) => p.kind)).toEqual(['missing-file'])
    expect(path.join(table, doc.problems[0]!.path)).toBe(victim)
    const human = await runDelta(['verify', table])
    expectExit(human, 3)
    expect(human.stdout).toContain('missing-file')

    // A torn commit: the log itself is broken.
    await appendFile(path.join(table, '_delta_log/00000000000000000002.json'), '{"add": {oops\n')
    const inspect = await runDelta(['inspect', table, '--json'])
    expectExit(inspect, 1)
    expect(errorCodeOf(inspect)).toBe('CORRUPT_LOG')
    expect(inspect.stderr).not.toContain('    at ')
    const debug = await runDelta(['inspect', table, '--debug'])
    expect(debug.stderr).toContain('    at ')
    const verify = await runDelta(['verify', table, '--json'])
    expectExit(verify, 3)
    expect(jsonOf<{ problems: { kind: string }[] }>(verify).problems.map((p) => p.kind)).toContain(
      'unreadable-log',
    )
  })
})

describe('delta CLI errors and help', () => {
  it('reports a missing table with TABLE_NOT_FOUND and exit 1', async () => {
    const { dir, remove } = await tempDir('missing')
    cleanups.push(remove)
    // (More locations and usage errors are covered in-process by main.test.ts.)
    for (const location of [path.join(dir, 'nope'), `file://${dir}`]) {
      const result = await runDelta(['inspect', location, '--json'])
      expectExit(result, 1)
      expect(errorCodeOf(result)).toBe('TABLE_NOT_FOUND')
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
    }
  })

  it('treats malformed or unsupported URLs as usage errors (exit 2)', async () => {
    for (const url of ['ftp://host/t', 's3:///no-bucket']) {
      const result = await runDelta(['inspect', url, '--json'])
      expectExit(result, 2)
      expect(errorCodeOf(result)).toBe('INVALID_ARGUMENT')
    }
  })

  it('rejects unknown commands and options, missing and extra tables with exit 2', async () => {
    const cases: string[][] = [['inspekt', 'x'], ['inspect', 'x', '--verion', '1'], []]
    for (const args of cases) {
      const result = await runDelta(args)
      expectExit(result, 2)
      expect(result.stderr).not.toBe('')
    }
    const suggestion = await runDelta(['inspekt', 'x'])
    expect(suggestion.stderr).toContain("did you mean 'inspect'")
  })

  it('has --help with usage and examples, and a version', async () => {
    const help = await runDelta(['vacuum', '--help'])
    expectExit(help, 0)
    expect(help.stdout).toContain('Usage: delta vacuum')
    expect(help.stdout).toContain('Examples:')
    const main = await runDelta(['--help'])
    expectExit(main, 0)
    for (const command of COMMANDS) expect(main.stdout).toContain(command.name)
    const version = await runDelta(['--version'])
    expect(version.stdout.trim()).toBe(packageVersion())
  })

  it('runs as `npx delta` from the repository (the package bin)', async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn('npx', ['--no-install', 'delta', '--version'], {
        cwd: REPO_ROOT,
        env: { ...process.env, NO_COLOR: '1' },
      })
      let stdout = ''
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout }))
    })
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe(packageVersion())
  })
})
