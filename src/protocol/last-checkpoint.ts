/**
 * `_delta_log/_last_checkpoint`: a hint pointing at a recent checkpoint (PROTOCOL.md "Last
 * Checkpoint File", "Last Checkpoint File Schema", "JSON checksum").
 *
 * The file is overwritten in place, so a reader may see a torn mix of two versions that still
 * parses. The optional `checksum` (MD5 over a canonical form of the JSON) detects that; a file
 * whose checksum does not match, or that has duplicate keys, is a `CorruptLogError`, and the log
 * layer then falls back to listing.
 *
 * Canonical form, as Delta Spark computes it (`LastCheckpointInfo.treeNodeToChecksum`): every leaf
 * becomes `path=value`, where the path joins the URL-encoded, quoted object keys and the bare
 * array indexes with `+`, strings are quoted and URL-encoded, numbers and literals are written as
 * in the text; the top-level `checksum` entry is dropped; entries are sorted and joined with `,`.
 * Spark sorts whole `path=value` strings where the spec says "paths". The two orders differ only
 * for an array of more than ten scalars (`+1=` sorts after `+10=` but `+1` before `+10`); we
 * follow Spark, which writes these files.
 */

import { CorruptLogError } from '../errors.js'
import { md5Hex } from '../util/md5.js'
import { utf8Encode } from '../util/utf8.js'
import { parseAction } from './action-parser.js'
import { parseSidecar, type Where } from './action-validation.js'
import type { Action, Sidecar } from './actions.js'
import { type JsonNode, parseJsonTree, stringifyJson, toJsonValue } from './json-tree.js'
import { dataTypeToJson, parseDataType, type StructType } from './schema.js'

/** Spark's extra block for V2 checkpoints (`LastCheckpointV2`). */
export interface LastCheckpointV2 {
  /** File name of the UUID-named checkpoint. */
  readonly path: string
  readonly sizeInBytes: number
  readonly modificationTime: number
  /** All non-file actions of the checkpoint, when the writer embedded them. */
  readonly nonFileActions?: readonly Action[]
  readonly sidecarFiles?: readonly Sidecar[]
}

export interface LastCheckpoint {
  readonly version: number
  /** Number of actions in the checkpoint (-1 when unknown, as Spark writes sometimes). */
  readonly size: number
  readonly parts?: number
  readonly sizeInBytes?: number
  readonly numOfAddFiles?: number
  readonly checkpointSchema?: StructType
  readonly tags?: Readonly<Record<string, string>>
  readonly v2Checkpoint?: LastCheckpointV2
  /** Spark writes e.g. `V2`; informational. */
  readonly checkpointType?: string
  /** The stored checksum (already verified when parsed by `parseLastCheckpoint`). */
  readonly checksum?: string
}

const UNRESERVED = /[A-Za-z0-9\-._~]/

/** URL-encodes as the spec requires: UTF-8 bytes, all but `A-Za-z0-9-._~` as uppercase `%XX`. */
function encodeCanonical(text: string): string {
  let out = '"'
  for (const byte of utf8Encode(text)) {
    const c = String.fromCharCode(byte)
    out +=
      byte < 0x80 && UNRESERVED.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return `${out}"`
}

/**
 * Computes the checksum of `_last_checkpoint` text (its own `checksum` entry ignored). Throws
 * `SyntaxError` for malformed JSON and for duplicate keys.
 */
export function lastCheckpointChecksum(text: string): string {
  return checksumOfTree(parseJsonTree(text))
}

function checksumOfTree(root: JsonNode): string {
  const entries: string[] = []
  const visit = (node: JsonNode, path: string): void => {
    switch (node.kind) {
      case 'object': {
        const seen = new Set<string>()
        for (const [key, value] of node.entries) {
          if (seen.has(key)) throw new SyntaxError(`duplicate key ${JSON.stringify(key)}`)
          seen.add(key)
          visit(value, path === '' ? encodeCanonical(key) : `${path}+${encodeCanonical(key)}`)
        }
        return
      }
      case 'array':
        node.items.forEach((item, i) => visit(item, path === '' ? String(i) : `${path}+${i}`))
        return
      case 'string':
        entries.push(`${path}=${encodeCanonical(node.value)}`)
        return
      case 'number':
        entries.push(`${path}=${node.raw}`)
        return
      case 'literal':
        entries.push(`${path}=${String(node.value)}`)
    }
  }
  visit(root, '')
  const canonical = entries
    .filter((e) => !e.startsWith('"checksum"='))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) // ASCII only: code-unit order is byte order
    .join(',')
  return md5Hex(canonical)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Parses `_last_checkpoint`, verifying its checksum when present. Unknown fields are ignored; so
 * is a `checkpointSchema` this library cannot parse (it is an optimisation hint only).
 */
export function parseLastCheckpoint(text: string, path: string): LastCheckpoint {
  const where: Where = { path }
  const fail = (reason: string, cause?: unknown): never => {
    throw new CorruptLogError(reason, where, cause === undefined ? {} : { cause })
  }
  let tree: JsonNode
  let computed: string
  try {
    tree = parseJsonTree(text)
    computed = checksumOfTree(tree)
  } catch (error) {
    return fail(`not valid JSON (${error instanceof Error ? error.message : String(error)})`, error)
  }
  const value = toJsonValue(tree)
  if (!isRecord(value)) return fail('_last_checkpoint must hold a JSON object')
  const checksum = value['checksum']
  if (checksum !== undefined && checksum !== null) {
    if (typeof checksum !== 'string') return fail('checksum must be a string')
    if (checksum !== computed)
      return fail(`checksum mismatch: stored ${checksum}, computed ${computed}`)
  }
  const integer = (key: string, required: boolean): number | undefined => {
    const v = value[key]
    if (v === undefined || v === null) return required ? fail(`${key} is missing`) : undefined
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`${key} must be an integer`)
    return v
  }
  const version = integer('version', true)!
  if (version < 0) return fail('version must not be negative')
  // `size` is required by the spec; a few old writers left it out, and it is only informational.
  const size = integer('size', false) ?? -1
  const parts = integer('parts', false)
  if (parts !== undefined && parts < 1) return fail('parts must be at least 1')
  const sizeInBytes = integer('sizeInBytes', false)
  const numOfAddFiles = integer('numOfAddFiles', false)

  let checkpointSchema: StructType | undefined
  if (isRecord(value['checkpointSchema'])) {
    try {
      const type = parseDataType(value['checkpointSchema'])
      if (type.type === 'struct') checkpointSchema = type
    } catch {
      checkpointSchema = undefined
    }
  }
  const tags = value['tags']
  let parsedTags: Record<string, string> | undefined
  if (isRecord(tags)) {
    parsedTags = {}
    for (const [k, v] of Object.entries(tags)) if (typeof v === 'string') parsedTags[k] = v
  }
  const checkpointType =
    typeof value['checkpointType'] === 'string' ? value['checkpointType'] : undefined
  const v2 = isRecord(value['v2Checkpoint'])
    ? parseV2(value['v2Checkpoint'], where, fail)
    : undefined

  return {
    version,
    size,
    ...(parts === undefined ? {} : { parts }),
    ...(sizeInBytes === undefined ? {} : { sizeInBytes }),
    ...(numOfAddFiles === undefined ? {} : { numOfAddFiles }),
    ...(checkpointSchema === undefined ? {} : { checkpointSchema }),
    ...(parsedTags === undefined ? {} : { tags: parsedTags }),
    ...(v2 === undefined ? {} : { v2Checkpoint: v2 }),
    ...(checkpointType === undefined ? {} : { checkpointType }),
    ...(typeof checksum === 'string' ? { checksum } : {}),
  }
}

function parseV2(
  v: Record<string, unknown>,
  where: Where,
  fail: (reason: string) => never,
): LastCheckpointV2 {
  const { path, sizeInBytes, modificationTime, nonFileActions, sidecarFiles } = v
  if (typeof path !== 'string') return fail('v2Checkpoint.path must be a string')
  if (typeof sizeInBytes !== 'number' || typeof modificationTime !== 'number') {
    return fail('v2Checkpoint.sizeInBytes and modificationTime must be numbers')
  }
  let actions: Action[] | undefined
  if (Array.isArray(nonFileActions)) {
    actions = []
    for (const a of nonFileActions) {
      const action = parseAction(a, where)
      if (action !== undefined) actions.push(action)
    }
  }
  const sidecars = Array.isArray(sidecarFiles)
    ? sidecarFiles.map((s) => parseSidecar(s, where))
    : undefined
  return {
    path,
    sizeInBytes,
    modificationTime,
    ...(actions === undefined ? {} : { nonFileActions: actions }),
    ...(sidecars === undefined ? {} : { sidecarFiles: sidecars }),
  }
}

/**
 * Writes `_last_checkpoint` as Spark does: `version`, `size`, `parts` first (old readers read only
 * the first bytes), then the optional fields, then the checksum computed over the rest.
 */
export function serializeLastCheckpoint(info: Omit<LastCheckpoint, 'checksum'>): string {
  const body: Record<string, unknown> = { version: info.version, size: info.size }
  if (info.parts !== undefined) body['parts'] = info.parts
  if (info.sizeInBytes !== undefined) body['sizeInBytes'] = info.sizeInBytes
  if (info.numOfAddFiles !== undefined) body['numOfAddFiles'] = info.numOfAddFiles
  if (info.checkpointSchema !== undefined)
    body['checkpointSchema'] = dataTypeToJson(info.checkpointSchema)
  if (info.tags !== undefined) body['tags'] = info.tags
  if (info.v2Checkpoint !== undefined) body['v2Checkpoint'] = info.v2Checkpoint
  if (info.checkpointType !== undefined) body['checkpointType'] = info.checkpointType
  const text = stringifyJson(body)
  return `${text.slice(0, -1)},"checksum":"${lastCheckpointChecksum(text)}"}`
}
