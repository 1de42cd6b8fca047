/**
 * Reading and writing whole action lines: `parseAction` for one decoded line, `parseCommitLines`
 * for the text of a commit, JSON checkpoint or compaction file (newline-delimited JSON, one
 * action per line), and `serializeActions` for writers.
 *
 * A line whose only keys are unknown actions yields `undefined`: the spec requires readers to
 * ignore actions they do not know, so that newer writers can add them.
 */

import { CorruptLogError } from '../errors.js'
import type { Action } from './actions.js'
import {
  parseAdd,
  parseCdc,
  parseCheckpointMetadata,
  parseCommitInfo,
  parseDomainMetadata,
  parseMetadata,
  parseProtocol,
  parseRemove,
  parseSidecar,
  parseTxn,
  type Where,
} from './action-validation.js'

export type { Where } from './action-validation.js'

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// The action parsers by wire name. A prototype-free object so `"__proto__"` or `"toString"`
// keys on a line are simply unknown actions.
const PARSERS: Readonly<Record<string, (value: unknown, where: Where) => unknown>> = Object.assign(
  Object.create(null) as Record<string, (value: unknown, where: Where) => unknown>,
  {
    add: parseAdd,
    remove: parseRemove,
    metaData: parseMetadata,
    protocol: parseProtocol,
    cdc: parseCdc,
    txn: parseTxn,
    commitInfo: parseCommitInfo,
    domainMetadata: parseDomainMetadata,
    sidecar: parseSidecar,
    checkpointMetadata: parseCheckpointMetadata,
  },
)

/**
 * Validates one action line (already JSON-parsed). Returns `undefined` when the line holds only
 * unknown actions (or only nulls, as a checkpoint row may), which readers must ignore.
 */
export function parseAction(value: unknown, where: Where): Action | undefined {
  if (!isObject(value)) {
    throw new CorruptLogError(
      `a log line must be a JSON object, found ${Array.isArray(value) ? 'an array' : typeof value}`,
      where,
    )
  }
  const line = value
  let found: string | undefined
  let keys = 0
  for (const key in line) {
    keys++
    if (PARSERS[key] === undefined || line[key] === null) continue
    if (found !== undefined) {
      throw new CorruptLogError(
        `one line holds two actions ("${found}" and "${key}"); write one per line`,
        where,
      )
    }
    found = key
  }
  if (found === undefined) return undefined
  const parsed = PARSERS[found]!(line[found], where)
  // Reuse the line object when it is exactly `{ <action>: <same object> }`.
  if (keys === 1 && parsed === line[found]) return line as unknown as Action
  return { [found]: parsed } as unknown as Action
}

// ---------------------------------------------------------------------------------------------
// Commit files

/**
 * Parses a commit (or JSON checkpoint / compaction) file: newline-delimited JSON, one action per
 * line, blank lines skipped. Malformed JSON is a `CorruptLogError` naming `path` and the line.
 *
 * Fallback: the spec requires one action per line, but some real tables were written
 * pretty-printed, one action spread over many lines (duckdb-delta's `null_constraints_lists`).
 * When a line fails to parse, the whole file is re-read as a stream of concatenated JSON values
 * before giving up. A genuinely torn file still fails, at the line where its broken value begins.
 */
export function parseCommitLines(text: string, path: string): Action[] {
  const actions: Action[] = []
  const length = text.length
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0 // tolerate a UTF-8 byte-order mark
  let lineNumber = 0
  // One mutable context for the whole file: errors copy path and line when thrown, and this
  // saves an allocation per line.
  const where = { path, line: 0 }
  while (start < length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = length
    lineNumber++
    const line = text.slice(start, end)
    start = end + 1
    if (isBlank(line)) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (error) {
      return parseConcatenatedJson(text, path, lineNumber, error)
    }
    where.line = lineNumber
    const action = parseAction(value, where)
    if (action !== undefined) actions.push(action)
  }
  return actions
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false
  }
  return true
}

/**
 * Reads `text` as whitespace-separated JSON values. Each value is located with a small scanner
 * that tracks strings and nesting, then handed to `JSON.parse`. If that fails too, the error
 * names the line where line-by-line parsing first failed.
 */
function parseConcatenatedJson(
  text: string,
  path: string,
  failedLine: number,
  cause: unknown,
): Action[] {
  const actions: Action[] = []
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  const fail = (): never => {
    throw new CorruptLogError(
      `malformed JSON (${cause instanceof Error ? cause.message : String(cause)})`,
      { path, line: failedLine },
      { cause },
    )
  }
  while (at < text.length) {
    // Skip whitespace between values, counting lines for error messages and action positions.
    const c = text.charCodeAt(at)
    if (c === 0x0a) line++
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      at++
      continue
    }
    if (c !== 0x7b) fail() // every action is an object
    const startLine = line
    let depth = 0
    let inString = false
    let end = -1
    for (let i = at; i < text.length; i++) {
      const ch = text.charCodeAt(i)
      if (inString) {
        if (ch === 0x5c) i++
        else if (ch === 0x22) inString = false
        continue
      }
      if (ch === 0x0a) line++
      else if (ch === 0x22) inString = true
      else if (ch === 0x7b || ch === 0x5b) depth++
      else if (ch === 0x7d || ch === 0x5d) {
        depth--
        if (depth === 0) {
          end = i + 1
          break
        }
      }
    }
    if (end === -1) fail()
    let value: unknown
    try {
      value = JSON.parse(text.slice(at, end))
    } catch {
      fail()
    }
    const action = parseAction(value, { path, line: startLine })
    if (action !== undefined) actions.push(action)
    at = end
  }
  return actions
}

/**
 * Serializes actions for a commit file: one JSON document per line, each line ending in `\n`
 * (Spark and the kernels write a trailing newline too).
 */
export function serializeActions(actions: readonly Action[]): string {
  let out = ''
  for (const action of actions) out += JSON.stringify(action) + '\n'
  return out
}
