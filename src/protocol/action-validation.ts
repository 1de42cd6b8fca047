/**
 * Validating parsers for each log action (PROTOCOL.md "Actions").
 *
 * JSON enters as `unknown`; each action is checked against the spec (required fields present,
 * every field of the right JSON type) and returned typed. Rules:
 *
 * - Optional fields that are `null` are normalised to absent (Spark-written files carry explicit
 *   nulls; the types say `?:`, never `| null`).
 * - Unknown fields are ignored (the spec requires it). For speed they are not copied away: when
 *   an action needs no normalisation the parsed object itself is returned, so an unknown field
 *   stays on it at run time though not in its type. Build new actions field by field, never by
 *   spreading a parsed one into a commit.
 * - Anything else wrong is a `CorruptLogError` naming the file, the line and the field.
 *
 * Hot path: a commit with 1M `add` lines costs one `JSON.parse` per line plus a handful of
 * `typeof` checks per action (about a fifth of the parse itself); nothing is deep-copied.
 */

import { CorruptLogError } from '../errors.js'
import type {
  Add,
  AddCdcFile,
  CheckpointMetadata,
  CommitInfo,
  DeletionVectorDescriptor,
  DomainMetadata,
  Metadata,
  Protocol,
  Remove,
  Sidecar,
  Txn,
} from './actions.js'

/** Where a value was read from, for error messages. `line` is 1-based. */
export interface Where {
  readonly path: string
  readonly line?: number | undefined
}

type Obj = Record<string, unknown>

function corrupt(where: Where, reason: string): never {
  throw new CorruptLogError(reason, where)
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function requireObject(value: unknown, what: string, where: Where): Obj {
  if (!isObject(value)) corrupt(where, `${what} must be a JSON object, found ${describe(value)}`)
  return value
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value === undefined) return 'nothing (missing)'
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ''}`
}

// Field checkers. Each returns the value (typed) or throws; the `opt*` forms return undefined for
// both null and absent so callers can tell whether normalisation is needed.

function reqString(o: Obj, key: string, action: string, where: Where): string {
  const v = o[key]
  if (typeof v !== 'string')
    corrupt(where, `${action}.${key} must be a string, found ${describe(v)}`)
  return v
}

function reqInteger(o: Obj, key: string, action: string, where: Where): number {
  const v = o[key]
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    corrupt(where, `${action}.${key} must be an integer, found ${describe(v)}`)
  }
  return v
}

function reqBoolean(o: Obj, key: string, action: string, where: Where): boolean {
  const v = o[key]
  if (typeof v !== 'boolean')
    corrupt(where, `${action}.${key} must be a boolean, found ${describe(v)}`)
  return v
}

function optString(o: Obj, key: string, action: string, where: Where): string | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string')
    corrupt(where, `${action}.${key} must be a string, found ${describe(v)}`)
  return v
}

function optInteger(o: Obj, key: string, action: string, where: Where): number | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    corrupt(where, `${action}.${key} must be an integer, found ${describe(v)}`)
  }
  return v
}

function optBoolean(o: Obj, key: string, action: string, where: Where): boolean | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean')
    corrupt(where, `${action}.${key} must be a boolean, found ${describe(v)}`)
  return v
}

/** A `Map[String, String]` whose values may be null (partition values, tags). */
function checkNullableStringMap(
  v: unknown,
  what: string,
  where: Where,
): Record<string, string | null> {
  if (!isObject(v)) corrupt(where, `${what} must be a JSON object, found ${describe(v)}`)
  for (const key in v) {
    const value = v[key]
    if (value !== null && typeof value !== 'string') {
      corrupt(where, `${what}["${key}"] must be a string or null, found ${describe(value)}`)
    }
  }
  return v as Record<string, string | null>
}

/** A `Map[String, String]` where null entries are dropped (configuration, format options). */
function stringMap(v: unknown, what: string, where: Where): Record<string, string> {
  const map = checkNullableStringMap(v, what, where)
  for (const key in map) {
    if (map[key] === null) {
      // Rare (no writer we know emits it): copy without the null entries.
      const out: Record<string, string> = {}
      for (const k in map) if (map[k] !== null) out[k] = map[k]!
      return out
    }
  }
  return map as Record<string, string>
}

function optTags(o: Obj, action: string, where: Where): Record<string, string | null> | undefined {
  const v = o['tags']
  if (v === undefined || v === null) return undefined
  return checkNullableStringMap(v, `${action}.tags`, where)
}

/** True when any of `keys` is present with the value null: the action must be rebuilt. */
function hasNull(o: Obj, keys: readonly string[]): boolean {
  for (const key of keys) if (o[key] === null) return true
  return false
}

/** Copies `o` without its null-valued properties. */
function withoutNulls(o: Obj): Obj {
  const out: Obj = {}
  for (const key in o) if (o[key] !== null) out[key] = o[key]
  return out
}

// ---------------------------------------------------------------------------------------------
// One parser per action. Each validates `value` and returns it typed (or a normalised copy).

const DV_OPTIONAL = ['offset', 'maxRowIndex'] as const

/**
 * A deletion vector descriptor. An inline DV should carry no `offset`; one that does is still
 * accepted (its `uniqueId` then includes the offset), since refusing it would make the table
 * unreadable without protecting anything.
 */
export function parseDeletionVector(
  value: unknown,
  what: string,
  where: Where,
): DeletionVectorDescriptor {
  const o = requireObject(value, what, where)
  const storageType = o['storageType']
  if (storageType !== 'u' && storageType !== 'i' && storageType !== 'p') {
    corrupt(where, `${what}.storageType must be "u", "i" or "p", found ${describe(storageType)}`)
  }
  const pathOrInlineDv = reqString(o, 'pathOrInlineDv', what, where)
  // A relative DV path ends in a 20-character Z85 UUID (PROTOCOL.md "Deletion Vector Descriptor").
  if (storageType === 'u' && pathOrInlineDv.length < 20) {
    corrupt(where, `${what}.pathOrInlineDv must end with a 20-character encoded UUID`)
  }
  const offset = optInteger(o, 'offset', what, where)
  if (offset !== undefined && offset < 0) corrupt(where, `${what}.offset must not be negative`)
  const size = reqInteger(o, 'sizeInBytes', what, where)
  if (size < 0) corrupt(where, `${what}.sizeInBytes must not be negative`)
  const cardinality = reqInteger(o, 'cardinality', what, where)
  if (cardinality < 0) corrupt(where, `${what}.cardinality must not be negative`)
  optInteger(o, 'maxRowIndex', what, where)
  return (hasNull(o, DV_OPTIONAL) ? withoutNulls(o) : o) as unknown as DeletionVectorDescriptor
}

const ADD_OPTIONAL = [
  'stats',
  'tags',
  'deletionVector',
  'baseRowId',
  'defaultRowCommitVersion',
  'clusteringProvider',
] as const

/**
 * An `add`. Integers are JavaScript numbers: a size or timestamp above 2^53 would lose precision
 * in `JSON.parse`, which no real file comes near.
 */
export function parseAdd(value: unknown, where: Where): Add {
  const o = requireObject(value, 'add', where)
  reqString(o, 'path', 'add', where)
  // A null partition value is data (the NULL partition), not an absent field: it stays.
  checkNullableStringMap(o['partitionValues'], 'add.partitionValues', where)
  reqInteger(o, 'size', 'add', where)
  reqInteger(o, 'modificationTime', 'add', where)
  reqBoolean(o, 'dataChange', 'add', where)
  optString(o, 'stats', 'add', where)
  optTags(o, 'add', where)
  const dv = o['deletionVector']
  if (dv !== undefined && dv !== null) parseDeletionVector(dv, 'add.deletionVector', where)
  optInteger(o, 'baseRowId', 'add', where)
  optInteger(o, 'defaultRowCommitVersion', 'add', where)
  optString(o, 'clusteringProvider', 'add', where)
  // Copy only when a null must go (Spark checkpoints turned into JSON have them; commits rarely).
  if (dv !== undefined && dv !== null && hasNull(dv as Obj, DV_OPTIONAL)) {
    return { ...withoutNulls(o), deletionVector: withoutNulls(dv as Obj) } as unknown as Add
  }
  return (hasNull(o, ADD_OPTIONAL) ? withoutNulls(o) : o) as unknown as Add
}

const REMOVE_OPTIONAL = [
  'deletionTimestamp',
  'extendedFileMetadata',
  'partitionValues',
  'size',
  'stats',
  'tags',
  'deletionVector',
  'baseRowId',
  'defaultRowCommitVersion',
] as const

/** A `remove` (tombstone): only `path` and `dataChange` are required. */
export function parseRemove(value: unknown, where: Where): Remove {
  const o = requireObject(value, 'remove', where)
  reqString(o, 'path', 'remove', where)
  optInteger(o, 'deletionTimestamp', 'remove', where)
  reqBoolean(o, 'dataChange', 'remove', where)
  optBoolean(o, 'extendedFileMetadata', 'remove', where)
  const pv = o['partitionValues']
  if (pv !== undefined && pv !== null) checkNullableStringMap(pv, 'remove.partitionValues', where)
  optInteger(o, 'size', 'remove', where)
  optString(o, 'stats', 'remove', where)
  optTags(o, 'remove', where)
  const dv = o['deletionVector']
  if (dv !== undefined && dv !== null) parseDeletionVector(dv, 'remove.deletionVector', where)
  optInteger(o, 'baseRowId', 'remove', where)
  optInteger(o, 'defaultRowCommitVersion', 'remove', where)
  if (dv !== undefined && dv !== null && hasNull(dv as Obj, DV_OPTIONAL)) {
    return { ...withoutNulls(o), deletionVector: withoutNulls(dv as Obj) } as unknown as Remove
  }
  return (hasNull(o, REMOVE_OPTIONAL) ? withoutNulls(o) : o) as unknown as Remove
}

/** A `cdc` file. `dataChange` should be false; a true one is kept as written, not judged here. */
export function parseCdc(value: unknown, where: Where): AddCdcFile {
  const o = requireObject(value, 'cdc', where)
  reqString(o, 'path', 'cdc', where)
  checkNullableStringMap(o['partitionValues'], 'cdc.partitionValues', where)
  reqInteger(o, 'size', 'cdc', where)
  reqBoolean(o, 'dataChange', 'cdc', where)
  optTags(o, 'cdc', where)
  return (hasNull(o, ['tags']) ? withoutNulls(o) : o) as unknown as AddCdcFile
}

/** What a metaData without a schemaString means (Spark: `StructType(Nil)`). */
export const EMPTY_SCHEMA_STRING = '{"type":"struct","fields":[]}'

export function parseMetadata(value: unknown, where: Where): Metadata {
  const o = requireObject(value, 'metaData', where)
  const id = reqString(o, 'id', 'metaData', where)
  const name = optString(o, 'name', 'metaData', where)
  const description = optString(o, 'description', 'metaData', where)
  const format = requireObject(o['format'], 'metaData.format', where)
  const provider = reqString(format, 'provider', 'metaData.format', where)
  // `options` is required by the spec, but an absent or null map means "no options" to every
  // implementation we know, so it is not worth refusing a table over.
  const rawOptions = format['options']
  const options =
    rawOptions === undefined || rawOptions === null
      ? {}
      : stringMap(rawOptions, 'metaData.format.options', where)
  // Required by the spec, yet real Spark-written tables (golden tables such as
  // update-deleted-directory, corrupted-last-checkpoint) have it null or absent, and Spark,
  // the reference implementation, reads that as the empty schema. So do we.
  const schemaString = optString(o, 'schemaString', 'metaData', where) ?? EMPTY_SCHEMA_STRING
  const partitionColumns = o['partitionColumns']
  if (!Array.isArray(partitionColumns) || !partitionColumns.every((c) => typeof c === 'string')) {
    corrupt(
      where,
      `metaData.partitionColumns must be an array of strings, found ${describe(partitionColumns)}`,
    )
  }
  const createdTime = optInteger(o, 'createdTime', 'metaData', where)
  const configuration = stringMap(o['configuration'], 'metaData.configuration', where)
  // Metadata is rare (one per commit at most), so it is always rebuilt: clean and exact.
  return {
    id,
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    format: { provider, options },
    schemaString,
    partitionColumns,
    ...(createdTime === undefined ? {} : { createdTime }),
    configuration,
  }
}

function optFeatureList(o: Obj, key: string, where: Where): string[] | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || !v.every((f) => typeof f === 'string')) {
    corrupt(where, `protocol.${key} must be an array of strings, found ${describe(v)}`)
  }
  return v
}

/**
 * A `protocol`. Only types and versions >= 1 are checked here; whether the feature lists fit the
 * versions is `protocolProblems`' business, and whether we can read it `checkReadSupport`'s, so
 * that a reader can still report exactly what it is missing.
 */
export function parseProtocol(value: unknown, where: Where): Protocol {
  const o = requireObject(value, 'protocol', where)
  const minReaderVersion = reqInteger(o, 'minReaderVersion', 'protocol', where)
  const minWriterVersion = reqInteger(o, 'minWriterVersion', 'protocol', where)
  if (minReaderVersion < 1 || minWriterVersion < 1) {
    corrupt(
      where,
      `protocol versions must be at least 1, found (${minReaderVersion}, ${minWriterVersion})`,
    )
  }
  const readerFeatures = optFeatureList(o, 'readerFeatures', where)
  const writerFeatures = optFeatureList(o, 'writerFeatures', where)
  return {
    minReaderVersion,
    minWriterVersion,
    ...(readerFeatures === undefined ? {} : { readerFeatures }),
    ...(writerFeatures === undefined ? {} : { writerFeatures }),
  }
}

/** A `txn` (application transaction): the latest `version` per `appId` wins on replay. */
export function parseTxn(value: unknown, where: Where): Txn {
  const o = requireObject(value, 'txn', where)
  reqString(o, 'appId', 'txn', where)
  reqInteger(o, 'version', 'txn', where)
  optInteger(o, 'lastUpdated', 'txn', where)
  return (hasNull(o, ['lastUpdated']) ? withoutNulls(o) : o) as unknown as Txn
}

export function parseCommitInfo(value: unknown, where: Where): CommitInfo {
  const o = requireObject(value, 'commitInfo', where)
  // Free-form, but the two fields with protocol meaning must have the right type.
  optInteger(o, 'inCommitTimestamp', 'commitInfo', where)
  optString(o, 'txnId', 'commitInfo', where)
  return o
}

/** A `domainMetadata`; `configuration` stays an opaque string (usually JSON) for its owner. */
export function parseDomainMetadata(value: unknown, where: Where): DomainMetadata {
  const o = requireObject(value, 'domainMetadata', where)
  reqString(o, 'domain', 'domainMetadata', where)
  reqString(o, 'configuration', 'domainMetadata', where)
  reqBoolean(o, 'removed', 'domainMetadata', where)
  return o as unknown as DomainMetadata
}

/** A V2-checkpoint `sidecar` reference. */
export function parseSidecar(value: unknown, where: Where): Sidecar {
  const o = requireObject(value, 'sidecar', where)
  reqString(o, 'path', 'sidecar', where)
  reqInteger(o, 'sizeInBytes', 'sidecar', where)
  reqInteger(o, 'modificationTime', 'sidecar', where)
  optTags(o, 'sidecar', where)
  return (hasNull(o, ['tags']) ? withoutNulls(o) : o) as unknown as Sidecar
}

/** The `checkpointMetadata` of a V2 checkpoint. */
export function parseCheckpointMetadata(value: unknown, where: Where): CheckpointMetadata {
  const o = requireObject(value, 'checkpointMetadata', where)
  reqInteger(o, 'version', 'checkpointMetadata', where)
  optTags(o, 'checkpointMetadata', where)
  return (hasNull(o, ['tags']) ? withoutNulls(o) : o) as unknown as CheckpointMetadata
}
