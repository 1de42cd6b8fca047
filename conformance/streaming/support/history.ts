/**
 * Random commit histories for the streaming proofs: a real table (in memory) that commands
 * change — appends of random rows to random partitions, additive metadata changes,
 * dataChange=false rewrites (compactions), partition deletes and partition overwrites — and
 * a model of what the table holds and what each append added, so a test can say which rows a
 * stream must emit.
 */
import * as arrow from 'apache-arrow'
import fc from 'fast-check'
import type { StructType } from '../../../src/protocol/schema.js'
import { MemoryStore } from '../../../src/storage/memory.js'
import { DeltaTable } from '../../../src/table/delta-table.js'
import { ManualClock, seededIds } from '../../../src/util/clock.js'
import type { IdRow } from './rows.js'

export const PARTS = ['a', 'b', 'c'] as const
export type Part = (typeof PARTS)[number]

export type HistoryCommand =
  /** One commit adding the rows (one per entry, in that partition), split into small files. */
  | { readonly kind: 'append'; readonly parts: readonly Part[]; readonly maxRowsPerFile: number }
  /** A metadata-only commit adding a nullable column (additive: streams go on). */
  | { readonly kind: 'addColumn' }
  /** Rewrites a partition (or all) with the same rows and dataChange=false. */
  | {
      readonly kind: 'compact'
      readonly part: Part | undefined
      readonly maxRowsPerFile: number
    }
  /** Removes every file of a partition (dataChange=true, nothing added): a pure delete. */
  | { readonly kind: 'delete'; readonly part: Part }
  /** Replaces a partition's rows by new ones (removes and adds: an update). */
  | { readonly kind: 'update'; readonly part: Part; readonly rows: number }

/** Which data-removing commands a history may contain (what the stream's options allow). */
export interface AllowedChanges {
  readonly deletes: boolean
  readonly updates: boolean
}

const part = fc.constantFrom(...PARTS)

export function historyCommand(allowed: AllowedChanges): fc.Arbitrary<HistoryCommand> {
  const weighted: fc.WeightedArbitrary<HistoryCommand>[] = [
    // Appends dominate, so streams have data to emit.
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('append' as const),
        parts: fc.array(part, { minLength: 1, maxLength: 6 }),
        maxRowsPerFile: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'addColumn' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('compact' as const),
        part: fc.option(part, { nil: undefined }),
        maxRowsPerFile: fc.integer({ min: 1, max: 4 }),
      }),
    },
  ]
  if (allowed.deletes) {
    weighted.push({
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('delete' as const), part }),
    })
  }
  if (allowed.updates) {
    weighted.push({
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('update' as const),
        part,
        rows: fc.integer({ min: 0, max: 3 }),
      }),
    })
  }
  return fc.oneof(...weighted)
}

const ROW_SCHEMA = new arrow.Schema([
  new arrow.Field('id', new arrow.Int32(), true),
  new arrow.Field('part', new arrow.Utf8(), true),
])

function rowsTable(ids: readonly number[], parts: readonly string[]): arrow.Table {
  return new arrow.Table({
    id: arrow.vectorFromArray(Int32Array.from(ids)),
    part: arrow.vectorFromArray(parts, new arrow.Utf8()),
  })
}

const partFilter = (p: Part): string => `part = '${p}'`

/** A table and the model of its history. */
export class HistoryTable {
  /** Current rows, id -> partition: what a batch read of the latest version returns. */
  readonly rows = new Map<number, Part>()
  /** The rows each append-only commit added, by version (updates that removed nothing too). */
  readonly appends: { readonly version: number; readonly rows: readonly IdRow[] }[] = []
  /** The latest committed version. */
  version = 0
  private nextId = 0
  private extraColumns = 0

  private constructor(readonly table: DeltaTable) {}

  /**
   * An empty table partitioned by `part`. Commit files get strictly increasing modification
   * times, so commit timestamps never need monotonizing (which depends on where a read
   * starts, and would make a resumed stream's `_commit_timestamp` differ legitimately).
   */
  static async create(options: {
    readonly seed: number
    readonly changeDataFeed: boolean
    readonly checkpointInterval: number
  }): Promise<HistoryTable> {
    let time = 1_700_000_000_000
    const store = new MemoryStore({ now: () => (time += 1000) })
    const table = await DeltaTable.create('memory://history/', {
      store,
      schema: ROW_SCHEMA,
      partitionBy: ['part'],
      properties: {
        'delta.checkpointInterval': String(options.checkpointInterval),
        ...(options.changeDataFeed ? { 'delta.enableChangeDataFeed': 'true' } : {}),
      },
      clock: new ManualClock(1_700_000_000_000),
      ids: seededIds(options.seed),
    })
    return new HistoryTable(table)
  }

  /** The rows appended by append-only commits at or after `version`, in commit order. */
  appendedFrom(version: number): IdRow[] {
    return this.appends.filter((a) => a.version >= version).flatMap((a) => a.rows)
  }

  /** Applies a command; commands with nothing to do (delete of an empty partition) commit nothing. */
  async apply(command: HistoryCommand): Promise<void> {
    switch (command.kind) {
      case 'append': {
        const ids = command.parts.map(() => this.nextId++)
        const result = await this.table.append(rowsTable(ids, command.parts), {
          maxRowsPerFile: command.maxRowsPerFile,
        })
        if (result.status !== 'committed') throw new Error('append did not commit')
        this.committed(result.commit.version)
        const rows = ids.map((id, i) => ({ id, part: command.parts[i]! }))
        this.appends.push({ version: result.commit.version, rows })
        for (const row of rows) this.rows.set(row.id, row.part)
        return
      }
      case 'addColumn': {
        const snapshot = await this.table.snapshot()
        const schema: StructType = {
          type: 'struct',
          fields: [
            ...snapshot.schema.fields,
            {
              name: `note${this.extraColumns++}`,
              type: { type: 'string' },
              nullable: true,
              metadata: {},
            },
          ],
        }
        const transaction = await this.table.startTransaction({
          operation: 'ADD COLUMNS',
          snapshot,
        })
        transaction.updateMetadata({ ...snapshot.metadata, schemaString: JSON.stringify(schema) })
        this.committed((await transaction.commit()).version)
        return
      }
      case 'compact': {
        const selected = [...this.rows].filter(
          ([, p]) => command.part === undefined || p === command.part,
        )
        if (selected.length === 0) return
        // The same rows again (ids and partitions; added columns stay null), in new files.
        const result = await this.table.overwrite(
          rowsTable(
            selected.map(([id]) => id),
            selected.map(([, p]) => p),
          ),
          {
            dataChange: false,
            maxRowsPerFile: command.maxRowsPerFile,
            ...(command.part === undefined ? {} : { replaceWhere: partFilter(command.part) }),
          },
        )
        if (result.status !== 'committed') throw new Error('compaction did not commit')
        this.committed(result.commit.version)
        return
      }
      case 'delete': {
        const snapshot = await this.table.snapshot()
        const files = [...snapshot.files()].filter((f) => f.partitionValues.part === command.part)
        if (files.length === 0) return
        const transaction = await this.table.startTransaction({
          operation: 'DELETE',
          operationParameters: { predicate: JSON.stringify([partFilter(command.part)]) },
          snapshot,
        })
        for (const file of files) transaction.removeFile(file, { dataChange: true })
        this.committed((await transaction.commit()).version)
        for (const [id, p] of [...this.rows]) if (p === command.part) this.rows.delete(id)
        return
      }
      case 'update': {
        const ids = Array.from({ length: command.rows }, () => this.nextId++)
        const result = await this.table.overwrite(
          rowsTable(
            ids,
            ids.map(() => command.part),
          ),
          { replaceWhere: partFilter(command.part) },
        )
        if (result.status !== 'committed') throw new Error('overwrite did not commit')
        this.committed(result.commit.version)
        // An overwrite of an empty partition removes nothing: to a stream it is an append.
        if (result.removed.length === 0) {
          const rows = ids.map((id) => ({ id, part: command.part }))
          this.appends.push({ version: result.commit.version, rows })
        }
        for (const [id, p] of [...this.rows]) if (p === command.part) this.rows.delete(id)
        for (const id of ids) this.rows.set(id, command.part)
        return
      }
    }
  }

  private committed(version: number): void {
    if (version !== this.version + 1) {
      throw new Error(`expected commit ${this.version + 1}, got ${version}`)
    }
    this.version = version
  }
}
