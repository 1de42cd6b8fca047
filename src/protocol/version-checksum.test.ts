import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  parseVersionChecksum,
  serializeVersionChecksum,
  type VersionChecksum,
} from './version-checksum.js'

const CORPUS = process.env['DELTA_CORPUS'] ?? '../shared/corpus'
const PATH = '_delta_log/00000000000000000002.crc'

// delta-rs/simple_table_with_cdc/_delta_log/00000000000000000002.crc, histogram shortened.
const LEGACY =
  '{"tableSizeBytes":1026,"numFiles":1,"numMetadata":1,"numProtocol":1,"protocol":{"minReaderVersion":1,"minWriterVersion":4},"metadata":{"id":"abd7ff9d-5fac-48fb-8d13-06c3ce1811ac","format":{"provider":"parquet","options":{}},"schemaString":"{\\"type\\":\\"struct\\",\\"fields\\":[{\\"name\\":\\"id\\",\\"type\\":\\"integer\\",\\"nullable\\":true,\\"metadata\\":{}}]}","partitionColumns":[],"configuration":{"delta.enableChangeDataFeed":"true"},"createdTime":1671962429466},"histogramOpt":{"sortedBinBoundaries":[0,8192,16384],"fileCounts":[1,0,0],"totalBytes":[1026,0,0]},"txnId":"a7ce7173-dcd4-4623-a412-d8e2bc76873f","allFiles":[{"path":"part-00000.snappy.parquet","partitionValues":{},"size":1026,"modificationTime":1671962475000,"dataChange":false}]}'

describe('parseVersionChecksum', () => {
  it('reads a real checksum, accepting the legacy histogramOpt name', () => {
    const crc = parseVersionChecksum(LEGACY, PATH)
    expect(crc.tableSizeBytes).toBe(1026)
    expect(crc.numFiles).toBe(1)
    expect(crc.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 4 })
    expect(crc.metadata?.configuration).toEqual({ 'delta.enableChangeDataFeed': 'true' })
    expect(crc.fileSizeHistogram).toEqual({
      sortedBinBoundaries: [0, 8192, 16384],
      fileCounts: [1, 0, 0],
      totalBytes: [1026, 0, 0],
    })
    expect(crc.txnId).toBe('a7ce7173-dcd4-4623-a412-d8e2bc76873f')
    expect(crc.allFiles?.[0]?.size).toBe(1026)
  })

  it('reads every optional field and treats nulls as absent', () => {
    const full = {
      ...JSON.parse(LEGACY),
      histogramOpt: undefined,
      fileSizeHistogram: { sortedBinBoundaries: [0], fileCounts: [2], totalBytes: [10] },
      inCommitTimestampOpt: 1700000000000,
      setTransactions: [{ appId: 'app', version: 3, lastUpdated: 5 }],
      domainMetadata: [
        { domain: 'delta.rowTracking', configuration: '{"rowIdHighWaterMark":9}', removed: false },
      ],
      numDeletedRecordsOpt: 4,
      numDeletionVectorsOpt: 1,
      deletedRecordCountsHistogramOpt: { deletedRecordCounts: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0] },
      txnId: null,
    } as Record<string, unknown>
    const crc = parseVersionChecksum(JSON.stringify(full), PATH)
    expect(crc.inCommitTimestampOpt).toBe(1700000000000)
    expect(crc.setTransactions).toEqual([{ appId: 'app', version: 3, lastUpdated: 5 }])
    expect(crc.domainMetadata?.[0]?.domain).toBe('delta.rowTracking')
    expect(crc.numDeletedRecordsOpt).toBe(4)
    expect(crc.deletedRecordCountsHistogramOpt?.deletedRecordCounts).toHaveLength(10)
    expect('txnId' in crc).toBe(false)
  })

  it('reads an old Databricks checksum that has only the counts', () => {
    const crc = parseVersionChecksum(
      '{"tableSizeBytes":6190485,"numFiles":8,"numMetadata":1,"numProtocol":1,"numTransactions":0}',
      PATH,
    )
    expect(crc).toEqual({ tableSizeBytes: 6190485, numFiles: 8, numMetadata: 1, numProtocol: 1 })
  })

  it('round-trips through serializeVersionChecksum, writing the current field names', () => {
    const crc = parseVersionChecksum(LEGACY, PATH)
    const text = serializeVersionChecksum(crc)
    expect(text).toContain('"fileSizeHistogram"')
    expect(text).not.toContain('histogramOpt')
    expect(parseVersionChecksum(text, PATH)).toEqual(crc)
  })

  it('rejects missing required fields and malformed values with CorruptLogError', () => {
    const base = JSON.parse(LEGACY) as Record<string, unknown>
    const bad: Record<string, unknown>[] = [
      { ...base, tableSizeBytes: undefined },
      { ...base, numFiles: '1' },
      { ...base, metadata: 'x' },
      { ...base, protocol: { minReaderVersion: 1 } },
      {
        ...base,
        histogramOpt: { sortedBinBoundaries: [0, 1], fileCounts: [1], totalBytes: [1, 2] },
      },
      { ...base, setTransactions: {} },
      { ...base, allFiles: [{ path: 'a' }] },
      { ...base, txnId: 5 },
    ]
    for (const value of bad) {
      expect(() => parseVersionChecksum(JSON.stringify(value), PATH)).toThrow(
        expect.objectContaining({ code: 'CORRUPT_LOG', path: PATH }),
      )
    }
    expect(() => parseVersionChecksum('{', PATH)).toThrow(
      expect.objectContaining({ code: 'CORRUPT_LOG' }),
    )
    expect(() => parseVersionChecksum('[]', PATH)).toThrow(
      expect.objectContaining({ code: 'CORRUPT_LOG' }),
    )
  })

  it.skipIf(!existsSync(CORPUS))('reads every .crc file of the corpus', () => {
    const files: string[] = []
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (/_delta_log[/\\]\d{20}\.crc$/.test(path)) files.push(path)
      }
    }
    walk(CORPUS)
    expect(files.length).toBeGreaterThan(20)
    for (const file of files) {
      const crc: VersionChecksum = parseVersionChecksum(readFileSync(file, 'utf8'), file)
      expect(crc.numMetadata).toBe(1)
      expect(crc.numProtocol).toBe(1)
    }
  })
})
