/**
 * CRC-32 (IEEE 802.3, the zlib / `java.util.zip.CRC32` variant), which protects each deletion
 * vector in a DV file (PROTOCOL.md "Deletion Vector File Storage Format"). Table-driven, one
 * byte at a time: DVs are small and this keeps the protocol layer free of `node:zlib`.
 */

const TABLE = new Int32Array(256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  TABLE[n] = c
}

/** The CRC-32 of `bytes` as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  let crc = -1
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}
