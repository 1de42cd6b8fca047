/**
 * The Delta log actions, with their wire names (PROTOCOL.md "Actions").
 *
 * Each action type is a readonly object type; an `Action` is one line of a commit file, a
 * single-key object exactly as it appears on the wire (`{"add": {...}}`), so serializing is
 * `JSON.stringify(action)` and narrowing is `'add' in action`.
 *
 * Optional fields are `?:` and may also be `null` on the wire (checkpoints written by Spark
 * carry explicit nulls); parsers normalise absent and null to absent.
 */

/** `format` of `metaData`. */
export interface Format {
  readonly provider: string
  readonly options: Readonly<Record<string, string>>
}

export interface Metadata {
  /** Unique table id (a GUID). */
  readonly id: string
  readonly name?: string
  readonly description?: string
  readonly format: Format
  /** The table schema as Spark JSON (see `schema.ts`). */
  readonly schemaString: string
  readonly partitionColumns: readonly string[]
  /** Epoch milliseconds. */
  readonly createdTime?: number
  readonly configuration: Readonly<Record<string, string>>
}

export interface Protocol {
  readonly minReaderVersion: number
  readonly minWriterVersion: number
  /** Present exactly when `minReaderVersion` is 3. */
  readonly readerFeatures?: readonly string[]
  /** Present exactly when `minWriterVersion` is 7. */
  readonly writerFeatures?: readonly string[]
}

/** A deletion vector descriptor (PROTOCOL.md "Deletion Vector Descriptor Schema"). */
export interface DeletionVectorDescriptor {
  /** `u`: relative path by UUID, `i`: inline, `p`: absolute path. */
  readonly storageType: 'u' | 'i' | 'p'
  readonly pathOrInlineDv: string
  /** Byte offset of the DV inside its file; absent for inline DVs. */
  readonly offset?: number
  /** Size of the serialized bitmap in bytes (before Z85 for inline DVs). */
  readonly sizeInBytes: number
  /** Number of rows the DV marks as deleted. */
  readonly cardinality: number
  readonly maxRowIndex?: number
}

export interface Add {
  /** A URI reference (RFC 2396), relative to the table root or absolute; percent-encoded. */
  readonly path: string
  /** Partition column name (physical under column mapping) to serialized value; null = NULL. */
  readonly partitionValues: Readonly<Record<string, string | null>>
  readonly size: number
  /** Epoch milliseconds. */
  readonly modificationTime: number
  readonly dataChange: boolean
  /** Per-file statistics as a JSON string (see `stats.ts`). */
  readonly stats?: string
  readonly tags?: Readonly<Record<string, string | null>>
  readonly deletionVector?: DeletionVectorDescriptor
  readonly baseRowId?: number
  readonly defaultRowCommitVersion?: number
  readonly clusteringProvider?: string
}

export interface Remove {
  readonly path: string
  /** Epoch milliseconds. */
  readonly deletionTimestamp?: number
  readonly dataChange: boolean
  readonly extendedFileMetadata?: boolean
  readonly partitionValues?: Readonly<Record<string, string | null>>
  readonly size?: number
  readonly stats?: string
  readonly tags?: Readonly<Record<string, string | null>>
  readonly deletionVector?: DeletionVectorDescriptor
  readonly baseRowId?: number
  readonly defaultRowCommitVersion?: number
}

/** A change data file (`cdc` action). */
export interface AddCdcFile {
  readonly path: string
  readonly partitionValues: Readonly<Record<string, string | null>>
  readonly size: number
  /** Always false for cdc files. */
  readonly dataChange: boolean
  readonly tags?: Readonly<Record<string, string | null>>
}

/** An application transaction (`txn`): the latest `version` per `appId` wins. */
export interface Txn {
  readonly appId: string
  readonly version: number
  /** Epoch milliseconds. */
  readonly lastUpdated?: number
}

/** Free-form provenance. Only `inCommitTimestamp` and `txnId` have protocol meaning. */
export type CommitInfo = Readonly<Record<string, unknown>> & {
  readonly inCommitTimestamp?: number
  readonly timestamp?: number
  readonly operation?: string
  readonly txnId?: string
}

export interface DomainMetadata {
  readonly domain: string
  /** Domain-specific configuration, usually JSON, as a string. */
  readonly configuration: string
  /** A tombstone: the domain is deleted. */
  readonly removed: boolean
}

/** V2 checkpoints only: a file of add/remove actions referenced by the checkpoint. */
export interface Sidecar {
  /** Relative to `_delta_log/_sidecars/` (usually a bare file name), or absolute. */
  readonly path: string
  readonly sizeInBytes: number
  readonly modificationTime: number
  readonly tags?: Readonly<Record<string, string | null>>
}

/** V2 checkpoints only: exactly one per checkpoint. */
export interface CheckpointMetadata {
  readonly version: number
  readonly tags?: Readonly<Record<string, string | null>>
}

export interface AddAction {
  readonly add: Add
}
export interface RemoveAction {
  readonly remove: Remove
}
export interface MetadataAction {
  readonly metaData: Metadata
}
export interface ProtocolAction {
  readonly protocol: Protocol
}
export interface CdcAction {
  readonly cdc: AddCdcFile
}
export interface TxnAction {
  readonly txn: Txn
}
export interface CommitInfoAction {
  readonly commitInfo: CommitInfo
}
export interface DomainMetadataAction {
  readonly domainMetadata: DomainMetadata
}
export interface SidecarAction {
  readonly sidecar: Sidecar
}
export interface CheckpointMetadataAction {
  readonly checkpointMetadata: CheckpointMetadata
}

/** One line of a commit (or of a JSON checkpoint). */
export type Action =
  | AddAction
  | RemoveAction
  | MetadataAction
  | ProtocolAction
  | CdcAction
  | TxnAction
  | CommitInfoAction
  | DomainMetadataAction
  | SidecarAction
  | CheckpointMetadataAction

/** The wire name of every action the protocol defines, in the order writers emit them. */
export const ACTION_NAMES = [
  'commitInfo',
  'protocol',
  'metaData',
  'txn',
  'domainMetadata',
  'remove',
  'add',
  'cdc',
  'sidecar',
  'checkpointMetadata',
] as const

export type ActionName = (typeof ACTION_NAMES)[number]
