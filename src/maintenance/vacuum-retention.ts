/**
 * The retention a vacuum runs with, and Spark's safety check on it
 * (`VacuumCommand.checkRetentionPeriodSafety`).
 *
 * The table's `delta.deletedFileRetentionDuration` (default one week) is both the default and
 * the floor: below it, files that readers may still need for time travel, and files of writers
 * that have not committed yet, become deletable. Spark refuses such a retention unless the
 * session disables `spark.databricks.delta.retentionDurationCheck.enabled`; here `force` plays
 * that part.
 *
 * Errors (the CLI shows the message as is):
 * - a negative or non-finite `retentionHours` is malformed input: `InvalidArgumentError`;
 * - a well-formed retention below the table's floor is refused by the table, not by the
 *   syntax: `OperationNotAllowedError`, whose message names both durations and `force`.
 */
import { InvalidArgumentError, OperationNotAllowedError } from '../errors.js'
import { TABLE_PROPERTIES } from '../protocol/table-properties.js'
import type { Snapshot } from '../snapshot/snapshot.js'

export const HOUR_MS = 3_600_000

export interface RetentionPlan {
  /** What this run uses, in milliseconds. */
  readonly retentionMs: number
  /** The table's `delta.deletedFileRetentionDuration`, in milliseconds. */
  readonly configuredMs: number
  /** True when the caller chose the retention (Spark records `specifiedRetentionMillis` then). */
  readonly specified: boolean
  /** False when `force` turned the safety check off (Spark's `retentionCheckEnabled`). */
  readonly checkEnabled: boolean
}

export interface RetentionInput {
  readonly retentionHours?: number | undefined
  readonly force?: boolean | undefined
}

/**
 * Resolves and checks the retention. Fractional hours are allowed and kept to the millisecond
 * (Spark rounds to whole hours; nothing here depends on that).
 */
export function retentionPlan(snapshot: Snapshot, input: RetentionInput): RetentionPlan {
  const configuredMs = snapshot.property(TABLE_PROPERTIES.deletedFileRetentionDuration)
  const hours = input.retentionHours
  if (hours !== undefined && (!Number.isFinite(hours) || hours < 0)) {
    throw new InvalidArgumentError(
      `retentionHours must be a non-negative number of hours, got ${String(hours)}`,
    )
  }
  const retentionMs = hours === undefined ? configuredMs : Math.round(hours * HOUR_MS)
  const checkEnabled = input.force !== true
  if (checkEnabled && retentionMs < configuredMs) {
    throw new OperationNotAllowedError(
      `Refusing to vacuum ${snapshot.tableUrl} with a retention of ${formatHours(retentionMs)}: ` +
        `the table's delta.deletedFileRetentionDuration is ${formatHours(configuredMs)}. Files ` +
        `younger than that may still be read by time travel inside the retention window, or ` +
        `belong to writers that have not committed yet; deleting them can corrupt the table. ` +
        `Use a retention of at least ${formatHours(configuredMs)}, or force the vacuum ` +
        `(force: true, CLI --force) only if no reader or writer can be using the table.`,
    )
  }
  return { retentionMs, configuredMs, specified: hours !== undefined, checkEnabled }
}

/** `168 hours`, or `1.5 hours`: Spark's message rounds up to whole hours; we say what we mean. */
function formatHours(ms: number): string {
  const hours = ms / HOUR_MS
  const text = Number.isInteger(hours) ? String(hours) : hours.toFixed(3).replace(/\.?0+$/, '')
  return `${text} hour${hours === 1 ? '' : 's'}`
}
