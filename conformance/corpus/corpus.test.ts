/**
 * The corpus suite: every table of ../shared/corpus (written by Spark, Databricks, delta-rs,
 * the kernels) is loaded at every version, and what can be checked is checked: the version,
 * file counts and protocol against the manifest and the upstream facts, DAT's version
 * metadata, and the typed error of every table that is broken on purpose.
 */
import * as path from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { DeltaError } from '../../src/errors.js'
import { LogStore } from '../../src/log/log-store.js'
import { loadSnapshot } from '../../src/snapshot/load.js'
import type { Snapshot } from '../../src/snapshot/snapshot.js'
import { LocalStore } from '../../src/storage/local.js'
import { loadCorpus, type CorpusTable } from './corpus-tables.js'

const corpusRoot = inject('servers').corpus
const tables = corpusRoot === undefined ? [] : loadCorpus(corpusRoot)

function open(table: CorpusTable): LogStore {
  return new LogStore(new LocalStore(table.root, { fsync: false }))
}

describe.skipIf(corpusRoot === undefined)(
  corpusRoot === undefined
    ? 'corpus: SKIPPED, ../shared/corpus not found (set DELTA_CORPUS)'
    : 'corpus',
  () => {
    it('the manifest lists the corpus tables', () => {
      expect(tables.length).toBeGreaterThan(250)
    })

    describe.each(tables.filter((t) => t.expectation.kind === 'error'))(
      'broken on purpose: $id',
      (table) => {
        it('fails with the right typed error, never a snapshot', async () => {
          if (table.expectation.kind !== 'error') return
          const error = await loadSnapshot(open(table)).then(
            (s) => new Error(`loaded version ${s.version} with ${s.numFiles} files`),
            (e: unknown) => e,
          )
          expect(error).toBeInstanceOf(DeltaError)
          expect(table.expectation.codes).toContain((error as DeltaError).code)
        })
      },
    )

    describe.each(tables.filter((t) => t.expectation.kind === 'valid'))('$id', (table) => {
      it('loads the latest version as the manifest and facts describe it', async () => {
        const snapshot = await loadSnapshot(open(table))
        expect(snapshot.version).toBe(table.manifest.latestVersion)
        expect(snapshot.protocol.minReaderVersion).toBe(table.manifest.protocol.minReaderVersion)
        expect(snapshot.protocol.minWriterVersion).toBe(table.manifest.protocol.minWriterVersion)
        expect(snapshot.numFiles).toBe(table.manifest.activeFiles)
        for (const fact of table.facts) checkFacts(snapshot, fact.facts)
      })

      it('loads every version it still holds', async () => {
        const log = open(table)
        const latest = await loadSnapshot(log, { stats: 'skip' })
        for (let v = latest.segment.earliestVersion; v < latest.version; v++) {
          const snapshot = await loadSnapshot(log, { version: v, stats: 'skip' })
          expect(snapshot.version).toBe(v)
        }
      })
    })

    describe.each(tables.filter((t) => t.dat.length > 0))('DAT $id', (table) => {
      it('matches the version metadata of every expected version', async () => {
        const log = open(table)
        for (const expected of table.dat) {
          const snapshot = await loadSnapshot(log, { version: expected.version, stats: 'skip' })
          expect(snapshot.protocol.minReaderVersion).toBe(expected.metadata.min_reader_version)
          expect(snapshot.protocol.minWriterVersion).toBe(expected.metadata.min_writer_version)
          expect(snapshot.metadata.configuration).toEqual(expected.metadata.properties)
        }
      })
    })
  },
)

function checkFacts(snapshot: Snapshot, facts: Readonly<Record<string, unknown>>): void {
  if (typeof facts.version === 'number') expect(snapshot.version).toBe(facts.version)
  if (typeof facts.minReaderVersion === 'number')
    expect(snapshot.protocol.minReaderVersion).toBe(facts.minReaderVersion)
  if (typeof facts.minWriterVersion === 'number')
    expect(snapshot.protocol.minWriterVersion).toBe(facts.minWriterVersion)
  if (typeof facts.activeFiles === 'number') expect(snapshot.numFiles).toBe(facts.activeFiles)
  if (Array.isArray(facts.activeFiles)) {
    const names = [...snapshot.files()]
      .map((f) => path.posix.basename(decodeURIComponent(f.path)))
      .sort()
    expect(names).toEqual([...(facts.activeFiles as string[])].sort())
  }
  if (typeof facts.activeFileName === 'string') {
    expect(
      [...snapshot.files()].map((f) => path.posix.basename(decodeURIComponent(f.path))),
    ).toEqual([facts.activeFileName])
  }
  if (typeof facts.dvCardinality === 'number') {
    expect([...snapshot.files()].map((f) => f.deletionVector?.cardinality)).toEqual([
      facts.dvCardinality,
    ])
  }
  if (Array.isArray(facts.schemaFieldNames)) {
    expect(snapshot.schema.fields.map((f) => f.name)).toEqual(facts.schemaFieldNames)
  }
}
