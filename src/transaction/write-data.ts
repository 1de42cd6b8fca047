/**
 * Append and overwrite: data files written by `writeDataFiles`, committed by a `Transaction`
 * on the snapshot the caller read, recorded as Spark records them (operation `WRITE`, mode
 * `Append` / `Overwrite`, `partitionBy` as a JSON string, metrics as strings).
 *
 * What each declares for conflict detection (the transaction's checker applies Spark's rules):
 * - an append reads nothing: it is a blind append, which never conflicts with other appends or
 *   compactions;
 * - a full overwrite reads the whole table (any concurrent change to the data conflicts);
 * - a `replaceWhere` overwrite reads the partitions its predicate selects (a concurrent write
 *   into them conflicts, except blind appends under WriteSerializable, as in Spark) and removes
 *   the files in them (a concurrent delete of one conflicts).
 *
 * Idempotent writes (`appTransaction`): the commit records `txn(appId, version)`; a write whose
 * version is not above the one the snapshot already holds for that app is skipped without
 * writing anything (`status: 'skipped'`). A concurrent writer committing the same app id
 * conflicts at commit time.
 *
 * Unwritable tables are refused before any file is written, and when a commit is known not to
 * have landed (conflict, attempts exhausted) its files are deleted again.
 */
import * as arrow from 'apache-arrow'
import { InvalidArgumentError, OperationNotAllowedError } from '../errors.js'
import type { Add } from '../protocol/actions.js'
import { checkWriteSupport } from '../protocol/protocol-check.js'
import type { StructType } from '../protocol/schema.js'
import type { Expression } from '../scan/expression.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { systemIds } from '../util/clock.js'
import type { Clock, Ids } from '../util/clock.js'
import { deltaSchemaFromArrow } from './arrow-schema.js'
import {
  type WriteDataFilesOptions,
  type WriteInput,
  type WrittenFiles,
  writeDataFiles,
} from './data-writer.js'
import { replacedSchema } from './new-table.js'
import { type PartitionPredicate, partitionPredicate } from './partition-predicate.js'
import {
  type CommitResult,
  type PostCommitHook,
  Transaction,
  type TransactionOptions,
} from './transaction.js'
import {
  discardFiles,
  nothingCommitted,
  operationFileOptions,
  operationTransaction,
  writeMetrics,
} from './write-commit.js'
import type { WriteTarget } from './write-layout.js'

export interface WriteOptions extends Pick<
  WriteDataFilesOptions,
  'targetFileSize' | 'maxRowsPerFile' | 'maxBufferedBytes' | 'rowGroupSize'
> {
  /** When given, must equal the table's partition columns (or, with `overwriteSchema`, sets them). */
  readonly partitionBy?: readonly string[]
  /** Makes the write idempotent: see the file comment. */
  readonly appTransaction?: { readonly appId: string; readonly version: number }
  readonly isolationLevel?: 'Serializable' | 'WriteSerializable'
  readonly maxAttempts?: number
  readonly engineInfo?: string
  readonly clock?: Clock
  readonly ids?: Ids
  readonly signal?: AbortSignal
  /** Post-commit work (the table facade passes checkpointing and checksums). */
  readonly postCommitHooks?: readonly PostCommitHook[]
}

export interface OverwriteOptions extends WriteOptions {
  /** Replace only the partitions where this predicate (over partition columns) is TRUE. */
  readonly replaceWhere?: Expression | string
  /** Replace the schema (and, with `partitionBy`, the partitioning) by the data's. */
  readonly overwriteSchema?: boolean
  /** The new schema for `overwriteSchema`; default: the data's Arrow schema. */
  readonly schema?: arrow.Schema | StructType
  /** Default true. False marks a rewrite that changes no rows (e.g. a compaction). */
  readonly dataChange?: boolean
}

export type WriteResult =
  | {
      readonly status: 'committed'
      readonly commit: CommitResult
      readonly files: WrittenFiles
      /** Files the overwrite removed. */
      readonly removed: readonly Add[]
    }
  | {
      readonly status: 'skipped'
      readonly appId: string
      /** The app version asked for, and the one the table already has. */
      readonly version: number
      readonly committedVersion: number
    }

function checkPartitionBy(
  table: readonly string[],
  requested: readonly string[] | undefined,
): void {
  if (requested === undefined) return
  const same =
    requested.length === table.length &&
    requested.every((c, i) => c.toLowerCase() === table[i]!.toLowerCase())
  if (!same) {
    throw new InvalidArgumentError(
      `partitionBy [${requested.join(', ')}] differs from the table's partition columns ` +
        `[${table.join(', ')}]; overwrite with overwriteSchema to repartition`,
    )
  }
}

/** The skip result when the app transaction already committed, else undefined. */
function alreadyCommitted(snapshot: Snapshot, options: WriteOptions): WriteResult | undefined {
  const app = options.appTransaction
  if (app === undefined) return undefined
  if (!Number.isSafeInteger(app.version) || app.version < 0) {
    throw new InvalidArgumentError(
      `appTransaction.version must be a non-negative integer, got ${app.version}`,
    )
  }
  const committed = snapshot.appTransactionVersion(app.appId)
  if (committed === undefined || committed < app.version) return undefined
  return { status: 'skipped', appId: app.appId, version: app.version, committedVersion: committed }
}

function fileOptions(options: WriteOptions, dataChange: boolean): WriteDataFilesOptions {
  return operationFileOptions(options, dataChange)
}

function transactionOptions(
  options: WriteOptions,
  operationParameters: Record<string, unknown>,
): TransactionOptions {
  return operationTransaction(options, 'WRITE', operationParameters)
}

/** Commits, deleting the written files again when the commit certainly failed. */
async function commitWrite(
  snapshot: Snapshot,
  transaction: Transaction,
  files: WrittenFiles,
  removed: readonly Add[],
  options: WriteOptions,
): Promise<WriteResult> {
  for (const add of files.adds) transaction.addFile(add)
  const app = options.appTransaction
  if (app !== undefined) transaction.setAppTransaction(app.appId, app.version)
  try {
    const commit = await transaction.commit()
    return { status: 'committed', commit, files, removed }
  } catch (error) {
    if (nothingCommitted(error)) await discardFiles(snapshot.context.log, files)
    throw error
  }
}

/**
 * Appends `data` to the table read as `snapshot` (a blind append). Returns `skipped` when
 * `appTransaction` was already committed. Throws `InvalidArgumentError` when the data does not
 * fit the table, `ProtocolUnsupportedError` for a table this library cannot write, and the
 * transaction's errors.
 */
export async function appendData(
  snapshot: Snapshot,
  data: WriteInput,
  options: WriteOptions = {},
): Promise<WriteResult> {
  checkWriteSupport(snapshot.protocol, snapshot.metadata, undefined, snapshot.schema)
  checkPartitionBy(snapshot.partitionColumns, options.partitionBy)
  const skipped = alreadyCommitted(snapshot, options)
  if (skipped !== undefined) return skipped
  const files = await writeDataFiles(
    snapshot.context.log.store,
    snapshot,
    data,
    fileOptions(options, true),
  )
  const transaction = Transaction.on(
    snapshot,
    transactionOptions(options, {
      mode: 'Append',
      partitionBy: JSON.stringify(snapshot.partitionColumns),
    }),
  ).setMetrics(writeMetrics(files))
  return commitWrite(snapshot, transaction, files, [], options)
}

/** The Arrow schema of the data, without consuming it (an iterator's first batch is re-chained). */
async function peekSchema(
  data: WriteInput,
): Promise<{ readonly schema: arrow.Schema | undefined; readonly data: WriteInput }> {
  if (data instanceof arrow.Table || data instanceof arrow.RecordBatch) {
    return { schema: data.schema, data }
  }
  const iterator =
    Symbol.asyncIterator in data ? data[Symbol.asyncIterator]() : data[Symbol.iterator]()
  const first = await iterator.next()
  if (first.done === true) return { schema: undefined, data: [] }
  const rest = async function* (): AsyncGenerator<arrow.RecordBatch> {
    yield first.value
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      yield next.value
    }
  }
  return { schema: first.value.schema, data: rest() }
}

/**
 * Overwrites the table read as `snapshot` with `data`: every file, or (with `replaceWhere`) the
 * files of the partitions the predicate selects, after checking that every new row belongs to
 * them. With `overwriteSchema`, the data's schema (or `options.schema`) replaces the table's.
 * Throws `InvalidArgumentError` for invalid options or data (a row outside `replaceWhere`
 * included), `OperationNotAllowedError` on an append-only table, and the transaction's errors.
 */
export async function overwriteData(
  snapshot: Snapshot,
  data: WriteInput,
  options: OverwriteOptions = {},
): Promise<WriteResult> {
  checkWriteSupport(snapshot.protocol, snapshot.metadata, undefined, snapshot.schema)
  const dataChange = options.dataChange ?? true
  if (options.overwriteSchema === true && options.replaceWhere !== undefined) {
    throw new InvalidArgumentError('overwriteSchema cannot be combined with replaceWhere')
  }
  if (options.overwriteSchema === true && !dataChange) {
    throw new InvalidArgumentError('overwriteSchema cannot be combined with dataChange: false')
  }
  const skipped = alreadyCommitted(snapshot, options)
  if (skipped !== undefined) return skipped

  let target: WriteTarget = snapshot
  let replaced: ReturnType<typeof replacedSchema> | undefined
  if (options.overwriteSchema === true) {
    let schema = options.schema
    if (schema === undefined) {
      const peeked = await peekSchema(data)
      data = peeked.data
      schema = peeked.schema
      if (schema === undefined) {
        throw new InvalidArgumentError('overwriteSchema needs a schema: give one, or some data')
      }
    }
    const requested = schema instanceof arrow.Schema ? deltaSchemaFromArrow(schema) : schema
    replaced = replacedSchema(snapshot, requested, options.partitionBy, options.ids ?? systemIds)
    checkWriteSupport(replaced.protocol, replaced.metadata, undefined, replaced.schema)
    target = {
      schema: replaced.schema,
      metadata: replaced.metadata,
      protocol: replaced.protocol,
      partitionColumns: replaced.metadata.partitionColumns,
      columnMappingMode: snapshot.columnMappingMode,
    }
  } else {
    checkPartitionBy(snapshot.partitionColumns, options.partitionBy)
  }

  const predicate: PartitionPredicate | undefined =
    options.replaceWhere === undefined
      ? undefined
      : partitionPredicate(options.replaceWhere, snapshot)
  const removed = [...snapshot.files()].filter((f) => predicate?.matchesFile(f) ?? true)
  if (removed.length > 0 && dataChange && snapshot.isFeatureActive('appendOnly')) {
    throw new OperationNotAllowedError(
      'This table is append-only (delta.appendOnly=true): an overwrite would delete data. Unset the property to allow it.',
    )
  }

  const files = await writeDataFiles(snapshot.context.log.store, target, data, {
    ...fileOptions(options, dataChange),
    ...(predicate === undefined
      ? {}
      : {
          checkPartition: (values) => {
            if (!predicate.matches(values)) {
              throw new InvalidArgumentError(
                `Data written does not satisfy replaceWhere ${predicate.text}: a row has partition values ` +
                  `${describeValues(values)}. Filter the data, or widen replaceWhere.`,
              )
            }
          },
        }),
  })

  const transaction = Transaction.on(
    snapshot,
    transactionOptions(options, {
      mode: 'Overwrite',
      partitionBy: JSON.stringify(target.partitionColumns),
      ...(predicate === undefined ? {} : { predicate: JSON.stringify([predicate.text]) }),
    }),
  )
  if (replaced !== undefined) {
    transaction.updateMetadata(replaced.metadata)
    if (JSON.stringify(replaced.protocol) !== JSON.stringify(snapshot.protocol)) {
      transaction.updateProtocol(replaced.protocol)
    }
  }
  if (predicate === undefined) transaction.readWholeTable()
  else transaction.readWhere((add) => predicate.matchesFile(add))
  for (const file of removed) transaction.removeFile(file, { dataChange })
  transaction.setMetrics({
    ...writeMetrics(files),
    numRemovedFiles: String(removed.length),
    numRemovedBytes: String(removed.reduce((sum, f) => sum + f.size, 0)),
  })
  return commitWrite(snapshot, transaction, files, removed, options)
}

function describeValues(values: Readonly<Record<string, unknown>>): string {
  const text = Object.entries(values).map(
    ([k, v]) => `${k}=${typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? String(v))}`,
  )
  return `{${text.join(', ')}}`
}
