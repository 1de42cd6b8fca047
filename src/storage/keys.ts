import { AbortedError, InvalidArgumentError } from '../errors.js'

/**
 * Validates a store key: `/`-separated, relative, without empty, `.` or `..` segments.
 * Every backend calls this before touching anything, so no key can reach outside the root.
 */
export function checkKey(path: string): string {
  if (path.length === 0) throw new InvalidArgumentError('An object key must not be empty')
  if (path.startsWith('/')) {
    throw new InvalidArgumentError(`Object key must be relative to the store root: "${path}"`)
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidArgumentError(
        `Object key has an empty, "." or ".." segment: "${path}"; keys may not leave the store root`,
      )
    }
  }
  if (path.includes('\0'))
    throw new InvalidArgumentError(`Object key contains a NUL byte: "${path}"`)
  return path
}

/** Validates a listing prefix: like a key, but may be empty and may end with `/`. */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix)
  return prefix
}

/** Joins a root prefix ('' or ending in '/') and a key. */
export function joinKey(root: string, key: string): string {
  if (root === '') return key
  return root.endsWith('/') ? root + key : `${root}/${key}`
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(signal.reason)
}

/** Clamps a byte range to an object of `size` bytes: [start, end). */
export function clampRange(
  size: number,
  range: { start: number; end?: number | undefined } | undefined,
): { start: number; end: number } {
  if (range === undefined) return { start: 0, end: size }
  const { start } = range
  const end = range.end ?? size
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(end) || end < start) {
    throw new InvalidArgumentError(
      `Invalid byte range [${start}, ${range.end ?? 'end'}): need integers with 0 <= start <= end`,
    )
  }
  return { start: Math.min(start, size), end: Math.min(end, size) }
}

/** `{ abortSignal }` for SDK calls, or nothing (SDK option types reject an explicit undefined). */
export function sdkSignal(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal }
}
