/**
 * Per-file statistics, computed column by column over Arrow buffers (no per-row objects), as
 * Spark's `StatisticsCollection` computes them:
 *
 * - `numRecords`: the rows of the file.
 * - `nullCount` for every selected column, mirrored through structs: a field counts as NULL in
 *   a row where it or any struct around it is NULL (Spark evaluates `a.b`, which is NULL when
 *   `a` is). Arrays and maps get a nullCount and nothing else; void columns, absent from the
 *   file, count every row.
 * - `minValues` / `maxValues` only for numbers, dates, timestamps, strings and decimals (not for
 *   booleans or binary, which Spark skips too). Strings are compared by UTF-8 bytes (Spark's
 *   binary order); truncation to the prefix length, the millisecond form of timestamps and the
 *   JSON layout are `serializeStats`'s business. NaN is the largest double in Spark: a column
 *   holding one gets no maximum here (a NaN bound is not JSON, and a finite one would be wrong);
 *   the minimum ignores NaN.
 * - `tightBounds: true` only when the protocol supports deletion vectors, as Spark writes it.
 *
 * A collector accumulates any number of chunks of one file, then renders the JSON once.
 */
import type * as arrow from 'apache-arrow'
import type { ColumnStats } from '../protocol/stats-builder.js'
import { serializeStats } from '../protocol/stats-builder.js'
import type { AtomicType, DataType } from '../protocol/schema.js'
import { compareScalars } from '../scan/scalar-compare.js'
import type { Scalar } from '../scan/expression.js'
import { readInt128 } from '../scan/int-words.js'
import { utf8Decode } from '../util/utf8.js'
import { andValidity, bitSet, countValid, validityOf, type Validity } from './arrow-bits.js'
import { hasMinMax, type StatsColumn } from './stats-columns.js'

/** Running statistics of one leaf column. */
class LeafStats {
  nullCount = 0
  min: Exclude<Scalar, null> | undefined
  max: Exclude<Scalar, null> | undefined
  sawNaN = false

  constructor(
    readonly path: readonly string[],
    readonly type: DataType,
  ) {}

  merge(min: Exclude<Scalar, null> | undefined, max: Exclude<Scalar, null> | undefined): void {
    if (min !== undefined && (this.min === undefined || compareScalars(min, this.min)! < 0)) {
      this.min = min
    }
    if (max !== undefined && (this.max === undefined || compareScalars(max, this.max)! > 0)) {
      this.max = max
    }
  }

  result(): ColumnStats {
    const minMax = hasMinMax(this.type)
    return {
      path: this.path,
      // Only used to format min/max; columns without them (arrays, maps, booleans, binary)
      // pass a type that never has any.
      type: minMax ? (this.type as AtomicType) : { type: 'binary' },
      nullCount: this.nullCount,
      ...(minMax && this.min !== undefined ? { min: this.min } : {}),
      ...(minMax && this.max !== undefined && !this.sawNaN ? { max: this.max } : {}),
    }
  }
}

/** Indices of the smallest and largest valid value, by a comparison of two row indices. */
function extremes(
  length: number,
  valid: Validity,
  compare: (a: number, b: number) => number,
  skip?: (i: number) => boolean,
): [number, number] | undefined {
  let lo = -1
  let hi = -1
  for (let i = 0; i < length; i++) {
    if (valid !== undefined && !bitSet(valid, i)) continue
    if (skip?.(i) === true) continue
    if (lo < 0) {
      lo = hi = i
      continue
    }
    if (compare(i, lo) < 0) lo = i
    else if (compare(i, hi) > 0) hi = i
  }
  return lo < 0 ? undefined : [lo, hi]
}

/** Updates `stats` with the min and max of one chunk's valid values. */
function minMaxOf(stats: LeafStats, data: arrow.Data, valid: Validity): void {
  const n = data.length
  const type = stats.type
  switch (type.type) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'date':
    case 'float':
    case 'double': {
      const values = data.values as
        Int8Array | Int16Array | Int32Array | Float32Array | Float64Array
      const isFloat = type.type === 'float' || type.type === 'double'
      const found = extremes(
        n,
        valid,
        (a, b) => values[a]! - values[b]!,
        isFloat
          ? (i) => {
              if (!Number.isNaN(values[i]!)) return false
              stats.sawNaN = true
              return true
            }
          : undefined,
      )
      if (found !== undefined) stats.merge(values[found[0]], values[found[1]])
      return
    }
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz': {
      // Compare the two 32-bit words (high signed, low unsigned): no BigInt per value.
      const words = new Int32Array(
        (data.values as BigInt64Array).buffer,
        (data.values as BigInt64Array).byteOffset,
        2 * n,
      )
      const found = extremes(n, valid, (a, b) => {
        const d = words[2 * a + 1]! - words[2 * b + 1]!
        return d !== 0 ? d : (words[2 * a]! >>> 0) - (words[2 * b]! >>> 0)
      })
      if (found === undefined) return
      const values = data.values as BigInt64Array
      stats.merge(values[found[0]], values[found[1]])
      return
    }
    case 'decimal': {
      const words = data.values as Uint32Array
      const found = extremes(n, valid, (a, b) => {
        // Most significant word signed, the rest unsigned.
        const d = (words[4 * a + 3]! | 0) - (words[4 * b + 3]! | 0)
        if (d !== 0) return d
        for (let w = 2; w >= 0; w--) {
          const e = words[4 * a + w]! - words[4 * b + w]!
          if (e !== 0) return e
        }
        return 0
      })
      if (found === undefined) return
      const scale = type.scale
      stats.merge(
        { unscaled: readInt128(words, found[0]), scale },
        { unscaled: readInt128(words, found[1]), scale },
      )
      return
    }
    case 'string': {
      const offsets = data.valueOffsets as Int32Array
      const bytes = data.values as Uint8Array
      const found = extremes(n, valid, (a, b) => {
        // Unsigned byte order of the UTF-8 encodings: Spark's UTF8String order.
        const aStart = offsets[a]!
        const aLength = offsets[a + 1]! - aStart
        const bStart = offsets[b]!
        const bLength = offsets[b + 1]! - bStart
        const common = Math.min(aLength, bLength)
        for (let k = 0; k < common; k++) {
          const d = bytes[aStart + k]! - bytes[bStart + k]!
          if (d !== 0) return d
        }
        return aLength - bLength
      })
      if (found === undefined) return
      const text = (i: number): string => utf8Decode(bytes.subarray(offsets[i], offsets[i + 1]))
      stats.merge(text(found[0]), text(found[1]))
      return
    }
    default:
      return
  }
}

interface Node {
  readonly column: StatsColumn
  /** For leaves (non-struct columns). */
  readonly leaf: LeafStats | undefined
  readonly children: readonly Node[]
}

function buildNodes(columns: readonly StatsColumn[], prefix: readonly string[]): Node[] {
  return columns.map((column) => {
    const path = [...prefix, column.physicalName]
    const isStruct = column.field.type.type === 'struct'
    return {
      column,
      leaf: isStruct ? undefined : new LeafStats(path, column.field.type),
      children: isStruct ? buildNodes(column.children ?? [], path) : [],
    }
  })
}

/** Accumulates the statistics of one data file over its chunks. */
export class FileStatsCollector {
  private readonly nodes: readonly Node[]
  private numRecords = 0

  constructor(
    columns: readonly StatsColumn[],
    private readonly options: {
      readonly stringPrefixLength: number
      readonly tightBounds: boolean
    },
  ) {
    this.nodes = buildNodes(columns, [])
  }

  /** Adds a chunk: the written file columns (in file order), `length` rows each. */
  add(columns: readonly arrow.Data[], length: number): void {
    this.numRecords += length
    const visit = (nodes: readonly Node[], data: readonly arrow.Data[], parent: Validity): void => {
      for (const node of nodes) {
        const index = node.column.fileIndex
        const column = index === undefined ? undefined : data[index]
        if (column === undefined) {
          // A void column: every row is NULL, and it has nothing inside.
          if (node.leaf !== undefined) node.leaf.nullCount += length
          else this.countAllNull(node.children, length)
          continue
        }
        const valid = andValidity(parent, validityOf(column), length)
        if (node.leaf === undefined) {
          visit(node.children, column.children, valid)
          continue
        }
        node.leaf.nullCount += length - countValid(valid, length)
        if (hasMinMax(node.leaf.type)) minMaxOf(node.leaf, column, valid)
      }
    }
    visit(this.nodes, columns, undefined)
  }

  private countAllNull(nodes: readonly Node[], length: number): void {
    for (const node of nodes) {
      if (node.leaf !== undefined) node.leaf.nullCount += length
      else this.countAllNull(node.children, length)
    }
  }

  /** The `stats` JSON of the file, Spark's layout. */
  toJson(): string {
    const leaves: ColumnStats[] = []
    const collect = (nodes: readonly Node[]): void => {
      for (const node of nodes) {
        if (node.leaf !== undefined) leaves.push(node.leaf.result())
        else collect(node.children)
      }
    }
    collect(this.nodes)
    return serializeStats({
      numRecords: this.numRecords,
      columns: leaves,
      stringPrefixLength: this.options.stringPrefixLength,
      ...(this.options.tightBounds ? { tightBounds: true } : {}),
    })
  }
}
