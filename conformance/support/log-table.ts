/**
 * A table in memory built from hand-written commits, with the modification times the test
 * chooses: for tests of the log, snapshot and change layers that need exact control over
 * what the log holds.
 */
import { LogStore, commitKey } from '../../src/log/log-store.js'
import { serializeActions } from '../../src/protocol/action-parser.js'
import type { Action, Add, Metadata, Protocol, Remove } from '../../src/protocol/actions.js'
import { CountingStore } from '../../src/storage/counting.js'
import { MemoryStore } from '../../src/storage/memory.js'
import { utf8Encode } from '../../src/util/utf8.js'

export const TWO_COLUMN_SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'part', type: 'string', nullable: true, metadata: {} },
  ],
})

export function protocolAction(p: Partial<Protocol> = {}): Action {
  return { protocol: { minReaderVersion: 1, minWriterVersion: 2, ...p } }
}

export function metadataAction(
  configuration: Record<string, string> = {},
  overrides: Partial<Metadata> = {},
): Action {
  return {
    metaData: {
      id: 'table-1',
      format: { provider: 'parquet', options: {} },
      schemaString: TWO_COLUMN_SCHEMA,
      partitionColumns: ['part'],
      configuration,
      createdTime: 0,
      ...overrides,
    },
  }
}

export function addAction(path: string, extra: Partial<Add> = {}): Action {
  return {
    add: {
      path,
      partitionValues: { part: 'a' },
      size: 10,
      modificationTime: 1,
      dataChange: true,
      ...extra,
    },
  }
}

export function removeAction(path: string, extra: Partial<Remove> = {}): Action {
  return { remove: { path, deletionTimestamp: 100, dataChange: true, ...extra } }
}

export class LogTable {
  time = 1_000
  readonly memory = new MemoryStore({ now: () => this.time })
  readonly store = new CountingStore(this.memory)
  readonly log = new LogStore(this.store)

  /** A table whose version 0 holds protocol and metadata. */
  static async create(configuration: Record<string, string> = {}): Promise<LogTable> {
    const table = new LogTable()
    await table.commit(0, [
      { commitInfo: { operation: 'CREATE TABLE' } },
      protocolAction(),
      metadataAction(configuration),
    ])
    return table
  }

  /** Writes commit `version`; its file time is `at`, or 1 s after the previous commit. */
  async commit(version: number, actions: readonly Action[], at?: number): Promise<void> {
    if (at !== undefined) this.time = at
    else this.time += 1_000
    await this.memory.put(commitKey(version), utf8Encode(serializeActions(actions)))
  }
}
