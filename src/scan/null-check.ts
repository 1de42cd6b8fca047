/**
 * NOT NULL checks on read.
 *
 * Spark writes every Parquet field as optional, whatever the table schema says (delta-rs#4586),
 * so a reader must accept nullable file columns under a non-null table field and check the
 * values instead. A NULL in a non-null field (with every enclosing struct, list or map entry
 * present: a child of a null struct is not a value) means the file contradicts the schema.
 *
 * The check costs nothing for the usual Spark table (every field nullable: no check is planned)
 * and only counts nulls otherwise; the row-by-row walk runs only when a null is present.
 */
import * as arrow from 'apache-arrow'

/** Finds a null in a non-null field; returns the field's dotted path and the row, or undefined. */
export type NullCheck = (
  data: arrow.Data,
) => { readonly path: string; readonly row: number } | undefined

function hasNonNullable(type: arrow.DataType): boolean {
  if (type instanceof arrow.Map_) {
    // Entries and keys are non-null by construction in Parquet: only the value side counts.
    const [key, value] = (type.children[0]!.type as arrow.Struct).children as [
      arrow.Field,
      arrow.Field,
    ]
    return (
      hasNonNullable(key.type as arrow.DataType) ||
      !value.nullable ||
      hasNonNullable(value.type as arrow.DataType)
    )
  }
  return (type.children ?? []).some(
    (f: arrow.Field) => !f.nullable || hasNonNullable(f.type as arrow.DataType),
  )
}

/** Validity of row `i` of `data`. */
function valid(data: arrow.Data, i: number): boolean {
  const bits = data.nullBitmap as Uint8Array | undefined
  if (bits === undefined || bits.length === 0) return true
  const pos = data.offset + i
  return ((bits[pos >> 3]! >> (pos & 7)) & 1) === 1
}

/**
 * Walks `data` (rows whose ancestors are all present: `live`, or every row when undefined) and
 * reports the first null in a non-nullable position.
 */
function walk(
  data: arrow.Data,
  field: arrow.Field,
  path: string,
  live: Uint8Array | undefined,
): { path: string; row: number } | undefined {
  const n = data.length
  if (!field.nullable && data.nullCount > 0) {
    for (let i = 0; i < n; i++) {
      if ((live === undefined || live[i] === 1) && !valid(data, i)) return { path, row: i }
    }
  }
  const type = data.type
  if (!hasNonNullable(type)) return undefined
  // Rows of this level that are present (and whose ancestors are): the children's scope.
  const here = new Uint8Array(n)
  for (let i = 0; i < n; i++)
    here[i] = (live === undefined || live[i] === 1) && valid(data, i) ? 1 : 0
  if (type instanceof arrow.Struct) {
    for (let c = 0; c < type.children.length; c++) {
      const f = type.children[c]!
      const found = walk(data.children[c]!, f, `${path}.${f.name}`, here)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (type instanceof arrow.List || type instanceof arrow.Map_) {
    const offsets = data.valueOffsets as Int32Array
    const child = data.children[0]!
    // Child rows of present parents; offsets index the child directly.
    const childLive = new Uint8Array(child.length)
    for (let i = 0; i < n; i++) {
      if (here[i] === 1) childLive.fill(1, offsets[i], offsets[i + 1])
    }
    const f = type.children[0]!
    return walk(child, f, path, childLive)
  }
  return undefined
}

/** A check for one output column, or undefined when its type allows nulls everywhere. */
export function nullCheckFor(field: arrow.Field): NullCheck | undefined {
  if (field.nullable && !hasNonNullable(field.type as arrow.DataType)) return undefined
  return (data) => walk(data, field, field.name, undefined)
}
