/**
 * What `delta changes` was asked for, and the version arithmetic its modes share: the commits
 * in the log, and where a read starts and ends.
 */
import { versionAtTimestamp } from '../../snapshot/history.js'
import type { DeltaTable } from '../../table/delta-table.js'
import type { RowArgs } from './scan.js'

/** A `--from` / `--to` bound: digits are a version, anything else a time (epoch ms). */
export type Bound = { readonly version: number } | { readonly timestamp: number }

export interface ChangesRequest extends RowArgs {
  readonly table: DeltaTable
  readonly from: Bound | undefined
  readonly to: Bound | undefined
  readonly follow: boolean
  readonly pollIntervalMs: number | undefined
}

/** The oldest and newest commit versions in the log. */
export async function commitBounds(
  table: DeltaTable,
  signal: AbortSignal,
): Promise<{ readonly earliest: number; readonly latest: number }> {
  let earliest = Infinity
  let latest = -1
  for (const entry of await table.log.listAll({ signal })) {
    if (entry.file.kind !== 'commit') continue
    earliest = Math.min(earliest, entry.file.version)
    latest = Math.max(latest, entry.file.version)
  }
  return { earliest: Number.isFinite(earliest) ? earliest : 0, latest }
}

/**
 * The first version to read: `--from` (a time is the first commit at or after it), else the
 * oldest commit, or when following, the next commit to land.
 */
export async function startVersion(
  request: ChangesRequest,
  bounds: { readonly earliest: number; readonly latest: number },
  signal: AbortSignal,
): Promise<number> {
  const from = request.from
  if (from === undefined) return request.follow ? bounds.latest + 1 : bounds.earliest
  if ('version' in from) return from.version
  return versionAtTimestamp(request.table.log, from.timestamp, { mode: 'at-or-after', signal })
}

/** The last version to read: `--to` (a time is the last commit at or before it), else the latest. */
export async function endVersion(
  request: ChangesRequest,
  bounds: { readonly latest: number },
  signal: AbortSignal,
): Promise<number> {
  const to = request.to
  if (to === undefined) return bounds.latest
  if ('version' in to) return Math.min(to.version, bounds.latest)
  return versionAtTimestamp(request.table.log, to.timestamp, { mode: 'at-or-before', signal })
}
