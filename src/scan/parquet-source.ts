/**
 * A data file's Parquet bytes, fetched as little as possible.
 *
 * Small files (the usual Delta file is a few MB or less; default threshold 8 MiB) are read
 * whole, with one GET. A larger file is read by ranges: its footer first (one GET of the last
 * 64 KiB, a second only for a bigger footer), then, one row group at a time, only the column
 * chunks of the projected columns (adjacent chunks merged into one GET, GETs in parallel). So
 * memory holds one row group's projected chunks, and I/O is proportional to the columns read,
 * which matters on object stores where a wide file may be read for two of its columns.
 *
 * The engine's Parquet reader (`engine/parquet.ts`) takes a whole file's bytes. A row group is
 * therefore handed to it as a buffer laid out like the file, holding the magic, the footer and
 * the fetched chunks at their original offsets; the rest is zero. That buffer is allocated
 * zero-filled, which the runtime backs with untouched (uncommitted) pages, and the engine only
 * copies the selected chunks out of it. The chunk ranges follow `engine/parquet-slice.ts`
 * `rebaseChunk`: from the dictionary page (when its offset is valid) or the first data page,
 * `total_compressed_size` bytes.
 *
 * INT96 columns are exposed as raw 12-byte values (`int96.ts`) in both modes.
 */
import type * as arrow from 'apache-arrow'
import { CorruptDataError } from '../errors.js'
import { readParquetInfo, readParquetSchema } from '../engine/parquet.js'
import {
  findColumn,
  ParquetFormatError,
  parseFooter,
  type ParquetFooter,
} from '../engine/parquet-slice.js'
import { asStruct, fieldI64, fieldList, fieldStruct } from '../engine/thrift-compact.js'
import type { ByteRange } from '../storage/object-store.js'
import { exposeInt96 } from './int96.js'

/** Reads the file, or a byte range of it. */
export type RangeReader = (range?: ByteRange) => Promise<Uint8Array>

export interface ParquetSourceOptions {
  /** Files up to this size are read whole. Default 8 MiB. */
  readonly wholeFileBytes?: number
}

const DEFAULT_WHOLE_FILE_BYTES = 8 << 20
const TAIL_BYTES = 64 << 10
// Chunks closer than this are fetched with one request (the gap is cheaper than a round trip).
const MERGE_GAP_BYTES = 256 << 10
const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]) // "PAR1"

export class ParquetSource {
  private constructor(
    private readonly read: RangeReader,
    private readonly path: string,
    /** The whole (INT96-exposed) file, when read whole. */
    private readonly whole: Uint8Array | undefined,
    /** `PAR1`, the (INT96-exposed) footer, its length and `PAR1`: enough for schema and counts. */
    private readonly footerFile: Uint8Array,
    /** Where the column data of the original file ends (the footer starts). */
    private readonly dataEnd: number,
  ) {
    this.footer = parseFooter(footerFile)
    this.schema = readParquetSchema(footerFile, { path })
    this.rowGroupRows = readParquetInfo(footerFile, { path }).rowGroups.map((g) => g.numRows)
  }

  readonly footer: ParquetFooter
  /** The file's Arrow schema (with `PARQUET:field_id` metadata). */
  readonly schema: arrow.Schema
  /** Rows of each row group, in file order. */
  readonly rowGroupRows: readonly number[]

  /**
   * Opens a file of `size` bytes (from the log; when it is wrong the file is read whole).
   * Malformed Parquet is `CorruptDataError`; a missing file whatever `read` throws.
   */
  static async open(
    read: RangeReader,
    size: number,
    path: string,
    options: ParquetSourceOptions = {},
  ): Promise<ParquetSource> {
    const threshold = options.wholeFileBytes ?? DEFAULT_WHOLE_FILE_BYTES
    const fail = (reason: string): never => {
      throw new CorruptDataError(path, reason)
    }
    const guard = <T>(fn: () => T): T => {
      try {
        return fn()
      } catch (error) {
        if (error instanceof ParquetFormatError) throw new CorruptDataError(path, error.message)
        throw error
      }
    }
    if (size > threshold && size >= 12) {
      const tail = await read({ start: Math.max(0, size - TAIL_BYTES), end: size })
      const n = tail.length
      if (n === Math.min(size, TAIL_BYTES) && endsWithMagic(tail)) {
        const length = new DataView(tail.buffer, tail.byteOffset + n - 8, 4).getUint32(0, true)
        if (length + 12 > size) fail(`footer length ${length} exceeds the file size ${size}`)
        const footer =
          length + 8 <= n
            ? tail.subarray(n - 8 - length, n - 8)
            : await read({ start: size - 8 - length, end: size - 8 })
        if (footer.length !== length) fail('the file is shorter than its footer says')
        const footerFile = guard(() => exposeInt96(withFooter(footer), path))
        return guard(() => new ParquetSource(read, path, undefined, footerFile, size - 8 - length))
      }
      // The log's size does not match the file (or no magic at the end): read it whole, and let
      // the engine report what is wrong with it.
    }
    const bytes = await read()
    const whole = guard(() => exposeInt96(bytes, path))
    return guard(() => new ParquetSource(read, path, whole, whole, 0))
  }

  /**
   * Bytes to hand to the engine for row group `group`, holding at least the chunks of `leaves`
   * (leaf column indexes; `undefined` for all).
   */
  async rowGroup(group: number, leaves: ReadonlySet<number> | undefined): Promise<Uint8Array> {
    if (this.whole !== undefined) return this.whole
    const ranges = mergeRanges(this.chunkRanges(group, leaves))
    const footerTail = this.footerFile.subarray(4)
    const buffer = new Uint8Array(this.dataEnd + footerTail.length)
    buffer.set(MAGIC, 0)
    buffer.set(footerTail, this.dataEnd)
    await Promise.all(
      ranges.map(async (range) => {
        const bytes = await this.read(range)
        if (bytes.length !== range.end - range.start) {
          throw new CorruptDataError(this.path, `the file ends inside row group ${group}`)
        }
        buffer.set(bytes, range.start)
      }),
    )
    return buffer
  }

  /** Leaf indexes of top-level columns by name (a column with nested fields spans several). */
  leavesOf(names: readonly string[]): Set<number> {
    const leaves = new Set<number>()
    for (const name of names) {
      const node = findColumn(this.footer, [name])
      if (node !== undefined) for (let i = node.leafStart; i < node.leafEnd; i++) leaves.add(i)
    }
    return leaves
  }

  private chunkRanges(
    group: number,
    leaves: ReadonlySet<number> | undefined,
  ): { start: number; end: number }[] {
    const rowGroup = fieldList(this.footer.meta, 4)?.items[group]
    if (rowGroup === undefined) throw new CorruptDataError(this.path, `no row group ${group}`)
    const ranges: { start: number; end: number }[] = []
    fieldList(asStruct(rowGroup), 1)?.items.forEach((item, leaf) => {
      if (leaves !== undefined && !leaves.has(leaf)) return
      const meta = fieldStruct(asStruct(item), 3)
      const data = meta === undefined ? undefined : fieldI64(meta, 9)
      const size = meta === undefined ? undefined : fieldI64(meta, 7)
      if (data === undefined || size === undefined) {
        throw new CorruptDataError(this.path, `column chunk ${leaf} has no offsets`)
      }
      const dict = fieldI64(meta!, 11)
      const start = Number(dict !== undefined && dict > 0n && dict < data ? dict : data)
      const end = start + Number(size)
      if (start < 4 || end > this.dataEnd) {
        throw new CorruptDataError(this.path, `column chunk ${leaf} lies outside the file`)
      }
      ranges.push({ start, end })
    })
    return ranges
  }
}

function endsWithMagic(bytes: Uint8Array): boolean {
  const n = bytes.length
  return MAGIC.every((b, i) => bytes[n - 4 + i] === b)
}

/** A file of just `PAR1`, the footer, its length and `PAR1`. */
function withFooter(footer: Uint8Array): Uint8Array {
  const out = new Uint8Array(footer.length + 12)
  out.set(MAGIC, 0)
  out.set(footer, 4)
  new DataView(out.buffer).setUint32(4 + footer.length, footer.length, true)
  out.set(MAGIC, 8 + footer.length)
  return out
}

/** Sorted ranges with neighbours closer than `MERGE_GAP_BYTES` joined. */
function mergeRanges(ranges: { start: number; end: number }[]): { start: number; end: number }[] {
  ranges.sort((a, b) => a.start - b.start)
  const out: { start: number; end: number }[] = []
  for (const r of ranges) {
    const last = out[out.length - 1]
    if (last !== undefined && r.start - last.end <= MERGE_GAP_BYTES) {
      last.end = Math.max(last.end, r.end)
    } else out.push({ ...r })
  }
  return out
}
