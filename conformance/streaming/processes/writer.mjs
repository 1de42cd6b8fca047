// Writer process: appends micro-batches `from`..`to - 1` of device events through the sink
// (then, with "marker", the final marker batch), and prints the batch ids it committed and
// skipped as JSON.
//   node writer.mjs <appId> <seed> <from> <to> <marker: 0|1>
import { DeltaTable } from '../../../dist/index.js'
import { writeEvents } from './event-stream.mjs'
import { storeFromEnv } from './store.mjs'

const [appId, seed, from, to, marker] = process.argv.slice(2)
const { store, close } = storeFromEnv()
try {
  const table = await DeltaTable.open(store.url, { store })
  const result = await writeEvents(table, {
    appId,
    seed: Number(seed),
    from: Number(from),
    to: Number(to),
    marker: marker === '1',
  })
  console.log(JSON.stringify(result))
} finally {
  close()
}
