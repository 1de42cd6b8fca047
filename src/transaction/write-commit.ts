/**
 * Small pieces shared by the operations that commit written data files (create, append,
 * overwrite): the metrics Spark records for a write, and the clean-up of files whose commit is
 * known to have failed.
 */
import { CommitConflictError, MaxCommitAttemptsError } from '../errors.js'
import type { LogStore } from '../log/log-store.js'
import { decodeLogPath } from '../protocol/file-paths.js'
import { definedFields } from '../util/objects.js'
import type { WriteDataFilesOptions, WrittenFiles } from './data-writer.js'
import type { TransactionOptions } from './transaction.js'

/** The options of an operation that the transaction and the data writer take over. */
type OperationOptions = Pick<
  TransactionOptions,
  'isolationLevel' | 'maxAttempts' | 'engineInfo' | 'clock' | 'ids' | 'signal' | 'postCommitHooks'
> &
  Pick<
    WriteDataFilesOptions,
    'targetFileSize' | 'maxRowsPerFile' | 'maxBufferedBytes' | 'rowGroupSize'
  >

/** The transaction options of an operation recorded as `operation` with these parameters. */
export function operationTransaction(
  options: OperationOptions,
  operation: string,
  operationParameters: Readonly<Record<string, unknown>>,
): TransactionOptions {
  return {
    operation,
    operationParameters,
    ...definedFields(options, [
      'isolationLevel',
      'maxAttempts',
      'engineInfo',
      'clock',
      'ids',
      'signal',
      'postCommitHooks',
    ]),
  }
}

/** The data writer's options of an operation. */
export function operationFileOptions(
  options: OperationOptions,
  dataChange: boolean,
): WriteDataFilesOptions {
  return {
    dataChange,
    ...definedFields(options, [
      'targetFileSize',
      'maxRowsPerFile',
      'maxBufferedBytes',
      'rowGroupSize',
      'clock',
      'ids',
      'signal',
    ]),
  }
}

/** Spark's `operationMetrics` of a write; Spark writes the numbers as strings. */
export function writeMetrics(files: WrittenFiles): Record<string, string> {
  return {
    numFiles: String(files.adds.length),
    numOutputRows: String(files.numRecords),
    numOutputBytes: String(files.numBytes),
  }
}

/**
 * Whether an error from `Transaction.commit()` guarantees that nothing was committed: a
 * conflict or running out of attempts. Any other failure (a storage error) may hide a commit
 * that landed, whose files must then stay.
 */
export function nothingCommitted(error: unknown): boolean {
  return error instanceof CommitConflictError || error instanceof MaxCommitAttemptsError
}

/** Deletes the data files of a commit that did not land (best effort: vacuum catches the rest). */
export async function discardFiles(log: LogStore, files: WrittenFiles): Promise<void> {
  const keys: string[] = []
  for (const add of files.adds) {
    const target = decodeLogPath(add.path)
    if (target.kind === 'relative') keys.push(target.key)
  }
  if (keys.length > 0) await log.store.deleteMany(keys).catch(() => undefined)
}
