/**
 * Names and places of new data files, as Spark's `DelayedCommitProtocol` makes them:
 * `part-<5-digit index>-<random uuid>-c000.<codec>.parquet`, a fresh UUID per file so that two
 * writers can never pick the same name (data files are never overwritten, PROTOCOL.md "Data
 * Files"). The file goes into its partition directory, or, when `delta.randomizeFilePrefixes` is
 * on, into a directory of `delta.randomPrefixLength` random letters and digits instead (which
 * spreads keys over an object store's index partitions; the partition values are in the log).
 */
import type { CompressionCodec } from '../protocol/table-properties.js'
import type { Ids } from '../util/clock.js'
import type { ParquetCompression } from '../engine/parquet.js'

/** The codec's part of a file name, as parquet-mr names it (`.snappy`, `.gz`, none for uncompressed). */
export function codecExtension(codec: CompressionCodec): string {
  switch (codec) {
    case 'uncompressed':
      return ''
    case 'gzip':
      return '.gz'
    case 'lz4':
    case 'lz4_raw':
      // parquet-wasm writes LZ4_RAW for both, the LZ4 framing every current reader agrees on.
      return '.lz4raw'
    default:
      return `.${codec}`
  }
}

/** The Parquet writer's codec for a table codec. */
export function parquetCompression(codec: CompressionCodec): ParquetCompression {
  return codec === 'lz4_raw' ? 'lz4' : codec
}

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** `length` random letters and digits (Spark's `Random.alphanumeric`). */
export function randomPrefix(length: number, ids: Ids): string {
  let out = ''
  for (let i = 0; i < length; i++) {
    out += ALPHANUMERIC[Math.floor(ids.random() * ALPHANUMERIC.length)] ?? '0'
  }
  return out
}

/** The file name of the `index`-th file of a write. */
export function dataFileName(index: number, uuid: string, codec: CompressionCodec): string {
  return `part-${String(index).padStart(5, '0')}-${uuid}-c000${codecExtension(codec)}.parquet`
}

/** The store key (relative to the table root) of a new data file. */
export function dataFileKey(directory: string, name: string): string {
  return directory === '' ? name : `${directory}/${name}`
}
