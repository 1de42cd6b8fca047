// checkpoint.write: writing a classic checkpoint of the 1M-file table (`writeCheckpoint` of a
// loaded snapshot: 1,009,000 adds + tombstones), next to the bound: parquet-wasm writing the
// same Arrow columns (built beforehand, outside the timing) with the same writer settings.
// Writes land in an in-memory overlay, so the fixture is never changed. Peak memory of the
// write is measured in child processes, above a process that only loads the snapshot.
import * as arrow from 'apache-arrow'
import * as pw from 'parquet-wasm'
import {
  checkpointBatches,
  writeCheckpoint as writeCheckpointFile,
} from '../dist/engine/checkpoint-write.js'
import { LogStore } from '../dist/log/log-store.js'
import { writeCheckpoint } from '../dist/maintenance/checkpoint.js'
import { allActions, checkpointContent } from '../dist/maintenance/checkpoint-content.js'
import { checkpointColumnOptions } from '../dist/maintenance/checkpoint-layout.js'
import { loadSnapshot } from '../dist/snapshot/load.js'
import { LocalStore } from '../dist/storage/local.js'
import { CHECKPOINT_TABLE, T0, checkpointTable } from './fixtures.mjs'
import {
  alternate,
  childCase,
  childDone,
  collect,
  compareRow,
  inChild,
  log,
  record,
  smoke,
  stats,
  trackRss,
} from './lib.mjs'
import { OverlayStore } from './stores.mjs'

// What bounds the figures, from the latest full run and its profile (see bench/README.md).
const NOTES = [
  "Our time is building the Arrow columns; the Parquet encoding and IPC hand-off cost what the baseline costs. In a profile of four builds after compiling the stats conversion and caching partitionValues_parsed per shared partition object (`checkpointBatches` 46.6 s inclusive): `statsJsonToParsed` 17.3 s (37%, nearly all `JSON.parse` of the 1M stats strings), the struct and leaf builders' own per-row work about 15 s (32%), finishing the columns (joining and encoding strings, `makeData`) 6.7 s (14%), the rest reading the files out of the snapshot (`Snapshot.files()` builds an `Add` per file, `checkpointAdd` copies it) and GC.",
  'What would close the gap: a stats scanner that appends numRecords/min/max/nullCount straight into the column builders without materialising objects (or reading `stats_parsed` columns from the source checkpoint, which holds them already), and a columnar file accessor on the snapshot (paths, sizes, times, stats as arrays) so the add columns are copied, not rebuilt row by row.',
]

const dir = await checkpointTable(CHECKPOINT_TABLE)
const now = T0 + (CHECKPOINT_TABLE.base + CHECKPOINT_TABLE.after) * 1000
const snapshot = await loadSnapshot(new LogStore(new OverlayStore(new LocalStore(dir))))

/** Ours: the checkpoint of the snapshot, as `table.checkpoint()` writes it. */
const ours = () => writeCheckpoint(snapshot, { now })

/** The column options of the table (stats JSON, stats_parsed, partitionValues_parsed). */
const columns = checkpointColumnOptions(snapshot)
/** The same without add.stats_parsed, as with `delta.checkpoint.writeStatsAsStruct=false`. */
const jsonStatsOnly = { ...columns, statsParsed: undefined }

/**
 * Ours without stats_parsed: the engine's checkpoint writer over the same actions (what
 * `writeCheckpoint` runs, less the put into the store).
 */
const oursJsonStats = async () =>
  (await writeCheckpointFile(allActions(checkpointContent(snapshot, now)), jsonStatsOnly))
    .sizeInBytes

/** The Arrow record batches of the same checkpoint, built by our schema and builder. */
async function arrowTable(options = columns) {
  const content = checkpointContent(snapshot, now)
  const batches = []
  for await (const batch of checkpointBatches(allActions(content), options)) batches.push(batch)
  return new arrow.Table(batches)
}

/**
 * The floor under deriving stats_parsed from the stats JSON: `JSON.parse` of every stats
 * string, nothing built. Returns the number of records, so the parse cannot be skipped.
 */
function parseStatsOnly(texts) {
  let records = 0
  for (const text of texts) records += JSON.parse(text).numRecords
  return records
}

/** The writer settings of our checkpoint writer (engine/checkpoint-write.ts). */
function writerProperties() {
  return new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.SNAPPY)
    .setStatisticsEnabled(pw.EnabledStatistics.Chunk)
    .setMaxRowGroupSize(131_072)
    .setDictionaryEnabled(false)
    .setColumnStatisticsEnabled('add.stats', pw.EnabledStatistics.None)
    .setCreatedBy('bench')
    .build()
}

/** The bound: Arrow JS to wasm (IPC) and one parquet-wasm write of the whole table. */
function raw(table) {
  const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'))
  return pw.writeParquet(wasmTable, writerProperties()).length
}

if (childCase !== undefined) {
  // The snapshot is loaded; its load peaked higher than a chunked write may, so the write's
  // own peak is sampled from here on, above the RSS the loaded snapshot holds after a GC.
  collect()
  const beforeMb = process.memoryUsage.rss() / 2 ** 20
  const tracker = trackRss()
  let size = 0
  if (childCase === 'ours') size = (await ours()).sizeInBytes
  else if (childCase === 'baseline') size = raw(await arrowTable())
  const sampledMb = tracker.stop()
  collect()
  childDone({ size, files: snapshot.numFiles, beforeMb, sampledMb })
}

log(`  snapshot v${snapshot.version}: ${snapshot.numFiles} files`)
let started = performance.now()
const table = await arrowTable()
const buildMs = performance.now() - started
log(`  Arrow columns built in ${buildMs.toFixed(0)} ms (${table.numRows} rows)`)
const { samples, last } = await alternate(
  { ours, raw: async () => raw(table) },
  smoke ? { warmup: 1, runs: 2 } : { warmup: 1, runs: 5 },
)
const jsonTable = await arrowTable(jsonStatsOnly)
const jsonOnly = await alternate(
  { ours: oursJsonStats, raw: async () => raw(jsonTable) },
  smoke ? { warmup: 1, runs: 2 } : { warmup: 1, runs: 5 },
)
const statsTexts = []
for (const add of snapshot.files()) if (add.stats !== undefined) statsTexts.push(add.stats)
const parses = await alternate(
  { parse: async () => parseStatsOnly(statsTexts), raw: async () => raw(table) },
  smoke ? { warmup: 1, runs: 2 } : { warmup: 1, runs: 5 },
)
const builds = []
for (let i = 0; i < (smoke ? 1 : 3); i++) {
  collect()
  started = performance.now()
  await arrowTable()
  builds.push(performance.now() - started)
}

const file = import.meta.filename
const loaded = await inChild(file, 'loaded')
const memOurs = await inChild(file, 'ours')
const memRaw = await inChild(file, 'baseline')
// The write's peak above the loaded snapshot: the sampled peak during the write (it yields
// between batches) or, when higher, the process peak above a process that only loaded.
const extra = (m) => Math.max(m.sampledMb - m.beforeMb, m.peakRssMb - loaded.peakRssMb)
const sizeMb = last.ours.sizeInBytes / 2 ** 20
const boundMb = 2 * sizeMb + 256

const rows = [
  compareRow(`classic checkpoint of ${last.ours.numActions} actions`, samples.ours, samples.raw, {
    kind: 'time',
    target: '≤ 1.5x baseline',
    met: (ratio) => ratio <= 1.5,
    note: `${sizeMb.toFixed(0)} MB file (raw write: ${(last.raw / 2 ** 20).toFixed(0)} MB); baseline excludes building the Arrow columns`,
  }),
  compareRow(
    `without stats_parsed (delta.checkpoint.writeStatsAsStruct=false)`,
    jsonOnly.samples.ours,
    jsonOnly.samples.raw,
    {
      kind: 'time',
      note: 'engine writer over the same actions (no store put); baseline: parquet-wasm write of the same columns',
    },
  ),
  compareRow(
    `of which the floor of stats_parsed: JSON.parse of the ${statsTexts.length} stats strings alone`,
    parses.samples.parse,
    parses.samples.raw,
    {
      kind: 'time',
      note: 'nothing built; ratio to the raw write of the full checkpoint (the baseline of the first row)',
    },
  ),
  {
    case: 'peak memory of the write, above a process that loaded the snapshot',
    ours: { median: extra(memOurs) },
    baseline: { median: extra(memRaw) },
    unit: 'MB',
    ratio: extra(memOurs) / extra(memRaw),
    ratioKind: 'time',
    target: `memory bounded (chunked): ≤ 2 × file + 256 MB = ${boundMb.toFixed(0)} MB`,
    met: extra(memOurs) <= boundMb,
    peakMb: `${Math.round(memOurs.peakRssMb)} / ${Math.round(memRaw.peakRssMb)} (loaded ${Math.round(loaded.peakRssMb)})`,
    note: 'RSS sampled during the write above the RSS after loading (or maxRSS above a loading-only process, if higher); baseline: build all Arrow columns, then one write',
  },
  {
    case: 'of which: building the Arrow batches (checkpointBatches over the snapshot)',
    ours: stats(builds),
    note: 'our schema and column builder, no Parquet encoding',
  },
]

record('checkpoint.write', {
  description: `\`writeCheckpoint\` (classic, Snappy, stats JSON + stats_parsed + partitionValues_parsed as the table's defaults ask) of a loaded snapshot of the ${CHECKPOINT_TABLE.files}-file table at v${snapshot.version}, into an in-memory overlay, against parquet-wasm writing the same Arrow columns with the same settings (IPC hand-off included, Arrow build excluded). ${samples.ours.length} alternating runs after a warm-up; memory from child processes.`,
  rows,
  notes: NOTES,
})
