import { describe, expect, it } from 'vitest'
import type { Action, Add, Metadata, Remove } from '../protocol/actions.js'
import { inlineDeletionVector } from '../protocol/deletion-vector.js'
import { rowIndexSetOf } from '../protocol/roaring-bitmap-array.js'
import { ChangeDataFeedError } from './cdf-errors.js'
import { isChangeDataFeedEnabled, planVersionChanges } from './cdf-plan.js'

const add = (path: string, extra: Partial<Add> = {}): Action => ({
  add: { path, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true, ...extra },
})
const remove = (path: string, extra: Partial<Remove> = {}): Action => ({
  remove: { path, deletionTimestamp: 1, dataChange: true, ...extra },
})
const cdc = (path: string): Action => ({
  cdc: { path, partitionValues: {}, size: 1, dataChange: false },
})
const metadata = (configuration: Record<string, string>): Metadata => ({
  id: 't',
  format: { provider: 'parquet', options: {} },
  schemaString: '{"type":"struct","fields":[]}',
  partitionColumns: [],
  configuration,
})
const dv = (...rows: number[]) => inlineDeletionVector(rowIndexSetOf(rows))

function plan(actions: readonly Action[], commitInfo?: Record<string, unknown>) {
  return planVersionChanges({ version: 7, timestamp: 1234, actions, commitInfo })
}

describe('planVersionChanges', () => {
  it('uses only the cdc files of a version that has them, ignoring its adds and removes', () => {
    const planned = plan([remove('old'), add('new'), cdc('_change_data/c1'), cdc('c2')])
    expect(planned).toEqual({
      version: 7,
      timestamp: 1234,
      files: [
        { kind: 'cdc', cdc: (cdc('_change_data/c1') as { cdc: unknown }).cdc },
        { kind: 'cdc', cdc: (cdc('c2') as { cdc: unknown }).cdc },
      ],
    })
  })

  it('reads adds as inserts and removes as deletes, in log order, when there is no cdc file', () => {
    const planned = plan([remove('r1'), add('a1'), remove('r2')])
    expect(
      planned.files.map(
        (f) => `${f.kind}:${'add' in f ? f.add.path : f.kind === 'remove' ? f.remove.path : ''}`,
      ),
    ).toEqual(['remove:r1', 'add:a1', 'remove:r2'])
  })

  it('ignores adds and removes with dataChange=false (OPTIMIZE rewrites no data)', () => {
    const planned = plan([
      remove('small-1', { dataChange: false }),
      remove('small-2', { dataChange: false }),
      add('big', { dataChange: false }),
    ])
    expect(planned.files).toEqual([])
  })

  it('pairs a remove and an add of one path with different DVs into a dv-update', () => {
    const before = remove('f', { deletionVector: dv(1) })
    const after = add('f', { deletionVector: dv(1, 4) })
    const planned = plan([before, after, add('g')])
    expect(planned.files).toEqual([
      {
        kind: 'dv-update',
        add: (after as { add: Add }).add,
        remove: (before as { remove: Remove }).remove,
      },
      { kind: 'add', add: (add('g') as { add: Add }).add },
    ])
  })

  it('pairs a DV-less remove with an add that brings the first DV', () => {
    const planned = plan([remove('f'), add('f', { deletionVector: dv(0) })])
    expect(planned.files.map((f) => f.kind)).toEqual(['dv-update'])
  })

  it('yields nothing for a remove and re-add of one path when neither has a DV', () => {
    expect(plan([remove('f'), add('f')]).files).toEqual([])
  })

  it('does not pair a dataChange=false remove with a dataChange=true add of the same path', () => {
    const planned = plan([remove('f', { dataChange: false }), add('f', { deletionVector: dv(0) })])
    expect(planned.files.map((f) => f.kind)).toEqual(['add'])
  })

  it('skips the files of a MERGE that reports no changed target rows (Spark hotfix)', () => {
    const noOp = {
      operation: 'MERGE',
      operationMetrics: {
        numTargetRowsInserted: '0',
        numTargetRowsUpdated: '0',
        numTargetRowsDeleted: '0',
      },
    }
    expect(plan([remove('f'), add('g')], noOp).files).toEqual([])
    const updated = {
      ...noOp,
      operationMetrics: { ...noOp.operationMetrics, numTargetRowsUpdated: '1' },
    }
    expect(plan([remove('f'), add('g')], updated).files).toHaveLength(2)
    // A missing metric means "unknown": the files are read.
    expect(plan([remove('f')], { operation: 'MERGE', operationMetrics: {} }).files).toHaveLength(1)
    expect(
      plan([remove('f')], { operation: 'DELETE', operationMetrics: noOp.operationMetrics }).files,
    ).toHaveLength(1)
  })

  it('fails with not-enabled, naming the version, when the commit turns the feed off', () => {
    const off: Action = { metaData: metadata({ 'delta.enableChangeDataFeed': 'false' }) }
    let error: unknown
    try {
      plan([off])
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ChangeDataFeedError)
    expect(error).toMatchObject({
      code: 'OPERATION_NOT_ALLOWED',
      problem: 'not-enabled',
      version: 7,
    })
    // A metaData without the property turns it off too (the default is false).
    expect(() => plan([{ metaData: metadata({}) }])).toThrow(ChangeDataFeedError)
    // One that keeps it on is fine.
    const on: Action = { metaData: metadata({ 'delta.enableChangeDataFeed': 'true' }) }
    expect(plan([on, add('a')]).files).toHaveLength(1)
  })
})

describe('isChangeDataFeedEnabled', () => {
  it('reads the property, its legacy alias and Spark boolean spellings', () => {
    expect(isChangeDataFeedEnabled(metadata({ 'delta.enableChangeDataFeed': 'true' }))).toBe(true)
    expect(isChangeDataFeedEnabled(metadata({ 'delta.enableChangeDataFeed': ' TRUE ' }))).toBe(true)
    expect(isChangeDataFeedEnabled(metadata({ 'delta.enableChangeDataCapture': 'true' }))).toBe(
      true,
    )
    expect(isChangeDataFeedEnabled(metadata({ 'delta.enableChangeDataFeed': 'false' }))).toBe(false)
    expect(isChangeDataFeedEnabled(metadata({}))).toBe(false)
    expect(() =>
      isChangeDataFeedEnabled(metadata({ 'delta.enableChangeDataFeed': 'yes' })),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
