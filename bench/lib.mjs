// Shared helpers of the benchmark suite: timing with warm-up, percentiles, peak memory,
// child processes, and the results files (bench/results/<name>.json and the generated
// bench/RESULTS.md).
//
// Benchmarks compare our code with the raw baseline that bounds it, in the same process and
// run, and report the ratio: absolute times drift on shared machines, ratios hold.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

export const benchRoot = import.meta.dirname
export const repoRoot = path.resolve(benchRoot, '..')
/** Generated fixtures, temporary tables and profiles (gitignored). */
export const dataRoot = path.join(benchRoot, '.data')
export const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1'

/** The value after `--name` on the command line, if any. */
export function argValue(name) {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

/** `--child <case>`: the process was started by `inChild` to run one case (or for profiling). */
export const childCase = argValue('child')

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns the samples in ms. */
export async function sample(fn, { warmup = 3, runs = 30 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i)
  const samples = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await fn(warmup + i)
    samples.push(performance.now() - started)
  }
  return samples
}

/**
 * Times several functions in alternation (a, b, a, b, ...) so that drift on a shared machine
 * hits them alike; garbage is collected before every measured call (run with --expose-gc).
 * `fns` is `{ name: async () => result }`; returns `{ name: samples[] }` and keeps the last
 * result of each in `last`.
 */
export async function alternate(fns, { warmup = 1, runs = 5 } = {}) {
  const samples = Object.fromEntries(Object.keys(fns).map((k) => [k, []]))
  const last = {}
  for (let round = 0; round < warmup + runs; round++) {
    for (const [name, fn] of Object.entries(fns)) {
      last[name] = undefined
      collect()
      const started = performance.now()
      last[name] = await fn(round)
      const ms = performance.now() - started
      if (round >= warmup) samples[name].push(ms)
    }
  }
  return { samples, last }
}

/** A full garbage collection, when the process runs with --expose-gc. */
export function collect() {
  globalThis.gc?.()
}

export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return {
    n: sorted.length,
    median: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((s, x) => s + x, 0) / sorted.length,
  }
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb() {
  return process.resourceUsage().maxRSS / 1024
}

/**
 * Samples this process's RSS every few ms until `stop()`, which returns the highest sample in
 * MB. Unlike maxRSS it can be started late (after a setup whose own peak would hide the one
 * measured); it sees only the moments the event loop is free, so it suits work that yields.
 */
export function trackRss(everyMs = 5) {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, everyMs)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, process.memoryUsage.rss()) / 2 ** 20
    },
  }
}

/**
 * Runs `file --child <caseName> [args]` in a fresh Node process (with --expose-gc) and returns
 * the JSON object the child printed last on stdout (see `childDone`), plus its `peakRssMb`.
 * Peak memory of one case is only meaningful in a process of its own.
 */
export function inChild(file, caseName, args = [], { nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        ...nodeArgs,
        file,
        '--child',
        caseName,
        ...args,
        ...(smoke ? ['--smoke'] : []),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`child ${path.basename(file)} ${caseName} exited ${code}: ${out}`))
        return
      }
      resolve(JSON.parse(line))
    })
  })
}

/** Ends a child case: prints `result` with the process's peak RSS as the last stdout line. */
export function childDone(result = {}) {
  const memory = process.memoryUsage()
  process.stdout.write(
    `${JSON.stringify({
      ...result,
      peakRssMb: peakRssMb(),
      heapUsedMb: memory.heapUsed / 2 ** 20,
      externalMb: memory.external / 2 ** 20,
    })}\n`,
  )
  process.exit(0)
}

/** Reads the server coordinates written by scripts/servers.sh, merged over the environment. */
export function servers() {
  const file = path.join(repoRoot, '.tmp/servers.env')
  const env = { ...process.env }
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const eq = line.indexOf('=')
      if (eq > 0 && env[line.slice(0, eq)] === undefined)
        env[line.slice(0, eq)] = line.slice(eq + 1)
    }
  }
  return {
    s3: env.DELTA_TEST_S3_ENDPOINT
      ? {
          endpoint: env.DELTA_TEST_S3_ENDPOINT,
          accessKeyId: env.DELTA_TEST_S3_ACCESS_KEY,
          secretAccessKey: env.DELTA_TEST_S3_SECRET_KEY,
          description: env.DELTA_TEST_S3_SERVER ?? 'S3',
        }
      : undefined,
    azure: env.DELTA_TEST_AZURE_CONNECTION_STRING
      ? {
          connectionString: env.DELTA_TEST_AZURE_CONNECTION_STRING,
          description: env.DELTA_TEST_AZURE_SERVER ?? 'Azure',
        }
      : undefined,
  }
}

/** Whether a server answers at all (a stale servers.env names servers that are gone). */
export async function reachable(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) })
    return true
  } catch {
    return false
  }
}

/**
 * A row comparing two time samples. `kind`:
 * - `time`: ratio = ours / baseline (lower is better; latency targets such as ≤ 1.1x);
 * - `speed`: ratio = baseline / ours, i.e. our throughput as a fraction of the baseline's
 *   (higher is better; targets such as ≥ 0.85x).
 */
export function compareRow(caseName, ours, baseline, { kind = 'time', target, met, ...rest } = {}) {
  const o = stats(ours)
  const b = stats(baseline)
  const ratio = kind === 'speed' ? b.median / o.median : o.median / b.median
  return {
    case: caseName,
    ours: o,
    baseline: b,
    ratio,
    ratioKind: kind,
    target,
    met: typeof met === 'function' ? met(ratio, o, b) : met,
    ...rest,
  }
}

/**
 * Writes bench/results/<name>.json and regenerates bench/RESULTS.md from every results file.
 * `rows`: [{ case, ours: stats, baseline: stats, ratio, ratioKind, unit, target, met,
 *   peakMb, note }]. Smoke runs write to bench/.data/smoke-results/ and leave RESULTS.md alone.
 */
export function record(name, { description, rows, notes = [] }) {
  const dir = smoke ? path.join(dataRoot, 'smoke-results') : path.join(benchRoot, 'results')
  mkdirSync(dir, { recursive: true })
  const result = {
    name,
    description,
    smoke,
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    peakRssMb: Math.round(peakRssMb()),
    rows,
    notes,
  }
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`)
  for (const row of rows) console.log(`  ${summaryLine(row)}`)
  if (!smoke) writeResultsMarkdown()
  return result
}

function summaryLine(row) {
  const unit = row.unit ?? 'ms'
  const parts = [row.case]
  if (row.ours) parts.push(`ours ${fmt(row.ours.median)} ${unit} (p99 ${fmt(row.ours.p99)})`)
  if (row.baseline)
    parts.push(`baseline ${fmt(row.baseline.median)} ${unit} (p99 ${fmt(row.baseline.p99)})`)
  if (row.ratio !== undefined) parts.push(`ratio ${ratioText(row)}`)
  if (row.target) parts.push(`target ${row.target}: ${metText(row.met)}`)
  if (row.note) parts.push(row.note)
  return parts.join(' | ')
}

const fmt = (x) =>
  x === undefined || x === null
    ? '–'
    : typeof x === 'number'
      ? Math.abs(x) >= 100
        ? x.toFixed(0)
        : Math.abs(x) >= 10
          ? x.toFixed(1)
          : Math.abs(x) >= 0.1 || x === 0
            ? x.toFixed(2)
            : x.toPrecision(2)
      : String(x)

function ratioText(row) {
  if (row.ratio === undefined || row.ratio === null) return '–'
  const suffix = row.ratioKind === 'speed' ? ' speed' : row.ratioKind === 'time' ? ' time' : ''
  return `${fmt(row.ratio)}x${suffix}`
}

const metText = (met) => (met === undefined || met === null ? '–' : met ? 'yes' : '**no**')

const escapeCell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ')

/** Benchmark names in the order of the table (others follow, by name). */
export const ORDER = [
  'replay.json',
  'replay.checkpoint',
  'snapshot.metadata',
  'snapshot.update',
  'scan.skipping',
  'commit.latency',
  'commit.contention',
  'checkpoint.write',
  'vacuum',
  'stream.tail',
  'cdf',
  'storage',
]

export function writeResultsMarkdown() {
  const dir = path.join(benchRoot, 'results')
  const results = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.smoke.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name))
  const lines = [
    '# Benchmark results',
    '',
    'Generated by `npm run bench` from `bench/results/*.json`; do not edit by hand (the',
    "analysis lives in each benchmark's notes, in `bench/<name>.mjs`). See `bench/README.md`.",
    'Each row: our code next to the raw baseline that bounds it, measured in the same process',
    'and run. Times in ms (median / p99 over the runs) unless the row names another unit.',
    'Ratio: `time` = ours / baseline (lower is better); `speed` = baseline time / our time, our',
    "throughput as a fraction of the baseline's (higher is better).",
    '',
    '## Summary',
    '',
    '| benchmark | case | ratio | target | met |',
    '| --- | --- | --- | --- | --- |',
  ]
  for (const r of results) {
    for (const row of r.rows) {
      if (row.target === undefined) continue
      lines.push(
        `| ${r.name} | ${escapeCell(row.case)} | ${ratioText(row)} | ${escapeCell(row.target)} | ${metText(row.met)} |`,
      )
    }
  }
  lines.push('')
  for (const r of results) {
    const load = r.machine.loadAverage ? `, load ${r.machine.loadAverage.join('/')}` : ''
    lines.push(
      `## ${r.name}`,
      '',
      r.description,
      '',
      `Run ${r.date.slice(0, 16)}Z on ${r.machine.cpus} × ${r.machine.cpu}, Node ${r.machine.node}${load}; peak RSS of the benchmark process ${r.peakRssMb} MB.`,
      '',
      '| case | ours median | ours p99 | baseline median | baseline p99 | unit | ratio | target | met | peak MB | note |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    )
    for (const row of r.rows) {
      lines.push(
        `| ${escapeCell(row.case)} | ${fmt(row.ours?.median)} | ${fmt(row.ours?.p99)} | ${fmt(row.baseline?.median)} | ${fmt(row.baseline?.p99)} | ${row.unit ?? 'ms'} | ${ratioText(row)} | ${escapeCell(row.target ?? '–')} | ${metText(row.met)} | ${row.peakMb === undefined ? '–' : escapeCell(typeof row.peakMb === 'number' ? fmt(row.peakMb) : row.peakMb)} | ${escapeCell(row.note ?? '')} |`,
      )
    }
    if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`))
    lines.push('')
  }
  writeFileSync(path.join(benchRoot, 'RESULTS.md'), `${lines.join('\n')}\n`)
}

function rank(name) {
  const i = ORDER.indexOf(name)
  return i < 0 ? ORDER.length : i
}

/** Prints a progress line to stderr (stdout of a child is reserved for its result). */
export function log(...parts) {
  process.stderr.write(`${parts.join(' ')}\n`)
}

/** Milliseconds since `start` (a performance.now() value). */
export const since = (start) => performance.now() - start

/** Wall-clock time in ms with sub-ms resolution, comparable across processes. */
export const wallNow = () => performance.timeOrigin + performance.now()
