import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseAction, parseCommitLines, serializeActions } from './action-parser.js'
import type { Action, Add } from './actions.js'

const CORPUS = process.env['DELTA_CORPUS'] ?? '../shared/corpus'
const where = { path: '_delta_log/00000000000000000003.json', line: 7 }

// Real lines from the corpus (delta-rs/table-with-dv-small, Spark-written tables).
const ADD_WITH_DV =
  '{"add":{"path":"part-00000-fae5310a-a37d-4e51-827b-c3d5516560ca-c000.snappy.parquet","partitionValues":{},"size":635,"modificationTime":1677811178336,"dataChange":true,"stats":"{\\"numRecords\\":10,\\"minValues\\":{\\"value\\":0},\\"maxValues\\":{\\"value\\":9},\\"nullCount\\":{\\"value\\":0},\\"tightBounds\\":false}","tags":{"INSERTION_TIME":"1677811178336000"},"deletionVector":{"storageType":"u","pathOrInlineDv":"vBn[lx{q8@P<9BNH/isA","offset":1,"sizeInBytes":36,"cardinality":2}}}'
const METADATA =
  '{"metaData":{"id":"ccdc1b2a-f27e-47a6-aadb-dab6b88ac899","format":{"provider":"parquet","options":{}},"schemaString":"{\\"type\\":\\"struct\\",\\"fields\\":[{\\"name\\":\\"_1\\",\\"type\\":\\"string\\",\\"nullable\\":true,\\"metadata\\":{}}]}","partitionColumns":["_2"],"configuration":{},"createdTime":1603724042500}}'
const PROTOCOL =
  '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}}'

const expectCorrupt = (fn: () => unknown, line?: number): void => {
  expect(fn).toThrow(
    expect.objectContaining({ code: 'CORRUPT_LOG', path: where.path, line: line ?? where.line }),
  )
}

describe('parseAction', () => {
  it('parses a real add with a deletion vector, returning the parsed object itself', () => {
    const value = JSON.parse(ADD_WITH_DV) as unknown
    const action = parseAction(value, where)
    expect(action).toBe(value)
    expect(action && 'add' in action && action.add.deletionVector?.cardinality).toBe(2)
  })

  it('parses metadata, protocol, txn, remove, cdc, commitInfo, domainMetadata, sidecar, checkpointMetadata', () => {
    const lines = [
      METADATA,
      PROTOCOL,
      '{"txn":{"appId":"3ba13872-2d47-4e17-86a0-21afd2a22395","version":364475}}',
      '{"remove":{"path":"a","deletionTimestamp":1515488792485,"dataChange":true}}',
      '{"cdc":{"path":"_change_data/cdc-1.parquet","partitionValues":{},"size":1213,"dataChange":false}}',
      '{"commitInfo":{"timestamp":1515491537026,"operation":"INSERT","inCommitTimestamp":1515491537026}}',
      '{"domainMetadata":{"domain":"delta.rowTracking","configuration":"{\\"rowIdHighWaterMark\\":4}","removed":false}}',
      '{"sidecar":{"path":"016ae953.parquet","sizeInBytes":2304522,"modificationTime":1512909768000,"tags":{}}}',
      '{"checkpointMetadata":{"version":1,"tags":{}}}',
    ]
    const actions = lines.map((l) => parseAction(JSON.parse(l), where))
    expect(actions.map((a) => Object.keys(a!)[0])).toEqual([
      'metaData',
      'protocol',
      'txn',
      'remove',
      'cdc',
      'commitInfo',
      'domainMetadata',
      'sidecar',
      'checkpointMetadata',
    ])
  })

  it('normalises null optional fields to absent, in the action and its deletion vector', () => {
    const action = parseAction(
      {
        add: {
          path: 'a',
          partitionValues: { p: null },
          size: 1,
          modificationTime: 2,
          dataChange: true,
          stats: null,
          tags: null,
          baseRowId: null,
          deletionVector: {
            storageType: 'i',
            pathOrInlineDv: 'abcde',
            sizeInBytes: 4,
            cardinality: 1,
            offset: null,
          },
        },
      },
      where,
    ) as { add: Add }
    expect(Object.keys(action.add)).toEqual([
      'path',
      'partitionValues',
      'size',
      'modificationTime',
      'dataChange',
      'deletionVector',
    ])
    expect(action.add.partitionValues).toEqual({ p: null }) // null partition values mean NULL and stay
    expect('offset' in action.add.deletionVector!).toBe(false)
  })

  it('normalises null metadata name and description, and drops null configuration entries', () => {
    const action = parseAction(
      {
        metaData: {
          id: 'x',
          name: null,
          description: null,
          format: { provider: 'parquet' },
          schemaString: '{}',
          partitionColumns: [],
          configuration: { a: 'b', c: null },
        },
      },
      where,
    )
    expect(action).toEqual({
      metaData: {
        id: 'x',
        format: { provider: 'parquet', options: {} },
        schemaString: '{}',
        partitionColumns: [],
        configuration: { a: 'b' },
      },
    })
  })

  it('ignores unknown actions and keeps a known action that shares its line with one', () => {
    expect(parseAction({ some_new_action: { a: 1 } }, where)).toBeUndefined()
    const action = parseAction(
      {
        add: {
          path: 'a',
          partitionValues: {},
          size: 1,
          modificationTime: 1,
          dataChange: true,
          newField: 1,
        },
        other: ['a'],
      },
      where,
    )
    expect(Object.keys(action!)).toEqual(['add'])
  })

  it('ignores a line whose actions are all null, as in a checkpoint row', () => {
    expect(parseAction({ add: null, remove: null }, where)).toBeUndefined()
  })

  it('treats keys like __proto__ or toString as unknown actions', () => {
    expect(parseAction(JSON.parse('{"__proto__":{"x":1},"toString":{}}'), where)).toBeUndefined()
  })

  it('rejects two actions on one line', () => {
    expectCorrupt(() => parseAction({ txn: { appId: 'a', version: 1 }, commitInfo: {} }, where))
  })

  it('reads a metaData without schemaString as the empty schema, as Spark does', () => {
    const action = parseAction(
      {
        metaData: {
          id: 'x',
          format: { provider: 'parquet' },
          partitionColumns: [],
          configuration: {},
        },
      },
      where,
    )
    expect(action).toEqual({
      metaData: {
        id: 'x',
        format: { provider: 'parquet', options: {} },
        schemaString: '{"type":"struct","fields":[]}',
        partitionColumns: [],
        configuration: {},
      },
    })
  })

  it('rejects missing required fields and wrong types, naming file and line', () => {
    const base = { path: 'a', partitionValues: {}, size: 1, modificationTime: 1, dataChange: true }
    for (const bad of [
      { ...base, path: undefined },
      { ...base, size: '1' },
      { ...base, size: 1.5 },
      { ...base, dataChange: 'true' },
      { ...base, partitionValues: { p: 1 } },
      { ...base, partitionValues: [] },
      { ...base, tags: { t: 2 } },
      { ...base, stats: {} },
      {
        ...base,
        deletionVector: { storageType: 'x', pathOrInlineDv: 'a', sizeInBytes: 1, cardinality: 1 },
      },
      {
        ...base,
        deletionVector: {
          storageType: 'u',
          pathOrInlineDv: 'short',
          sizeInBytes: 1,
          cardinality: 1,
        },
      },
      {
        ...base,
        deletionVector: {
          storageType: 'i',
          pathOrInlineDv: 'abcde',
          sizeInBytes: -1,
          cardinality: 1,
        },
      },
    ]) {
      expectCorrupt(() => parseAction({ add: bad }, where))
    }
    expectCorrupt(() => parseAction({ add: 'x' }, where))
    expectCorrupt(() => parseAction('not an object', where))
    expectCorrupt(() =>
      parseAction(
        {
          metaData: {
            id: 'x',
            format: { provider: 'parquet' },
            schemaString: 7,
            partitionColumns: [],
            configuration: {},
          },
        },
        where,
      ),
    )
    expectCorrupt(() =>
      parseAction({ protocol: { minReaderVersion: 0, minWriterVersion: 2 } }, where),
    )
    expectCorrupt(() =>
      parseAction(
        { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [1] } },
        where,
      ),
    )
    expectCorrupt(() => parseAction({ txn: { appId: 'a' } }, where))
    expectCorrupt(() => parseAction({ remove: { path: 'a' } }, where))
    expectCorrupt(() =>
      parseAction({ domainMetadata: { domain: 'd', configuration: '{}' } }, where),
    )
    expectCorrupt(() => parseAction({ commitInfo: { inCommitTimestamp: 'soon' } }, where))
    expectCorrupt(() => parseAction({ checkpointMetadata: {} }, where))
    expectCorrupt(() => parseAction({ sidecar: { path: 'a', sizeInBytes: 1 } }, where))
  })
})

describe('parseCommitLines', () => {
  const path = '_delta_log/00000000000000000000.json'

  it('parses NDJSON, skipping blank lines and CRLF endings', () => {
    const text = `${PROTOCOL}\r\n\n${METADATA}\n   \n${ADD_WITH_DV}\n`
    const actions = parseCommitLines(text, path)
    expect(actions.map((a) => Object.keys(a)[0])).toEqual(['protocol', 'metaData', 'add'])
  })

  it('tolerates a byte-order mark and a missing final newline', () => {
    expect(parseCommitLines(`\uFEFF${PROTOCOL}`, path)).toHaveLength(1)
  })

  it('names the line of a validation error', () => {
    expect(() =>
      parseCommitLines(`${PROTOCOL}\n\n{"txn":{"appId":1,"version":1}}\n`, path),
    ).toThrow(expect.objectContaining({ code: 'CORRUPT_LOG', path, line: 3 }))
  })

  it('names the line where malformed JSON starts (a torn final line)', () => {
    expect(() => parseCommitLines(`${PROTOCOL}\n${METADATA}\n{"add":{"pa`, path)).toThrow(
      expect.objectContaining({ code: 'CORRUPT_LOG', path, line: 3 }),
    )
    expect(() => parseCommitLines(`${PROTOCOL}\nnot json\n`, path)).toThrow(
      expect.objectContaining({ code: 'CORRUPT_LOG', path, line: 2 }),
    )
  })

  it('falls back to concatenated JSON for pretty-printed commits', () => {
    const pretty = [JSON.parse(PROTOCOL), JSON.parse(METADATA)]
      .map((v) => JSON.stringify(v, null, 2))
      .join('\n')
    const actions = parseCommitLines(`${pretty}\n`, path)
    expect(actions.map((a) => Object.keys(a)[0])).toEqual(['protocol', 'metaData'])
  })

  it('reports the starting line of an invalid action in a pretty-printed commit', () => {
    const pretty = `{\n  "protocol": {"minReaderVersion": 1, "minWriterVersion": 2}\n}\n{\n  "txn": {"appId": 5}\n}\n`
    expect(() => parseCommitLines(pretty, path)).toThrow(
      expect.objectContaining({ code: 'CORRUPT_LOG', line: 4 }),
    )
  })

  const pretty = join(
    CORPUS,
    'duckdb-delta/null_constraints_lists/delta_lake/_delta_log/00000000000000000000.json',
  )
  it.skipIf(!existsSync(pretty))(
    'reads the pretty-printed commit of duckdb-delta/null_constraints_lists',
    () => {
      const actions = parseCommitLines(readFileSync(pretty, 'utf8'), pretty)
      expect(actions.map((a) => Object.keys(a)[0])).toEqual([
        'commitInfo',
        'metaData',
        'protocol',
        'add',
      ])
    },
  )

  it('round-trips through serializeActions', () => {
    const actions = parseCommitLines(`${PROTOCOL}\n${METADATA}\n${ADD_WITH_DV}\n`, path)
    const text = serializeActions(actions)
    expect(text.endsWith('\n')).toBe(true)
    expect(text.split('\n')).toHaveLength(4)
    expect(parseCommitLines(text, path)).toEqual(actions)
  })

  it('round-trips random adds and txns, strings with newlines and unicode included', () => {
    const add = fc.record({
      add: fc.record(
        {
          path: fc.string({ unit: 'grapheme', minLength: 1 }),
          partitionValues: fc.dictionary(
            fc.string(),
            fc.option(fc.string({ unit: 'grapheme' }), { nil: null }),
          ),
          size: fc.nat(),
          modificationTime: fc.nat(),
          dataChange: fc.boolean(),
          stats: fc.string(),
          baseRowId: fc.nat(),
        },
        { requiredKeys: ['path', 'partitionValues', 'size', 'modificationTime', 'dataChange'] },
      ),
    })
    const txn = fc.record({ txn: fc.record({ appId: fc.string(), version: fc.integer() }) })
    fc.assert(
      fc.property(fc.array(fc.oneof(add, txn), { maxLength: 20 }), (actions) => {
        expect(parseCommitLines(serializeActions(actions as Action[]), path)).toEqual(actions)
      }),
    )
  })
})
