/**
 * Splitting conformed rows by their partition values, and what each partition becomes in the
 * log and on the store.
 *
 * - `add.partitionValues` holds the serialized values (`serializePartitionValue`: timestamps in
 *   the UTC `...Z` form, timestamp_ntz as Spark writes it), keyed by physical name under column
 *   mapping. NULL is `null`. An empty string is NULL too: Spark writes it so, and the protocol
 *   reads an empty partition value as NULL anyway, so '' and NULL share one partition.
 * - The directory is Hive's `col=value/...` (Spark's escaping, `__HIVE_DEFAULT_PARTITION__` for
 *   NULL), named by physical names under column mapping as Spark does. It is a convention only:
 *   readers take values from the log.
 *
 * Values are read straight from the buffers; each distinct value is serialized once per batch.
 */
import type * as arrow from 'apache-arrow'
import { partitionDirectory } from '../protocol/partition-path.js'
import { type PartitionValue, serializePartitionValue } from '../protocol/partition-values.js'
import type { AtomicType } from '../protocol/schema.js'
import { readInt128 } from '../scan/int-words.js'
import { utf8Decode } from '../util/utf8.js'
import { bitSet, validityOf } from './arrow-bits.js'
import type { PartitionColumn } from './write-layout.js'

export interface PartitionGroup {
  /** Identifies the partition across batches. */
  readonly key: string
  /** Typed values by logical column name (NULL is null), for predicates. */
  readonly values: Readonly<Record<string, PartitionValue>>
  /** `add.partitionValues`: physical name to serialized value. */
  readonly partitionValues: Readonly<Record<string, string | null>>
  /** The relative directory of its files; '' for an unpartitioned table. */
  readonly directory: string
}

export interface PartitionSplit {
  readonly group: PartitionGroup
  /** The rows of the batch in this partition, ascending; undefined when it holds every row. */
  readonly rows: Int32Array | undefined
}

/** The typed value of row `i` of an atomic column (NULL is null). */
export function valueAt(data: arrow.Data, type: AtomicType, i: number): PartitionValue {
  const valid = data.nullCount === 0 || bitSet(validityOf(data)!, i)
  if (!valid) return null
  switch (type.type) {
    case 'string':
    case 'binary': {
      const offsets = data.valueOffsets as Int32Array
      const bytes = (data.values as Uint8Array).subarray(offsets[i], offsets[i + 1])
      return type.type === 'string' ? utf8Decode(bytes) : bytes.slice()
    }
    case 'boolean':
      return bitSet(data.values as Uint8Array, data.offset + i)
    case 'decimal':
      return { unscaled: readInt128(data.values as Uint32Array, i), scale: type.scale }
    case 'void':
    case 'variant':
      return null
    default:
      // Integers, floats and dates are numbers; long and timestamps are bigints.
      return (data.values as ArrayLike<number | bigint>)[i]!
  }
}

const EMPTY: PartitionGroup = { key: '', values: {}, partitionValues: {}, directory: '' }

/** 32-bit FNV-1a of a byte range: buckets for comparing strings without decoding them. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5
  for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193)
  return h
}

function sameBytes(bytes: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false
  for (let k = 0; k < aEnd - a; k++) if (bytes[a + k] !== bytes[b + k]) return false
  return true
}

/**
 * For one column: the id of each row's distinct value (0 for NULL), and a row holding each id.
 * Strings and binaries are bucketed by a hash of their bytes and compared byte by byte, so no
 * row is decoded; other types key a map by their number or bigint.
 */
function distinctIds(
  data: arrow.Data,
  type: AtomicType,
  length: number,
): { ids: Int32Array; rows: number[] } {
  const ids = new Int32Array(length)
  const rows: number[] = [-1]
  const valid = validityOf(data)
  const isValid = (i: number): boolean => valid === undefined || bitSet(valid, i)
  if (type.type === 'string' || type.type === 'binary') {
    const offsets = data.valueOffsets as Int32Array
    const bytes = data.values as Uint8Array
    const buckets = new Map<number, number[]>()
    for (let i = 0; i < length; i++) {
      if (!isValid(i)) continue
      const start = offsets[i]!
      const end = offsets[i + 1]!
      const hash = hashBytes(bytes, start, end)
      const bucket = buckets.get(hash) ?? []
      let id = bucket.find((candidate) => {
        const r = rows[candidate]!
        return sameBytes(bytes, start, end, offsets[r]!, offsets[r + 1]!)
      })
      if (id === undefined) {
        id = rows.length
        rows.push(i)
        bucket.push(id)
        buckets.set(hash, bucket)
      }
      ids[i] = id
    }
    return { ids, rows }
  }
  const known = new Map<number | bigint | string, number>()
  for (let i = 0; i < length; i++) {
    if (!isValid(i)) continue
    let key: number | bigint | string
    if (type.type === 'boolean') key = bitSet(data.values as Uint8Array, data.offset + i) ? 1 : 0
    else if (type.type === 'decimal') key = readInt128(data.values as Uint32Array, i)
    else {
      key = (data.values as ArrayLike<number | bigint>)[i]!
      // Maps equate 0 and -0, which serialize differently (`0.0`, `-0.0`).
      if (Object.is(key, -0)) key = '-0'
    }
    let id = known.get(key)
    if (id === undefined) {
      id = rows.length
      rows.push(i)
      known.set(key, id)
    }
    ids[i] = id
  }
  return { ids, rows }
}

/**
 * Splits a batch's rows by the values of its partition columns (`columns`, conformed, in the
 * order of `partitions`). Groups come out in order of first appearance. Each distinct value is
 * serialized once; rows are then grouped by small integer ids (a counting sort), so the cost
 * per row is a few array reads.
 */
export function splitByPartition(
  partitions: readonly PartitionColumn[],
  columns: readonly arrow.Data[],
  length: number,
): PartitionSplit[] {
  if (partitions.length === 0) return [{ group: EMPTY, rows: undefined }]
  // Per column: each row's id among the column's distinct *serialized* values ('' and NULL
  // serialize alike, so they share an id).
  const perColumn = partitions.map((p, c) => {
    const { ids, rows } = distinctIds(columns[c]!, p.type, length)
    const texts: (string | null)[] = []
    const byText = new Map<string | null, number>()
    const canonical = rows.map((row) => {
      const text =
        row < 0 ? null : serializePartitionValue(valueAt(columns[c]!, p.type, row), p.type)
      let id = byText.get(text)
      if (id === undefined) {
        id = texts.length
        texts.push(text)
        byText.set(text, id)
      }
      return id
    })
    for (let i = 0; i < length; i++) ids[i] = canonical[ids[i]!]!
    return { ids, texts }
  })
  // A group number per row: mixed-radix digits of the column ids, then numbered by first use.
  const groupOf = new Int32Array(length)
  const numbering = new Map<number | string, number>()
  const firstRows: number[] = []
  const radix = perColumn.reduce((product, c) => product * c.texts.length, 1)
  for (let i = 0; i < length; i++) {
    let key: number | string = 0
    if (radix <= 2 ** 31) {
      for (const c of perColumn) key = key * c.texts.length + c.ids[i]!
    } else key = perColumn.map((c) => c.ids[i]).join(',')
    let group = numbering.get(key)
    if (group === undefined) {
      group = firstRows.length
      firstRows.push(i)
      numbering.set(key, group)
    }
    groupOf[i] = group
  }
  // Counting sort of the rows by group, keeping row order inside each group.
  const counts = new Int32Array(firstRows.length)
  for (let i = 0; i < length; i++) counts[groupOf[i]!]!++
  const rowsOf = Array.from(counts, (count) => new Int32Array(count))
  const filled = new Int32Array(firstRows.length)
  for (let i = 0; i < length; i++) {
    const g = groupOf[i]!
    rowsOf[g]![filled[g]!++] = i
  }
  return firstRows.map((row, g) => {
    const texts = perColumn.map((c) => c.texts[c.ids[row]!]!)
    return {
      group: describeGroup(partitions, columns, row, texts),
      rows: counts[g] === length ? undefined : rowsOf[g]!,
    }
  })
}

function describeGroup(
  partitions: readonly PartitionColumn[],
  columns: readonly arrow.Data[],
  row: number,
  texts: readonly (string | null)[],
): PartitionGroup {
  const values: Record<string, PartitionValue> = {}
  const partitionValues: Record<string, string | null> = {}
  partitions.forEach((p, c) => {
    // NULL and '' share a partition; its typed value is NULL, as readers will see it.
    values[p.field.name] = texts[c] === null ? null : valueAt(columns[c]!, p.type, row)
    partitionValues[p.physicalName] = texts[c]!
  })
  const directory = partitionDirectory(partitions.map((p, c) => [p.physicalName, texts[c]!]))
  return { key: JSON.stringify(texts), values, partitionValues, directory }
}
