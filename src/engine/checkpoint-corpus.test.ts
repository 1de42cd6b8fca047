/**
 * Every checkpoint Parquet file in the shared corpus (Spark, Databricks, delta-rs, kernels,
 * parquet-mr/cpp/rs writers from 2019 to 2025) decoded by us and compared with DuckDB reading
 * the same file, plus, for tables that keep their whole JSON history, with the state the
 * commits imply.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import type { Add } from '../protocol/actions.js'
import { childOf, isValid, stringColumn } from './arrow-read.js'
import {
  readCheckpointFile,
  type CheckpointAction,
  type CheckpointReadOptions,
} from './checkpoint-read.js'
import { corpusMissing, corpusRoot, duckRows, inCorpus, sqlString } from './engine.test-util.js'
import { readParquet } from './parquet.js'
import { statsParsedToJson } from './stats-parsed.js'

const skip = corpusMissing()

function checkpointFiles(): string[] {
  if (skip) return []
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (
        name.endsWith('.parquet') &&
        full.includes(`${path.sep}_delta_log${path.sep}`) &&
        !name.startsWith('.')
      )
        out.push(full)
    }
  }
  walk(corpusRoot)
  return out.sort()
}

async function decode(
  file: string,
  options: Pick<CheckpointReadOptions, 'actions'> = {},
): Promise<CheckpointAction[]> {
  const out: CheckpointAction[] = []
  for await (const batch of readCheckpointFile(readFileSync(file), 'parquet', {
    path: file,
    ...options,
  }))
    out.push(...batch)
  return out
}

// Maps whose null values are data (a null partition value), not absent fields.
const NULLABLE_VALUE_MAPS = new Set(['partitionValues', 'tags'])

/** Removes null fields recursively (DuckDB's to_json keeps them; our actions leave them out). */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (v !== null) out[k] = NULLABLE_VALUE_MAPS.has(k) ? v : dropNulls(v)
    }
    return out
  }
  return value
}

const KNOWN: Record<string, readonly string[]> = {
  add: [
    'path',
    'partitionValues',
    'size',
    'modificationTime',
    'dataChange',
    'stats',
    'tags',
    'deletionVector',
    'baseRowId',
    'defaultRowCommitVersion',
    'clusteringProvider',
  ],
  remove: [
    'path',
    'deletionTimestamp',
    'dataChange',
    'extendedFileMetadata',
    'partitionValues',
    'size',
    'stats',
    'tags',
    'deletionVector',
    'baseRowId',
    'defaultRowCommitVersion',
  ],
  metaData: [
    'id',
    'name',
    'description',
    'format',
    'schemaString',
    'partitionColumns',
    'configuration',
    'createdTime',
  ],
  protocol: ['minReaderVersion', 'minWriterVersion', 'readerFeatures', 'writerFeatures'],
  txn: ['appId', 'version', 'lastUpdated'],
  domainMetadata: ['domain', 'configuration', 'removed'],
  sidecar: ['path', 'sizeInBytes', 'modificationTime', 'tags'],
  checkpointMetadata: ['version', 'tags'],
}

/** What we expect to decode from DuckDB's JSON of an action struct (our documented defaults). */
function expectedFromDuck(
  name: string,
  json: Record<string, unknown>,
  hasStatsJson: boolean,
): Record<string, unknown> {
  const known = KNOWN[name]!
  const out: Record<string, unknown> = {}
  for (const k of known)
    if (json[k] !== undefined && !(k === 'stats' && !hasStatsJson)) out[k] = json[k]
  if (name === 'add') {
    out.partitionValues ??= {}
    out.dataChange ??= false
  }
  if (name === 'remove') out.dataChange ??= false
  if (name === 'metaData') {
    out.schemaString ??= '{"type":"struct","fields":[]}'
    const format = (out.format ?? {}) as { provider?: string; options?: Record<string, string> }
    out.format = { provider: format.provider ?? 'parquet', options: format.options ?? {} }
    out.partitionColumns ??= []
    out.configuration ??= {}
  }
  if (name === 'domainMetadata') out.removed ??= false
  return out
}

describe.skipIf(skip)('every checkpoint in the corpus decodes like DuckDB reads it', () => {
  const files = checkpointFiles()

  test('the corpus holds classic, multi-part, V2 and sidecar checkpoints', () => {
    const names = files.map((f) => path.basename(f))
    expect(files.length).toBeGreaterThanOrEqual(90)
    expect(names.some((n) => /^\d{20}\.checkpoint\.parquet$/.test(n))).toBe(true)
    expect(names.some((n) => /^\d{20}\.checkpoint\.\d{10}\.\d{10}\.parquet$/.test(n))).toBe(true)
    expect(names.some((n) => /^\d{20}\.checkpoint\.[0-9a-f-]{36}\.parquet$/.test(n))).toBe(true)
    expect(files.some((f) => f.includes(`${path.sep}_sidecars${path.sep}`))).toBe(true)
  })

  test.each(files.map((f) => [path.relative(corpusRoot, f), f]))('%s', async (_name, file) => {
    const ours = await decode(file)
    const columns = (await duckRows(`describe select * from read_parquet(${sqlString(file)})`)).map(
      (r) => ({
        name: String(r.column_name),
        type: String(r.column_type),
      }),
    )
    const actionColumns = columns.filter((c) => c.name in KNOWN)
    const select = actionColumns.map((c) => `to_json("${c.name}") as "${c.name}"`).join(', ')
    const rows = await duckRows(
      `select ${select} from read_parquet(${sqlString(file)}, file_row_number = true) order by file_row_number`,
    )
    const addType = columns.find((c) => c.name === 'add')?.type ?? ''
    const hasStatsJson = /[(,\s]stats VARCHAR/.test(addType)
    const expected: Record<string, unknown>[] = []
    for (const row of rows) {
      for (const c of actionColumns) {
        const json = row[c.name]
        if (json === null || json === undefined) continue
        if (typeof json !== 'string') throw new Error(`to_json gave ${typeof json}`)
        expected.push({
          [c.name]: expectedFromDuck(
            c.name,
            dropNulls(JSON.parse(json)) as Record<string, unknown>,
            hasStatsJson,
          ),
        })
      }
    }
    // Stats synthesized from stats_parsed are checked separately; compare everything else.
    const comparable = ours.map((a) =>
      'add' in a && !hasStatsJson ? { add: { ...a.add, stats: undefined } } : a,
    )
    expect(JSON.parse(JSON.stringify(comparable))).toEqual(expected)
  })
})

// ---------------------------------------------------------------------------------------------
// Against the JSON commits

interface Replayed {
  readonly adds: Map<string, Add>
  readonly removed: Set<string>
  readonly txns: Map<string, number>
}

function fileKey(a: {
  path: string
  deletionVector?: { storageType: string; pathOrInlineDv: string; offset?: number } | null
}): string {
  const dv = a.deletionVector
  return dv === undefined || dv === null
    ? a.path
    : `${a.path}#${dv.storageType}${dv.pathOrInlineDv}@${dv.offset ?? ''}`
}

/** Oldest-first replay of commits 0..version: live files, tombstoned paths, app versions. */
function replay(table: string, version: number): Replayed {
  const adds = new Map<string, Add>()
  const removed = new Set<string>()
  const txns = new Map<string, number>()
  for (let v = 0; v <= version; v++) {
    const file = path.join(table, '_delta_log', `${String(v).padStart(20, '0')}.json`)
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue
      const action = JSON.parse(line) as Record<string, never>
      if ('add' in action) {
        const add = action.add as Add
        adds.set(fileKey(add), add)
        removed.delete(fileKey(add))
      } else if ('remove' in action) {
        const remove = action.remove as { path: string }
        adds.delete(fileKey(remove))
        removed.add(fileKey(remove))
      } else if ('txn' in action) {
        const txn = action.txn as { appId: string; version: number }
        txns.set(txn.appId, txn.version)
      }
    }
  }
  return { adds, removed, txns }
}

/** All Parquet files of the checkpoint at `version`: parts, or a V2 file plus its sidecars. */
async function checkpointParts(table: string, version: number): Promise<string[]> {
  const log = path.join(table, '_delta_log')
  const prefix = `${String(version).padStart(20, '0')}.checkpoint.`
  const sidecar = (name: string): string => path.join(log, '_sidecars', name)
  const out: string[] = []
  for (const name of readdirSync(log).filter((n) => n.startsWith(prefix))) {
    const full = path.join(log, name)
    if (name.endsWith('.parquet')) {
      out.push(full)
      // A V2 Parquet top-level file lists its sidecars as actions.
      for (const a of await decode(full, { actions: ['sidecar'] }))
        if ('sidecar' in a) out.push(sidecar(a.sidecar.path))
    } else if (name.endsWith('.json')) {
      // A JSON V2 checkpoint: only its sidecar list matters here.
      for (const line of readFileSync(full, 'utf8').split('\n')) {
        if (line.includes('"sidecar"'))
          out.push(sidecar((JSON.parse(line) as { sidecar: { path: string } }).sidecar.path))
      }
    }
  }
  return out
}

const replayCases: readonly (readonly [string, number])[] = [
  ['delta-golden/checkpoint', 10],
  ['delta-golden/multi-part-checkpoint', 1],
  ['delta-golden/v2-checkpoint-parquet', 2],
  ['delta-golden/dv-partitioned-with-checkpoint', 10],
  ['dat-deltaray/with_checkpoint/delta', 2],
  ['delta-kernel-rs/parsed-stats', 3],
  ['delta-kernel-rs/app-txn-checkpoint', 1],
  ['delta-kernel-rs/v2-checkpoints-json-with-sidecars', 6],
  ['delta-kernel-rs/v2-parquet-sidecars-struct-stats-only', 5],
  ['delta-kernel-rs/v1-multi-part-partitioned-struct-stats-only', 5],
  ['delta-spark/delta-0.1.0', 3],
]

describe.skipIf(skip)('checkpoints hold the state their JSON commits imply', () => {
  test.each(replayCases)('%s at version %i', async (table, version) => {
    const root = inCorpus(table)
    const parts = await checkpointParts(root, version)
    expect(parts.length).toBeGreaterThan(0)
    const actions = (await Promise.all(parts.map((p) => decode(p)))).flat()
    const state = replay(root, version)
    const adds = actions.flatMap((a) => ('add' in a ? [a.add] : []))
    // Live files: exactly the same set, with the same sizes and partition values.
    expect(adds.map((a) => [fileKey(a), a.size, a.partitionValues]).sort()).toEqual(
      [...state.adds.values()].map((a) => [fileKey(a), a.size, a.partitionValues ?? {}]).sort(),
    )
    // Tombstones: a subset of what the commits removed (expired ones may be dropped).
    for (const a of actions)
      if ('remove' in a) expect(state.removed.has(fileKey(a.remove))).toBe(true)
    const txns = new Map(
      actions.flatMap((a) => ('txn' in a ? [[a.txn.appId, a.txn.version] as const] : [])),
    )
    expect(txns).toEqual(state.txns)
  })

  test('delta-golden/checkpoint matches the _last_checkpoint size and the manifest', async () => {
    const root = inCorpus('delta-golden/checkpoint')
    const last = JSON.parse(
      readFileSync(path.join(root, '_delta_log/_last_checkpoint'), 'utf8'),
    ) as { version: number; size: number }
    const actions = await decode(
      path.join(root, '_delta_log/00000000000000000010.checkpoint.parquet'),
    )
    expect(last.version).toBe(10)
    expect(actions.length).toBe(last.size)
  })

  test('the multi-part checkpoint parts add up to _last_checkpoint', async () => {
    const root = inCorpus('delta-golden/multi-part-checkpoint')
    const last = JSON.parse(
      readFileSync(path.join(root, '_delta_log/_last_checkpoint'), 'utf8'),
    ) as { size: number; parts: number }
    const parts = await checkpointParts(root, 1)
    expect(parts.length).toBe(last.parts)
    const counts = await Promise.all(parts.map(async (p) => (await decode(p)).length))
    expect(counts.reduce((x, y) => x + y)).toBe(last.size)
  })
})

// ---------------------------------------------------------------------------------------------
// stats_parsed -> JSON against the JSON the same writer stored

/** Stats JSON with timestamps as epoch milliseconds, so formats (Z, offsets, ms) compare. */
function normalizeStats(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`
    return Date.parse(withZone)
  }
  if (Array.isArray(value)) return value.map(normalizeStats)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeStats(v)]))
  }
  return value
}

/** `sub` has only keys of `sup`, with equal values (stats_parsed may cover fewer columns). */
function expectSubset(sub: unknown, sup: unknown, where: string): void {
  if (sub !== null && typeof sub === 'object' && !Array.isArray(sub)) {
    expect(typeof sup, where).toBe('object')
    for (const [k, v] of Object.entries(sub))
      expectSubset(v, (sup as Record<string, unknown>)[k], `${where}.${k}`)
  } else if (typeof sub === 'number' && typeof sup === 'number') {
    expect(Math.abs(sub - sup), where).toBeLessThanOrEqual(Math.abs(sup) * 1e-6)
  } else expect(sub, where).toEqual(sup)
}

const bothStats = [
  'delta-kernel-rs/parsed-stats/_delta_log/00000000000000000003.checkpoint.parquet',
  'delta-rs/issue_1374/_delta_log/00000000000000000001.checkpoint.parquet',
  'delta-rs/table-with-domain-metadata/_delta_log/00000000000000000108.checkpoint.parquet',
  'delta-kernel-rs/app-txn-checkpoint/_delta_log/00000000000000000001.checkpoint.parquet',
  'delta-rs/table_with_deletion_logs/_delta_log/00000000000000000020.checkpoint.parquet',
  'delta-kernel-rs/external-table-different-nullability/_delta_log/00000000000000000002.checkpoint.parquet',
]

describe.skipIf(skip)(
  'stats synthesized from stats_parsed agree with the JSON stats beside them',
  () => {
    test.each(bothStats)('%s', async (file) => {
      const full = inCorpus(file)
      expect(existsSync(full)).toBe(true)
      const table = await readParquet(readFileSync(full), {
        columns: ['add.stats', 'add.stats_parsed'],
      })
      let compared = 0
      for (const batch of table.batches) {
        const add = batch.data.children[0]!
        const jsonStats = stringColumn(childOf(add, 'stats')!, 'add.stats')
        const synthesized = statsParsedToJson(childOf(add, 'stats_parsed')!)
        for (let i = 0; i < batch.numRows; i++) {
          if (!isValid(add, i)) continue
          const theirs = jsonStats[i]
          const ours = synthesized[i]
          if (theirs === null || theirs === undefined || ours === null || ours === undefined)
            continue
          expectSubset(
            normalizeStats(JSON.parse(ours)),
            normalizeStats(JSON.parse(theirs)),
            `${file} row ${i}`,
          )
          compared++
        }
      }
      expect(compared).toBeGreaterThan(0)
    })

    test('a Databricks checkpoint with only stats_parsed yields the JSON stats Spark would write', async () => {
      const file = inCorpus(
        'delta-rs/delta-checkpoint-stats-optional/_delta_log/00000000000000000002.checkpoint.parquet',
      )
      const adds = (await decode(file)).flatMap((a) => ('add' in a ? [a.add] : []))
      // The first add has no stats at all (null stats_parsed); the second has every kind.
      expect(adds.map((a) => a.stats === undefined)).toEqual([true, false])
      const values = {
        integer: 0,
        double: 1.234,
        decimal: -5.678,
        string: 'string',
        date: '2022-10-24',
        timestamp: '2022-10-24T22:59:32.846Z',
        struct: { struct_element: 'struct_value' },
        nested_struct: { struct_element: { nested_struct_element: 'nested_struct_value' } },
      }
      expect(JSON.parse(adds[1]!.stats!)).toEqual({
        numRecords: 1,
        minValues: values,
        maxValues: values,
        nullCount: {
          integer: 0,
          null: 1,
          boolean: 0,
          double: 0,
          decimal: 0,
          string: 0,
          binary: 0,
          date: 0,
          timestamp: 0,
          struct: { struct_element: 0 },
          map: 0,
          array: 0,
          nested_struct: { struct_element: { nested_struct_element: 0 } },
          struct_of_array_of_map: { struct_element: 0 },
        },
      })
    })
  },
)
