/**
 * Rows of the test table as an Arrow record batch, the way the data reader hands them over:
 * logical names, partition columns materialised, long as Int64, timestamp as Timestamp(µs),
 * date as DateDay, decimal as Decimal128.
 */
import * as arrow from 'apache-arrow'
import {
  COLUMNS,
  type ColumnKind,
  DECIMAL_SCALE,
  type Row,
  type Value,
  valueAt,
} from './predicate.test-util.js'

const encoder = new TextEncoder()

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const bits = new Uint8Array(Math.ceil(values.length / 8) + 1)
  let nullCount = 0
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++
    else bits[i >> 3]! |= 1 << (i & 7)
  })
  return { nullBitmap: bits, nullCount }
}

/** One Arrow column of `values` (all of `kind` or null). */
export function arrowColumn(kind: ColumnKind, values: readonly Value[]): arrow.Data {
  const n = values.length
  const nulls = validity(values)
  switch (kind) {
    case 'string': {
      const parts = values.map((v) => encoder.encode(typeof v === 'string' ? v : ''))
      const offsets = new Int32Array(n + 1)
      parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length))
      const data = new Uint8Array(offsets[n]!)
      parts.forEach((p, i) => data.set(p, offsets[i]))
      return arrow.makeData({
        type: new arrow.Utf8(),
        length: n,
        ...nulls,
        valueOffsets: offsets,
        data,
      })
    }
    case 'long':
      return arrow.makeData({ type: new arrow.Int64(), length: n, ...nulls, data: bigints(values) })
    case 'timestamp':
      return arrow.makeData({
        type: new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC'),
        length: n,
        ...nulls,
        data: bigints(values),
      })
    case 'double':
      return arrow.makeData({
        type: new arrow.Float64(),
        length: n,
        ...nulls,
        data: Float64Array.from(values, (v) => (typeof v === 'number' ? v : 0)),
      })
    case 'date':
      return arrow.makeData({
        type: new arrow.DateDay(),
        length: n,
        ...nulls,
        data: int32s(values),
      })
    case 'integer':
      return arrow.makeData({ type: new arrow.Int32(), length: n, ...nulls, data: int32s(values) })
    case 'boolean': {
      const data = new Uint8Array(Math.ceil(n / 8) + 1)
      values.forEach((v, i) => {
        if (v === true) data[i >> 3]! |= 1 << (i & 7)
      })
      return arrow.makeData({ type: new arrow.Bool(), length: n, ...nulls, data })
    }
    case 'decimal': {
      const data = new Uint32Array(n * 4)
      values.forEach((v, i) => {
        const u = BigInt.asUintN(128, typeof v === 'object' && v !== null ? v.unscaled : 0n)
        for (let k = 0; k < 4; k++) data[i * 4 + k] = Number((u >> BigInt(32 * k)) & 0xffffffffn)
      })
      return arrow.makeData({
        type: new arrow.Decimal(DECIMAL_SCALE, 10, 128),
        length: n,
        ...nulls,
        data,
      })
    }
  }
}

function bigints(values: readonly Value[]): BigInt64Array {
  return BigInt64Array.from(values, (v) => (typeof v === 'bigint' ? v : 0n))
}

function int32s(values: readonly Value[]): Int32Array {
  return Int32Array.from(values, (v) => (typeof v === 'number' ? v : 0))
}

/** The rows as one record batch with every test column (partition columns included). */
export function toRecordBatch(rows: readonly Row[]): arrow.RecordBatch {
  const top = COLUMNS.filter((c) => c.path.length === 1)
  const children = top.map((c) =>
    arrowColumn(
      c.kind,
      rows.map((r) => valueAt(r, c.path)),
    ),
  )
  const fields = top.map((c, i) => new arrow.Field(c.path[0]!, children[i]!.type, true))
  const structs = rows.map((r) => (r['n'] === null || r['n'] === undefined ? null : r['n']))
  const y = arrowColumn(
    'integer',
    structs.map((s) => (s === null ? null : ((s as { y: Value }).y ?? null))),
  )
  const nType = new arrow.Struct([new arrow.Field('y', y.type, true)])
  children.push(
    arrow.makeData({ type: nType, length: rows.length, ...validity(structs), children: [y] }),
  )
  fields.push(new arrow.Field('n', nType, true))
  const type = new arrow.Struct(fields)
  const data = arrow.makeData({ type, length: rows.length, nullCount: 0, children })
  return new arrow.RecordBatch(new arrow.Schema(fields), data)
}
