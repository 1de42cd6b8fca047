/**
 * Column access for the checkpoint decoders (`checkpoint-decode.ts`, `checkpoint-adds.ts`): a
 * field's column read once into a plain array, with the null handling of its kind. Null
 * handling follows the protocol parser for JSON commits: optional fields that are null are left
 * out; required fields that are null are an error (`Corrupt`, turned into a CorruptLogError by
 * the reader).
 */
import type * as arrow from 'apache-arrow'
import type { DeletionVectorDescriptor } from '../protocol/actions.js'
import {
  boolColumn,
  childOf,
  numberColumn,
  stringColumn,
  stringListColumn,
  stringMapColumn,
  validColumn,
} from './arrow-read.js'

/** Thrown by the decoders; the reader turns it into a CorruptLogError naming the file. */
export class Corrupt extends Error {
  override readonly name = 'Corrupt'
}

export type Column<T> = readonly (T | null)[] | undefined

export function strings(parent: arrow.Data, name: string, prefix: string): Column<string> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : stringColumn(c, `${prefix}.${name}`)
}
export function numbers(parent: arrow.Data, name: string, prefix: string): Column<number> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : numberColumn(c, `${prefix}.${name}`)
}
export function bools(parent: arrow.Data, name: string, prefix: string): Column<boolean> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : boolColumn(c, `${prefix}.${name}`)
}
export function maps(
  parent: arrow.Data,
  name: string,
  prefix: string,
): Column<Record<string, string | null>> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : stringMapColumn(c, `${prefix}.${name}`)
}
export function lists(parent: arrow.Data, name: string, prefix: string): Column<string[]> {
  const c = childOf(parent, name)
  return c === undefined ? undefined : stringListColumn(c, `${prefix}.${name}`)
}

export function required<T>(column: Column<T>, i: number, what: string, row: number): T {
  const v = column?.[i]
  if (v === null || v === undefined) throw new Corrupt(`${what} is missing in row ${row}`)
  return v
}

/** `Record<string, string>` from a map whose values may be null (null values are dropped). */
export function nonNullValues(map: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key in map) {
    const v = map[key]
    if (v !== null && v !== undefined) {
      if (key === '__proto__')
        Object.defineProperty(out, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      else out[key] = v
    }
  }
  return out
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Deletion vector descriptors of a `deletionVector` struct column. */
export function deletionVectors(
  parent: arrow.Data,
  prefix: string,
  rowBase: number,
): (i: number) => DeletionVectorDescriptor | undefined {
  const dv = childOf(parent, 'deletionVector')
  if (dv === undefined || dv.nullCount === dv.length) return () => undefined
  const p = `${prefix}.deletionVector`
  const valid = validColumn(dv)
  const storageType = strings(dv, 'storageType', p)
  const pathOrInlineDv = strings(dv, 'pathOrInlineDv', p)
  const offset = numbers(dv, 'offset', p)
  const sizeInBytes = numbers(dv, 'sizeInBytes', p)
  const cardinality = numbers(dv, 'cardinality', p)
  const maxRowIndex = numbers(dv, 'maxRowIndex', p)
  return (i) => {
    if (!valid[i]) return undefined
    const row = rowBase + i
    const type = required(storageType, i, `${p}.storageType`, row)
    if (type !== 'u' && type !== 'i' && type !== 'p')
      throw new Corrupt(`${p}.storageType is "${type}" in row ${row}`)
    const out: Mutable<DeletionVectorDescriptor> = {
      storageType: type,
      pathOrInlineDv: required(pathOrInlineDv, i, `${p}.pathOrInlineDv`, row),
      sizeInBytes: required(sizeInBytes, i, `${p}.sizeInBytes`, row),
      cardinality: required(cardinality, i, `${p}.cardinality`, row),
    }
    const o = offset?.[i]
    if (o !== null && o !== undefined) out.offset = o
    const m = maxRowIndex?.[i]
    if (m !== null && m !== undefined) out.maxRowIndex = m
    return out
  }
}
