/**
 * Spark's hash partitioning of checkpoint rows, reproduced bit for bit.
 *
 * PROTOCOL.md requires multi-part checkpoints to be "clustered by spark-style hash partitioning"
 * so that two writers racing to write the same multi-part checkpoint produce identical parts.
 * Spark's `Checkpoints.writeCheckpoint` does
 * `repartition(numParts, coalesce(col("add.path"), col("remove.path")))`, i.e. for each row
 *
 *     part = pmod(Murmur3Hash(path, seed = 42), numParts)      (0-based)
 *
 * and rows without a path (protocol, metaData, txn, domainMetadata) hash to the seed itself, so
 * they all land in part `pmod(42, numParts)`.
 *
 * The spec text says the key is `(path, dvId)` when deletion vectors are supported, but Spark's
 * writer (the one we would race with) hashes the path alone; following the writer is what keeps
 * racing outputs identical, and a (path, NULL) key hashes like the path anyway. Checked against
 * Spark-written multi-part checkpoints and V2 sidecars in the corpus (`spark-hash.test.ts`).
 *
 * Spark hashes strings with `Murmur3_x86_32.hashUnsafeBytes`, which is *not* standard MurmurHash3:
 * each trailing byte (length % 4) is mixed as a whole sign-extended 32-bit block. An off-the-shelf
 * Murmur3 gives different answers for most paths.
 */
import { utf8Encode } from '../util/utf8.js'

/** Spark's default hash seed (`Murmur3Hash(children, 42)`). */
export const SPARK_HASH_SEED = 42

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

function mixK1(k: number): number {
  let k1 = Math.imul(k, C1)
  k1 = (k1 << 15) | (k1 >>> 17)
  return Math.imul(k1, C2)
}

function mixH1(h: number, k: number): number {
  let h1 = h ^ k
  h1 = (h1 << 13) | (h1 >>> 19)
  return (Math.imul(h1, 5) + 0xe6546b64) | 0
}

function fmix(h: number, length: number): number {
  let h1 = h ^ length
  h1 ^= h1 >>> 16
  h1 = Math.imul(h1, 0x85ebca6b)
  h1 ^= h1 >>> 13
  h1 = Math.imul(h1, 0xc2b2ae35)
  h1 ^= h1 >>> 16
  return h1 | 0
}

/** `Murmur3_x86_32.hashUnsafeBytes(bytes, seed)`: a signed 32-bit integer. */
export function sparkHashBytes(bytes: Uint8Array, seed: number = SPARK_HASH_SEED): number {
  const aligned = bytes.length - (bytes.length % 4)
  let h = seed | 0
  // Whole 4-byte blocks, read little-endian as `Platform.getInt` does on x86 and ARM.
  for (let i = 0; i < aligned; i += 4) {
    h = mixH1(
      h,
      mixK1(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)),
    )
  }
  // The legacy tail: every remaining byte, sign-extended (`Platform.getByte`), is a block.
  for (let i = aligned; i < bytes.length; i++) h = mixH1(h, mixK1((bytes[i]! << 24) >> 24))
  return fmix(h, bytes.length)
}

/** Spark's `hash(string)`: Murmur3 of the UTF-8 bytes with seed 42. */
export function sparkHashString(text: string, seed: number = SPARK_HASH_SEED): number {
  return sparkHashBytes(utf8Encode(text), seed)
}

/**
 * The 0-based part Spark's `repartition(numParts, path)` puts a row in; `undefined` for rows
 * without a path (non-file actions), which Spark hashes to the seed.
 */
export function sparkPartitionOf(path: string | undefined, numParts: number): number {
  const hash = path === undefined ? SPARK_HASH_SEED : sparkHashString(path)
  // `Pmod`: a non-negative remainder even for negative hashes.
  return ((hash % numParts) + numParts) % numParts
}
