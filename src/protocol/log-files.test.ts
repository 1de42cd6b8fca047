import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  commitFileName,
  formatLogFileName,
  formatVersion,
  type LogFile,
  parseLogFileName,
} from './log-files.js'

const UUID = '80a083e8-7026-4e79-81be-64bd76c43a11'

describe('parseLogFileName', () => {
  it('parses every kind of log file', () => {
    const cases: [string, LogFile][] = [
      ['00000000000000000042.json', { kind: 'commit', version: 42 }],
      [
        '00000000000000000010.checkpoint.parquet',
        { kind: 'checkpoint', version: 10, format: 'classic' },
      ],
      [
        '00000000000000000010.checkpoint.0000000002.0000000003.parquet',
        { kind: 'checkpoint', version: 10, format: 'multi-part', part: 2, parts: 3 },
      ],
      [
        `00000000000000000010.checkpoint.${UUID}.json`,
        { kind: 'checkpoint', version: 10, format: 'uuid', uuid: UUID, fileFormat: 'json' },
      ],
      [
        `00000000000000000020.checkpoint.${UUID}.parquet`,
        { kind: 'checkpoint', version: 20, format: 'uuid', uuid: UUID, fileFormat: 'parquet' },
      ],
      [
        '00000000000000000004.00000000000000000006.compacted.json',
        { kind: 'compaction', startVersion: 4, endVersion: 6 },
      ],
      ['00000000000000000001.crc', { kind: 'crc', version: 1 }],
      ['_last_checkpoint', { kind: 'last-checkpoint' }],
      [
        '_staged_commits/00000000000000000001.7d17ac10-5cc3-401b-bd1a-9c82dd2ea032.json',
        { kind: 'staged-commit', version: 1, uuid: '7d17ac10-5cc3-401b-bd1a-9c82dd2ea032' },
      ],
      [
        '_sidecars/3a0d65cd-4056-49b8-937b-95f9e3ee90e5.parquet',
        { kind: 'sidecar', name: '3a0d65cd-4056-49b8-937b-95f9e3ee90e5.parquet' },
      ],
    ]
    for (const [name, expected] of cases) {
      expect(parseLogFileName(name)).toEqual(expected)
      expect(formatLogFileName(expected)).toBe(name)
    }
  })

  it('returns undefined for files that are not part of the log', () => {
    for (const name of [
      '.00000000000000000000.json.crc', // Hadoop checksum side file
      '.00000000000000000010.checkpoint.parquet.crc',
      '.tmp/00000000000000000001.json', // delta-rs temporary
      '_commit_2f2a2b4c.json.tmp',
      '.deltalake-tmp-1234',
      '0000000000000000001.json', // 19 digits
      '000000000000000000001.json', // 21 digits
      '00000000000000000001.json.tmp',
      '00000000000000000001.checkpoint.1.2.parquet', // parts not padded
      '00000000000000000010.checkpoint.0000000004.0000000003.parquet', // part beyond parts
      '00000000000000000010.checkpoint.0000000000.0000000003.parquet', // parts are 1-based
      '00000000000000000010.checkpoint.not-a-uuid.json',
      '00000000000000000006.00000000000000000006.compacted.json', // end must exceed start
      '00000000000000000006.00000000000000000004.compacted.json',
      '_staged_commits/00000000000000000001.json',
      '_sidecars/a/b.parquet',
      '_sidecars/.hidden.parquet',
      '99999999999999999999.json', // beyond exact JS integers
      '_last_checkpoint.tmp',
    ]) {
      expect(parseLogFileName(name)).toBeUndefined()
    }
  })
})

describe('formatLogFileName', () => {
  const version = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
  const logFile: fc.Arbitrary<LogFile> = fc.oneof(
    version.map((v) => ({ kind: 'commit' as const, version: v })),
    version.map((v) => ({ kind: 'checkpoint' as const, version: v, format: 'classic' as const })),
    fc.tuple(version, fc.integer({ min: 1, max: 9_999_999_999 })).chain(([v, parts]) =>
      fc.integer({ min: 1, max: parts }).map((part) => ({
        kind: 'checkpoint' as const,
        version: v,
        format: 'multi-part' as const,
        part,
        parts,
      })),
    ),
    fc
      .tuple(version, fc.uuid(), fc.constantFrom('json' as const, 'parquet' as const))
      .map(([v, uuid, fileFormat]) => ({
        kind: 'checkpoint' as const,
        version: v,
        format: 'uuid' as const,
        uuid,
        fileFormat,
      })),
    fc
      .tuple(version, version)
      .filter(([a, b]) => a !== b)
      .map(([a, b]) => ({
        kind: 'compaction' as const,
        startVersion: Math.min(a, b),
        endVersion: Math.max(a, b),
      })),
    version.map((v) => ({ kind: 'crc' as const, version: v })),
    fc.constant({ kind: 'last-checkpoint' as const }),
    fc
      .tuple(version, fc.uuid())
      .map(([v, uuid]) => ({ kind: 'staged-commit' as const, version: v, uuid })),
    fc
      .stringMatching(/^[A-Za-z0-9_-]{1,20}$/)
      .map((n) => ({ kind: 'sidecar' as const, name: `${n}.parquet` })),
  )

  it('round-trips through parseLogFileName', () => {
    fc.assert(
      fc.property(logFile, (file) => {
        expect(parseLogFileName(formatLogFileName(file))).toEqual(file)
      }),
    )
  })

  it('sorts commit names by string exactly as by version', () => {
    fc.assert(
      fc.property(fc.uniqueArray(version, { maxLength: 30 }), (versions) => {
        const byName = versions.map(commitFileName).sort()
        const byVersion = [...versions].sort((a, b) => a - b).map(commitFileName)
        expect(byName).toEqual(byVersion)
      }),
    )
  })

  it('sorts commits, checkpoints and crc files of different versions by version', () => {
    fc.assert(
      fc.property(fc.uniqueArray(version, { minLength: 2, maxLength: 10 }), (versions) => {
        const names = versions.map((v, i) =>
          formatLogFileName(
            i % 3 === 0
              ? { kind: 'commit', version: v }
              : i % 3 === 1
                ? { kind: 'checkpoint', version: v, format: 'classic' }
                : { kind: 'crc', version: v },
          ),
        )
        const parsed = names.sort().map((n) => parseLogFileName(n) as { version: number })
        const order = parsed.map((f) => f.version)
        expect(order).toEqual([...order].sort((a, b) => a - b))
      }),
    )
  })

  it('pads versions to 20 digits and rejects negative or fractional ones', () => {
    expect(formatVersion(7)).toBe('00000000000000000007')
    expect(() => formatVersion(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => formatVersion(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
