/**
 * Why a change data feed cannot be served for a range of versions.
 *
 * These are not caller mistakes (the range is well-formed) nor broken logs: the table's own
 * history forbids the read, as in Spark (`DeltaErrors.changeDataNotRecordedException`,
 * `blockBatchCdfReadWithIncompatibleSchemaChange`). They share the code `OPERATION_NOT_ALLOWED`
 * and say which version is at fault, so a caller can retry with a range that avoids it.
 */
import { OperationNotAllowedError } from '../errors.js'

export type ChangeDataFeedProblem =
  /** `delta.enableChangeDataFeed` is not true in the metadata in force at `version`. */
  | 'not-enabled'
  /** The schema at `version` cannot be read with the schema the feed is returned in. */
  | 'incompatible-schema'
  /** The table schema has a column named like a change feed column (`_change_type`, ...). */
  | 'reserved-column'

export class ChangeDataFeedError extends OperationNotAllowedError {
  readonly problem: ChangeDataFeedProblem
  /** The version whose metadata forbids the read (undefined when no single version does). */
  readonly version: number | undefined

  constructor(
    problem: ChangeDataFeedProblem,
    version: number | undefined,
    detail: string,
    hint: string,
  ) {
    super(`Cannot read the change data feed: ${detail}. ${hint}`)
    this.problem = problem
    this.version = version
  }
}
