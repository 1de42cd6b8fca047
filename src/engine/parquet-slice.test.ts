import * as arrow from 'apache-arrow'
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import {
  corpusMissing,
  duckRows,
  inCorpus,
  parquetSchema,
  schemaTree,
  sqlString,
  tempFile,
} from './engine.test-util.js'
import {
  ParquetFormatError,
  findColumn,
  footerOnlyFile,
  parseFooter,
  sliceParquet,
} from './parquet-slice.js'
import { writeParquet } from './parquet.js'

function table(): arrow.Table {
  const n = 1000
  return new arrow.Table({
    a: arrow.vectorFromArray(
      Array.from({ length: n }, (_, i) => i),
      new arrow.Int32(),
    ),
    b: arrow.vectorFromArray(
      Array.from({ length: n }, (_, i) => `row ${i} `.repeat(20)),
      new arrow.Utf8(),
    ),
    c: arrow.vectorFromArray(
      Array.from({ length: n }, (_, i) => i * 2),
      new arrow.Float64(),
    ),
  })
}

describe('parseFooter', () => {
  test('describes leaves, row groups and the schema tree', () => {
    const footer = parseFooter(writeParquet(table(), { rowGroupSize: 300 }))
    expect(footer.numLeaves).toBe(3)
    expect(footer.numRows).toBe(1000)
    expect(footer.rowGroups.map((g) => g.numRows)).toEqual([300, 300, 300, 100])
    expect(footer.root.children.map((c) => [c.name, c.leafStart, c.leafEnd])).toEqual([
      ['a', 0, 1],
      ['b', 1, 2],
      ['c', 2, 3],
    ])
  })

  test('rejects files without the PAR1 magic, and encrypted footers', () => {
    expect(() => parseFooter(new Uint8Array(64))).toThrow(ParquetFormatError)
    const pare = writeParquet(table()).slice()
    pare.set([0x50, 0x41, 0x52, 0x45], pare.length - 4)
    expect(() => parseFooter(pare)).toThrow(/encrypted/)
  })

  test('rejects a footer length larger than the file', () => {
    const bytes = writeParquet(table()).slice()
    new DataView(bytes.buffer).setUint32(bytes.length - 8, bytes.length, true)
    expect(() => parseFooter(bytes)).toThrow(/exceeds the file size/)
  })
})

describe('sliceParquet', () => {
  const bytes = writeParquet(table(), { rowGroupSize: 300, compression: 'uncompressed' })
  const footer = parseFooter(bytes)

  test('keeps only the chosen leaves and row groups, copying only their chunks', async () => {
    const sliced = sliceParquet(bytes, footer, { leaves: new Set([0, 2]), rowGroups: [1, 3] })
    // Column b (long strings) dominates the file; without it the slice is a fraction of it.
    expect(sliced.length).toBeLessThan(bytes.length / 4)
    const { file, cleanup } = tempFile('slice.parquet', sliced)
    try {
      expect((await parquetSchema(file)).map((r) => r.name)).toEqual(['a', 'c'])
      const rows = await duckRows(
        `select count(*) as n, min(a) as lo, max(a) as hi, sum(c) as s from read_parquet(${sqlString(file)})`,
      )
      expect(rows).toEqual([
        {
          n: 400n,
          lo: 300,
          hi: 999,
          s:
            2 *
            (Array.from({ length: 300 }, (_, i) => 300 + i).reduce((x, y) => x + y) +
              Array.from({ length: 100 }, (_, i) => 900 + i).reduce((x, y) => x + y)),
        },
      ])
    } finally {
      cleanup()
    }
  })

  test('a missing row group is an error', () => {
    expect(() => sliceParquet(bytes, footer, { rowGroups: [4] })).toThrow(
      /row group 4 does not exist/,
    )
  })

  test('footerOnlyFile keeps the schema and no data', () => {
    const only = parseFooter(footerOnlyFile(footer))
    expect(only.numRows).toBe(0)
    expect(only.rowGroups).toEqual([])
    expect(only.root.children.map((c) => c.name)).toEqual(['a', 'b', 'c'])
  })
})

describe.skipIf(corpusMissing())('slicing real checkpoints', () => {
  // Read lazily: the body of a skipped describe still runs at collection time.
  const file = inCorpus(
    'delta-golden/checkpoint/_delta_log/00000000000000000010.checkpoint.parquet',
  )
  let cached: { bytes: Uint8Array; footer: ReturnType<typeof parseFooter> } | undefined
  const load = (): { bytes: Uint8Array; footer: ReturnType<typeof parseFooter> } => {
    if (cached === undefined) {
      const bytes = readFileSync(file)
      cached = { bytes, footer: parseFooter(bytes) }
    }
    return cached
  }

  test('findColumn walks structs and refuses to enter maps and lists', () => {
    const { footer } = load()
    expect(findColumn(footer, ['add', 'path'])).toMatchObject({ name: 'path', children: [] })
    expect(findColumn(footer, ['add', 'nope'])).toBeUndefined()
    expect(findColumn(footer, ['add', 'partitionValues'])).toMatchObject({ opaque: true })
    expect(() => findColumn(footer, ['add', 'partitionValues', 'key_value'])).toThrow(
      ParquetFormatError,
    )
    expect(() => findColumn(footer, ['metaData', 'partitionColumns', 'list'])).toThrow(
      ParquetFormatError,
    )
  })

  test('a slice of a Spark file keeps the Spark layout of what it keeps', async () => {
    const { bytes, footer } = load()
    const add = findColumn(footer, ['add'])!
    const leaves = new Set(
      Array.from({ length: add.leafEnd - add.leafStart }, (_, i) => add.leafStart + i),
    )
    const { file: out, cleanup } = tempFile(
      'spark-slice.parquet',
      sliceParquet(bytes, footer, { leaves }),
    )
    try {
      const original = schemaTree(await parquetSchema(file))
      const sliced = schemaTree(await parquetSchema(out))
      const start = original.indexOf('add OPTIONAL group')
      expect(sliced).toEqual(original.slice(start, start + sliced.length))
      expect(sliced.filter((l) => l.startsWith('add')).length).toBe(1)
      const rows = await duckRows(
        `select count(add) as adds, sum(add.size) as size from read_parquet(${sqlString(out)})`,
      )
      const expected = await duckRows(
        `select count(add) as adds, sum(add.size) as size from read_parquet(${sqlString(file)})`,
      )
      expect(rows).toEqual(expected)
    } finally {
      cleanup()
    }
  })
})
