import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { md5Hex } from '../util/md5.js'
import {
  lastCheckpointChecksum,
  parseLastCheckpoint,
  serializeLastCheckpoint,
} from './last-checkpoint.js'
import { parseSchema } from './schema.js'

const CORPUS = process.env['DELTA_CORPUS'] ?? '../shared/corpus'

describe('lastCheckpointChecksum', () => {
  it('gives 6a92d155a59bf2eecbd4b4ec7fd1f875 for the PROTOCOL.md example', () => {
    const json =
      '{"k0":"\'v 0\'", "checksum": "adsaskfljadfkjadfkj", "k1":{"k2": 2, "k3": ["v3", [1, 2], {"k4": "v4", "k5": ["v5", "v6", "v7"]}]}}'
    expect(lastCheckpointChecksum(json)).toBe('6a92d155a59bf2eecbd4b4ec7fd1f875')
  })

  it('ignores only the top-level checksum key', () => {
    const a = lastCheckpointChecksum('{"version":1,"size":2}')
    expect(lastCheckpointChecksum('{"checksum":"x","version":1,"size":2}')).toBe(a)
    expect(lastCheckpointChecksum('{"version":1,"size":2,"tags":{"checksum":"x"}}')).not.toBe(a)
  })

  it('does not depend on key order or whitespace', () => {
    expect(lastCheckpointChecksum('{ "size" : 2 ,\n "version":1}')).toBe(
      lastCheckpointChecksum('{"version":1,"size":2}'),
    )
  })

  it('sorts whole path=value entries as Spark does, so "+10=" precedes "+1="', () => {
    const json = '{"a":[0,1,2,3,4,5,6,7,8,9,10]}'
    const entries = Array.from({ length: 11 }, (_, i) => `"a"+${i}=${i}`).sort()
    expect(entries.indexOf('"a"+10=10')).toBe(entries.indexOf('"a"+1=1') - 1)
    expect(lastCheckpointChecksum(json)).toBe(md5Hex(entries.join(',')))
  })

  it('rejects duplicate keys', () => {
    expect(() => lastCheckpointChecksum('{"version":1,"version":2}')).toThrow(SyntaxError)
  })

  const samples = [
    'delta-rs/spark-variant-checkpoint', // Spark, checkpointSchema with 10+ element arrays
    'delta-rs/table_with_deletion_logs',
    'delta-kernel-rs/v2-classic-parquet-struct-stats-only', // extra checkpointFiles field
    'delta-kernel-rs/v1-multi-part-partitioned-struct-stats-only',
  ]
  for (const table of samples) {
    const file = join(CORPUS, table, '_delta_log/_last_checkpoint')
    it.skipIf(!existsSync(file))(`verifies the checksum Spark wrote in ${table}`, () => {
      const text = readFileSync(file, 'utf8')
      const stored = (JSON.parse(text) as { checksum: string }).checksum
      expect(lastCheckpointChecksum(text)).toBe(stored)
      const parsed = parseLastCheckpoint(text, file)
      expect(parsed.checksum).toBe(stored)
      expect(parsed.checkpointSchema?.type).toBe('struct')
    })
  }
})

describe('parseLastCheckpoint', () => {
  it('reads the minimal form without checksum', () => {
    expect(parseLastCheckpoint('{"version":10,"size":13}', '_last_checkpoint')).toEqual({
      version: 10,
      size: 13,
    })
  })

  it('reads every optional field and tolerates unknown ones', () => {
    const info = parseLastCheckpoint(
      JSON.stringify({
        version: 5,
        size: 7,
        parts: 3,
        sizeInBytes: 58606,
        numOfAddFiles: 5,
        checkpointSchema: {
          type: 'struct',
          fields: [{ name: 'txn', type: 'string', nullable: true, metadata: {} }],
        },
        tags: { a: 'b' },
        checkpointType: 'V2',
        v2Checkpoint: {
          path: '00000000000000000005.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json',
          sizeInBytes: 100,
          modificationTime: 1,
          nonFileActions: [{ checkpointMetadata: { version: 5 } }, { someFutureAction: {} }],
          sidecarFiles: [{ path: 'a.parquet', sizeInBytes: 1, modificationTime: 2 }],
        },
        somethingNew: [1, 2],
      }),
      '_last_checkpoint',
    )
    expect(info).toMatchObject({
      version: 5,
      size: 7,
      parts: 3,
      sizeInBytes: 58606,
      numOfAddFiles: 5,
    })
    expect(info.tags).toEqual({ a: 'b' })
    expect(info.checkpointType).toBe('V2')
    expect(info.checkpointSchema?.fields[0]?.name).toBe('txn')
    expect(info.v2Checkpoint?.nonFileActions).toEqual([{ checkpointMetadata: { version: 5 } }])
    expect(info.v2Checkpoint?.sidecarFiles?.[0]?.path).toBe('a.parquet')
  })

  it('treats a missing size as unknown (-1)', () => {
    expect(parseLastCheckpoint('{"version":2}', 'p').size).toBe(-1)
  })

  it('drops a checkpointSchema it cannot parse instead of failing (it is only a hint)', () => {
    const info = parseLastCheckpoint(
      '{"version":2,"size":1,"checkpointSchema":{"type":"struct","fields":[{"name":"a","type":"interval"}]}}',
      'p',
    )
    expect(info.checkpointSchema).toBeUndefined()
  })

  const corrupt = (text: string): void => {
    expect(() => parseLastCheckpoint(text, '_delta_log/_last_checkpoint')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_LOG', path: '_delta_log/_last_checkpoint' }),
    )
  }

  it('rejects a checksum mismatch (a torn read)', () => {
    corrupt('{"version":10,"size":13,"checksum":"00000000000000000000000000000000"}')
  })

  it('rejects malformed JSON, duplicate keys and a missing or negative version', () => {
    corrupt('{"version":10,')
    corrupt('{"version":10,"version":11}')
    corrupt('{"size":13}')
    corrupt('{"version":-1,"size":1}')
    corrupt('[1]')
    corrupt('{"version":"10","size":1}')
    corrupt('{"version":1,"size":1,"parts":0}')
  })
})

describe('serializeLastCheckpoint', () => {
  it('writes version, size and parts first and a checksum that verifies', () => {
    const text = serializeLastCheckpoint({
      version: 20,
      size: 5,
      parts: 2,
      sizeInBytes: 100,
      numOfAddFiles: 3,
      checkpointSchema: parseSchema(
        '{"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]}',
      ),
    })
    expect(text.startsWith('{"version":20,"size":5,"parts":2,')).toBe(true)
    const parsed = parseLastCheckpoint(text, 'p')
    expect(parsed).toMatchObject({
      version: 20,
      size: 5,
      parts: 2,
      sizeInBytes: 100,
      numOfAddFiles: 3,
    })
    expect(parsed.checksum).toMatch(/^[0-9a-f]{32}$/)
  })
})
