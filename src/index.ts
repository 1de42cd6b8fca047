/**
 * deltalake-ts: a Delta Lake transaction-log storage engine.
 *
 * Named re-exports only; no logic lives here.
 */
export * from './errors.js'
export { DeltaTable, type OpenOptions } from './table/delta-table.js'

// Storage
export type {
  ByteRange,
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListOptions,
  ObjectMeta,
  ObjectStore,
  PutMode,
  PutOptions,
  PutResult,
  Signalled,
  StoreCapabilities,
} from './storage/object-store.js'
export { MemoryStore } from './storage/memory.js'
export { LocalStore, type LocalStoreOptions } from './storage/local.js'
export { PrefixStore } from './storage/prefix.js'
export { CountingStore, type StoreCounts } from './storage/counting.js'
export {
  FaultyStore,
  InjectedFaultError,
  isInjectedFault,
  type FaultAction,
  type FaultRule,
  type StoreOp,
} from './storage/fault.js'
export {
  openStore,
  parseLocation,
  type ParsedLocation,
  type StorageOptions,
} from './storage/url.js'
export type { S3StoreOptions } from './storage/s3.js'
export type { AzureStoreOptions } from './storage/azure.js'

// Log and snapshots
export { LogStore, commitKey, type CommitOutcome } from './log/log-store.js'
export {
  buildLogSegment,
  type CheckpointGroup,
  type LogEntry,
  type LogSegment,
} from './log/log-segment.js'
export { readCheckpoint } from './log/checkpoint-reader.js'
export { Snapshot } from './snapshot/snapshot.js'
export { loadSnapshot, findSegment, type SnapshotOptions } from './snapshot/load.js'
export { loadTableMetadata, type TableMetadata } from './snapshot/metadata.js'
export {
  commitTimesFor,
  monotonize,
  versionAtTimestamp,
  type CommitTime,
} from './snapshot/history.js'

// Scans
export * from './scan/expression.js'
export type { ScanFile } from './scan/scan-file.js'
export { parsePredicate } from './scan/predicate-parser.js'
export { planScan, resolveFilter } from './scan/plan.js'
export { evaluatePredicate } from './scan/evaluate.js'
export { readScan, scanToTable, type ScanBatches } from './scan/read-scan.js'
export { DataReader, readDataFile, type ReadableTable } from './scan/data-reader.js'
export { arrowSchema, arrowType } from './scan/arrow-types.js'
export {
  PredicateSyntaxError,
  UnknownColumnError,
  LiteralTypeError,
} from './scan/predicate-errors.js'

// Writes
export {
  Transaction,
  ENGINE_INFO,
  type TransactionOptions,
  type CommitResult,
  type PostCommitHook,
} from './transaction/transaction.js'
export {
  checkConflict,
  conflictHint,
  type IsolationLevel,
  type TransactionSummary,
  type ConflictVerdict,
} from './transaction/conflict-checker.js'
export {
  createTable,
  type CreateTableOptions,
  type CreateTableResult,
} from './transaction/create-table.js'
export {
  appendData,
  overwriteData,
  type WriteOptions,
  type OverwriteOptions,
  type WriteResult,
} from './transaction/write-data.js'
export { writeDataFiles, type WriteInput } from './transaction/data-writer.js'
export {
  deleteRows,
  type DeleteOptions,
  type DeleteResult,
  type DeleteStrategy,
} from './transaction/delete.js'
export type { DeleteMetrics } from './transaction/delete-metrics.js'
export { deltaSchemaFromArrow } from './transaction/arrow-schema.js'

// Maintenance
export { writeCheckpoint, type CheckpointResult } from './maintenance/checkpoint.js'
export { defaultPostCommitHooks, type MaintenanceWarning } from './maintenance/checkpoint-hook.js'
export { cleanupExpiredLogs } from './maintenance/log-cleanup.js'
export { vacuum, type VacuumOptions, type VacuumReport } from './maintenance/vacuum.js'
export {
  verify,
  type VerifyOptions,
  type VerifyReport,
  type VerifyProblem,
} from './maintenance/verify.js'

// Changes
export { tail, type CommitRecord, type TailOptions } from './changes/tail.js'
export {
  DeltaSource,
  type SourceOptions,
  type SourceOffset,
  type MicroBatch,
  type StreamFile,
} from './changes/source.js'

// The Delta model
export * from './protocol/index.js'

// Utilities engines may want
export {
  systemClock,
  systemIds,
  ManualClock,
  seededIds,
  type Clock,
  type Ids,
} from './util/clock.js'
