// snapshot.metadata: protocol + metadata of the 1M-file table (`loadTableMetadata`), with the
// version's .crc present and hidden, counting the requests and bytes it costs (CountingStore),
// next to the bound: one listing of _delta_log/ plus one small read (the .crc), raw fs calls.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { LogStore } from '../dist/log/log-store.js'
import { loadTableMetadata } from '../dist/snapshot/metadata.js'
import { CountingStore } from '../dist/storage/counting.js'
import { LocalStore } from '../dist/storage/local.js'
import { CHECKPOINT_TABLE, checkpointTable } from './fixtures.mjs'
import { alternate, compareRow, record, smoke, stats } from './lib.mjs'
import { HiddenStore } from './stores.mjs'

// What bounds the figures, from the latest full run (see bench/README.md).
const NOTES = []

const dir = await checkpointTable(CHECKPOINT_TABLE)
const logDir = path.join(dir, '_delta_log')
const names = readdirSync(logDir)
const crcName = names.find((n) => n.endsWith('.crc'))
const checkpointBytes = statSync(
  path.join(
    logDir,
    names.find((n) => n.endsWith('.checkpoint.parquet')),
  ),
).size

const withCrc = new CountingStore(new LocalStore(dir))
const withoutCrc = new CountingStore(new HiddenStore(new LocalStore(dir), /\.crc$/))

/** Runs `loadTableMetadata` and returns its result with the requests it made. */
async function metadataOf(store) {
  store.reset()
  const result = await loadTableMetadata(new LogStore(store))
  return { result, counts: store.reset() }
}

/** The bound: list _delta_log/ once and read the small .crc file. */
function raw() {
  const listed = readdirSync(logDir)
  const text = readFileSync(path.join(logDir, crcName), 'utf8')
  return listed.length + text.length
}

const runs = smoke ? { warmup: 2, runs: 10 } : { warmup: 5, runs: 50 }
const { samples, last } = await alternate(
  { withCrc: () => metadataOf(withCrc), raw: async () => raw() },
  runs,
)
const slow = await alternate(
  { withoutCrc: () => metadataOf(withoutCrc) },
  smoke ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 },
)

const describe = ({ result, counts }) =>
  `source ${result.source}; ${counts.list} list, ${counts.get} get (${counts.gets
    .map((k) => path.basename(k))
    .slice(0, 4)
    .join(
      ', ',
    )}${counts.gets.length > 4 ? ', …' : ''}), ${(counts.bytesRead / 1024).toFixed(1)} KB read`

const a = last.withCrc
const b = slow.last.withoutCrc
const rows = [
  compareRow('protocol + metadata with .crc', samples.withCrc, samples.raw, {
    kind: 'time',
    target: 'O(1) requests with .crc; never a full replay',
    met: a.result.source === 'crc' && a.counts.list <= 1 && a.counts.get <= 2,
    note: describe(a),
  }),
  {
    case: 'protocol + metadata without .crc (hidden)',
    ours: stats(slow.samples.withoutCrc),
    target: 'never a full replay',
    met: b.result.source !== undefined && b.counts.get < CHECKPOINT_TABLE.after + 3,
    note: `${describe(b)}; the checkpoint file is ${(checkpointBytes / 2 ** 20).toFixed(0)} MB`,
  },
]

record('snapshot.metadata', {
  description: `\`loadTableMetadata\` of the ${CHECKPOINT_TABLE.files}-file table of replay.checkpoint (checkpoint + ${CHECKPOINT_TABLE.after} commits, .crc at the head) on LocalStore through CountingStore, against one readdir of _delta_log/ plus reading the .crc (raw fs). ${samples.withCrc.length} alternating runs after a warm-up.`,
  rows,
  notes: NOTES,
})
