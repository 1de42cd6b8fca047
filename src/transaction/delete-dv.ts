/**
 * The deletion-vector strategy of DELETE: what becomes of each touched file.
 *
 * - A file whose every visible row matched is removed whole (Spark's `isFullyReplaced`; here
 *   decided on the exact visible count read from the file, not on statistics).
 * - Any other touched file gets a DV holding its old DV's rows plus the rows matched now. The
 *   commit removes the old entry (with its old DV, so the pair is keyed apart in replay) and adds
 *   the same path with the new DV: the protocol allows one add and one remove of a path in a
 *   commit when their DV ids differ. The re-added entry keeps the file's own fields
 *   (`modificationTime`, tags, ...), with `dataChange: true` and statistics for a file with a DV.
 */
import type { Add } from '../protocol/actions.js'
import { unionRowIndexSets } from '../protocol/roaring-bitmap-array.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { DeleteMetrics } from './delete-metrics.js'
import type { TouchedFile } from './delete-scan.js'
import { statsWithDeletionVector } from './delete-stats.js'
import {
  type DeletionVectorWriteOptions,
  type WrittenDeletionVectors,
  writeDeletionVectors,
} from './deletion-vector-writer.js'

export interface DvOutcome {
  /** Files removed whole. */
  readonly removed: readonly Add[]
  /** Files re-added with a new DV: the entry removed and the one added. */
  readonly updated: readonly { readonly old: Add; readonly add: Add }[]
  /** Where the DVs went (the DV file to discard if the commit fails). */
  readonly written: WrittenDeletionVectors
}

/** Stores the new DVs of `touched` and returns the actions to commit. Storage errors propagate. */
export async function applyDeletionVectors(
  store: ObjectStore,
  touched: readonly TouchedFile[],
  options: DeletionVectorWriteOptions,
): Promise<DvOutcome> {
  const removed: Add[] = []
  const partial: TouchedFile[] = []
  for (const file of touched) {
    if (file.matched.cardinality >= file.liveRows) removed.push(file.add)
    else partial.push(file)
  }
  const vectors = partial.map((f) =>
    f.previouslyDeleted === undefined
      ? f.matched
      : unionRowIndexSets(f.previouslyDeleted, f.matched),
  )
  const written = await writeDeletionVectors(store, vectors, options)
  const updated = partial.map((f, i) => ({
    old: f.add,
    add: {
      ...f.add,
      dataChange: true,
      stats: statsWithDeletionVector(f.add.stats, f.physicalRows),
      deletionVector: written.descriptors[i]!,
    },
  }))
  return { removed, updated, written }
}

/** The metrics of a deletion-vector delete (see `delete-metrics.ts` for the DV counts). */
export function dvMetrics(
  outcome: DvOutcome,
  touched: readonly TouchedFile[],
): Pick<
  DeleteMetrics,
  | 'numDeletedRows'
  | 'numRemovedFiles'
  | 'numRemovedBytes'
  | 'numDeletionVectorsAdded'
  | 'numDeletionVectorsRemoved'
  | 'numDeletionVectorsUpdated'
> {
  const replaced = outcome.updated.filter((u) => u.old.deletionVector !== undefined).length
  const removedWithDv = outcome.removed.filter((a) => a.deletionVector !== undefined).length
  return {
    numDeletedRows: touched.reduce((sum, f) => sum + f.matched.cardinality, 0),
    numRemovedFiles: outcome.removed.length,
    numRemovedBytes: outcome.removed.reduce((sum, a) => sum + a.size, 0),
    numDeletionVectorsAdded: outcome.updated.length,
    numDeletionVectorsRemoved: removedWithDv + replaced,
    numDeletionVectorsUpdated: replaced,
  }
}
