// What the multi-process writers (writer.mjs) and the in-process proofs
// (../support/concurrent-writers.ts, ../support/rows.ts) share: the row schema, the rows as an
// Arrow table, and the commit-put faults. Plain JavaScript, so the child processes can run it on
// the built package without a TypeScript loader; types in shared.d.mts.
import * as arrow from 'apache-arrow'

/** `(id long, part string, value string)`; `part` is the partition column. */
export const ROW_SCHEMA = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), true),
  new arrow.Field('part', new arrow.Utf8(), true),
  new arrow.Field('value', new arrow.Utf8(), true),
])

/** The rows as one Arrow table with `ROW_SCHEMA` (an empty table keeps the schema). */
export function rowsTable(rows) {
  const column = (values, type) => arrow.vectorFromArray(values, type).data[0]
  return new arrow.Table(
    ROW_SCHEMA,
    new arrow.RecordBatch(
      ROW_SCHEMA,
      arrow.makeData({
        type: new arrow.Struct(ROW_SCHEMA.fields),
        length: rows.length,
        nullCount: 0,
        children: [
          column(
            rows.map((r) => BigInt(r.id)),
            new arrow.Int64(),
          ),
          column(
            rows.map((r) => r.part),
            new arrow.Utf8(),
          ),
          column(
            rows.map((r) => r.value),
            new arrow.Utf8(),
          ),
        ],
      }),
    ),
  )
}

const COMMIT_FILE = /^_delta_log\/\d{20}\.json$/

/**
 * Arms a fault for the next commit put through `faulty` (a FaultyStore); returns the disarm.
 * `lost-response`: the commit lands but its response is lost, and reading it back fails too,
 * so the writer cannot resolve the outcome and must report an error.
 */
export function armFault(faulty, fault) {
  if (fault === 'none') return () => undefined
  if (fault === 'failed-put') {
    return faulty.inject({ op: 'put', path: COMMIT_FILE, nth: 1, action: 'fail' })
  }
  const put = faulty.inject({ op: 'put', path: COMMIT_FILE, nth: 1, action: 'ambiguous' })
  const get = faulty.inject({ op: 'get', path: COMMIT_FILE, nth: 1, action: 'fail' })
  return () => {
    put()
    get()
  }
}
