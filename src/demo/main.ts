/**
 * The end-to-end demo (`npm run demo [-- <table url>]`): an IoT pipeline on one Delta table.
 *
 * - A producer appends device status events `{device, status, ts}` in micro-batches through
 *   the exactly-once sink; one batch is replayed, as after a crash, and is skipped.
 * - A consumer follows the table with the streaming source and prints, per one-minute
 *   tumbling window of event time, the count of events per status.
 * - Mid-way, the readings of a faulty sensor are deleted (deletion vectors); the change
 *   data feed shows exactly those rows as `delete`.
 * - Then a checkpoint, a time-travel read from before the delete, and a vacuum dry run.
 *
 * Local disk by default (a fresh temporary directory); any table URL works (s3://, az://).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import * as arrow from 'apache-arrow'
import type { MicroBatch } from '../changes/source.js'
import { DeltaTable } from '../table/delta-table.js'
import { seededIds } from '../util/clock.js'

const DEVICES = ['sensor-1', 'sensor-2', 'sensor-3', 'sensor-4', 'sensor-5']
const STATUSES = ['ok', 'ok', 'ok', 'warn', 'error'] as const
const BATCHES = 12
const EVENTS_PER_BATCH = 40
/** Event time of the first event; each batch covers 30 s, so the run spans 6 minutes. */
const START = Date.UTC(2024, 5, 1, 8, 0, 0)
const MINUTE = 60_000

interface Window {
  readonly start: number
  readonly counts: Map<string, number>
}

async function main(): Promise<void> {
  const location =
    process.argv[2] ??
    path.join(mkdtempSync(path.join(tmpdir(), 'deltalake-ts-demo-')), 'device_status')
  const started = performance.now()
  say(`deltalake-ts demo: an IoT status pipeline on ${location}\n`)

  const table = await DeltaTable.create(location, {
    schema: eventBatch(0).schema,
    partitionBy: ['status'],
    properties: {
      'delta.enableChangeDataFeed': 'true',
      'delta.enableDeletionVectors': 'true',
      'delta.checkpointInterval': '5',
    },
    description: 'device status events',
  })
  const created = await table.snapshot()
  say(
    `created table v${created.version}: protocol (${created.protocol.minReaderVersion}, ${created.protocol.minWriterVersion}) ${[...(created.protocol.writerFeatures ?? [])].join(', ')}`,
  )

  // The consumer: a streaming source following the table from the start. Deletes and
  // updates are not appends: `skipChangeCommits` lets the stream pass over them (the
  // change data feed below is how to see them).
  const source = await table.stream({
    startingVersion: 0,
    maxFilesPerTrigger: 4,
    skipChangeCommits: true,
  })
  const windows = new Map<number, Window>()
  let watermark = -Infinity
  let consumed = 0
  const consume = async (batch: MicroBatch): Promise<void> => {
    for await (const records of source.read(batch, { columns: ['status', 'ts'] })) {
      const status = records.getChild('status')!
      const ts = records.getChild('ts')!
      for (let i = 0; i < records.numRows; i++) {
        // apache-arrow hands out timestamps as epoch milliseconds, whatever the unit.
        const time = Number(ts.get(i))
        const start = Math.floor(time / MINUTE) * MINUTE
        const window = windows.get(start) ?? { start, counts: new Map<string, number>() }
        windows.set(start, window)
        const key = String(status.get(i))
        window.counts.set(key, (window.counts.get(key) ?? 0) + 1)
        watermark = Math.max(watermark, time)
        consumed++
      }
    }
    // A window closes once the watermark (latest event time seen, less 30 s of allowed
    // lateness) has passed its end.
    for (const window of [...windows.values()].sort((a, b) => a.start - b.start)) {
      if (window.start + MINUTE <= watermark - 30_000) {
        printWindow(window)
        windows.delete(window.start)
      }
    }
  }

  // The producer: micro-batches through the exactly-once sink.
  const sink = table.sink('iot-producer')
  let deleteVersion: number | undefined
  say('\nstreaming (producer -> table -> consumer), one-minute windows of event time:')
  for (let batchId = 0; batchId < BATCHES; batchId++) {
    const result = await sink.write(batchId, eventBatch(batchId))
    if (batchId === 3) {
      // A restart replays the last batch: the sink recognises it and writes nothing.
      const replay = await sink.write(batchId, eventBatch(batchId))
      say(`  [producer] batch ${batchId} replayed after a simulated restart: ${replay.status}`)
    }
    if (batchId === 6) {
      const before = await table.snapshot()
      const deleted = await table.delete("device = 'sensor-3' AND status = 'error'")
      deleteVersion = deleted.status === 'committed' ? deleted.commit.version : undefined
      say(
        `  [operator] sensor-3 was faulty: deleted its error readings in v${deleteVersion ?? '?'} ` +
          `(${deleted.metrics.numDeletedRows ?? '?'} rows, ${deleted.strategy}); the table was at v${before.version}. ` +
          'The stream passes over the delete (skipChangeCommits); the change feed records it.',
      )
    }
    if (result.status === 'skipped') say(`  [producer] batch ${batchId} skipped: already committed`)
    for (
      let batch = await source.nextBatch();
      batch !== undefined;
      batch = await source.nextBatch()
    ) {
      await consume(batch)
    }
  }
  for (const window of [...windows.values()].sort((a, b) => a.start - b.start)) printWindow(window)
  say(`  consumer read ${consumed} events in total`)

  // The change data feed around the delete shows exactly the deleted rows.
  if (deleteVersion !== undefined) {
    const changes = await table.changesToArrow({
      startingVersion: deleteVersion,
      endingVersion: deleteVersion,
    })
    const byType = new Map<string, number>()
    const [types, devices, statuses] = ['_change_type', 'device', 'status'].map((c) =>
      changes.getChild(c)!,
    )
    for (let i = 0; i < changes.numRows; i++) {
      const key = `${String(types!.get(i))} ${String(devices!.get(i))} ${String(statuses!.get(i))}`
      byType.set(key, (byType.get(key) ?? 0) + 1)
    }
    say(`\nchange data feed of v${deleteVersion}:`)
    for (const [key, count] of byType) say(`  ${key}: ${count} rows`)
  }

  // Maintenance and time travel.
  const checkpoint = await table.checkpoint()
  say(
    `\ncheckpoint written at v${checkpoint.version} (${checkpoint.numActions} actions, ${checkpoint.kind})`,
  )
  const latest = await table.snapshot()
  const beforeDelete =
    deleteVersion === undefined
      ? undefined
      : await table.toArrow({ version: deleteVersion - 1, columns: ['device'] })
  const now = await table.toArrow({ columns: ['device'] })
  say(
    `time travel: ${beforeDelete?.numRows ?? '?'} rows at v${(deleteVersion ?? 1) - 1} (before the delete), ${now.numRows} rows at v${latest.version}`,
  )
  const vacuum = await table.vacuum({ retentionHours: 0, force: true })
  say(
    `vacuum dry run (zero retention, forced for the demo): would delete ${vacuum.numFilesToDelete} files, ${vacuum.bytes} bytes; nothing was deleted`,
  )
  const verify = await table.verify()
  say(
    `verify: ${verify.ok ? 'ok' : `${verify.problems.length} problems`} (${verify.checked.files} files checked)`,
  )
  say(
    `\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s; the table is at ${table.url}`,
  )
}

/** A micro-batch of events: 30 s of event time from `START + batchId * 30 s`. */
function eventBatch(batchId: number): arrow.Table {
  const device: string[] = []
  const status: string[] = []
  const ts = new BigInt64Array(EVENTS_PER_BATCH)
  const ids = seededIds(1000 + batchId) // deterministic: a replayed batch is identical
  const random = (): number => ids.random()
  for (let i = 0; i < EVENTS_PER_BATCH; i++) {
    device.push(DEVICES[Math.floor(random() * DEVICES.length)]!)
    status.push(STATUSES[Math.floor(random() * STATUSES.length)]!)
    ts[i] = BigInt(START + batchId * 30_000 + Math.floor((i * 30_000) / EVENTS_PER_BATCH)) * 1000n
  }
  return new arrow.Table({
    device: arrow.vectorFromArray(device, new arrow.Utf8()),
    status: arrow.vectorFromArray(status, new arrow.Utf8()),
    ts: arrow.makeVector({ type: new arrow.TimestampMicrosecond('UTC'), data: ts }),
  })
}

function printWindow(window: Window): void {
  const label = new Date(window.start).toISOString().slice(11, 16)
  const counts = [...window.counts.entries()]
    .sort()
    .map(([s, c]) => `${s}=${c}`)
    .join(' ')
  say(
    `  [consumer] window ${label}-${new Date(window.start + MINUTE).toISOString().slice(11, 16)}: ${counts}`,
  )
}

function say(line: string): void {
  process.stdout.write(`${line}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
