import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeLogPath, encodeLogPath, isPlainRelativePath, keyWithinRoot } from './file-paths.js'
import {
  escapePartitionPathComponent,
  HIVE_DEFAULT_PARTITION,
  partitionDirectory,
  unescapePartitionPathComponent,
} from './partition-path.js'

const where = { path: '_delta_log/00000000000000000001.json', line: 2 }

describe('decodeLogPath', () => {
  it('decodes Spark-written relative paths exactly once (golden tables)', () => {
    // data-reader-escaped-chars: partition value "bar+%21" in directory _2=bar+%2521.
    expect(decodeLogPath('_2=bar+%252521/part-00000-af08.c000.snappy.parquet')).toEqual({
      kind: 'relative',
      key: '_2=bar+%2521/part-00000-af08.c000.snappy.parquet',
    })
    // log-replay-special-characters
    expect(decodeLogPath('special%20p@%23h')).toEqual({ kind: 'relative', key: 'special p@#h' })
    // data-reader-partition-values: timestamp "2021-09-08 11:11:11"
    expect(decodeLogPath('as_timestamp=2021-09-08%2011%253A11%253A11/part-0.parquet')).toEqual({
      kind: 'relative',
      key: 'as_timestamp=2021-09-08 11%3A11%3A11/part-0.parquet',
    })
    // dat multi_partitioned: Spark leaves non-ASCII unencoded
    expect(decodeLogPath('letter=b/date=1970-01-01/data=😈/part-0.parquet')).toEqual({
      kind: 'relative',
      key: 'letter=b/date=1970-01-01/data=😈/part-0.parquet',
    })
    expect(decodeLogPath('bar%2Dbar.snappy.parquet')).toEqual({
      kind: 'relative',
      key: 'bar-bar.snappy.parquet',
    })
  })

  it('flags absolute URIs and rooted paths (canonicalized-paths golden tables)', () => {
    expect(decodeLogPath('file:/some/unqualified/with%20space/p@%23h')).toEqual({
      kind: 'absolute',
      scheme: 'file',
      authority: undefined,
      path: '/some/unqualified/with space/p@#h',
      uri: 'file:/some/unqualified/with%20space/p@%23h',
    })
    expect(decodeLogPath('file:///some/unqualified/with%20space/p@%23h')).toMatchObject({
      kind: 'absolute',
      scheme: 'file',
      authority: '',
      path: '/some/unqualified/with space/p@#h',
    })
    expect(decodeLogPath('/some/unqualified/with%20space/p@%23h')).toMatchObject({
      kind: 'absolute',
      scheme: undefined,
      path: '/some/unqualified/with space/p@#h',
    })
    expect(decodeLogPath('S3://bucket/t/a%3Db/f.parquet')).toMatchObject({
      kind: 'absolute',
      scheme: 's3',
      authority: 'bucket',
      path: '/t/a=b/f.parquet',
    })
  })

  it('normalises dot segments and flags paths that climb out of the table', () => {
    expect(decodeLogPath('a/./b//c')).toEqual({ kind: 'relative', key: 'a/b/c' })
    expect(decodeLogPath('a/../b')).toEqual({ kind: 'relative', key: 'b' })
    expect(decodeLogPath('..//Users/x/foo.snappy.parquet')).toEqual({
      kind: 'outside',
      path: '..//Users/x/foo.snappy.parquet',
    })
  })

  it('keeps + as a plus sign', () => {
    expect(decodeLogPath('a+b%2Bc')).toEqual({ kind: 'relative', key: 'a+b+c' })
  })

  it('rejects malformed percent-encoding and empty paths with CorruptLogError', () => {
    for (const bad of ['a%zz', 'a%2', '%C3%28', '', '.', 's3://b/%ZZ']) {
      expect(() => decodeLogPath(bad, where)).toThrow(
        expect.objectContaining({ code: 'CORRUPT_LOG', path: where.path, line: 2 }),
      )
      expect(() => decodeLogPath(bad)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      )
    }
  })
})

describe('isPlainRelativePath', () => {
  it('is true only for paths that decode to themselves as a relative key', () => {
    const plain = ['f.parquet', 'date=2024-01-01/part-0.parquet', 'a+b/c', "a=it's/x.parquet"]
    const notPlain = ['', '/t/f', 's3://b/f', 'a%20b', 'a//b', './a', '../a', 'a/./b', 'a/..']
    for (const p of plain) expect([p, isPlainRelativePath(p)]).toEqual([p, true])
    for (const p of notPlain) expect([p, isPlainRelativePath(p)]).toEqual([p, false])
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '/', '.', '%', ':', '2', '0') }), (p) => {
        let decoded
        try {
          decoded = decodeLogPath(p)
        } catch {
          decoded = undefined
        }
        if (isPlainRelativePath(p)) expect(decoded).toEqual({ kind: 'relative', key: p })
      }),
      { numRuns: 2000 },
    )
  })
})

describe('encodeLogPath', () => {
  it('writes what Spark writes for partition directories', () => {
    expect(encodeLogPath('_2=bar+%2521/part-0.parquet')).toBe('_2=bar+%252521/part-0.parquet')
    expect(encodeLogPath('as_timestamp=2021-09-08 11%3A11%3A11/p.parquet')).toBe(
      'as_timestamp=2021-09-08%2011%253A11%253A11/p.parquet',
    )
    expect(encodeLogPath('special p@#h')).toBe('special%20p@%23h')
    expect(encodeLogPath("a=!$&'()*,;~/b.parquet")).toBe("a=!$&'()*,;~/b.parquet")
  })

  it('encodes colons, reserved characters and non-ASCII as uppercase UTF-8 %XX', () => {
    expect(encodeLogPath('a:b?c#d[e]')).toBe('a%3Ab%3Fc%23d%5Be%5D')
    expect(encodeLogPath('é😈')).toBe('%C3%A9%F0%9F%98%88')
  })

  it('rejects keys that are not relative keys', () => {
    for (const bad of ['', '/a', 'a//b', 'a/./b', '../a', 'a/']) {
      expect(() => encodeLogPath(bad)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      )
    }
  })

  it('round-trips keys of every ASCII and non-ASCII character', () => {
    const segment = fc
      .string({
        unit: fc.oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          fc.constantFrom('%', '+', ':', '#', '?', ' ', '=', '\\'),
        ),
        minLength: 1,
      })
      .filter((s) => !s.includes('/') && s !== '.' && s !== '..')
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
        const key = segments.join('/')
        const encoded = encodeLogPath(key)
        expect(encoded).toMatch(/^[A-Za-z0-9\-._~/!$&'()*+,;=@%]+$/)
        expect(decodeLogPath(encoded)).toEqual({ kind: 'relative', key })
      }),
    )
  })

  it('encodes every single character so that it decodes back', () => {
    for (let code = 0; code < 0x800; code++) {
      const c = String.fromCharCode(code)
      if (c === '/' || c === '.' || (code >= 0xd800 && code <= 0xdfff)) continue
      expect(decodeLogPath(encodeLogPath(`x${c}`))).toEqual({ kind: 'relative', key: `x${c}` })
    }
  })
})

describe('keyWithinRoot', () => {
  it('relativises absolute paths inside the table root', () => {
    const target = decodeLogPath('file:/data/t/a%20b/f.parquet')
    expect(keyWithinRoot(target, 'file:///data/t')).toBe('a b/f.parquet')
    expect(keyWithinRoot(target, 'file:///data/other')).toBeUndefined()
    expect(keyWithinRoot(decodeLogPath('s3://b/t/x.parquet'), 's3://b/t/')).toBe('x.parquet')
    expect(keyWithinRoot(decodeLogPath('s3://other/t/x.parquet'), 's3://b/t')).toBeUndefined()
    expect(keyWithinRoot(decodeLogPath('/data/t/x.parquet'), 'file:///data/t')).toBe('x.parquet')
    expect(keyWithinRoot(decodeLogPath('x.parquet'), 's3://b/t')).toBe('x.parquet')
    expect(keyWithinRoot(decodeLogPath('../x.parquet'), 's3://b/t')).toBeUndefined()
  })
})

describe('Hive partition directory escaping', () => {
  it('escapes the characters Spark escapes, and only those', () => {
    expect(escapePartitionPathComponent('a:b=c/d%e')).toBe('a%3Ab%3Dc%2Fd%25e')
    expect(escapePartitionPathComponent('"#\'*?\\{[]^\u007f\u0001\n')).toBe(
      '%22%23%27%2A%3F%5C%7B%5B%5D%5E%7F%01%0A',
    )
    expect(escapePartitionPathComponent('a b+c@é😈')).toBe('a b+c@é😈')
  })

  it('unescapes, keeping a stray % literal as Spark does', () => {
    expect(unescapePartitionPathComponent('a%3Ab')).toBe('a:b')
    expect(unescapePartitionPathComponent('100%')).toBe('100%')
    expect(unescapePartitionPathComponent('%zz')).toBe('%zz')
  })

  it('round-trips random unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const escaped = escapePartitionPathComponent(text)
        expect(escaped).not.toMatch(/[/:=\u0000-\u001f]/)
        expect(unescapePartitionPathComponent(escaped)).toBe(text)
      }),
    )
  })

  it('builds directories with the Hive default partition for NULL', () => {
    expect(
      partitionDirectory([
        ['date', '2024-01-01'],
        ['region', null],
        ['ts', '2021-09-08 11:11:11'],
        ['s', ''],
      ]),
    ).toBe(
      `date=2024-01-01/region=${HIVE_DEFAULT_PARTITION}/ts=2021-09-08 11%3A11%3A11/s=${HIVE_DEFAULT_PARTITION}`,
    )
  })

  it('produces the log path Spark wrote in data-reader-partition-values', () => {
    const dir = partitionDirectory([['as_timestamp', '2021-09-08 11:11:11']])
    expect(encodeLogPath(`${dir}/part-0.parquet`)).toBe(
      'as_timestamp=2021-09-08%2011%253A11%253A11/part-0.parquet',
    )
  })
})
