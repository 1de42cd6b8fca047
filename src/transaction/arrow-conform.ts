/**
 * Conforming an engine's Arrow batch to the table: the batch's columns are matched to the
 * table's by name, checked, converted, and relabelled with the Arrow types of the data files.
 *
 * The rules (Spark's, for an append by name):
 * - Columns match by name, exactly or else ignoring case, at every struct level. A table column
 *   the batch lacks is written as nulls when nullable; a batch column the table lacks is an
 *   error (no implicit schema evolution).
 * - Types must match, up to lossless conversions: wider signed integers, float to double,
 *   integers to double or decimal, a decimal to a wider decimal, a date to timestamp_ntz,
 *   Large* strings and binaries, dictionary encoding, and any timestamp unit (converted to
 *   microseconds; nanoseconds are floored, as Spark floors INT96). A zoned Arrow timestamp is an
 *   instant and only fits `timestamp`; one without a zone only fits `timestamp_ntz`. Binary never
 *   becomes a string (it need not be UTF-8). Anything else is an `InvalidArgumentError` naming the
 *   column.
 * - A NULL in a non-nullable column is an `InvalidArgumentError` naming the column and the row.
 *   A null field inside a null struct is fine (the struct is what is missing); elements of arrays
 *   with `containsNull: false`, map values with `valueContainsNull: false` and map keys are
 *   checked the same way.
 *
 * The output columns have offset 0 at every level (sliced results are compacted), so the
 * statistics and partition code never meets a slice.
 */
import * as arrow from 'apache-arrow'
import type { DataProps } from 'apache-arrow/data'
import { InvalidArgumentError } from '../errors.js'
import type { DataType, StructField } from '../protocol/schema.js'
import { nullData } from '../scan/arrow-constant.js'
import { takeRows } from '../scan/arrow-take.js'
import { arrowType, typeOf } from '../scan/arrow-types.js'
import { bitSet, firstNullWhereValid, hasOffsets, validityOf } from './arrow-bits.js'
import type { Validity } from './arrow-bits.js'
import { conformLeaf, decodeDictionary, mismatch } from './arrow-leaf.js'
import type { WriteLayout } from './write-layout.js'

export interface ConformedBatch {
  readonly length: number
  /** The partition columns, in the layout's order, in the Arrow types of the logical schema. */
  readonly partitions: readonly arrow.Data[]
  /** The written data columns, in the order and types of `layout.fileSchema`. */
  readonly columns: readonly arrow.Data[]
}

/**
 * Index of each target name among `names`: exact match first, else the single match ignoring
 * case. Throws when the input has names the target does not (listing them).
 */
function matchNames(
  inputNames: readonly string[],
  targetNames: readonly string[],
  where: string,
): (number | undefined)[] {
  const used = new Set<number>()
  const exact = targetNames.map((name) => {
    const i = inputNames.indexOf(name)
    if (i >= 0) used.add(i)
    return i >= 0 ? i : undefined
  })
  const matched = exact.map((i, t) => {
    if (i !== undefined) return i
    const lower = targetNames[t]!.toLowerCase()
    const candidates = inputNames
      .map((n, j) => (n.toLowerCase() === lower && !used.has(j) ? j : -1))
      .filter((j) => j >= 0)
    if (candidates.length !== 1) return undefined
    used.add(candidates[0]!)
    return candidates[0]
  })
  const extra = inputNames.filter((_, j) => !used.has(j))
  if (extra.length > 0) {
    throw new InvalidArgumentError(
      `The data has column(s) ${extra.map((n) => JSON.stringify(n)).join(', ')} that ${where} ` +
        `does not have (columns: ${targetNames.map((n) => JSON.stringify(n)).join(', ')}); ` +
        'schema evolution is not supported by this write',
    )
  }
  return matched
}

/** A void column takes no values: only NULLs (or an Arrow Null column) may be written to it. */
function checkAllNull(data: arrow.Data, path: string): void {
  if (data.nullCount !== data.length) {
    throw new InvalidArgumentError(`Column ${path} is of type void, so it can only hold NULLs`)
  }
}

function checkNulls(
  data: arrow.Data,
  nullable: boolean,
  parent: Validity,
  path: string,
  length: number,
): void {
  if (nullable || data.nullCount === 0) return
  const row = firstNullWhereValid(data, parent, length)
  if (row >= 0) {
    throw new InvalidArgumentError(`Column ${path} is not nullable, but row ${row} holds NULL`)
  }
}

/** The Arrow types of a nested type's children (struct fields, list element, map entries). */
function childTypes(type: arrow.DataType): arrow.DataType[] {
  return type.children.map(typeOf)
}

/** Struct, list or map data of `type` with the validity (and offsets) given. */
function nested(
  type: arrow.DataType,
  length: number,
  nullCount: number,
  valid: Validity,
  props: {
    readonly children?: arrow.Data[]
    readonly child?: arrow.Data
    readonly valueOffsets?: Int32Array
  },
): arrow.Data {
  return arrow.makeData({
    type,
    length,
    nullCount,
    nullBitmap: valid ?? new Uint8Array(0),
    ...props,
  } as DataProps<arrow.DataType>)
}

/**
 * Conforms one column to the logical type `target`, producing data of `file`, the Arrow type it
 * has in data files (physical names, void fields dropped, same shape otherwise). `path` is the
 * logical column path, for messages.
 */
function conform(
  data: arrow.Data,
  target: DataType,
  file: arrow.DataType,
  path: string,
): arrow.Data {
  if (data.type instanceof arrow.Dictionary) data = decodeDictionary(data)
  const input = data.type
  // An untyped all-NULL column (Arrow's Null type) fits any type; nullability is checked by the caller.
  if (input instanceof arrow.Null) return nullData(file, data.length)
  const n = data.length
  switch (target.type) {
    case 'struct': {
      if (!(input instanceof arrow.Struct)) {
        return mismatch(path, input, target)
      }
      const order = matchNames(
        input.children.map((f) => f.name),
        target.fields.map((f) => f.name),
        `struct ${path}`,
      )
      const valid = validityOf(data)
      const files = childTypes(file)
      const children: arrow.Data[] = []
      target.fields.forEach((field, j) => {
        const childPath = `${path}.${field.name}`
        const i = order[j]
        const child = i === undefined ? undefined : data.children[i]!
        if (field.type.type === 'void') {
          if (child !== undefined) checkAllNull(child, childPath)
          return
        }
        const childFile = files[children.length]!
        if (child === undefined) {
          if (!field.nullable && data.nullCount < n) {
            throw new InvalidArgumentError(`Column ${childPath} is not nullable but is missing`)
          }
          children.push(nullData(childFile, n))
          return
        }
        const out = conform(child, field.type, childFile, childPath)
        checkNulls(out, field.nullable, valid, childPath, n)
        children.push(out)
      })
      return nested(file, n, data.nullCount, valid, { children })
    }
    case 'array': {
      if (!(input instanceof arrow.List)) {
        return mismatch(path, input, target)
      }
      const offsets = data.valueOffsets as Int32Array
      const valid = validityOf(data)
      const element = conform(
        data.children[0]!,
        target.elementType,
        childTypes(file)[0]!,
        `${path}.element`,
      )
      if (!target.containsNull && element.nullCount > 0) {
        const inSlots = elementsInSlots(offsets, valid, n, element.length)
        checkNulls(element, false, inSlots, `${path}.element`, element.length)
      }
      return nested(file, n, data.nullCount, valid, { valueOffsets: offsets, child: element })
    }
    case 'map': {
      if (!(input instanceof arrow.Map_)) {
        return mismatch(path, input, target)
      }
      const offsets = data.valueOffsets as Int32Array
      const valid = validityOf(data)
      const entries = data.children[0]!
      const entriesFile = childTypes(file)[0]!
      const [keyFile, valueFile] = childTypes(entriesFile)
      const key = conform(entries.children[0]!, target.keyType, keyFile!, `${path}.key`)
      const value = conform(entries.children[1]!, target.valueType, valueFile!, `${path}.value`)
      if (key.nullCount > 0 || value.nullCount > 0) {
        const inSlots = elementsInSlots(offsets, valid, n, key.length)
        checkNulls(key, false, inSlots, `${path}.key`, key.length)
        checkNulls(value, target.valueContainsNull, inSlots, `${path}.value`, value.length)
      }
      const child = nested(entriesFile, entries.length, 0, undefined, { children: [key, value] })
      return nested(file, n, data.nullCount, valid, { valueOffsets: offsets, child })
    }
    default: {
      const out = conformLeaf(data, target, path)
      // The converter labels leaves with the logical Arrow type, which is also the file type.
      return out.clone(file)
    }
  }
}

/**
 * The elements that belong to valid list (or map) slots, as a validity over the child: a NULL
 * list may still point at elements, which are then not part of the data.
 */
function elementsInSlots(
  offsets: Int32Array,
  valid: Validity,
  length: number,
  children: number,
): Validity {
  const bits = new Uint8Array((children + 7) >> 3)
  for (let i = 0; i < length; i++) {
    if (valid !== undefined && !bitSet(valid, i)) continue
    for (let e = offsets[i]!; e < offsets[i + 1]!; e++) bits[e >> 3]! |= 1 << (e & 7)
  }
  return bits
}

/** Conforms a partition column: same checks, logical Arrow type. */
function conformPartition(data: arrow.Data, field: StructField): arrow.Data {
  const type = arrowType(field.type)
  const out = conform(data, field.type, type, field.name)
  checkNulls(out, field.nullable, undefined, field.name, out.length)
  return out
}

/**
 * Matches, checks and converts one input batch to the table's layout (see the file comment).
 * Throws `InvalidArgumentError` naming the column for every mismatch.
 */
export function conformBatch(batch: arrow.RecordBatch, layout: WriteLayout): ConformedBatch {
  const root = batch.data as arrow.Data
  const length = batch.numRows
  // Compact sliced results once, so nothing downstream has to care about offsets.
  let iota: Int32Array | undefined
  const compact = (data: arrow.Data): arrow.Data => {
    if (!hasOffsets(data)) return data
    iota ??= Int32Array.from({ length }, (_, i) => i)
    return takeRows(data, iota)
  }
  const names = batch.schema.fields.map((f) => f.name)
  const partitionFields = layout.partitions.map((p) => p.field)
  const targetFields = [...partitionFields, ...layout.data.map((c) => c.field)]
  const order = matchNames(
    names,
    targetFields.map((f) => f.name),
    'the table',
  )
  const columnOf = (t: number): arrow.Data | undefined => {
    const i = order[t]
    return i === undefined ? undefined : root.children[i]!
  }
  const missing = (field: StructField, type: arrow.DataType): arrow.Data => {
    if (!field.nullable && length > 0) {
      throw new InvalidArgumentError(
        `Column ${field.name} is not nullable but is missing from the data`,
      )
    }
    return nullData(type, length)
  }

  const partitions = partitionFields.map((field, t) => {
    const data = columnOf(t)
    return data === undefined
      ? missing(field, arrowType(field.type))
      : compact(conformPartition(data, field))
  })
  const columns: arrow.Data[] = []
  let k = 0
  layout.data.forEach((column, j) => {
    const data = columnOf(partitionFields.length + j)
    const path = column.field.name
    if (!column.written) {
      if (data !== undefined) checkAllNull(data, path)
      return
    }
    const file = layout.fileSchema.fields[k++]!.type as arrow.DataType
    if (data === undefined) {
      columns.push(missing(column.field, file))
      return
    }
    const out = conform(data, column.field.type, file, path)
    checkNulls(out, column.field.nullable, undefined, path, length)
    columns.push(compact(out))
  })
  return { length, partitions, columns }
}
