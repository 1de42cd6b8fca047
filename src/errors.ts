/**
 * The one error hierarchy of deltalake-ts.
 *
 * Every error thrown by the library is a `DeltaError` with a stable `code` that programs can
 * switch on; messages are for people and may change. Backend errors (fs, S3, Azure) are mapped
 * into these by the storage layer and kept as `cause`, so raw SDK errors never escape.
 *
 * A message says what was found, what was expected, where, and what to do next.
 */

export type DeltaErrorCode =
  // storage
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PRECONDITION_FAILED'
  | 'STORAGE_ERROR'
  | 'STORE_CAPABILITY_MISSING'
  | 'ABORTED'
  // table and log
  | 'TABLE_NOT_FOUND'
  | 'TABLE_ALREADY_EXISTS'
  | 'VERSION_NOT_FOUND'
  | 'CORRUPT_LOG'
  | 'CORRUPT_DATA'
  | 'PROTOCOL_UNSUPPORTED'
  // writes
  | 'COMMIT_CONFLICT'
  | 'MAX_COMMIT_ATTEMPTS'
  | 'OPERATION_NOT_ALLOWED'
  // streaming
  | 'STREAM_CHANGE_UNSUPPORTED'
  // callers
  | 'INVALID_ARGUMENT'

export interface DeltaErrorOptions {
  readonly cause?: unknown
}

/** Base class: `instanceof DeltaError` catches everything the library throws on purpose. */
export class DeltaError extends Error {
  readonly code: DeltaErrorCode

  constructor(code: DeltaErrorCode, message: string, options: DeltaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.name = new.target.name
  }
}

// ---------------------------------------------------------------------------------------------
// Storage

/** The object (or file) does not exist. */
export class NotFoundError extends DeltaError {
  readonly path: string
  constructor(path: string, options: DeltaErrorOptions = {}) {
    super('NOT_FOUND', `Object not found: ${path}`, options)
    this.path = path
  }
}

/** A put-if-absent (`create`) lost: the object already exists. Its content is untouched. */
export class AlreadyExistsError extends DeltaError {
  readonly path: string
  constructor(path: string, options: DeltaErrorOptions = {}) {
    super('ALREADY_EXISTS', `Object already exists: ${path}`, options)
    this.path = path
  }
}

/** A compare-and-swap (`update`) lost: the object changed (or vanished) since its etag was read. */
export class PreconditionFailedError extends DeltaError {
  readonly path: string
  constructor(path: string, detail: string, options: DeltaErrorOptions = {}) {
    super('PRECONDITION_FAILED', `Precondition failed for ${path}: ${detail}`, options)
    this.path = path
  }
}

/** Any other backend failure (network, permissions, throttling, server errors). */
export class StorageError extends DeltaError {
  readonly path: string | undefined
  /** True when repeating the same request may succeed (timeouts, 5xx, throttling). */
  readonly retryable: boolean
  constructor(
    message: string,
    details: { path?: string | undefined; retryable?: boolean } = {},
    options: DeltaErrorOptions = {},
  ) {
    super('STORAGE_ERROR', message, options)
    this.path = details.path
    this.retryable = details.retryable ?? false
  }
}

/** The store cannot do what the operation needs (e.g. a table write on a store without put-if-absent). */
export class StoreCapabilityError extends DeltaError {
  readonly capability: string
  constructor(store: string, capability: string, hint: string) {
    super('STORE_CAPABILITY_MISSING', `The ${store} store does not support ${capability}. ${hint}`)
    this.capability = capability
  }
}

/** The caller's AbortSignal fired. */
export class AbortedError extends DeltaError {
  constructor(reason?: unknown) {
    super('ABORTED', 'The operation was aborted', { cause: reason })
  }
}

// ---------------------------------------------------------------------------------------------
// Tables and the log

export class TableNotFoundError extends DeltaError {
  readonly tableUrl: string
  constructor(tableUrl: string, detail = 'no _delta_log/ with a commit or checkpoint was found') {
    super(
      'TABLE_NOT_FOUND',
      `No Delta table at ${tableUrl}: ${detail}. Check the URL, or create the table first.`,
    )
    this.tableUrl = tableUrl
  }
}

export class TableAlreadyExistsError extends DeltaError {
  readonly tableUrl: string
  constructor(tableUrl: string) {
    super(
      'TABLE_ALREADY_EXISTS',
      `A Delta table already exists at ${tableUrl}. Open it instead, or choose another location.`,
    )
    this.tableUrl = tableUrl
  }
}

/** A version (or timestamp) outside what the log still holds. */
export class VersionNotFoundError extends DeltaError {
  readonly requested: number | string
  readonly earliest: number | undefined
  readonly latest: number | undefined
  constructor(
    requested: number | string,
    earliest: number | undefined,
    latest: number | undefined,
    detail?: string,
  ) {
    const range =
      earliest === undefined || latest === undefined
        ? 'the table has no readable versions'
        : `available versions are ${earliest} to ${latest}`
    super(
      'VERSION_NOT_FOUND',
      `Version ${String(requested)} cannot be read: ${detail ?? range}${detail ? ` (${range})` : ''}.`,
    )
    this.requested = requested
    this.earliest = earliest
    this.latest = latest
  }
}

/** The log breaks the protocol: a gap, a missing action, malformed JSON, a bad checkpoint. */
export class CorruptLogError extends DeltaError {
  readonly path: string | undefined
  readonly line: number | undefined
  readonly reason: string
  constructor(
    reason: string,
    where: { path?: string | undefined; line?: number | undefined } = {},
    options: DeltaErrorOptions = {},
  ) {
    const at =
      where.path === undefined
        ? ''
        : ` in ${where.path}${where.line === undefined ? '' : `:${where.line}`}`
    super('CORRUPT_LOG', `Corrupt Delta log${at}: ${reason}`, options)
    this.path = where.path
    this.line = where.line
    this.reason = reason
  }
}

/** A data or deletion-vector file does not match what the log says about it. */
export class CorruptDataError extends DeltaError {
  readonly path: string
  constructor(path: string, reason: string, options: DeltaErrorOptions = {}) {
    super('CORRUPT_DATA', `Corrupt data file ${path}: ${reason}`, options)
    this.path = path
  }
}

/** The table needs protocol support this library does not have (for this operation). */
export class ProtocolUnsupportedError extends DeltaError {
  readonly operation: 'read' | 'write'
  readonly minReaderVersion: number
  readonly minWriterVersion: number
  /** Features (or `readerVersion N` / `writerVersion N`) that are missing, sorted. */
  readonly missing: readonly string[]
  constructor(
    operation: 'read' | 'write',
    versions: { minReaderVersion: number; minWriterVersion: number },
    missing: readonly string[],
  ) {
    super(
      'PROTOCOL_UNSUPPORTED',
      `Cannot ${operation} this table: it requires ${missing.join(', ')}, which deltalake-ts does not ` +
        `support for ${operation === 'read' ? 'reading' : 'writing'} (table protocol: reader ` +
        `${versions.minReaderVersion}, writer ${versions.minWriterVersion}). Use an engine that supports ` +
        `these features, or upgrade deltalake-ts.`,
    )
    this.operation = operation
    this.minReaderVersion = versions.minReaderVersion
    this.minWriterVersion = versions.minWriterVersion
    this.missing = missing
  }
}

// ---------------------------------------------------------------------------------------------
// Writes

export type ConflictKind =
  | 'protocol-changed'
  | 'metadata-changed'
  | 'concurrent-append'
  | 'concurrent-delete-read'
  | 'concurrent-delete-delete'
  | 'concurrent-transaction'
  | 'concurrent-domain-metadata'
  | 'table-created-concurrently'

/** A concurrent commit made ours invalid; retrying the same transaction cannot succeed. */
export class CommitConflictError extends DeltaError {
  readonly kind: ConflictKind
  readonly winningVersion: number
  constructor(kind: ConflictKind, winningVersion: number, detail: string, hint: string) {
    super(
      'COMMIT_CONFLICT',
      `Commit conflict (${kind}) with version ${winningVersion}: ${detail}. ${hint}`,
    )
    this.kind = kind
    this.winningVersion = winningVersion
  }
}

/** Every attempt lost the race to other writers; nothing of ours was committed. */
export class MaxCommitAttemptsError extends DeltaError {
  readonly attempts: number
  readonly lastVersionTried: number
  constructor(attempts: number, lastVersionTried: number) {
    super(
      'MAX_COMMIT_ATTEMPTS',
      `Gave up after ${attempts} commit attempts (last tried version ${lastVersionTried}); other ` +
        `writers kept committing first. Nothing was committed. Retry later or raise maxAttempts.`,
    )
    this.attempts = attempts
    this.lastVersionTried = lastVersionTried
  }
}

/** The table forbids the operation (append-only table, a protected domain, and the like). */
export class OperationNotAllowedError extends DeltaError {
  constructor(message: string) {
    super('OPERATION_NOT_ALLOWED', message)
  }
}

// ---------------------------------------------------------------------------------------------
// Streaming

/** A streaming source met a commit it cannot represent as an append-only stream. */
export class StreamChangeUnsupportedError extends DeltaError {
  readonly version: number
  constructor(version: number, detail: string, hint: string) {
    super('STREAM_CHANGE_UNSUPPORTED', `Version ${version} ${detail}. ${hint}`)
    this.version = version
  }
}

// ---------------------------------------------------------------------------------------------
// Callers

export class InvalidArgumentError extends DeltaError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message)
  }
}

/** Throws `AbortedError` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(signal.reason)
}
