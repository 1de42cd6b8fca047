// The device-events workload of the writer/follower test, shared by the child processes
// (which run it against the built package) and the in-process memory run (against the
// sources), so both run the very same code. Types: event-stream.d.mts.
import * as arrow from 'apache-arrow'

export const WINDOW_MS = 60_000
export const STATUSES = ['ok', 'warn', 'error']
/** The device of the writer's final batch: it ends the follower's run and is not counted. */
export const MARKER_DEVICE = '__end__'
const DEVICES = ['d1', 'd2', 'd3', 'd4', 'd5']
/** Event times start here (a minute boundary) and spread over ten minutes. */
const EPOCH = 1_700_000_040_000

export const eventSchema = new arrow.Schema([
  new arrow.Field('device', new arrow.Utf8(), true),
  new arrow.Field('status', new arrow.Utf8(), true),
  new arrow.Field('ts', new arrow.TimestampMillisecond('UTC'), true),
])

/** The events of micro-batch `batchId`: deterministic in (seed, batchId), 1 to 8 of them. */
export function eventsOf(seed, batchId) {
  let state = (seed * 7919 + batchId * 104_729 + 1) >>> 0 || 1
  const next = () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
  const count = 1 + (next() % 8)
  const events = { device: [], status: [], ts: [] }
  for (let i = 0; i < count; i++) {
    events.device.push(DEVICES[next() % DEVICES.length])
    events.status.push(STATUSES[next() % STATUSES.length])
    // Event time is not arrival order: later batches may carry earlier events.
    events.ts.push(EPOCH + (next() % (10 * WINDOW_MS)))
  }
  return events
}

function eventTable(events) {
  return new arrow.Table({
    device: arrow.vectorFromArray(events.device, new arrow.Utf8()),
    status: arrow.vectorFromArray(events.status, new arrow.Utf8()),
    ts: arrow.vectorFromArray(events.ts, new arrow.TimestampMillisecond('UTC')),
  })
}

/** Adds events to per-window counts, keyed `<window start ms>|<status>`; skips the marker. */
export function countEvents(counts, events) {
  for (let i = 0; i < events.device.length; i++) {
    if (events.device[i] === MARKER_DEVICE) continue
    const window = Math.floor(events.ts[i] / WINDOW_MS) * WINDOW_MS
    const key = `${window}|${events.status[i]}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/** Counts (and events) of Arrow record batches with the device, status and ts columns. */
export function countBatches(counts, batches) {
  let markers = 0
  let events = 0
  for (const batch of batches) {
    const columns = ['device', 'status', 'ts'].map((name) => batch.getChild(name))
    const rows = { device: [], status: [], ts: [] }
    for (let i = 0; i < batch.numRows; i++) {
      rows.device.push(columns[0].get(i))
      rows.status.push(columns[1].get(i))
      rows.ts.push(Number(columns[2].get(i)))
      if (rows.device[i] === MARKER_DEVICE) markers++
      else events++
    }
    countEvents(counts, rows)
  }
  return { markers, events }
}

/**
 * Writes micro-batches `from` to `to - 1` through the table's sink (app `appId`), then, with
 * `marker`, the marker as batch `to`. Returns the batch ids committed and skipped.
 */
export async function writeEvents(table, { appId, seed, from, to, marker }) {
  const sink = table.sink(appId)
  const committed = []
  const skipped = []
  const ids = Array.from({ length: to - from }, (_, i) => from + i)
  for (const batchId of ids) {
    const result = await sink.write(batchId, eventTable(eventsOf(seed, batchId)))
    ;(result.status === 'committed' ? committed : skipped).push(batchId)
  }
  if (marker) {
    const end = { device: [MARKER_DEVICE], status: ['ok'], ts: [EPOCH] }
    const result = await sink.write(to, eventTable(end))
    ;(result.status === 'committed' ? committed : skipped).push(to)
  }
  return { committed, skipped }
}

/**
 * Follows the table's stream, counting events per window and status, until it has seen the
 * marker; then drains what is left without waiting (the marker is the last write, but the
 * initial snapshot is ordered by file time, not version). `onReady` runs once the stream is
 * open. Rejects with the signal's error when aborted (the caller's timeout).
 */
export async function followEvents(table, { pollIntervalMs, maxFilesPerTrigger, signal, onReady }) {
  const source = await table.stream({ maxFilesPerTrigger })
  onReady?.()
  const counts = {}
  const seen = { markers: 0, events: 0, batches: 0 }
  const consume = async (batch) => {
    const records = []
    for await (const record of source.read(batch, { columns: ['device', 'status', 'ts'], signal }))
      records.push(record)
    const { markers, events } = countBatches(counts, records)
    seen.markers += markers
    seen.events += events
    seen.batches++
  }
  for await (const batch of source.batches({ follow: true, pollIntervalMs, signal })) {
    await consume(batch)
    if (seen.markers > 0) break
  }
  for await (const batch of source.batches({ signal })) await consume(batch)
  return { counts: sortKeys(counts), ...seen, end: source.currentOffset }
}

export function sortKeys(counts) {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)))
}
