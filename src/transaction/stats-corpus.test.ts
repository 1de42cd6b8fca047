/**
 * Our statistics against Spark's: the data files of Spark-written tables are read back and
 * written again by our writer, and the `stats` JSON we produce must equal the one Spark wrote for
 * the same rows (key order, number and date formats, truncation, nested structs, nullCount of
 * arrays, maps, booleans and binary, physical names under column mapping).
 */
import * as arrow from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { corpusMissing, inCorpus } from '../engine/engine.test-util.js'
import { readParquet } from '../engine/parquet.js'
import { LogStore } from '../log/log-store.js'
import { physicalSchema } from '../protocol/column-mapping.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import type { StructType } from '../protocol/schema.js'
import { loadSnapshot } from '../snapshot/load.js'
import { LocalStore } from '../storage/local.js'
import { MemoryStore } from '../storage/memory.js'
import { seededIds } from '../util/clock.js'
import { writeDataFiles } from './data-writer.js'

const skip = corpusMissing()

/** Spark's INT96 timestamps read as zone-less Arrow timestamps: say they are instants. */
function asInstants(table: arrow.Table, schema: StructType): arrow.Table {
  const instant = (f: arrow.Field): boolean =>
    f.type instanceof arrow.Timestamp &&
    !f.type.timezone &&
    schema.fields.find((s) => s.name === f.name)?.type.type === 'timestamp'
  const fields = table.schema.fields.map((f) =>
    instant(f)
      ? new arrow.Field(f.name, new arrow.Timestamp((f.type as arrow.Timestamp).unit, 'UTC'), true)
      : f,
  )
  const batches = table.batches.map((b) => {
    const children = b.data.children.map((c, i) => c.clone(fields[i]!.type as arrow.DataType))
    return new arrow.RecordBatch(
      new arrow.Schema(fields),
      arrow.makeData({ type: new arrow.Struct(fields), length: b.numRows, nullCount: 0, children }),
    )
  })
  return new arrow.Table(batches)
}

/** Rewrites a corpus table's files with our writer; returns [Spark's stats, ours] per file. */
async function restats(table: string, version?: number): Promise<[string, string][]> {
  const local = new LocalStore(inCorpus(table))
  const snapshot = await loadSnapshot(new LogStore(local), version === undefined ? {} : { version })
  const mode = snapshot.columnMappingMode
  // Column mapping off, over the physical schema: the file's own names are then the columns,
  // and stats keys come out as the physical names Spark used.
  const schema = physicalSchema(snapshot.schema, mode)
  const out: [string, string][] = []
  for (const add of snapshot.files()) {
    const target = decodeLogPath(add.path)
    if (target.kind !== 'relative') throw new Error(`unexpected path ${add.path}`)
    const bytes = (await local.get(target.key)).bytes
    const data = asInstants(await readParquet(bytes), schema)
    const written = await writeDataFiles(
      new MemoryStore(),
      {
        schema,
        metadata: snapshot.metadata,
        protocol: snapshot.protocol,
        partitionColumns: [],
        columnMappingMode: 'none',
      },
      data,
      { ids: seededIds(1) },
    )
    out.push([add.stats!, written.adds[0]!.stats!])
  }
  return out
}

/** Timestamps in stats as instants (Spark wrote some tables in a -08:00 session zone). */
function instantsInStats(stats: string): unknown {
  return JSON.parse(stats, (_key, value: unknown) =>
    typeof value === 'string' &&
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/.test(value)
      ? new Date(value).toISOString()
      : value,
  )
}

describe.skipIf(skip)('stats match what Spark wrote for the same rows', () => {
  it('stats-writing-all-types (column mapping name, nested struct, nulls, UTC session): byte for byte', async () => {
    const pairs = await restats('delta-kernel-rs/stats-writing-all-types/delta')
    expect(pairs.length).toBe(1)
    for (const [spark, ours] of pairs) expect(ours).toBe(spark)
  })

  it.each([
    'delta-golden/data-skipping-basic-stats-all-types',
    'delta-golden/data-skipping-basic-stats-all-types-columnmapping-name',
    'delta-golden/data-skipping-basic-stats-all-types-columnmapping-id',
  ])('%s: same JSON, timestamps compared as instants', async (table) => {
    const pairs = await restats(table)
    expect(pairs.length).toBeGreaterThan(0)
    for (const [spark, ours] of pairs) {
      expect(Object.keys(JSON.parse(ours) as object)).toEqual(
        Object.keys(JSON.parse(spark) as object),
      )
      expect(instantsInStats(ours)).toEqual(instantsInStats(spark))
    }
  })

  it('a deletion-vector table gets tightBounds: true, as Spark writes fresh files', async () => {
    // Version 0: the files as first written (later versions widen bounds after deletes).
    const pairs = await restats('delta-kernel-java/basic-dv-no-checkpoint', 0)
    expect(pairs.length).toBeGreaterThan(0)
    for (const [spark, ours] of pairs) expect(ours).toBe(spark)
  })
})
