import { describe, expect, it } from 'vitest'
import { LogStore, commitKey } from '../log/log-store.js'
import { serializeActions } from '../protocol/action-parser.js'
import type { Action, Add } from '../protocol/actions.js'
import { parseSchema } from '../protocol/schema.js'
import { loadSnapshot } from '../snapshot/load.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { MemoryStore } from '../storage/memory.js'
import { utf8Encode } from '../util/utf8.js'
import { col, eq, gt } from './expression.js'
import { planScan, resolveFilter } from './plan.js'
import { PredicateSyntaxError, UnknownColumnError } from './predicate-errors.js'
import type { ScanFile } from './scan-file.js'

const field = (name: string, type: string, physical?: string) => ({
  name,
  type,
  nullable: true,
  metadata:
    physical === undefined
      ? {}
      : { 'delta.columnMapping.id': 1, 'delta.columnMapping.physicalName': physical },
})

/** A snapshot stand-in: planScan reads only these members. */
function fakeSnapshot(
  adds: readonly Add[],
  options: { fields?: unknown[]; partitionColumns?: string[]; mode?: 'none' | 'name' } = {},
): Snapshot {
  const schema = parseSchema(
    JSON.stringify({
      type: 'struct',
      fields: options.fields ?? [field('x', 'long'), field('p', 'string'), field('day', 'date')],
    }),
  )
  return {
    schema,
    partitionColumns: options.partitionColumns ?? ['p', 'day'],
    columnMappingMode: options.mode ?? 'none',
    tableUrl: 'memory://bucket/table/',
    files: () => adds[Symbol.iterator](),
  } as unknown as Snapshot
}

function add(path: string, extra: Partial<Add> = {}): Add {
  return {
    path,
    partitionValues: { p: 'a', day: '2024-01-01' },
    size: 10,
    modificationTime: 1,
    dataChange: true,
    ...extra,
  }
}

const stats = (min: number, max: number, numRecords = 10) =>
  JSON.stringify({ numRecords, minValues: { x: min }, maxValues: { x: max }, nullCount: { x: 0 } })

const paths = (files: Iterable<ScanFile>): string[] => [...files].map((f) => f.logPath)

describe('planScan: scan files', () => {
  it('decodes the location once: keys under the root, URIs elsewhere', () => {
    const snapshot = fakeSnapshot([
      add('p=a%20b/f%2520.parquet'),
      add('memory://bucket/table/sub/g.parquet'),
      add('s3://other/h.parquet'),
      add('../sibling/i.parquet'),
    ])
    expect([...planScan(snapshot)].map((f) => f.location)).toEqual([
      { kind: 'key', key: 'p=a b/f%20.parquet' },
      { kind: 'key', key: 'sub/g.parquet' },
      { kind: 'uri', uri: 's3://other/h.parquet' },
      { kind: 'uri', uri: 'memory://bucket/sibling/i.parquet' },
    ])
  })

  it('types partition values by logical name and keeps the add fields', () => {
    const dv = { storageType: 'i' as const, pathOrInlineDv: 'abc', sizeInBytes: 3, cardinality: 4 }
    const snapshot = fakeSnapshot([
      add('f.parquet', {
        partitionValues: { p: null, day: '2024-01-02' },
        stats: stats(1, 2, 10),
        deletionVector: dv,
        baseRowId: 7,
        defaultRowCommitVersion: 3,
        size: 99,
        modificationTime: 5,
      }),
    ])
    const [file] = [...planScan(snapshot)]
    expect(file).toEqual({
      location: { kind: 'key', key: 'f.parquet' },
      logPath: 'f.parquet',
      size: 99,
      modificationTime: 5,
      partitionValues: { p: null, day: 19724 },
      stats: {
        numRecords: 10,
        minValues: { x: 1 },
        maxValues: { x: 2 },
        nullCount: { x: 0 },
        tightBounds: true,
      },
      deletionVector: dv,
      numRecords: 6,
      baseRowId: 7,
      defaultRowCommitVersion: 3,
    })
    // A spread copy keeps the lazily parsed values.
    expect({ ...file! }.numRecords).toBe(6)
  })

  it('reads partition values by physical name under column mapping', () => {
    const snapshot = fakeSnapshot(
      [
        add('a.parquet', { partitionValues: { 'col-p': 'x' } }),
        add('b.parquet', { partitionValues: { 'col-p': 'y' } }),
      ],
      { fields: [field('p', 'string', 'col-p')], partitionColumns: ['p'], mode: 'name' },
    )
    expect([...planScan(snapshot)].map((f) => f.partitionValues)).toEqual([{ p: 'x' }, { p: 'y' }])
    expect(paths(planScan(snapshot, { filter: "p = 'y'" }))).toEqual(['b.parquet'])
  })

  it('has no numRecords without stats, and treats malformed stats as none', () => {
    const snapshot = fakeSnapshot([add('a'), add('b', { stats: '{not json' })])
    expect([...planScan(snapshot)].map((f) => [f.stats, f.numRecords])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ])
    expect(paths(planScan(snapshot, { filter: 'x = 5' }))).toEqual(['a', 'b'])
  })

  it('fails on a partition value that does not parse as its type', () => {
    const snapshot = fakeSnapshot([add('a', { partitionValues: { p: 'a', day: 'monday' } })])
    expect(() => [...planScan(snapshot)]).toThrow(expect.objectContaining({ code: 'CORRUPT_LOG' }))
  })
})

describe('planScan: filtering', () => {
  const files = [
    add('low', { stats: stats(1, 5) }),
    add('high', { stats: stats(10, 20) }),
    add('other-partition', { partitionValues: { p: 'b', day: null }, stats: stats(1, 20) }),
    add('no-stats'),
  ]

  it('drops files that cannot match, from text or an expression', () => {
    const snapshot = fakeSnapshot(files)
    expect(paths(planScan(snapshot, { filter: 'x > 7' }))).toEqual([
      'high',
      'other-partition',
      'no-stats',
    ])
    expect(paths(planScan(snapshot, { filter: gt(col('x'), 7) }))).toEqual([
      'high',
      'other-partition',
      'no-stats',
    ])
    expect(paths(planScan(snapshot, { filter: "p = 'b' OR x < 3" }))).toEqual([
      'low',
      'other-partition',
      'no-stats',
    ])
    expect(paths(planScan(snapshot, { filter: "day >= '2024-01-01'" }))).toEqual([
      'low',
      'high',
      'no-stats',
    ])
    expect(paths(planScan(snapshot, { filter: 'day IS NULL AND x = 15' }))).toEqual([
      'other-partition',
    ])
    expect(paths(planScan(snapshot, { filter: 'x = NULL' }))).toEqual([])
    expect(paths(planScan(snapshot, { filter: '1 = 1' }))).toHaveLength(4)
    expect(paths(planScan(snapshot))).toHaveLength(4)
  })

  it('binds an expression to the schema (case and literal types)', () => {
    const snapshot = fakeSnapshot(files)
    expect(paths(planScan(snapshot, { filter: eq(col('X'), 15) }))).toEqual([
      'high',
      'other-partition',
      'no-stats',
    ])
    expect(resolveFilter(snapshot, eq(col('DAY'), '2024-01-01'))).toEqual(eq(col('day'), 19723))
    expect(resolveFilter(snapshot, undefined)).toBeUndefined()
  })

  it('rejects a bad filter at the call, before iterating', () => {
    const snapshot = fakeSnapshot(files)
    expect(() => planScan(snapshot, { filter: 'x >' })).toThrow(PredicateSyntaxError)
    expect(() => planScan(snapshot, { filter: 'y = 1' })).toThrow(UnknownColumnError)
    expect(() => planScan(snapshot, { filter: eq(col('y'), 1) })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        column: 'y',
        available: ['x', 'p', 'day'],
      }),
    )
  })

  it('parses each file`s stats at most once, and not at all for partition-only filters', () => {
    let reads = 0
    const counted = (path: string, partition: string, text: string): Add => {
      const base = add(path, { partitionValues: { p: partition, day: null } })
      return Object.defineProperty({ ...base }, 'stats', {
        enumerable: true,
        get: () => {
          reads++
          return text
        },
      })
    }
    const snapshot = fakeSnapshot([
      counted('a', 'a', stats(1, 5)),
      counted('b', 'b', stats(10, 20)),
    ])

    expect(paths(planScan(snapshot, { filter: "p = 'a'" }))).toEqual(['a'])
    expect(reads).toBe(0)

    const planned = [...planScan(snapshot, { filter: 'x > 3' })]
    expect(planned.map((f) => f.logPath)).toEqual(['a', 'b'])
    expect(reads).toBe(2)
    for (const f of planned) {
      expect(f.stats?.numRecords).toBe(10)
      expect(f.numRecords).toBe(10)
      expect({ ...f }.stats).toBe(f.stats)
    }
    expect(reads).toBe(2)
  })

  it('is lazy: files are planned as the iterator is consumed', () => {
    let pulled = 0
    const snapshot = fakeSnapshot([])
    ;(snapshot as unknown as { files: () => Iterator<Add> }).files = function* () {
      for (let i = 0; i < 1000; i++) {
        pulled++
        yield add(`f${i}`)
      }
    }
    const it = planScan(snapshot, { filter: "p = 'a'" })
    expect(pulled).toBe(0)
    it.next()
    it.next()
    expect(pulled).toBe(2)
  })
})

describe('planScan over a replayed log', () => {
  const SCHEMA = JSON.stringify({
    type: 'struct',
    fields: [field('id', 'long'), field('part', 'string')],
  })
  async function table(commits: Action[][]): Promise<Snapshot> {
    const memory = new MemoryStore()
    for (const [version, actions] of commits.entries()) {
      await memory.put(commitKey(version), utf8Encode(serializeActions(actions)))
    }
    return loadSnapshot(new LogStore(memory))
  }
  const addAction = (path: string, part: string, min: number, max: number): Action => ({
    add: {
      path,
      partitionValues: { part },
      size: 1,
      modificationTime: 1,
      dataChange: true,
      stats: stats(min, max).replaceAll('"x"', '"id"'),
    },
  })

  it('skips only among the live files, with the newest stats of a re-added path', async () => {
    const snapshot = await table([
      [
        { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
        {
          metaData: {
            id: 't',
            format: { provider: 'parquet', options: {} },
            schemaString: SCHEMA,
            partitionColumns: ['part'],
            configuration: {},
            createdTime: 0,
          },
        },
      ],
      [addAction('a', 'x', 1, 5), addAction('b', 'y', 1, 5)],
      // `a` is rewritten with other data; an old Add that matched must not come back.
      [addAction('a', 'x', 50, 60)],
      [
        { remove: { path: 'b', deletionTimestamp: 1, dataChange: true } },
        addAction('c', 'y', 3, 3),
      ],
    ])
    expect(paths(planScan(snapshot, { filter: 'id < 10' }))).toEqual(['c'])
    expect(paths(planScan(snapshot, { filter: 'id >= 50' }))).toEqual(['a'])
    expect(paths(planScan(snapshot, { filter: "part = 'y'" }))).toEqual(['c'])
    expect(paths(planScan(snapshot)).sort()).toEqual(['a', 'c'])
  })
})
