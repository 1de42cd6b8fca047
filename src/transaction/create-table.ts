/**
 * Creating a table: version 0 with its protocol and metadata (`new-table.ts`), and optionally
 * its first data in the same commit (Spark's `df.write.format("delta").save(path)`).
 *
 * A location that already has a log is refused with `TableAlreadyExistsError` before anything is
 * written: version 0 may have been cleaned up long ago, so put-if-absent on `0.json` alone would
 * not notice an existing table. Two creators racing for an empty location are told apart by that
 * put-if-absent: the loser gets `CommitConflictError` (`table-created-concurrently`) from the
 * transaction, and its data files are deleted again.
 */
import * as arrow from 'apache-arrow'
import { TableAlreadyExistsError, throwIfAborted } from '../errors.js'
import type { LogStore } from '../log/log-store.js'
import type { Metadata, Protocol } from '../protocol/actions.js'
import { checkWriteSupport } from '../protocol/protocol-check.js'
import type { StructType } from '../protocol/schema.js'
import type { ColumnMappingMode } from '../protocol/table-properties.js'
import { systemClock, systemIds, type Clock, type Ids } from '../util/clock.js'
import { deltaSchemaFromArrow } from './arrow-schema.js'
import {
  type WriteDataFilesOptions,
  type WriteInput,
  type WrittenFiles,
  writeDataFiles,
} from './data-writer.js'
import { newTable } from './new-table.js'
import { type CommitResult, type PostCommitHook, Transaction } from './transaction.js'
import { discardFiles, nothingCommitted, writeMetrics } from './write-commit.js'

export interface CreateTableOptions {
  /** The table's columns: an Arrow schema (mapped by `deltaSchemaFromArrow`) or a Delta schema. */
  readonly schema: arrow.Schema | StructType
  readonly partitionBy?: readonly string[]
  /** `metaData.configuration`; `delta.feature.<name>=supported` enables a feature. */
  readonly properties?: Readonly<Record<string, string>>
  readonly name?: string
  readonly description?: string
  /** Default `none` (or `delta.columnMapping.mode` from `properties`). */
  readonly columnMapping?: ColumnMappingMode
  /** Rows to write in version 0. */
  readonly data?: WriteInput
  /** File sizing for `data`. */
  readonly write?: Pick<
    WriteDataFilesOptions,
    'targetFileSize' | 'maxRowsPerFile' | 'maxBufferedBytes' | 'rowGroupSize'
  >
  readonly engineInfo?: string
  readonly clock?: Clock
  readonly ids?: Ids
  readonly signal?: AbortSignal
  /** Post-commit work (the table facade passes checkpointing and checksums). */
  readonly postCommitHooks?: readonly PostCommitHook[]
}

export interface CreateTableResult {
  readonly commit: CommitResult
  readonly protocol: Protocol
  readonly metadata: Metadata
  /** The files of `data` (none when no data was given). */
  readonly files: WrittenFiles
}

/**
 * Creates a Delta table at the log's location and commits version 0. Throws
 * `TableAlreadyExistsError` when the location has a log, `InvalidArgumentError` for an invalid
 * request (see `new-table.ts`), `ProtocolUnsupportedError` when the table would need a feature
 * this library cannot write, and `CommitConflictError` when another writer created it first.
 */
export async function createTable(
  log: LogStore,
  options: CreateTableOptions,
): Promise<CreateTableResult> {
  const clock = options.clock ?? systemClock
  const ids = options.ids ?? systemIds
  const signal = options.signal
  const schema =
    options.schema instanceof arrow.Schema ? deltaSchemaFromArrow(options.schema) : options.schema
  const table = newTable(
    {
      schema,
      ...(options.partitionBy === undefined ? {} : { partitionBy: options.partitionBy }),
      ...(options.properties === undefined ? {} : { properties: options.properties }),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.columnMapping === undefined ? {} : { columnMapping: options.columnMapping }),
    },
    clock,
    ids,
  )
  const { protocol, metadata } = table
  // Refuse unwritable tables before any file is written (commit would refuse them anyway).
  checkWriteSupport(protocol, metadata, undefined, table.schema)
  for await (const _ of log.list({ signal })) throw new TableAlreadyExistsError(log.tableUrl)
  throwIfAborted(signal)

  const files: WrittenFiles =
    options.data === undefined
      ? { adds: [], numRecords: 0, numBytes: 0 }
      : await writeDataFiles(
          log.store,
          {
            schema: table.schema,
            metadata,
            protocol,
            partitionColumns: metadata.partitionColumns,
            columnMappingMode: table.columnMappingMode,
          },
          options.data,
          { ...options.write, clock, ids, ...(signal === undefined ? {} : { signal }) },
        )
  const partitionBy = JSON.stringify(metadata.partitionColumns)
  const transaction = Transaction.create(log, {
    // Spark: CREATE TABLE for an empty table, WRITE (ErrorIfExists) when data comes with it.
    operation: options.data === undefined ? 'CREATE TABLE' : 'WRITE',
    operationParameters:
      options.data === undefined
        ? {
            isManaged: 'false',
            description: metadata.description ?? null,
            partitionBy,
            properties: JSON.stringify(metadata.configuration),
          }
        : { mode: 'ErrorIfExists', partitionBy },
    clock,
    ids,
    ...(signal === undefined ? {} : { signal }),
    ...(options.engineInfo === undefined ? {} : { engineInfo: options.engineInfo }),
    ...(options.postCommitHooks === undefined ? {} : { postCommitHooks: options.postCommitHooks }),
  })
  transaction.updateProtocol(protocol).updateMetadata(metadata)
  for (const add of files.adds) transaction.addFile(add)
  if (options.data !== undefined) transaction.setMetrics(writeMetrics(files))
  try {
    const commit = await transaction.commit()
    return { commit, protocol, metadata, files }
  } catch (error) {
    if (nothingCommitted(error)) await discardFiles(log, files)
    throw error
  }
}
