/**
 * One test per conflict rule and isolation level. Each cites the Spark ConflictChecker check
 * it mirrors (delta-io/delta, spark/.../ConflictChecker.scala).
 */
import { describe, expect, it } from 'vitest'
import type { Action, Add } from '../protocol/actions.js'
import { checkConflict, type IsolationLevel, type TransactionSummary } from './conflict-checker.js'

const file = (path: string, part = 'a', dataChange = true): Add => ({
  path,
  partitionValues: { part },
  size: 1,
  modificationTime: 0,
  dataChange,
})
const addOf = (path: string, part = 'a', dataChange = true): Action => ({
  add: file(path, part, dataChange),
})
const removeOf = (path: string, dataChange = true): Action => ({
  remove: { path, dataChange, deletionTimestamp: 1 },
})
const info = (isBlindAppend: boolean): Action => ({
  commitInfo: { operation: 'WRITE', isBlindAppend },
})

function ours(overrides: Partial<TransactionSummary> = {}): TransactionSummary {
  return {
    isolationLevel: 'WriteSerializable',
    readWholeTable: false,
    readMatches: () => false,
    readFiles: new Set(),
    removedFiles: new Set(),
    appIds: new Set(),
    domains: new Set(),
    ...overrides,
  }
}
const check = (summary: TransactionSummary, winner: Action[]) =>
  checkConflict(summary, winner, (p) => p)
const blindAppend = ours()
const readsPartitionA = (level: IsolationLevel): TransactionSummary =>
  ours({
    isolationLevel: level,
    readMatches: (a) => a.partitionValues.part === 'a',
    readFiles: new Set(['part=a/1.parquet']),
  })

describe('conflict rules', () => {
  it('checkProtocolCompatibility: a protocol change conflicts, even with a blind append', () => {
    expect(
      check(blindAppend, [
        info(false),
        {
          protocol: {
            minReaderVersion: 3,
            minWriterVersion: 7,
            readerFeatures: [],
            writerFeatures: [],
          },
        },
      ]),
    ).toMatchObject({
      conflict: true,
      kind: 'protocol-changed',
    })
  })

  it('checkNoMetadataUpdates: a metadata change conflicts, even with a blind append', () => {
    const metaData = {
      id: 'x',
      format: { provider: 'parquet', options: {} },
      schemaString: '{}',
      partitionColumns: [],
      configuration: {},
    }
    expect(check(blindAppend, [info(false), { metaData }])).toMatchObject({
      conflict: true,
      kind: 'metadata-changed',
    })
  })

  it('blind appends never conflict with each other at any isolation level', () => {
    for (const level of ['Serializable', 'WriteSerializable'] as const) {
      expect(check(ours({ isolationLevel: level }), [info(true), addOf('b.parquet')])).toEqual({
        conflict: false,
      })
    }
  })

  it('blind appends never conflict with dataChange=false rearrangements (compaction)', () => {
    const compaction: Action[] = [
      info(false),
      removeOf('1.parquet', false),
      removeOf('2.parquet', false),
      addOf('3.parquet', 'a', false),
    ]
    expect(check(blindAppend, compaction)).toEqual({ conflict: false })
  })

  it('checkForAddedFilesThatShouldHaveBeenReadByCurrentTxn, Serializable: a concurrent blind append into what we read conflicts', () => {
    expect(
      check(readsPartitionA('Serializable'), [info(true), addOf('part=a/new.parquet', 'a')]),
    ).toMatchObject({
      conflict: true,
      kind: 'concurrent-append',
    })
  })

  it('checkForAddedFilesThatShouldHaveBeenReadByCurrentTxn, WriteSerializable: a concurrent blind append does not conflict', () => {
    expect(
      check(readsPartitionA('WriteSerializable'), [info(true), addOf('part=a/new.parquet', 'a')]),
    ).toEqual({ conflict: false })
  })

  it('checkForAddedFilesThatShouldHaveBeenReadByCurrentTxn, WriteSerializable: a non-blind add into what we read conflicts', () => {
    const update: Action[] = [
      info(false),
      removeOf('part=a/old.parquet'),
      addOf('part=a/rewritten.parquet', 'a'),
    ]
    expect(check(readsPartitionA('WriteSerializable'), update)).toMatchObject({
      conflict: true,
      kind: 'concurrent-append',
    })
  })

  it('checkForAddedFilesThatShouldHaveBeenReadByCurrentTxn: adds outside what we read do not conflict', () => {
    expect(
      check(readsPartitionA('Serializable'), [info(true), addOf('part=b/new.parquet', 'b')]),
    ).toEqual({ conflict: false })
  })

  it('checkForAddedFilesThatShouldHaveBeenReadByCurrentTxn: reading the whole table conflicts with any data add under Serializable', () => {
    expect(
      check(ours({ isolationLevel: 'Serializable', readWholeTable: true }), [
        info(true),
        addOf('x.parquet', 'z'),
      ]),
    ).toMatchObject({
      kind: 'concurrent-append',
    })
  })

  it('SnapshotIsolation (a transaction that changes no data): concurrent adds never conflict', () => {
    const compactionTxn = ours({
      isolationLevel: 'SnapshotIsolation',
      readMatches: () => true,
      readFiles: new Set(['1.parquet']),
    })
    expect(check(compactionTxn, [info(false), addOf('part=a/x.parquet')])).toEqual({
      conflict: false,
    })
  })

  it('checkForDeletedFilesAgainstCurrentTxnReadFiles: removing a file we read conflicts', () => {
    expect(
      check(readsPartitionA('WriteSerializable'), [info(false), removeOf('part=a/1.parquet')]),
    ).toMatchObject({
      conflict: true,
      kind: 'concurrent-delete-read',
    })
  })

  it('checkForDeletedFilesAgainstCurrentTxnReadFiles: any removal conflicts when we read the whole table', () => {
    expect(
      check(ours({ readWholeTable: true }), [info(false), removeOf('other.parquet', false)]),
    ).toMatchObject({
      kind: 'concurrent-delete-read',
    })
  })

  it('checkForDeletedFilesAgainstCurrentTxnDeletedFiles: removing the same file conflicts', () => {
    const deleting = ours({ removedFiles: new Set(['x.parquet']) })
    expect(check(deleting, [info(false), removeOf('x.parquet')])).toMatchObject({
      conflict: true,
      kind: 'concurrent-delete-delete',
    })
  })

  it('checkForUpdatedApplicationTransactionIdsThatCurrentTxnDependsOn: the same app id conflicts', () => {
    const sink = ours({ appIds: new Set(['stream-1']) })
    expect(
      check(sink, [info(true), { txn: { appId: 'stream-1', version: 7 } }, addOf('y.parquet')]),
    ).toMatchObject({
      kind: 'concurrent-transaction',
    })
    expect(check(sink, [info(true), { txn: { appId: 'stream-2', version: 7 } }])).toEqual({
      conflict: false,
    })
  })

  it('checkIfDomainMetadataConflict: the same domain conflicts, others do not', () => {
    const writer = ours({ domains: new Set(['app.settings']) })
    expect(
      check(writer, [
        info(false),
        { domainMetadata: { domain: 'app.settings', configuration: '{}', removed: false } },
      ]),
    ).toMatchObject({
      kind: 'concurrent-domain-metadata',
    })
    expect(
      check(writer, [
        info(false),
        { domainMetadata: { domain: 'other', configuration: '{}', removed: false } },
      ]),
    ).toEqual({
      conflict: false,
    })
  })
})
