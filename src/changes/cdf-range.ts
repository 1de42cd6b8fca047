/**
 * The versions a change data feed read covers, and its plan: the change files of every version,
 * validated before any data is read (as Spark's CDCReader does), so that a read either fails up
 * front or returns the whole range.
 *
 * Bounds, with Spark's rules (CDCReader.getVersionForCDC, verifyStartingVersion,
 * verifyEndingVersion; DeltaSource.getStartingVersionFromTimestamp):
 * - `startingTimestamp` is the first commit at or after the time (a time before the first
 *   commit gives the first one); a time after the latest commit is `VersionNotFoundError`.
 * - `endingTimestamp` is the last commit at or before the time (time travel): a time before
 *   the first commit or after the latest one is `VersionNotFoundError`.
 * - `endingVersion` beyond the latest version reads to the latest (Spark uses the latest
 *   snapshot's version then); a `startingVersion` beyond it is `VersionNotFoundError`.
 * - With both bounds as timestamps that fall between the same two commits, the start resolves
 *   to the later commit and the end to the earlier one: that range is empty, not an error. A
 *   start time after the end time, or an end version before the start version, is
 *   `InvalidArgumentError` (Spark's `endBeforeStartVersionInCDC` is an illegal argument).
 * - `allowOutOfRange` (Spark's `changeDataFeed.timestampOutOfRange.enabled`, delta-rs'
 *   `allow_out_of_range`): a start after the latest commit gives an empty feed, and an
 *   ending timestamp after the latest commit reads to the latest version.
 * - A starting version whose commit was cleaned up is `VersionNotFoundError` (with the
 *   earliest and latest versions available).
 *
 * Validation of the range (Spark CDCReader.changesToDF):
 * - the feed must be enabled in the metadata in force at the start version, and no metaData in
 *   the range may turn it off: otherwise `ChangeDataFeedError` (`not-enabled`) names the
 *   version, even when that version changes no data (Spark fails there too);
 * - every protocol in the range must be readable (`ProtocolUnsupportedError`);
 * - the feed is returned in the schema of the end version (kernel-rs `TableChanges` does the
 *   same; Spark's default uses the latest snapshot, which is the end version unless an earlier
 *   end is given), and the schema at the start and after every metaData in the range must be
 *   readable as it (`cdf-schema.ts`), else `ChangeDataFeedError` (`incompatible-schema`).
 */
import { InvalidArgumentError, TableNotFoundError, VersionNotFoundError } from '../errors.js'
import type { LogStore } from '../log/log-store.js'
import type { Metadata, Protocol } from '../protocol/actions.js'
import { columnMappingMode } from '../protocol/column-mapping.js'
import { checkReadSupport } from '../protocol/protocol-check.js'
import { parseSchema } from '../protocol/schema.js'
import type { ReadableTable } from '../scan/data-reader.js'
import { parseTimestampInput, versionAtTimestamp } from '../snapshot/history.js'
import { loadTableMetadata } from '../snapshot/metadata.js'
import type { Signalled } from '../storage/object-store.js'
import { ChangeDataFeedError } from './cdf-errors.js'
import {
  isChangeDataFeedEnabled,
  notRecorded,
  planVersionChanges,
  type VersionChanges,
} from './cdf-plan.js'
import { readIncompatibility } from './cdf-schema.js'
import { tail } from './tail.js'

type TimestampInput = number | string | Date

export interface ChangeRangeOptions extends Signalled {
  /** First version to read (inclusive). Exclusive with `startingTimestamp`; one is required. */
  readonly startingVersion?: number | undefined
  /** Read from the first commit at or after this time (epoch ms, Date or ISO-8601). */
  readonly startingTimestamp?: TimestampInput | undefined
  /** Last version to read (inclusive). Default: the latest. */
  readonly endingVersion?: number | undefined
  /** Read to the last commit at or before this time. */
  readonly endingTimestamp?: TimestampInput | undefined
  /** Out-of-range bounds give an empty (or clamped) range instead of an error. Default false. */
  readonly allowOutOfRange?: boolean | undefined
}

/** Versions `start` to `end`, both inclusive. */
export interface ChangeRange {
  readonly start: number
  readonly end: number
}

export interface ChangePlan {
  /** The versions read; undefined when the bounds select none. */
  readonly range: ChangeRange | undefined
  /** The table as the feed is read: the end version's schema (the latest for no range). */
  readonly table: ReadableTable
  /** The change files of every version of the range, in version order. */
  readonly versions: readonly VersionChanges[]
}

/** Resolves the bounds to versions (see the module comment); undefined for an empty range. */
export async function resolveChangeRange(
  log: LogStore,
  options: ChangeRangeOptions,
): Promise<ChangeRange | undefined> {
  validate(options)
  const signal = options.signal
  const commits = (await log.listAll({ signal }))
    .flatMap((e) => (e.file.kind === 'commit' ? [e.file.version] : []))
    .sort((a, b) => a - b)
  const earliest = commits[0]
  const latest = commits.at(-1)
  if (earliest === undefined || latest === undefined) throw new TableNotFoundError(log.tableUrl)
  const outOfRange = options.allowOutOfRange === true
  const search = { signal }

  let start: number
  let startTime: number | undefined
  if (options.startingVersion !== undefined) {
    start = options.startingVersion
  } else {
    startTime = parseTimestampInput(options.startingTimestamp!)
    try {
      start = await versionAtTimestamp(log, startTime, { ...search, mode: 'at-or-after' })
    } catch (error) {
      // `at-or-after` fails only for a time after the latest commit.
      if (outOfRange && error instanceof VersionNotFoundError) return undefined
      throw error
    }
  }
  if (start > latest) {
    if (outOfRange) return undefined
    throw new VersionNotFoundError(
      start,
      earliest,
      latest,
      `the starting version ${start} is after the latest version ${latest}`,
    )
  }

  let end = latest
  let endTime: number | undefined
  if (options.endingVersion !== undefined) {
    end = Math.min(options.endingVersion, latest)
  } else if (options.endingTimestamp !== undefined) {
    endTime = parseTimestampInput(options.endingTimestamp)
    try {
      end = await versionAtTimestamp(log, endTime, { ...search, mode: 'at-or-before' })
    } catch (error) {
      if (!(outOfRange && error instanceof VersionNotFoundError)) throw error
      // Clamp only a time after the latest commit (the one time `at-or-after` also rejects);
      // a time before the first commit stays an error, as in Spark.
      const after = await versionAtTimestamp(log, endTime, { ...search, mode: 'at-or-after' })
        .then(() => false)
        .catch(() => true)
      if (!after) throw error
    }
  }

  if (startTime !== undefined && endTime !== undefined) {
    if (startTime > endTime) throw endBeforeStart(start, end, 'time')
    // Both times between the same two commits: start is the later commit, end the earlier.
    if (end === start - 1) return undefined
  }
  if (end < start) throw endBeforeStart(start, end, 'version')
  if (start < earliest) {
    throw new VersionNotFoundError(
      start,
      earliest,
      latest,
      `commit ${start} is no longer in the log (cleaned up)`,
    )
  }
  return { start, end }
}

/**
 * Resolves the range and plans the change files of each of its versions, checking that the
 * feed can be read over the whole range (see the module comment). Reads the commits of the
 * range once; reads no data files.
 */
export async function planChanges(log: LogStore, options: ChangeRangeOptions): Promise<ChangePlan> {
  const signal = options.signal
  const range = await resolveChangeRange(log, options)
  if (range === undefined) {
    const latest = await loadTableMetadata(log, { signal })
    return { range, table: readableTable(log, latest.protocol, latest.metadata), versions: [] }
  }
  // The metadata in force at the start version (its own metaData included).
  const first = await loadTableMetadata(log, { version: range.start, signal })
  if (!isChangeDataFeedEnabled(first.metadata)) throw notRecorded(range.start)
  let { protocol, metadata } = first
  const changed: { readonly version: number; readonly metadata: Metadata }[] = [
    { version: range.start, metadata },
  ]
  const versions: VersionChanges[] = []
  for await (const commit of tail(log, range.start, { endVersion: range.end, signal })) {
    for (const action of commit.actions) {
      if ('protocol' in action) {
        checkReadSupport(action.protocol)
        protocol = action.protocol
      } else if ('metaData' in action) {
        metadata = action.metaData
        if (commit.version > range.start) changed.push({ version: commit.version, metadata })
      }
    }
    versions.push(planVersionChanges(commit))
  }
  const table = readableTable(log, protocol, metadata)
  for (const at of changed) {
    const why = readIncompatibility(
      at.metadata,
      parseSchema(at.metadata.schemaString),
      metadata,
      table.schema,
      table.columnMappingMode,
    )
    if (why !== undefined) {
      throw new ChangeDataFeedError(
        'incompatible-schema',
        at.version,
        `the data of version ${at.version} cannot be read in the schema of version ${range.end}: ${why}`,
        `Read the versions before and from ${at.version} separately.`,
      )
    }
  }
  return { range, table, versions }
}

/** The table as its data is read at a protocol and metadata. */
function readableTable(log: LogStore, protocol: Protocol, metadata: Metadata): ReadableTable {
  return {
    tableUrl: log.tableUrl,
    schema: parseSchema(metadata.schemaString),
    partitionColumns: metadata.partitionColumns,
    columnMappingMode: columnMappingMode(protocol, metadata),
    context: { log },
  }
}

function endBeforeStart(start: number, end: number, by: 'time' | 'version'): InvalidArgumentError {
  return new InvalidArgumentError(
    `The change data feed range ends (${by === 'time' ? 'endingTimestamp' : `version ${end}`}) ` +
      `before it starts (${by === 'time' ? 'startingTimestamp' : `version ${start}`}); give an end at or after the start`,
  )
}

function validate(options: ChangeRangeOptions): void {
  const { startingVersion, startingTimestamp, endingVersion, endingTimestamp } = options
  if (startingVersion !== undefined && startingTimestamp !== undefined) {
    throw new InvalidArgumentError('Give startingVersion or startingTimestamp, not both')
  }
  if (startingVersion === undefined && startingTimestamp === undefined) {
    throw new InvalidArgumentError(
      'A change data feed read needs a start: give startingVersion or startingTimestamp',
    )
  }
  if (endingVersion !== undefined && endingTimestamp !== undefined) {
    throw new InvalidArgumentError('Give endingVersion or endingTimestamp, not both')
  }
  for (const [name, value] of [
    ['startingVersion', startingVersion],
    ['endingVersion', endingVersion],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`)
    }
  }
}
