// cdf: the change data feed over 1,000 versions that mix appends, updates and deletes with cdc
// files, and whole-file deletes without (`readChanges`), next to the bound: reading the same
// commit files and decoding the same data/cdc Parquet files with parquet-wasm, no labelling,
// no columns added. Also the log side alone (`planChanges`: the range's commits, no data).
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import * as pw from 'parquet-wasm'
import { LogStore } from '../dist/log/log-store.js'
import { LocalStore } from '../dist/storage/local.js'
import { cdfTable } from './fixtures.mjs'
import { alternate, compareRow, log, record, smoke, stats } from './lib.mjs'

// What bounds the figures, from the latest full run and its profile (see bench/README.md).
const NOTES = []

const VERSIONS = smoke ? 40 : 1000
const rows = []
let cdf
let range
try {
  cdf = await import('../dist/changes/cdf.js')
  range = await import('../dist/changes/cdf-range.js')
} catch (error) {
  NOTES.push(
    `Skipped: the CDF reader (src/changes/cdf.ts, \`readChanges\`) is not in this build (${error.code ?? error.message}).`,
  )
}

if (cdf !== undefined) {
  const dir = await cdfTable({ versions: VERSIONS })
  const table = { log: new LogStore(new LocalStore(dir)) }
  const options = { startingVersion: 1, endingVersion: VERSIONS }

  const ours = async () => {
    let n = 0
    for await (const batch of await cdf.readChanges(table, options)) n += batch.numRows
    return n
  }
  const plan = async () => (await range.planChanges(table.log, options)).versions.length

  /** The bound: each commit read and parsed, then its change files decoded by parquet-wasm. */
  const raw = async () => {
    let n = 0
    for (let v = 1; v <= VERSIONS; v++) {
      const text = readFileSync(
        path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`),
        'utf8',
      )
      const actions = text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l))
      const cdc = actions.filter((a) => a.cdc).map((a) => a.cdc.path)
      const files =
        cdc.length > 0
          ? cdc
          : actions.flatMap((a) => (a.add ? [a.add.path] : a.remove ? [a.remove.path] : []))
      for (const file of files) {
        const bytes = readFileSync(path.join(dir, decodeURIComponent(file)))
        n += arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream()).numRows
      }
    }
    return n
  }

  log(`  ${VERSIONS} versions ...`)
  const { samples, last } = await alternate(
    { ours, raw, plan },
    smoke ? { warmup: 1, runs: 2 } : { warmup: 1, runs: 5 },
  )
  const rate = (ms) => Math.round((VERSIONS / ms) * 1000)
  const o = stats(samples.ours)
  rows.push(
    compareRow(
      `change data feed, versions 1–${VERSIONS} (${last.ours} change rows)`,
      samples.ours,
      samples.raw,
      {
        kind: 'speed',
        target: 'reported',
        note: `ours ${rate(o.median)} versions/s, ${Math.round((last.ours / o.median) * 1000)} rows/s; baseline decoded ${last.raw} rows (${rate(stats(samples.raw).median)} versions/s)`,
      },
    ),
    {
      case: `log side only: planChanges over ${last.plan} versions`,
      ours: stats(samples.plan),
      note: `${rate(stats(samples.plan).median)} versions/s (anchor S2 proposes ≥ 20k versions/s of log processing)`,
    },
  )
}

record('cdf', {
  description: `\`readChanges\` of a local table with the change data feed on, over ${VERSIONS} versions cycling append / update with cdc file / delete with cdc file / whole-file delete without (10 rows each; checkpoints and .crc files as the facade's hooks write them), against reading the same commits and decoding the same Parquet files with parquet-wasm.`,
  rows,
  notes: NOTES,
})
