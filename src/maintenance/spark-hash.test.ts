import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it, test } from 'vitest'
import { readCheckpointFile } from '../engine/checkpoint-read.js'
import { corpusMissing, inCorpus } from '../engine/engine.test-util.js'
import { utf8Encode } from '../util/utf8.js'
import { sparkHashBytes, sparkHashString, sparkPartitionOf } from './spark-hash.js'

describe('sparkHashBytes', () => {
  it('equals standard MurmurHash3 x86_32 on whole 4-byte blocks', () => {
    // The reference vector of MurmurHash3_x86_32("test", seed 0) = 0xba6bd213.
    expect(sparkHashBytes(utf8Encode('test'), 0)).toBe(0xba6bd213 | 0)
    expect(sparkHashBytes(new Uint8Array(0), 0)).toBe(0)
  })

  it('mixes each trailing byte as its own block, unlike standard Murmur3', () => {
    // Standard MurmurHash3_x86_32("abc", 0) is 0xb3dd93fa; Spark's legacy tail gives another value.
    expect(sparkHashString('abc', 0)).not.toBe(0xb3dd93fa | 0)
    // Every prefix length exercises a different tail; the hash stays a signed 32-bit integer.
    for (const s of ['a', 'ab', 'abc', 'abcd', 'abcde', 'é', 'part=ü/x']) {
      const h = sparkHashString(s)
      expect(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31).toBe(true)
    }
  })

  it('puts rows without a path where Spark puts nulls: pmod(42, parts)', () => {
    expect([2, 3, 5, 50].map((n) => sparkPartitionOf(undefined, n))).toEqual([0, 0, 2, 42])
  })
})

/** Checkpoint files Spark wrote with `repartition(n, coalesce(add.path, remove.path))`. */
const SPARK_PARTS: readonly [string, string][] = [
  ['delta-golden/multi-part-checkpoint/_delta_log', '00000000000000000001.checkpoint.0'],
  [
    'delta-kernel-rs/v2-checkpoints-json-with-sidecars/_delta_log/_sidecars',
    '00000000000000000004.',
  ],
  [
    'delta-kernel-rs/v2-checkpoints-json-with-sidecars/_delta_log/_sidecars',
    '00000000000000000006.',
  ],
]

describe.skipIf(corpusMissing())('sparkPartitionOf against Spark-written parts', () => {
  for (const [dir, prefix] of SPARK_PARTS) {
    test(`${dir}/${prefix}*`, async () => {
      const names = readdirSync(inCorpus(dir)).filter(
        (n) => n.startsWith(prefix) && n.endsWith('.parquet'),
      )
      expect(names.length).toBeGreaterThanOrEqual(2)
      let rows = 0
      for (const name of names) {
        const [, part, parts] = /checkpoint\.(\d{10})\.(\d{10})\./.exec(name)!
        const file = inCorpus(dir, name)
        for await (const batch of readCheckpointFile(readFileSync(file), 'parquet', {
          path: file,
        })) {
          for (const action of batch) {
            const path =
              'add' in action
                ? action.add.path
                : 'remove' in action
                  ? action.remove.path
                  : undefined
            expect(sparkPartitionOf(path, Number(parts)), `${name}: ${path}`).toBe(Number(part) - 1)
            rows++
          }
        }
      }
      expect(rows).toBeGreaterThanOrEqual(12)
    })
  }
})
