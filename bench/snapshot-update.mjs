// snapshot.update: advancing a loaded snapshot of the 1M-file table by 1, 10 and 100 commits
// (`snapshot.update()`), counting what it reads, next to the bound: reading and parsing those
// commit files alone (raw fs). The table's later commits are hidden by CappedStore until the
// snapshot has loaded, then revealed N at a time.
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { LogStore } from '../dist/log/log-store.js'
import { loadSnapshot } from '../dist/snapshot/load.js'
import { CountingStore } from '../dist/storage/counting.js'
import { LocalStore } from '../dist/storage/local.js'
import { CHECKPOINT_TABLE, checkpointTable } from './fixtures.mjs'
import { alternate, compareRow, log, record, smoke, stats } from './lib.mjs'
import { CappedStore } from './stores.mjs'

// What bounds the figures, from the latest full run and its profile (see bench/README.md).
const NOTES = [
  "Since the copy-on-write overlays (896320f) an update shares the previous snapshot's files: cost follows the new commits (1 commit ≈ 10-30 ms, 100 commits ≈ 120 ms on a 1M-file snapshot, against 1773 / 3510 ms before), not the table. Profile of 5 × 1 + 3 × 100 commit updates (680 ms sampled): commit parsing 30%, probing the 1M-file base for each added key (`FileSet.has`, to hide replaced files) 15%, the listing and reads of the new commit files 15%, no O(table) work.",
  "Since a load from a checkpoint leaves the checkpoint layer's key index unbuilt (0e1094e), the first update after a load builds it: about 1 s for 1M files, once per loaded snapshot (row 'first update'); the rows below are updates after it. A snapshot that is only scanned never pays it.",
  'The ratio to the bare read + parse stays above 1 because an update also lists `_delta_log/` (one listing, the price of finding the new commits), validates the actions and maintains the file index. Tombstones are now copied only when a new commit changes them (was: a copy of every tombstone per update).',
]

const dir = await checkpointTable(CHECKPOINT_TABLE)
const base = CHECKPOINT_TABLE.base
const capped = new CappedStore(new LocalStore(dir), base)
const counting = new CountingStore(capped)
const started = performance.now()
const snapshot = await loadSnapshot(new LogStore(counting))
log(
  `  base snapshot v${snapshot.version}: ${snapshot.numFiles} files in ${(performance.now() - started).toFixed(0)} ms`,
)

const commitFile = (v) => path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`)

/** The bound: read and parse the N new commit files, nothing else. */
function raw(n) {
  let actions = 0
  for (let v = base + 1; v <= base + n; v++) {
    for (const line of readFileSync(commitFile(v), 'utf8').split('\n')) {
      if (line.length > 0) {
        JSON.parse(line)
        actions++
      }
    }
  }
  return actions
}

// The first update after a load from a checkpoint looks keys up in the checkpoint's files,
// which builds their key index (a load leaves it unbuilt); every later update reuses it.
capped.cap = base + 1
const firstStarted = performance.now()
await snapshot.update()
const firstMs = performance.now() - firstStarted
const rows = [
  {
    case: 'first update after the load, by 1 commit (builds the key index once)',
    ours: stats([firstMs]),
    note: 'one sample; a snapshot that is only scanned never builds the index',
  },
]
for (const n of [1, 10, 100].filter((k) => k <= CHECKPOINT_TABLE.after)) {
  capped.cap = base + n
  let counts
  let updated
  const { samples } = await alternate(
    {
      ours: async () => {
        counting.reset()
        updated = await snapshot.update()
        counts = counting.reset()
      },
      raw: async () => raw(n),
    },
    smoke ? { warmup: 1, runs: 3 } : { warmup: 2, runs: 10 },
  )
  if (updated.version !== base + n) throw new Error(`update reached v${updated.version}`)
  const commitsRead = counts.gets.filter((k) => k.endsWith('.json'))
  const reread = commitsRead.filter((k) => Number(/(\d{20})\.json$/.exec(k)[1]) <= base)
  const others = counts.gets.filter((k) => !k.endsWith('.json')).map((k) => path.basename(k))
  rows.push(
    compareRow(`advance by ${n} commit${n > 1 ? 's' : ''}`, samples.ours, samples.raw, {
      kind: 'time',
      target: 'no re-reads of known commits',
      met: reread.length === 0 && commitsRead.length === n,
      note: `${counts.list} list, ${commitsRead.length} commit reads${others.length > 0 ? ` + ${others.join(', ')}` : ''}, ${reread.length} re-reads; ${updated.numFiles} files after`,
    }),
  )
}

record('snapshot.update', {
  description: `\`snapshot.update()\` of a loaded snapshot of the ${CHECKPOINT_TABLE.files}-file table (v${base}, checkpoint only) to v${base}+N, each commit of ${CHECKPOINT_TABLE.adds} adds and ${CHECKPOINT_TABLE.removes} removes, against reading and JSON-parsing those N commit files (raw fs). Requests counted with CountingStore.`,
  rows,
  notes: NOTES,
})
