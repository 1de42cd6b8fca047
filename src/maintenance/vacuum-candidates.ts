/**
 * The files a vacuum will delete, held compactly.
 *
 * Spark records `numFilesToDelete` and `sizeOfDataToDelete` in the VACUUM START commit, before
 * the first delete, so the whole candidate list must exist before deleting begins; listing the
 * table twice would double the expensive part. A table with millions of orphaned files must not
 * turn into millions of JS objects, though: keys are kept as UTF-8 bytes in 1 MiB chunks
 * (about the key's length plus 4 bytes each, with no per-file object for the GC to trace), and
 * decoded again a batch at a time while deleting.
 *
 * Reports carry a bounded, deterministic sample: the first `sampleSize` keys in key order,
 * whatever order a parallel listing found them in. Dry runs keep only the sample and counts.
 */
import { compareUtf8, utf8Decode, utf8Encode } from '../util/utf8.js'

export interface VacuumFile {
  /** Store key, relative to the table root. */
  readonly path: string
  /** Bytes: the listed size (full mode) or what the log recorded (lite mode). */
  readonly size: number
}

const CHUNK_BYTES = 1 << 20

export interface CandidateListOptions {
  /** Keep every key for deletion (false for dry runs: counts and sample only). */
  readonly retain: boolean
  /** Keys kept for the report. */
  readonly sampleSize: number
}

export class CandidateList {
  private countValue = 0
  private bytesValue = 0
  private readonly chunks: Uint8Array[] = []
  private used = CHUNK_BYTES // forces a first chunk
  private readonly sampleHeap: VacuumFile[] = [] // max-heap by path

  constructor(private readonly options: CandidateListOptions) {}

  get count(): number {
    return this.countValue
  }

  /** Sum of the candidates' sizes. */
  get bytes(): number {
    return this.bytesValue
  }

  add(path: string, size: number): void {
    this.countValue++
    this.bytesValue += size
    this.offerSample({ path, size })
    if (this.options.retain) this.append(path)
  }

  /** The sample, in key order. */
  sample(): VacuumFile[] {
    return [...this.sampleHeap].sort((a, b) => compareUtf8(a.path, b.path))
  }

  /** True when the sample holds every candidate. */
  get complete(): boolean {
    return this.sampleHeap.length === this.countValue
  }

  /** Retained keys in insertion order, `size` at a time, skipping those `skip` rejects. */
  *batches(size: number, skip?: (path: string) => boolean): Generator<string[]> {
    let batch: string[] = []
    for (const chunk of this.chunks) {
      const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      let at = 0
      while (at + 4 <= chunk.length) {
        const length = view.getUint32(at, true)
        if (length === 0) break // the unused tail of a chunk
        const path = utf8Decode(chunk.subarray(at + 4, at + 4 + length))
        at += 4 + length
        if (skip?.(path) === true) continue
        batch.push(path)
        if (batch.length >= size) {
          yield batch
          batch = []
        }
      }
    }
    if (batch.length > 0) yield batch
  }

  private append(path: string): void {
    const bytes = utf8Encode(path)
    const need = 4 + bytes.length
    if (this.used + need > CHUNK_BYTES || this.chunks.length === 0) {
      // A key longer than a chunk (not a real key length, but possible) gets its own chunk.
      this.chunks.push(new Uint8Array(Math.max(CHUNK_BYTES, need)))
      this.used = 0
    }
    const chunk = this.chunks.at(-1)!
    new DataView(chunk.buffer).setUint32(this.used, bytes.length, true)
    chunk.set(bytes, this.used + 4)
    this.used += need
  }

  /** Keeps the `sampleSize` smallest paths in a max-heap: O(log n) per candidate. */
  private offerSample(file: VacuumFile): void {
    const heap = this.sampleHeap
    const limit = this.options.sampleSize
    if (limit <= 0) return
    if (heap.length < limit) {
      heap.push(file)
      siftUp(heap, heap.length - 1)
    } else if (compareUtf8(file.path, heap[0]!.path) < 0) {
      heap[0] = file
      siftDown(heap, 0)
    }
  }
}

function siftUp(heap: VacuumFile[], index: number): void {
  let i = index
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (compareUtf8(heap[i]!.path, heap[parent]!.path) <= 0) return
    ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
    i = parent
  }
}

function siftDown(heap: VacuumFile[], index: number): void {
  let i = index
  for (;;) {
    const left = 2 * i + 1
    const right = left + 1
    let largest = i
    if (left < heap.length && compareUtf8(heap[left]!.path, heap[largest]!.path) > 0) largest = left
    if (right < heap.length && compareUtf8(heap[right]!.path, heap[largest]!.path) > 0)
      largest = right
    if (largest === i) return
    ;[heap[i], heap[largest]] = [heap[largest]!, heap[i]!]
    i = largest
  }
}
