/**
 * Decoding checkpoint record batches into actions, column by column from the Arrow buffers
 * (see `arrow-read.ts`): a batch's columns are each read once into plain arrays, then one
 * object per row is assembled from them. Column arrays are read only for the action kinds
 * present in the batch; a top-level column whose rows are all null costs nothing.
 *
 * The `add` column is decoded by `checkpoint-adds.ts` (into actions, or kept in columns for a
 * snapshot load); every field through `checkpoint-fields.ts`, with the null handling of JSON
 * commits. A few fields take the default every implementation applies (noted where it happens).
 */
import type * as arrow from 'apache-arrow'
import type {
  AddAction,
  CheckpointMetadataAction,
  DomainMetadataAction,
  MetadataAction,
  ProtocolAction,
  Remove,
  RemoveAction,
  SidecarAction,
  TxnAction,
} from '../protocol/actions.js'
import { childOf, validColumn } from './arrow-read.js'
import { AddColumns, decodeAdds } from './checkpoint-adds.js'
import {
  Corrupt,
  bools,
  deletionVectors,
  lists,
  maps,
  nonNullValues,
  numbers,
  required,
  strings,
  type Mutable,
} from './checkpoint-fields.js'

export { Corrupt } from './checkpoint-fields.js'

/** The actions a checkpoint can hold. */
export type CheckpointAction =
  | AddAction
  | RemoveAction
  | MetadataAction
  | ProtocolAction
  | TxnAction
  | DomainMetadataAction
  | SidecarAction
  | CheckpointMetadataAction

export type CheckpointActionName =
  | 'txn'
  | 'add'
  | 'remove'
  | 'metaData'
  | 'protocol'
  | 'domainMetadata'
  | 'checkpointMetadata'
  | 'sidecar'

const EMPTY_SCHEMA = '{"type":"struct","fields":[]}'

type Slots = (CheckpointAction | undefined)[]

function place(slots: Slots, i: number, action: CheckpointAction, rowBase: number): void {
  if (slots[i] !== undefined) throw new Corrupt(`row ${rowBase + i} holds more than one action`)
  slots[i] = action
}

function decodeRemoves(data: arrow.Data, slots: Slots, rowBase: number): void {
  const valid = validColumn(data)
  const path = strings(data, 'path', 'remove')
  const deletionTimestamp = numbers(data, 'deletionTimestamp', 'remove')
  const dataChange = bools(data, 'dataChange', 'remove')
  const extended = bools(data, 'extendedFileMetadata', 'remove')
  const partitionValues = maps(data, 'partitionValues', 'remove')
  const size = numbers(data, 'size', 'remove')
  const stats = strings(data, 'stats', 'remove')
  const tags = maps(data, 'tags', 'remove')
  const dv = deletionVectors(data, 'remove', rowBase)
  const baseRowId = numbers(data, 'baseRowId', 'remove')
  const defaultRowCommitVersion = numbers(data, 'defaultRowCommitVersion', 'remove')
  for (let i = 0; i < data.length; i++) {
    if (!valid[i]) continue
    const remove: Mutable<Remove> = {
      path: required(path, i, 'remove.path', rowBase + i),
      dataChange: dataChange?.[i] ?? false,
    }
    const ts = deletionTimestamp?.[i]
    if (ts !== null && ts !== undefined) remove.deletionTimestamp = ts
    const e = extended?.[i]
    if (e !== null && e !== undefined) remove.extendedFileMetadata = e
    const pv = partitionValues?.[i]
    if (pv !== null && pv !== undefined) remove.partitionValues = pv
    const sz = size?.[i]
    if (sz !== null && sz !== undefined) remove.size = sz
    const st = stats?.[i]
    if (st !== null && st !== undefined) remove.stats = st
    const t = tags?.[i]
    if (t !== null && t !== undefined) remove.tags = t
    const d = dv(i)
    if (d !== undefined) remove.deletionVector = d
    const b = baseRowId?.[i]
    if (b !== null && b !== undefined) remove.baseRowId = b
    const v = defaultRowCommitVersion?.[i]
    if (v !== null && v !== undefined) remove.defaultRowCommitVersion = v
    // Key order as in the Remove type (deletionTimestamp after path) is not significant.
    place(slots, i, { remove }, rowBase)
  }
}

/** Decoders of the small actions: rows are few, so clarity over speed. */
function decodeOthers(
  name: CheckpointActionName,
  data: arrow.Data,
  slots: Slots,
  rowBase: number,
): void {
  const valid = validColumn(data)
  if (!valid.includes(true)) return
  const at = (i: number): number => rowBase + i
  switch (name) {
    case 'metaData': {
      const id = strings(data, 'id', name)
      const mdName = strings(data, 'name', name)
      const description = strings(data, 'description', name)
      const format = childOf(data, 'format')
      const formatValid = format === undefined ? undefined : validColumn(format)
      const provider =
        format === undefined ? undefined : strings(format, 'provider', 'metaData.format')
      const options = format === undefined ? undefined : maps(format, 'options', 'metaData.format')
      const schemaString = strings(data, 'schemaString', name)
      const partitionColumns = lists(data, 'partitionColumns', name)
      const configuration = maps(data, 'configuration', name)
      const createdTime = numbers(data, 'createdTime', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const hasFormat = formatValid?.[i] === true
        const metaData: Mutable<MetadataAction['metaData']> = {
          id: required(id, i, 'metaData.id', at(i)),
          // Spark always writes a format; `parquet` is the only provider the protocol knows.
          format: {
            provider: (hasFormat ? provider?.[i] : null) ?? 'parquet',
            options: nonNullValues((hasFormat ? options?.[i] : null) ?? {}),
          },
          // Spark's Metadata defaults schemaString to null for a table created without columns
          // (real checkpoints of Spark 2.4/3.0 hold one); Spark reads that as the empty schema.
          schemaString: schemaString?.[i] ?? EMPTY_SCHEMA,
          partitionColumns: partitionColumns?.[i] ?? [],
          configuration: nonNullValues(configuration?.[i] ?? {}),
        }
        const n = mdName?.[i]
        if (n !== null && n !== undefined) metaData.name = n
        const d = description?.[i]
        if (d !== null && d !== undefined) metaData.description = d
        const c = createdTime?.[i]
        if (c !== null && c !== undefined) metaData.createdTime = c
        place(slots, i, { metaData }, rowBase)
      }
      return
    }
    case 'protocol': {
      const reader = numbers(data, 'minReaderVersion', name)
      const writer = numbers(data, 'minWriterVersion', name)
      const readerFeatures = lists(data, 'readerFeatures', name)
      const writerFeatures = lists(data, 'writerFeatures', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const protocol: Mutable<ProtocolAction['protocol']> = {
          minReaderVersion: required(reader, i, 'protocol.minReaderVersion', at(i)),
          minWriterVersion: required(writer, i, 'protocol.minWriterVersion', at(i)),
        }
        const rf = readerFeatures?.[i]
        if (rf !== null && rf !== undefined) protocol.readerFeatures = rf
        const wf = writerFeatures?.[i]
        if (wf !== null && wf !== undefined) protocol.writerFeatures = wf
        place(slots, i, { protocol }, rowBase)
      }
      return
    }
    case 'txn': {
      const appId = strings(data, 'appId', name)
      const version = numbers(data, 'version', name)
      const lastUpdated = numbers(data, 'lastUpdated', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const txn: Mutable<TxnAction['txn']> = {
          appId: required(appId, i, 'txn.appId', at(i)),
          version: required(version, i, 'txn.version', at(i)),
        }
        const l = lastUpdated?.[i]
        if (l !== null && l !== undefined) txn.lastUpdated = l
        place(slots, i, { txn }, rowBase)
      }
      return
    }
    case 'domainMetadata': {
      const domain = strings(data, 'domain', name)
      const configuration = strings(data, 'configuration', name)
      const removed = bools(data, 'removed', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const domainMetadata = {
          domain: required(domain, i, 'domainMetadata.domain', at(i)),
          configuration: required(configuration, i, 'domainMetadata.configuration', at(i)),
          removed: removed?.[i] ?? false,
        }
        place(slots, i, { domainMetadata }, rowBase)
      }
      return
    }
    case 'sidecar': {
      const path = strings(data, 'path', name)
      const sizeInBytes = numbers(data, 'sizeInBytes', name)
      const modificationTime = numbers(data, 'modificationTime', name)
      const tags = maps(data, 'tags', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const sidecar: Mutable<SidecarAction['sidecar']> = {
          path: required(path, i, 'sidecar.path', at(i)),
          sizeInBytes: required(sizeInBytes, i, 'sidecar.sizeInBytes', at(i)),
          modificationTime: required(modificationTime, i, 'sidecar.modificationTime', at(i)),
        }
        const t = tags?.[i]
        if (t !== null && t !== undefined) sidecar.tags = t
        place(slots, i, { sidecar }, rowBase)
      }
      return
    }
    case 'checkpointMetadata': {
      const version = numbers(data, 'version', name)
      const tags = maps(data, 'tags', name)
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) continue
        const checkpointMetadata: Mutable<CheckpointMetadataAction['checkpointMetadata']> = {
          version: required(version, i, 'checkpointMetadata.version', at(i)),
        }
        const t = tags?.[i]
        if (t !== null && t !== undefined) checkpointMetadata.tags = t
        place(slots, i, { checkpointMetadata }, rowBase)
      }
      return
    }
    case 'add':
    case 'remove':
      return
  }
}

export function decodeBatch(
  batch: arrow.RecordBatch,
  start: number,
  length: number,
  rowBase: number,
): CheckpointAction[] {
  return decodeSlice(batch, start, length, rowBase, false).actions
}

/** A slice decoded with its adds left in their columns (see `AddColumns`). */
export interface CheckpointSlice {
  /** The slice's actions other than adds, in row order. */
  readonly actions: CheckpointAction[]
  /** Its adds, when it has any. */
  readonly adds: AddColumns | undefined
}

export function decodeBatchColumns(
  batch: arrow.RecordBatch,
  start: number,
  length: number,
  rowBase: number,
  fail: (error: unknown) => Error,
): CheckpointSlice {
  return decodeSlice(batch, start, length, rowBase, fail)
}

function decodeSlice(
  batch: arrow.RecordBatch,
  start: number,
  length: number,
  rowBase: number,
  addColumns: false | ((error: unknown) => Error),
): CheckpointSlice {
  const slots: Slots = new Array<CheckpointAction | undefined>(length)
  let adds: arrow.Data | undefined
  batch.schema.fields.forEach((field, k) => {
    const data = batch.data.children[k]!.slice(start, length)
    // A column whose every row is null (e.g. `remove` in a batch of adds) costs nothing.
    if (data.nullCount === data.length) return
    const name = field.name as CheckpointActionName
    if (name === 'add') {
      if (addColumns === false) {
        decodeAdds(data, rowBase).forEach((add, i) => {
          if (add !== undefined) place(slots, i, { add }, rowBase)
        })
      } else adds = data
    } else if (name === 'remove') decodeRemoves(data, slots, rowBase)
    else decodeOthers(name, data, slots, rowBase)
  })
  const actions: CheckpointAction[] = []
  for (const action of slots) if (action !== undefined) actions.push(action)
  if (adds === undefined || addColumns === false) return { actions, adds: undefined }
  const columns = new AddColumns(adds, rowBase, addColumns)
  if (actions.length > 0) {
    for (const i of columns.rows) {
      if (slots[i] !== undefined) throw new Corrupt(`row ${rowBase + i} holds more than one action`)
    }
  }
  return { actions, adds: columns }
}
