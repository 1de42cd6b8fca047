/**
 * The built CLI over the shared corpus: tables written by Spark, delta-rs and the kernels.
 * Facts are checked against the corpus manifest (versions, file counts, row counts) and against
 * rows known from the upstream tests; broken and unsupported tables must fail with the right
 * error code and exit status, never print a wrong answer.
 */
import { cp, readFile } from 'node:fs/promises'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  corpusRoot,
  errorCodeOf,
  jsonLines,
  jsonOf,
  requireBuild,
  runDelta,
  tempDir,
} from './cli.test-util.js'

const root = corpusRoot()

interface ManifestEntry {
  readonly path: string
  readonly latestVersion: number
  readonly protocol: { readonly minReaderVersion: number; readonly minWriterVersion: number }
  readonly activeFiles: number
  readonly statsRowCount: number | null
}

/** Tables covering checkpoints of every kind, deletion vectors, partitions and column mapping. */
const SAMPLE = [
  'dat-deltaray/basic_partitioned/delta',
  'delta-golden/dv-partitioned-with-checkpoint',
  'delta-golden/multi-part-checkpoint',
  'delta-kernel-rs/v2-checkpoints-json-with-sidecars',
  'delta-kernel-rs/table-with-dv-small',
  'delta-kernel-java/basic-with-checkpoint',
  'delta-kernel-java/data-reader-partition-values-column-mapping-name',
]

describe.skipIf(root === undefined)(
  root === undefined
    ? 'delta CLI over the corpus: SKIPPED, corpus not found (set DELTA_CORPUS)'
    : 'delta CLI over the corpus',
  () => {
    const table = (id: string): string => path.join(root!, id)
    let manifest: readonly ManifestEntry[] = []
    beforeAll(async () => {
      requireBuild()
      manifest = JSON.parse(
        await readFile(path.join(root!, 'manifest.json'), 'utf8'),
      ) as ManifestEntry[]
    })

    it.each(SAMPLE)(
      'inspect --json of %s agrees with the manifest, and scan returns its rows',
      async (id) => {
        const entry = manifest.find((m) => m.path === id)!
        const result = await runDelta(['inspect', table(id), '--json'])
        expect(result.code).toBe(0)
        const doc = jsonOf(result)
        expect(doc).toMatchObject({
          version: entry.latestVersion,
          numFiles: entry.activeFiles,
          protocol: entry.protocol,
        })
        if (entry.statsRowCount !== null) expect(doc.numRecords).toBe(entry.statsRowCount)
        const rows = await runDelta(['scan', table(id), '--format', 'jsonl'])
        expect(rows.code).toBe(0)
        if (doc.numRecords !== null) expect(jsonLines(rows)).toHaveLength(doc.numRecords as number)
      },
    )

    it('inspect reports deletion vectors, the checkpoint and the commits since', async () => {
      const doc = jsonOf(
        await runDelta(['inspect', table('delta-golden/dv-partitioned-with-checkpoint'), '--json']),
      )
      expect(doc).toMatchObject({
        version: 15,
        protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'] },
        metadata: {
          partitionColumns: ['part'],
          configuration: { 'delta.enableDeletionVectors': 'true' },
        },
        numFiles: 15,
        numRecords: 35,
        numDeletedRecords: 2,
        numDeletionVectors: 2,
        checkpoint: { version: 10, kind: 'classic', parts: 1 },
        commitsSinceCheckpoint: 5,
      })
      const multi = jsonOf(
        await runDelta(['inspect', table('delta-golden/multi-part-checkpoint'), '--json']),
      )
      expect(multi.checkpoint).toMatchObject({ version: 1, kind: 'multi-part', parts: 2 })
      const v2 = jsonOf(
        await runDelta([
          'inspect',
          table('delta-kernel-rs/v2-checkpoints-json-with-sidecars'),
          '--json',
        ]),
      )
      expect(v2.checkpoint).toMatchObject({ kind: 'v2' })
      const old = jsonOf(
        await runDelta([
          'inspect',
          table('delta-golden/dv-partitioned-with-checkpoint'),
          '--version',
          '3',
          '--json',
        ]),
      )
      expect(old).toMatchObject({ version: 3, checkpoint: null, commitsSinceCheckpoint: 4 })
    })

    it('inspect flags files without statistics', async () => {
      const doc = jsonOf(await runDelta(['inspect', table('delta-rs/simple_table'), '--json']))
      expect(doc.numRecords).toBeNull()
      expect((doc.warnings as { code: string }[]).map((w) => w.code)).toContain('missing-stats')
    })

    it('files lists deletion-vector cardinalities and logical partition names under column mapping', async () => {
      const dv = jsonOf<{ files: { deletionVector: { cardinality: number } | null }[] }>(
        await runDelta(['files', table('delta-golden/dv-partitioned-with-checkpoint'), '--json']),
      )
      const cardinalities = dv.files.flatMap((f) =>
        f.deletionVector === null ? [] : [f.deletionVector.cardinality],
      )
      expect(cardinalities).toEqual([1, 1])
      const mapped = jsonOf<{ files: { partitionValues: Record<string, string | null> }[] }>(
        await runDelta([
          'files',
          table('delta-kernel-java/data-reader-partition-values-column-mapping-name'),
          '--json',
        ]),
      )
      expect(Object.keys(mapped.files[0]!.partitionValues)).toContain('as_timestamp')
      expect(mapped.files.map((f) => f.partitionValues.as_int).sort()).toEqual(['0', '1', null])
    })

    it('scan --format jsonl follows the value contract for every primitive type', async () => {
      const result = await runDelta([
        'scan',
        table('dat-deltaray/all_primitive_types/delta'),
        '--format',
        'jsonl',
      ])
      expect(result.code).toBe(0)
      const rows = jsonLines(result).sort((a, b) => Number(a.int32) - Number(b.int32))
      expect(rows[1]).toEqual({
        utf8: '1',
        int64: 1,
        int32: 1,
        int16: 1,
        int8: 1,
        float32: 1,
        float64: 1,
        bool: false,
        binary: 'AA==',
        decimal: '11.000',
        date32: '1970-01-02',
        timestamp: '1970-01-01T01:00:00.000000Z',
      })
      const ntz = jsonLines(
        await runDelta([
          'scan',
          table('delta-kernel-rs/data-reader-timestamp_ntz'),
          '--format',
          'jsonl',
          '--where',
          'id = 0',
        ]),
      )
      expect(ntz).toEqual([
        {
          id: 0,
          tsNtz: '2021-11-18T02:30:00.123456',
          tsNtzPartition: '2021-11-18T02:30:00.123456',
        },
      ])
    })

    it('scan --format jsonl prints structs as objects, arrays as arrays and maps as objects', async () => {
      const rows = jsonLines(
        await runDelta([
          'scan',
          table('dat-deltaray/nested_types/delta'),
          '--format',
          'jsonl',
          '--where',
          'pk = 2',
        ]),
      )
      expect(rows).toEqual([
        { pk: 2, struct: { float64: 2, bool: true }, array: [0, 1, 2], map: { '0': 0, '1': 1 } },
      ])
    })

    it('changes reads the change data feed written by Spark', async () => {
      const result = await runDelta([
        'changes',
        table('delta-rs/cdf-table'),
        '--from',
        '1',
        '--to',
        '2',
        '--format',
        'jsonl',
      ])
      expect(result.code).toBe(0)
      const rows = jsonLines(result)
      expect(rows).toHaveLength(12)
      expect(new Set(rows.map((r) => r._change_type))).toEqual(
        new Set(['update_preimage', 'update_postimage']),
      )
      expect(new Set(rows.map((r) => r._commit_version))).toEqual(new Set([1, 2]))
      const off = await runDelta(['changes', table('delta-rs/simple_table')])
      expect(off.code).toBe(1)
      expect(off.stderr).toContain('(OPERATION_NOT_ALLOWED)')
      expect(off.stderr).toContain('--summary')
    })

    it('history shows Spark operations, parameters of any JSON type, and engines', async () => {
      const doc = jsonOf<{
        commits: { version: number; operation: string; engineInfo: string | null }[]
      }>(await runDelta(['history', table('delta-rs/cdf-table'), '--json']))
      expect(doc.commits.map((c) => c.operation)).toEqual(['DELETE', 'UPDATE', 'UPDATE', 'WRITE'])
      expect(doc.commits[0]!.engineInfo).toContain('Apache-Spark')
      const odd = await runDelta([
        'history',
        table('delta-golden/commit-info-containing-arbitrary-operationParams-types'),
      ])
      expect(odd.code).toBe(0)
      expect(odd.stdout.split('\n').filter((l) => /^\s+\d+\s/.test(l))).toHaveLength(3)
    })

    it('verify passes a sound table and exits 3 on a log with a gap', async () => {
      const good = await runDelta([
        'verify',
        table('delta-golden/dv-partitioned-with-checkpoint'),
        '--json',
      ])
      expect(good.code).toBe(0)
      expect(jsonOf(good)).toMatchObject({
        ok: true,
        checked: { checkpoints: 1, deletionVectors: 2 },
      })
      const gap = await runDelta([
        'verify',
        table('delta-golden/versions-not-contiguous'),
        '--json',
      ])
      expect(gap.code).toBe(3)
      const kinds = jsonOf<{ problems: { kind: string }[] }>(gap).problems.map((p) => p.kind)
      expect(kinds).toContain('version-gap')
    })

    it.each([
      ['delta-connectors/golden-deltalog-invalid-protocol-version', 'PROTOCOL_UNSUPPORTED'],
      ['delta-rs/simple_table_features', 'PROTOCOL_UNSUPPORTED'],
      ['delta-kernel-rs/uc-catalog_managed_0', 'PROTOCOL_UNSUPPORTED'],
      ['delta-golden/deltalog-state-reconstruction-without-protocol', 'CORRUPT_LOG'],
      ['delta-golden/versions-not-contiguous', 'CORRUPT_LOG'],
      ['delta-rs/data_err_logs/table_c', 'CORRUPT_LOG'],
    ])('inspect of %s fails with %s and exit 1, in one line', async (id, code) => {
      const result = await runDelta(['inspect', table(id), '--json'])
      expect(result.code).toBe(1)
      expect(errorCodeOf(result)).toBe(code)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toContain(`(${code})`)
    })

    it('vacuum refuses a retention below the table setting and a table it cannot write', async () => {
      const { dir, remove } = await tempDir('corpus-vacuum')
      try {
        const copy = path.join(dir, 't')
        await cp(table('delta-golden/snapshot-vacuumed'), copy, { recursive: true })
        const refused = await runDelta(['vacuum', copy, '--retention-hours', '1', '--json'])
        expect(refused.code).toBe(1)
        expect(errorCodeOf(refused)).toBe('OPERATION_NOT_ALLOWED')
        const managed = path.join(dir, 'uc')
        await cp(table('delta-kernel-rs/uc-catalog_managed_0'), managed, { recursive: true })
        const protocol = await runDelta(['vacuum', managed, '--execute', '--json'])
        expect(protocol.code).toBe(1)
        expect(errorCodeOf(protocol)).toBe('PROTOCOL_UNSUPPORTED')
      } finally {
        await remove()
      }
    })
  },
)
