/**
 * Statistics of a file that gains (or changes) a deletion vector.
 *
 * The file's bytes do not change, so neither do the values its statistics describe; what
 * changes is what they mean (PROTOCOL.md "Per-file Statistics", "Writer Requirements for
 * Deletion Vectors"):
 * - `numRecords` counts *physical* rows, deleted ones included, and must be exact on a file with
 *   a DV. It is set to the count read from the file's footer, which is exact by construction
 *   (a writer that recorded something else is overruled, not trusted).
 * - min/max may now describe deleted rows only, so they are no longer tight: `tightBounds` is
 *   set to false, as Spark's DML does (`updateStatsToWideBounds`; Spark even refuses a commit
 *   that adds a DV with tight bounds). `nullCount` keeps its physical value: with wide bounds
 *   readers trust it only when it is 0 or `numRecords`, which stays exactly right for physical
 *   rows.
 *
 * Everything else is kept byte for byte, in its order. The stats text is rewritten through the
 * exact JSON tree (`json-tree.ts`): `JSON.parse` would round 64-bit integers and long decimals in
 * min/max. Malformed stats are dropped rather than repeated: the new ones then hold just
 * `numRecords` and `tightBounds`, which is all a file with a DV must have.
 */
import { type JsonNode, parseJsonTree } from '../protocol/json-tree.js'

/** The `stats` of a file with a (new) deletion vector; see the file comment. */
export function statsWithDeletionVector(stats: string | undefined, physicalRows: number): string {
  let entries: (readonly [string, JsonNode])[] = []
  if (stats !== undefined) {
    try {
      const tree = parseJsonTree(stats)
      if (tree.kind === 'object') entries = [...tree.entries]
    } catch {
      // Malformed: start afresh (see the file comment).
    }
  }
  const numRecords: JsonNode = { kind: 'number', raw: String(physicalRows) }
  const wide: JsonNode = { kind: 'literal', value: false }
  const set = (key: string, value: JsonNode, first: boolean): void => {
    const at = entries.findIndex(([k]) => k === key)
    // Duplicates (tolerated by readers, last one wins) collapse to one entry.
    entries = entries.filter(([k]) => k !== key)
    if (at >= 0) entries.splice(Math.min(at, entries.length), 0, [key, value])
    else if (first) entries.unshift([key, value])
    else entries.push([key, value])
  }
  // Spark's order: numRecords first, tightBounds last.
  set('numRecords', numRecords, true)
  set('tightBounds', wide, false)
  return serialize({ kind: 'object', entries })
}

/** JSON text of a tree, numbers exactly as they were written. */
function serialize(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`
    case 'array':
      return `[${node.items.map(serialize).join(',')}]`
    case 'string':
      return JSON.stringify(node.value)
    case 'number':
      return node.raw
    case 'literal':
      return String(node.value)
  }
}
