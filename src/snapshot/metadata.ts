/**
 * Protocol and metadata of a version without replaying its files: from the version's `.crc`
 * file when it has one (one small read), else from the newest commits backwards, and only
 * then from the checkpoint's protocol and metaData columns. Never a full replay.
 */
import { CorruptLogError } from '../errors.js'
import { readCheckpoint } from '../log/checkpoint-reader.js'
import type { LogSegment } from '../log/log-segment.js'
import type { LogStore } from '../log/log-store.js'
import type { Metadata, Protocol } from '../protocol/actions.js'
import { checkReadSupport } from '../protocol/protocol-check.js'
import { parseVersionChecksum } from '../protocol/version-checksum.js'
import type { Signalled } from '../storage/object-store.js'
import { utf8Decode } from '../util/utf8.js'
import { findSegment } from './load.js'

export interface TableMetadata {
  readonly version: number
  readonly protocol: Protocol
  readonly metadata: Metadata
  /** Where they were found. */
  readonly source: 'crc' | 'commits' | 'checkpoint'
  /** From the `.crc` file, when that was the source. */
  readonly numFiles?: number
  readonly sizeInBytes?: number
  readonly segment: LogSegment
}

export async function loadTableMetadata(
  log: LogStore,
  options: Signalled & { version?: number | undefined } = {},
): Promise<TableMetadata> {
  const segment = await findSegment(log, options.version, options)
  const result =
    (await fromChecksum(log, segment, options)) ?? (await fromLog(log, segment, options))
  checkReadSupport(result.protocol)
  return result
}

async function fromChecksum(
  log: LogStore,
  segment: LogSegment,
  options: Signalled,
): Promise<TableMetadata | undefined> {
  if (segment.crc === undefined) return undefined
  try {
    const bytes = await log.readOptional(segment.crc.key, options)
    if (bytes === undefined) return undefined
    const crc = parseVersionChecksum(utf8Decode(bytes), log.urlOf(segment.crc.key))
    if (crc.protocol === undefined || crc.metadata === undefined) return undefined
    return {
      version: segment.version,
      protocol: crc.protocol,
      metadata: crc.metadata,
      source: 'crc',
      numFiles: crc.numFiles,
      sizeInBytes: crc.tableSizeBytes,
      segment,
    }
  } catch {
    // An unreadable checksum is optional data: read the log instead.
    return undefined
  }
}

async function fromLog(
  log: LogStore,
  segment: LogSegment,
  options: Signalled,
): Promise<TableMetadata> {
  let protocol: Protocol | undefined
  let metadata: Metadata | undefined
  // Newest first: the first protocol and metaData found are the current ones.
  for (
    let i = segment.commits.length - 1;
    i >= 0 && (protocol === undefined || metadata === undefined);
    i--
  ) {
    for (const action of await log.readJsonFile(segment.commits[i]!.key, options)) {
      if ('protocol' in action) protocol ??= action.protocol
      else if ('metaData' in action) metadata ??= action.metaData
    }
  }
  let source: TableMetadata['source'] = 'commits'
  if ((protocol === undefined || metadata === undefined) && segment.checkpoint !== undefined) {
    source = 'checkpoint'
    for await (const batch of readCheckpoint(log, segment.checkpoint, {
      ...options,
      actions: ['protocol', 'metaData'],
    })) {
      for (const action of batch) {
        if ('protocol' in action) protocol ??= action.protocol
        else if ('metaData' in action) metadata ??= action.metaData
      }
    }
  }
  const where = { path: log.urlOf('_delta_log/') }
  if (protocol === undefined)
    throw new CorruptLogError('no protocol action in the log segment', where)
  if (metadata === undefined)
    throw new CorruptLogError('no metaData action in the log segment', where)
  return { version: segment.version, protocol, metadata, source, segment }
}
