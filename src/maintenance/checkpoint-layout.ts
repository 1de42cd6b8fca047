/**
 * Which optional columns a checkpoint of this table carries, decided the way Spark decides
 * (`Checkpoints.buildCheckpoint`, `StatisticsCollection.statsSchema`):
 *
 * - `add.stats` (JSON) when `delta.checkpoint.writeStatsAsJson` is true (default true);
 * - `add.stats_parsed` and, for partitioned tables, `add.partitionValues_parsed` when
 *   `delta.checkpoint.writeStatsAsStruct` is true. Spark's DeltaConfig defaults it to true (the
 *   spec text says false); the table property layer follows Spark, and so do we;
 * - `stats_parsed` covers the columns Spark collects stats for: the data columns (partition
 *   columns never carry stats), either those named by `delta.dataSkippingStatsColumns` or the
 *   first `delta.dataSkippingNumIndexedCols` leaves (default 32, -1 = all), counted depth first
 *   as Spark's `truncateSchema` counts them; `tightBounds` when deletion vectors are supported;
 * - every name is the physical one under column mapping (PROTOCOL.md "Checkpoint Schema").
 */
import type { CheckpointSchemaOptions } from '../engine/checkpoint-schema.js'
import { partitionColumnsOf, statsColumnsOf } from '../engine/checkpoint-columns.js'
import type { StructField, StructType } from '../protocol/schema.js'
import { TABLE_PROPERTIES, parseColumnPath } from '../protocol/table-properties.js'
import type { Snapshot } from '../snapshot/snapshot.js'

/** The column options for a classic (or multi-part, or V2 sidecar) checkpoint of `snapshot`. */
export function checkpointColumnOptions(snapshot: Snapshot): CheckpointSchemaOptions {
  const statsAsJson = snapshot.property(TABLE_PROPERTIES.checkpointWriteStatsAsJson)
  if (!snapshot.property(TABLE_PROPERTIES.checkpointWriteStatsAsStruct)) return { statsAsJson }
  const mode = snapshot.columnMappingMode
  const schema = snapshot.schema
  const partitionColumns = snapshot.partitionColumns
  const partitions =
    partitionColumns.length === 0 ? [] : partitionColumnsOf(schema, partitionColumns, mode)
  const columns = statsColumnsOf(statsCollectionSchema(snapshot), mode)
  return {
    statsAsJson,
    statsParsed: { columns, tightBounds: snapshot.isFeatureSupported('deletionVectors') },
    ...(partitions.length === 0 ? {} : { partitionValuesParsed: partitions }),
  }
}

/**
 * The logical schema Spark collects statistics for (`statCollectionLogicalSchema`): the data
 * schema narrowed by `dataSkippingStatsColumns` or truncated to `dataSkippingNumIndexedCols`
 * leaves.
 */
export function statsCollectionSchema(snapshot: Snapshot): StructType {
  const partitions = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()))
  const data: StructType = {
    type: 'struct',
    fields: snapshot.schema.fields.filter((f) => !partitions.has(f.name.toLowerCase())),
  }
  const named = snapshot.property(TABLE_PROPERTIES.dataSkippingStatsColumns)
  if (named !== undefined) {
    // Spark lower-cases the configured paths and the schema names before matching.
    const paths = named.map((entry) => parseColumnPath(entry).map((s) => s.toLowerCase()))
    return filterSchema(data, paths, [])
  }
  const indexed = snapshot.property(TABLE_PROPERTIES.dataSkippingNumIndexedCols)
  return indexed < 0 ? data : truncateSchema(data, indexed).schema
}

/** Keeps the first `limit` leaves, depth first; a struct counts as its leaves. */
function truncateSchema(schema: StructType, limit: number): { schema: StructType; leaves: number } {
  const fields: StructField[] = []
  let count = 0
  for (const field of schema.fields) {
    if (count >= limit) break
    if (field.type.type === 'struct') {
      const nested = truncateSchema(field.type, limit - count)
      count += nested.leaves
      // Spark keeps the (possibly empty) struct; the stats struct builders drop empty ones.
      fields.push({ ...field, type: nested.schema })
    } else {
      count++
      fields.push(field)
    }
  }
  return { schema: { type: 'struct', fields }, leaves: count }
}

/** Keeps the fields named by `paths` (whole subtrees), and the structs leading to them. */
function filterSchema(
  schema: StructType,
  paths: readonly (readonly string[])[],
  parent: readonly string[],
): StructType {
  const fields: StructField[] = []
  for (const field of schema.fields) {
    const path = [...parent, field.name.toLowerCase()]
    const exact = paths.some((p) => p.length === path.length && p.every((s, i) => s === path[i]))
    if (exact) {
      fields.push(field)
      continue
    }
    if (field.type.type !== 'struct') continue
    const below = paths.some((p) => p.length > path.length && path.every((s, i) => s === p[i]))
    if (!below) continue
    const nested = filterSchema(field.type, paths, path)
    if (nested.fields.length > 0) fields.push({ ...field, type: nested })
  }
  return { type: 'struct', fields }
}
