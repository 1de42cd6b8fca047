/**
 * Reading a whole `_delta_log/` back for the audits of the concurrency and fault proofs: which
 * commit versions exist, what each holds, and the checks every proof repeats — versions
 * contiguous from 0, each transaction committed once, each added file added once.
 */
import { expect } from 'vitest'
import { LogStore } from '../../../src/log/log-store.js'
import type { Action, Add, CommitInfo, Txn } from '../../../src/protocol/actions.js'
import { dvFileLocation, dvUniqueId } from '../../../src/protocol/deletion-vector.js'
import { decodeLogPath } from '../../../src/protocol/file-paths.js'
import type { ObjectStore } from '../../../src/storage/object-store.js'

export interface LoggedCommit {
  readonly version: number
  readonly actions: readonly Action[]
}

export function commitInfoOf(actions: readonly Action[]): CommitInfo | undefined {
  for (const action of actions) if ('commitInfo' in action) return action.commitInfo
  return undefined
}

export function addsOf(actions: readonly Action[]): Add[] {
  return actions.flatMap((a) => ('add' in a ? [a.add] : []))
}

export function removedPathsOf(actions: readonly Action[]): string[] {
  return actions.flatMap((a) => ('remove' in a ? [a.remove.path] : []))
}

export function txnsOf(actions: readonly Action[]): Txn[] {
  return actions.flatMap((a) => ('txn' in a ? [a.txn] : []))
}

/** What identifies an added file in replay: its path and deletion vector. */
export function addKey(add: Add): string {
  return add.deletionVector === undefined
    ? add.path
    : `${add.path}@${dvUniqueId(add.deletionVector)}`
}

/** The commit versions listed under `_delta_log/`, ascending. */
export async function commitVersions(store: ObjectStore, fromVersion = 0): Promise<number[]> {
  const versions: number[] = []
  for await (const entry of new LogStore(store).list({ fromVersion })) {
    if (entry.file.kind === 'commit') versions.push(entry.file.version)
  }
  return versions.sort((a, b) => a - b)
}

/** Every commit from `fromVersion` on, read back, ascending. */
export async function readCommits(store: ObjectStore, fromVersion = 0): Promise<LoggedCommit[]> {
  const log = new LogStore(store)
  const versions = await commitVersions(store, fromVersion)
  return Promise.all(
    versions.map(async (version) => ({ version, actions: await log.readCommit(version) })),
  )
}

/**
 * The audit every concurrent history must pass: versions 0..n with no gap, no transaction id
 * twice (a commit written twice after an ambiguous put would repeat it), and no file added
 * twice (a retried write that duplicated data would add its files again, or new ones).
 */
export function auditLog(commits: readonly LoggedCommit[]): void {
  expect(commits.map((c) => c.version)).toEqual(commits.map((_, i) => i))
  const txnIds = commits.map((c) => commitInfoOf(c.actions)?.txnId)
  expect(txnIds.every((id) => typeof id === 'string')).toBe(true)
  expect(new Set(txnIds).size).toBe(txnIds.length)
  const addedBy = new Map<string, number[]>()
  for (const commit of commits) {
    for (const add of addsOf(commit.actions)) {
      const key = addKey(add)
      addedBy.set(key, [...(addedBy.get(key) ?? []), commit.version])
    }
  }
  const repeated = [...addedBy].filter(([, versions]) => versions.length > 1)
  expect(repeated).toEqual([])
}

/**
 * Checks that an acknowledged commit is in the log exactly as acknowledged: at its version,
 * with its transaction id and exactly its added files.
 */
export function expectAcknowledged(
  commits: readonly LoggedCommit[],
  ack: { readonly version: number; readonly txnId: string; readonly actions: readonly Action[] },
): void {
  const logged = commits[ack.version]
  expect(logged?.version).toBe(ack.version)
  expect(commitInfoOf(logged!.actions)?.txnId).toBe(ack.txnId)
  expect(addsOf(logged!.actions).map(addKey).sort()).toEqual(addsOf(ack.actions).map(addKey).sort())
}

/** The store keys of every data and deletion-vector file any commit added (live or not). */
export function referencedKeys(commits: readonly LoggedCommit[]): Set<string> {
  const keys = new Set<string>()
  const relative = (target: ReturnType<typeof decodeLogPath>): void => {
    if (target.kind === 'relative') keys.add(target.key)
  }
  for (const commit of commits) {
    for (const add of addsOf(commit.actions)) {
      relative(decodeLogPath(add.path))
      const dv = add.deletionVector
      if (dv !== undefined && dv.storageType !== 'i') relative(dvFileLocation(dv))
    }
  }
  return keys
}

/** The data and deletion-vector files in a store (everything outside `_delta_log/`). */
export async function dataFiles(store: ObjectStore): Promise<string[]> {
  const keys: string[] = []
  for await (const meta of store.list('')) {
    if (!meta.path.startsWith('_delta_log/')) keys.push(meta.path)
  }
  return keys.sort()
}
