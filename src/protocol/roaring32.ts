/**
 * The portable serialization of a 32-bit Roaring bitmap (RoaringFormatSpec), read and written in
 * plain TypeScript so that deletion vectors decode synchronously in any runtime.
 *
 * Layout, all little-endian:
 * - cookie: `12346` then a u32 container count (no run containers), or `12347 | (count-1) << 16`
 *   followed by a bitset marking which containers are runs;
 * - per container: u16 key (high 16 bits of its values), u16 cardinality - 1;
 * - per container: u32 byte offset of its data (omitted when runs are present and count < 4);
 * - container data: a run container is u16 run count then (start, length - 1) u16 pairs; an
 *   array container (cardinality <= 4096) is its sorted u16 values; a bitmap container is 8 KiB.
 *
 * Containers are kept as parsed (compact) and carry a 48-bit key (`bucket * 65536 + key16`) so
 * the 64-bit wrapper can hold containers of many buckets in one sorted list.
 */

import { CorruptDataError } from '../errors.js'

export type Container =
  | {
      readonly key: number
      readonly cardinality: number
      readonly kind: 'array'
      readonly values: Uint16Array
    }
  | {
      readonly key: number
      readonly cardinality: number
      readonly kind: 'bitmap'
      readonly words: Uint32Array
    }
  | {
      readonly key: number
      readonly cardinality: number
      readonly kind: 'run'
      /** Pairs of (start, length - 1). */
      readonly runs: Uint16Array
    }

const NO_RUN_COOKIE = 12346
const RUN_COOKIE = 12347
// With run containers present, the offset header is only written for 4 or more containers (the
// spec's NO_OFFSET_THRESHOLD); without runs it is always written.
const NO_OFFSET_THRESHOLD = 4
// The format has no per-container type tag outside the run bitset: a non-run container with at
// most 4096 values is an array, anything larger a bitmap. Readers and writers must agree on it.
const ARRAY_MAX = 4096
const BITMAP_WORDS = 2048 // 65536 bits as u32 words
const BITMAP_BYTES = 8192

/** Set bits in a 32-bit word (for checking a bitmap container's declared cardinality). */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/**
 * Reads one portable 32-bit bitmap starting at `offset`; its containers get keys
 * `bucket * 65536 + key16`. Returns them (ascending) and the offset just past the bitmap.
 * Malformed data throws `CorruptDataError` naming `source` (the DV file, or the action holding
 * an inline DV).
 */
export function readRoaring32(
  view: DataView,
  offset: number,
  bucket: number,
  source: string,
): { containers: Container[]; end: number } {
  // A bitmap that decodes to the wrong rows silently deletes the wrong data, so every consistency
  // check the format allows (bounds, ordering, cardinalities) is made: they are cheap by
  // comparison.
  const fail = (reason: string): never => {
    throw new CorruptDataError(source, `invalid deletion vector bitmap: ${reason}`)
  }
  const need = (at: number, bytes: number): void => {
    if (at + bytes > view.byteLength) fail(`truncated bitmap at byte ${at}`)
  }
  need(offset, 4)
  const cookie = view.getUint32(offset, true)
  let at = offset + 4
  let size: number
  let runFlags: Uint8Array | undefined
  if ((cookie & 0xffff) === RUN_COOKIE) {
    size = (cookie >>> 16) + 1
    const flagBytes = Math.ceil(size / 8)
    need(at, flagBytes)
    runFlags = new Uint8Array(view.buffer, view.byteOffset + at, flagBytes)
    at += flagBytes
  } else if (cookie === NO_RUN_COOKIE) {
    need(at, 4)
    size = view.getUint32(at, true)
    at += 4
    if (size > 65536) fail(`${size} containers exceed 65536`)
  } else {
    return fail(`unknown Roaring cookie ${cookie}`)
  }
  need(at, size * 4)
  const keys = new Uint16Array(size)
  const cards = new Uint32Array(size)
  for (let i = 0; i < size; i++) {
    keys[i] = view.getUint16(at + i * 4, true)
    cards[i] = view.getUint16(at + i * 4 + 2, true) + 1
    if (i > 0 && keys[i]! <= keys[i - 1]!) fail('container keys are not ascending')
  }
  at += size * 4
  // The offset header only speeds up random access; containers are read in order anyway.
  if (runFlags === undefined || size >= NO_OFFSET_THRESHOLD) at += size * 4

  // Container data is copied out through the DataView rather than viewed in place: it may start
  // at an odd byte offset, and typed-array views would use the platform's byte order.
  const containers: Container[] = []
  for (let i = 0; i < size; i++) {
    const key = bucket * 65536 + keys[i]!
    const cardinality = cards[i]!
    if (runFlags !== undefined && (runFlags[i >>> 3]! & (1 << (i & 7))) !== 0) {
      need(at, 2)
      const count = view.getUint16(at, true)
      at += 2
      need(at, count * 4)
      const runs = new Uint16Array(count * 2)
      let total = 0
      let previousEnd = -1
      for (let r = 0; r < count; r++) {
        const start = view.getUint16(at + r * 4, true)
        const lengthMinus1 = view.getUint16(at + r * 4 + 2, true)
        if (start <= previousEnd || start + lengthMinus1 > 0xffff) {
          fail('run container runs overlap or overflow')
        }
        runs[r * 2] = start
        runs[r * 2 + 1] = lengthMinus1
        total += lengthMinus1 + 1
        previousEnd = start + lengthMinus1
      }
      at += count * 4
      if (total !== cardinality) fail('run container cardinality mismatch')
      containers.push({ key, cardinality, kind: 'run', runs })
    } else if (cardinality <= ARRAY_MAX) {
      need(at, cardinality * 2)
      const values = new Uint16Array(cardinality)
      for (let v = 0; v < cardinality; v++) {
        values[v] = view.getUint16(at + v * 2, true)
        if (v > 0 && values[v]! <= values[v - 1]!) fail('array container is not ascending')
      }
      at += cardinality * 2
      containers.push({ key, cardinality, kind: 'array', values })
    } else {
      need(at, BITMAP_BYTES)
      const words = new Uint32Array(BITMAP_WORDS)
      let total = 0
      for (let w = 0; w < BITMAP_WORDS; w++) {
        words[w] = view.getUint32(at + w * 4, true)
        total += popcount32(words[w]!)
      }
      at += BITMAP_BYTES
      if (total !== cardinality) fail('bitmap container cardinality mismatch')
      containers.push({ key, cardinality, kind: 'bitmap', words })
    }
  }
  return { containers, end: at }
}

/** Values of a container, ascending, as offsets within its 65536-value chunk. */
export function* containerValues(c: Container): Generator<number> {
  if (c.kind === 'array') {
    yield* c.values
  } else if (c.kind === 'run') {
    for (let r = 0; r < c.runs.length; r += 2) {
      const start = c.runs[r]!
      const end = start + c.runs[r + 1]!
      for (let v = start; v <= end; v++) yield v
    }
  } else {
    for (let w = 0; w < BITMAP_WORDS; w++) {
      let word = c.words[w]!
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word)
        yield w * 32 + bit
        word &= word - 1
      }
    }
  }
}

/** Whether a container holds `low` (0..65535). */
export function containerHas(c: Container, low: number): boolean {
  if (c.kind === 'bitmap') return (c.words[low >>> 5]! & (1 << (low & 31))) !== 0
  if (c.kind === 'array') {
    let lo = 0
    let hi = c.values.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = c.values[mid]!
      if (v === low) return true
      if (v < low) lo = mid + 1
      else hi = mid - 1
    }
    return false
  }
  // Runs: find the last run starting at or before `low`.
  let lo = 0
  let hi = c.runs.length / 2 - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const start = c.runs[mid * 2]!
    if (start > low) hi = mid - 1
    else if (low <= start + c.runs[mid * 2 + 1]!) return true
    else lo = mid + 1
  }
  return false
}

/**
 * Builds the most compact container for sorted, distinct values (0..65535) of one chunk: a run
 * container when that is strictly smaller, else array (<= 4096 values) or bitmap. The kind must
 * follow the cardinality rule, since readers infer array vs bitmap from it.
 */
export function buildContainer(key: number, values: ArrayLike<number>): Container {
  const cardinality = values.length
  let runCount = 0
  for (let i = 0; i < cardinality; i++) if (i === 0 || values[i]! !== values[i - 1]! + 1) runCount++
  const runBytes = 2 + runCount * 4
  const plainBytes = cardinality <= ARRAY_MAX ? cardinality * 2 : BITMAP_BYTES
  if (runBytes < plainBytes) {
    const runs = new Uint16Array(runCount * 2)
    let r = -1
    for (let i = 0; i < cardinality; i++) {
      if (i === 0 || values[i]! !== values[i - 1]! + 1) {
        r++
        runs[r * 2] = values[i]!
        runs[r * 2 + 1] = 0
      } else runs[r * 2 + 1]!++
    }
    return { key, cardinality, kind: 'run', runs }
  }
  if (cardinality <= ARRAY_MAX)
    return { key, cardinality, kind: 'array', values: Uint16Array.from(values) }
  const words = new Uint32Array(BITMAP_WORDS)
  for (let i = 0; i < cardinality; i++) words[values[i]! >>> 5]! |= 1 << (values[i]! & 31)
  return { key, cardinality, kind: 'bitmap', words }
}

function containerBytes(c: Container): number {
  if (c.kind === 'run') return 2 + c.runs.length * 2
  if (c.kind === 'array') return c.cardinality * 2
  return BITMAP_BYTES
}

/** Serialized size of one 32-bit bitmap of these containers (all of one bucket). */
export function roaring32Size(containers: readonly Container[]): number {
  const size = containers.length
  const hasRun = containers.some((c) => c.kind === 'run')
  let bytes = hasRun ? 4 + Math.ceil(size / 8) : 8
  bytes += size * 4
  if (!hasRun || size >= NO_OFFSET_THRESHOLD) bytes += size * 4
  for (const c of containers) bytes += containerBytes(c)
  return bytes
}

/** Writes one portable 32-bit bitmap at `offset`; returns the offset just past it. */
export function writeRoaring32(
  view: DataView,
  offset: number,
  containers: readonly Container[],
): number {
  const size = containers.length
  const hasRun = containers.some((c) => c.kind === 'run')
  let at = offset
  if (hasRun) {
    // The run cookie stores count - 1 in 16 bits; a 32-bit bitmap has at most 65536 containers.
    view.setUint32(at, (RUN_COOKIE | ((size - 1) << 16)) >>> 0, true)
    at += 4
    for (let i = 0; i < size; i += 8) {
      let flags = 0
      for (let j = 0; j < 8 && i + j < size; j++)
        if (containers[i + j]!.kind === 'run') flags |= 1 << j
      view.setUint8(at++, flags)
    }
  } else {
    view.setUint32(at, NO_RUN_COOKIE, true)
    view.setUint32(at + 4, size, true)
    at += 8
  }
  for (const c of containers) {
    view.setUint16(at, c.key & 0xffff, true)
    view.setUint16(at + 2, c.cardinality - 1, true)
    at += 4
  }
  if (!hasRun || size >= NO_OFFSET_THRESHOLD) {
    // Offsets count from the start of this 32-bit bitmap, not of the whole buffer.
    let dataAt = at + size * 4 - offset
    for (const c of containers) {
      view.setUint32(at, dataAt, true)
      at += 4
      dataAt += containerBytes(c)
    }
  }
  for (const c of containers) {
    if (c.kind === 'run') {
      view.setUint16(at, c.runs.length / 2, true)
      at += 2
      for (const v of c.runs) {
        view.setUint16(at, v, true)
        at += 2
      }
    } else if (c.kind === 'array') {
      for (const v of c.values) {
        view.setUint16(at, v, true)
        at += 2
      }
    } else {
      for (const w of c.words) {
        view.setUint32(at, w, true)
        at += 4
      }
    }
  }
  return at
}
