// Follower process: streams the table (following it as it grows) and counts events per
// one-minute window and status until it has seen the writer's marker. Prints {"ready":true}
// once its stream is open, then its result as JSON. Fails after <timeoutMs> (a safety net).
//   node follower.mjs <pollIntervalMs> <maxFilesPerTrigger> <timeoutMs>
import { DeltaTable } from '../../../dist/index.js'
import { followEvents } from './event-stream.mjs'
import { storeFromEnv } from './store.mjs'

const [pollIntervalMs, maxFilesPerTrigger, timeoutMs] = process.argv.slice(2).map(Number)
const { store, close } = storeFromEnv()
try {
  const table = await DeltaTable.open(store.url, { store })
  const result = await followEvents(table, {
    pollIntervalMs,
    maxFilesPerTrigger,
    signal: AbortSignal.timeout(timeoutMs),
    onReady: () => console.log(JSON.stringify({ ready: true })),
  })
  console.log(JSON.stringify(result))
} finally {
  close()
}
