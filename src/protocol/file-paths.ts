/**
 * The `path` of add / remove / cdc actions (and `p` deletion vectors): a URI reference that is
 * percent-encoded exactly once by the writer and must be decoded exactly once by the reader
 * (PROTOCOL.md "Add File and Remove File"). Decoding twice or not at all is the classic bug
 * (delta-rs#3577, #1228): a partition value `a%20b` or `a+b` then names the wrong file.
 *
 * Reading: `decodeLogPath` turns the log string into
 * - `relative`: a store key under the table root (`date=2024-01-01/part-0.parquet`);
 * - `absolute`: a URI with a scheme (`s3://b/t/f.parquet`, `file:///t/f`) or a rooted path
 *   (`/t/f.parquet`, which the table's own file system qualifies);
 * - `outside`: a relative path whose `..` segments climb above the table root (seen in a golden
 *   table). Callers must not treat it as a key; vacuum must never delete it.
 * `+` is a literal plus (this is URI decoding, not HTML form decoding).
 *
 * Writing: `encodeLogPath` percent-encodes a store key the way Spark's (Hadoop `Path.toUri`)
 * output looks for everything Spark writes: letters, digits, `-._~`, `/` and the sub-delimiters
 * `!$&'()*+,;=@` stay literal, so `date=2024-01-01/part-0.parquet` and `_2=bar+%2521/...` come out
 * exactly as Spark writes them. Everything else is `%XX` of its UTF-8 bytes, uppercase hex. Two
 * deliberate differences from Spark, neither visible to any reader (all decode to the same key):
 * non-ASCII characters are encoded (Spark leaves them raw, which RFC 2396 does not allow), and `:`
 * is encoded (a raw colon in a first segment would read as a URI scheme).
 *
 * Replay keys: two spellings of one file (`a=b/f` and `a%3Db/f`) decode to the same key, so
 * reconcile files by decoded key. Removes should still copy the add's `path` string verbatim.
 */

import { CorruptLogError, InvalidArgumentError } from '../errors.js'
import { utf8Encode } from '../util/utf8.js'
import type { Where } from './action-validation.js'

export type LogPathTarget =
  | { readonly kind: 'relative'; readonly key: string }
  | {
      readonly kind: 'absolute'
      /** Lower-cased scheme (`s3`, `file`, `abfss`), or undefined for a rooted path `/...`. */
      readonly scheme: string | undefined
      /** Bucket, container@account or host; undefined when the URI has no `//` part. */
      readonly authority: string | undefined
      /** The decoded path, starting with `/`. */
      readonly path: string
      /** The original (still encoded) text, for URL resolution by the storage layer. */
      readonly uri: string
    }
  | { readonly kind: 'outside'; readonly path: string }

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/

function decodePercent(text: string, original: string, where: Where | undefined): string {
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    const reason = `file path ${JSON.stringify(original)} has an invalid percent-encoding`
    if (where !== undefined) throw new CorruptLogError(reason, where)
    throw new InvalidArgumentError(`Invalid ${reason}`)
  }
}

/**
 * Decodes an action's `path` exactly once. Malformed percent-encoding (`%zz`, bytes that are not
 * UTF-8) throws `CorruptLogError` when `where` names the log file, else `InvalidArgumentError`.
 */
export function decodeLogPath(path: string, where?: Where): LogPathTarget {
  const fail = (reason: string): never => {
    if (where !== undefined) throw new CorruptLogError(reason, where)
    throw new InvalidArgumentError(reason)
  }
  if (path === '') return fail('a file path must not be empty')
  const scheme = SCHEME.exec(path)
  if (scheme !== null) {
    let rest = path.slice(scheme[0].length)
    let authority: string | undefined
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2)
      authority = decodePercent(slash === -1 ? rest.slice(2) : rest.slice(2, slash), path, where)
      rest = slash === -1 ? '/' : rest.slice(slash)
    }
    return {
      kind: 'absolute',
      scheme: scheme[1]!.toLowerCase(),
      authority,
      path: decodePercent(rest, path, where),
      uri: path,
    }
  }
  const decoded = decodePercent(path, path, where)
  if (path.startsWith('/')) {
    return { kind: 'absolute', scheme: undefined, authority: undefined, path: decoded, uri: path }
  }
  // Normalise like Hadoop's Path: drop empty and `.` segments, resolve `..`.
  const segments: string[] = []
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') {
      if (segments.length === 0) return { kind: 'outside', path: decoded }
      segments.pop()
    } else segments.push(segment)
  }
  if (segments.length === 0)
    return fail(`file path ${JSON.stringify(path)} names the table root itself`)
  return { kind: 'relative', key: segments.join('/') }
}

/**
 * True when `decodeLogPath(path)` is `{ kind: 'relative', key: path }`: a plain relative path
 * with nothing to decode or normalise (no `%`, no scheme, no leading or trailing `/`, no empty
 * segment, no segment starting with `.`). A few `indexOf` scans instead of a split and a join:
 * replay and scan planning ask this once per file of tables with millions of files. It errs
 * towards false (`a/.b` is plain, but takes the full decode), never the other way.
 */
export function isPlainRelativePath(path: string): boolean {
  const first = path.charCodeAt(0)
  return (
    path.length > 0 &&
    first !== 0x2f && // '/'
    first !== 0x2e && // '.'
    !path.includes('%') &&
    !path.includes(':') &&
    !path.includes('//') &&
    !path.includes('/.') &&
    !path.endsWith('/')
  )
}

// Characters kept literal by `encodeLogPath`, as a 128-entry ASCII table.
const KEEP = new Uint8Array(128)
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/!$&'()*+,;=@") {
  KEEP[c.charCodeAt(0)] = 1
}
const HEX = '0123456789ABCDEF'

/**
 * Percent-encodes a store key (relative to the table root) for an action's `path`. The key must
 * be a valid relative key: no leading `/`, no empty, `.` or `..` segments.
 */
export function encodeLogPath(key: string): string {
  if (
    key === '' ||
    key.startsWith('/') ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new InvalidArgumentError(`Not a relative object key: ${JSON.stringify(key)}`)
  }
  let out = ''
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i)
    if (code < 128 && KEEP[code] === 1) {
      out += key[i]!
      continue
    }
    // Encode the whole code point (surrogate pairs together) as UTF-8 bytes.
    const cp = key.codePointAt(i)!
    if (cp > 0xffff) i++
    for (const byte of utf8Encode(String.fromCodePoint(cp))) {
      out += `%${HEX[byte >> 4]!}${HEX[byte & 15]!}`
    }
  }
  return out
}

/**
 * The store key of an absolute target inside `tableRoot`, or undefined when it lies elsewhere.
 * `tableRoot` is the table's URI (`s3://bucket/tables/t`, `file:///data/t`) or rooted path; for a
 * rooted target (`/data/t/f`) only the paths are compared, as the table's file system qualifies it.
 */
export function keyWithinRoot(target: LogPathTarget, tableRoot: string): string | undefined {
  if (target.kind !== 'absolute') return target.kind === 'relative' ? target.key : undefined
  const root = decodeLogPath(tableRoot.endsWith('/') ? tableRoot : `${tableRoot}/`)
  if (root.kind !== 'absolute') return undefined
  if (target.scheme !== undefined && root.scheme !== undefined) {
    if (target.scheme !== root.scheme) return undefined
    // `file:/x` and `file:///x` are the same place: an empty authority equals none.
    if ((target.authority || undefined) !== (root.authority || undefined)) return undefined
  }
  const rootPath = root.path.endsWith('/') ? root.path : `${root.path}/`
  if (!target.path.startsWith(rootPath)) return undefined
  const key = target.path.slice(rootPath.length)
  const segments = key.split('/')
  return segments.some((s) => s === '' || s === '.' || s === '..') ? undefined : key
}
