/**
 * Fast columnar builders: JS values in, `arrow.Data` out (via `makeData`), for the handful of
 * types Delta checkpoints use.
 *
 * Why not apache-arrow's `makeBuilder().append(row)`: it is about 10x slower (32k rows/s against
 * 185k+ measured on this machine, see toolchain-findings §1), mostly from per-value dispatch
 * and per-string encoding. Here strings are joined and encoded once per column, integers go
 * into typed arrays, and a struct hands each child the value its getter extracts.
 *
 * Nulls are lazy: a null struct does not push a null into each of its descendants; children
 * catch up in bulk (`appendNulls`) when the next non-null value arrives, or at `finish`. In a
 * checkpoint every row holds one action, so most top-level columns of a batch are all null and
 * cost next to nothing.
 *
 * Value conventions: Int64/Timestamp take `number` (safe integers) or `bigint`; Date32 takes
 * days; Decimal128 takes the unscaled `bigint`; Binary takes `Uint8Array`; maps take plain
 * records; lists take arrays. `null` and `undefined` are both null.
 */
import * as arrow from 'apache-arrow'
import { InvalidArgumentError } from '../errors.js'
import {
  Base,
  BigIntBuilder,
  BinaryBuilder,
  BoolBuilder,
  DecimalBuilder,
  NumberBuilder,
  Utf8Builder,
  invalid,
  type ColumnBuilder,
} from './arrow-build-leaf.js'
import { typeName } from './arrow-read.js'

export type { ColumnBuilder } from './arrow-build-leaf.js'

/** Extracts a child's value from its parent struct value (default: the property of that name). */
export type ChildGetter = (parent: Record<string, unknown>) => unknown

class StructBuilder extends Base {
  private readonly children: ColumnBuilder[]
  private readonly names: string[]
  // Custom getters only where one was given: a plain property read is much cheaper than a call.
  private readonly getters: (ChildGetter | undefined)[]
  /** Child index by field name, for `appendSparse` (built on first use). */
  private indexOf: Map<string, number> | undefined
  constructor(
    private readonly type: arrow.Struct,
    path: string,
    getters: ReadonlyMap<string, ChildGetter>,
  ) {
    super(path)
    const fields = type.children
    const childPath = (name: string): string => (path === '' ? name : `${path}.${name}`)
    this.children = fields.map((f) =>
      builderFor(f.type as arrow.DataType, childPath(f.name), getters),
    )
    this.names = fields.map((f) => f.name)
    this.getters = fields.map((f) => getters.get(childPath(f.name)))
  }
  append(value: unknown): void {
    if (value === null || value === undefined) return this.nullRow()
    if (typeof value !== 'object') invalid(this.path, 'an object', value)
    const i = this.length
    const record = value as Record<string, unknown>
    for (let k = 0; k < this.children.length; k++) {
      const getter = this.getters[k]
      const childValue = getter === undefined ? record[this.names[k]!] : getter(record)
      // A null child is not appended: like the children of a null struct, it catches up in
      // bulk at its next value or at `finish`. A checkpoint row holds one action of eight, and
      // most optional fields of an action are absent, so this skips most calls.
      if (childValue === null || childValue === undefined) continue
      const child = this.children[k]!
      if (child.length < i) child.appendNulls(i - child.length)
      child.append(childValue)
    }
    this.validRow()
  }

  /**
   * `append` of a row that names few of the struct's fields (a checkpoint row holds one action
   * of eight): goes by the row's own keys instead of probing every field. Only for a struct
   * whose children all take their values by name (no getters).
   */
  appendSparse(record: Record<string, unknown>): void {
    const i = this.length
    const indexOf = (this.indexOf ??= new Map(this.names.map((name, k) => [name, k])))
    for (const name in record) {
      const k = indexOf.get(name)
      const childValue = record[name]
      if (k === undefined || childValue === null || childValue === undefined) continue
      const child = this.children[k]!
      if (child.length < i) child.appendNulls(i - child.length)
      child.append(childValue)
    }
    this.validRow()
  }

  /** Whether some child takes its value from a getter rather than by name. */
  get hasGetters(): boolean {
    return this.getters.some((g) => g !== undefined)
  }

  protected build(): arrow.Data<arrow.Struct> {
    return arrow.makeData({
      ...this.nullProps,
      type: this.type,
      children: this.children.map((c) => c.finish(this.length)),
    })
  }

  /** `finish` with the struct type kept, for a record batch. */
  finishStruct(length: number): arrow.Data<arrow.Struct> {
    if (length > this.length) this.appendNulls(length - this.length)
    return this.build()
  }
}

/** Offsets into a child, for maps and lists; a null row repeats the previous offset. */
abstract class OffsetsBase extends Base {
  private offsets = new Int32Array(64)
  protected abstract childLength(): number
  private ensure(n: number): void {
    if (n + 1 <= this.offsets.length) return
    const next = new Int32Array(Math.max(this.offsets.length * 2, n + 1))
    next.set(this.offsets)
    this.offsets = next
  }
  override appendNulls(count: number): void {
    this.ensure(this.length + count)
    this.offsets.fill(this.childLength(), this.length + 1, this.length + 1 + count)
    super.appendNulls(count)
  }
  /** Call after appending the row's children. */
  protected endRow(valid: boolean): void {
    this.ensure(this.length + 1)
    this.offsets[this.length + 1] = this.childLength()
    if (valid) this.validRow()
    else this.nullRow()
  }
  protected get valueOffsets(): Int32Array {
    return this.offsets.slice(0, this.length + 1)
  }
}

/** Map<Utf8, Utf8> from a record of string (or null) values. */
class StringMapBuilder extends OffsetsBase {
  private readonly keys: Utf8Builder
  private readonly values: Utf8Builder
  constructor(
    private readonly type: arrow.Map_,
    path: string,
  ) {
    super(path)
    this.keys = new Utf8Builder(`${path}.key`)
    this.values = new Utf8Builder(`${path}.value`)
  }
  protected childLength(): number {
    return this.keys.length
  }
  append(value: unknown): void {
    if (value !== null && value !== undefined) {
      if (typeof value !== 'object' || Array.isArray(value))
        invalid(this.path, 'a record of strings', value)
      const record = value as Record<string, unknown>
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue
        this.keys.append(key)
        this.values.append(record[key])
      }
    }
    this.endRow(value !== null && value !== undefined)
  }
  protected build(): arrow.Data {
    const entriesType = this.type.children[0]!.type as arrow.Struct
    const count = this.keys.length
    const entries = arrow.makeData({
      type: entriesType,
      length: count,
      nullCount: 0,
      children: [this.keys.finish(count), this.values.finish(count)],
    })
    return arrow.makeData({
      ...this.nullProps,
      type: this.type,
      valueOffsets: this.valueOffsets,
      child: entries,
    })
  }
}

/** List<Utf8> from arrays of strings. */
class StringListBuilder extends OffsetsBase {
  private readonly items: Utf8Builder
  constructor(
    private readonly type: arrow.List,
    path: string,
  ) {
    super(path)
    this.items = new Utf8Builder(`${path}.element`)
  }
  protected childLength(): number {
    return this.items.length
  }
  append(value: unknown): void {
    if (value !== null && value !== undefined) {
      if (!Array.isArray(value)) invalid(this.path, 'an array of strings', value)
      for (const item of value as unknown[]) this.items.append(item)
    }
    this.endRow(value !== null && value !== undefined)
  }
  protected build(): arrow.Data {
    const child = this.items.finish(this.items.length)
    return arrow.makeData({
      ...this.nullProps,
      type: this.type,
      valueOffsets: this.valueOffsets,
      child,
    })
  }
}

/**
 * A builder for `type`. `path` names the column in errors and keys `getters`, which override
 * how a struct child's value is taken from its parent (e.g. `add.stats_parsed` from `add.stats`).
 */
export function builderFor(
  type: arrow.DataType,
  path: string,
  getters: ReadonlyMap<string, ChildGetter> = new Map(),
): ColumnBuilder {
  if (type instanceof arrow.Utf8) return new Utf8Builder(path)
  if (type instanceof arrow.Binary) return new BinaryBuilder(path)
  if (type instanceof arrow.Bool) return new BoolBuilder(path)
  if (type instanceof arrow.Int64 || type instanceof arrow.Timestamp)
    return new BigIntBuilder(type, path)
  if (
    type instanceof arrow.Int8 ||
    type instanceof arrow.Int16 ||
    type instanceof arrow.Int32 ||
    type instanceof arrow.Float32 ||
    type instanceof arrow.Float64 ||
    type instanceof arrow.DateDay
  ) {
    return new NumberBuilder(type, path)
  }
  if (type instanceof arrow.Decimal) return new DecimalBuilder(type, path)
  if (type instanceof arrow.Struct) return new StructBuilder(type, path, getters)
  if (type instanceof arrow.Map_) return new StringMapBuilder(type, path)
  if (type instanceof arrow.List) return new StringListBuilder(type, path)
  throw new InvalidArgumentError(`No column builder for ${path} of type ${typeName(type)}`)
}

/** Builds one record batch from row objects (one property per top-level field). */
export function buildRecordBatch(
  schema: arrow.Schema,
  rows: readonly Record<string, unknown>[],
  getters: ReadonlyMap<string, ChildGetter> = new Map(),
): arrow.RecordBatch {
  const type = new arrow.Struct(schema.fields)
  const builder = new StructBuilder(type, '', getters)
  if (builder.hasGetters) for (const row of rows) builder.append(row)
  else for (const row of rows) builder.appendSparse(row)
  // Rows are never null, so the struct has no validity bitmap: it is the batch's data as is.
  return new arrow.RecordBatch(schema, builder.finishStruct(rows.length))
}
