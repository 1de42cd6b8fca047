// Types of shared.mjs (plain JavaScript, so the child processes can run it on the built
// package without a TypeScript loader).
import type * as arrow from 'apache-arrow'
import type { FaultyStore } from '../../../src/storage/fault.js'

export interface Row {
  readonly id: number
  readonly part: string | null
  readonly value: string | null
}

export type AppFault = 'none' | 'lost-response' | 'failed-put'

export declare const ROW_SCHEMA: arrow.Schema
export declare function rowsTable(rows: readonly Row[]): arrow.Table
export declare function armFault(faulty: FaultyStore, fault: AppFault): () => void
