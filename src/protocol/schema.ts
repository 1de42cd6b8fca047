/**
 * The Delta type system and its JSON form (PROTOCOL.md "Schema Serialization Format"), which is
 * Spark SQL's `DataType.json`.
 *
 * Types are a discriminated union on `type`, matching the wire: a primitive is `{ type: 'long' }`
 * (on the wire just `"long"`), complex types carry their fields. Field metadata is arbitrary JSON
 * and is parsed exactly (64-bit integers stay `bigint`), so `serializeSchema(parseSchema(s))`
 * gives back a Spark-written `s` byte for byte.
 */

import { CorruptLogError, InvalidArgumentError } from '../errors.js'
import type { Where } from './action-validation.js'
import { type JsonValue, parseJsonExact, stringifyJson } from './json-tree.js'

export const PRIMITIVE_TYPE_NAMES = [
  'string',
  'long',
  'integer',
  'short',
  'byte',
  'float',
  'double',
  'boolean',
  'binary',
  'date',
  'timestamp',
  'timestamp_ntz',
  'void',
  'variant',
] as const

export type PrimitiveTypeName = (typeof PRIMITIVE_TYPE_NAMES)[number]

export interface PrimitiveType {
  readonly type: PrimitiveTypeName
}

/** `decimal(precision, scale)`: precision 1..38, scale 0..precision. */
export interface DecimalType {
  readonly type: 'decimal'
  readonly precision: number
  readonly scale: number
}

export interface ArrayType {
  readonly type: 'array'
  readonly elementType: DataType
  readonly containsNull: boolean
}

export interface MapType {
  readonly type: 'map'
  readonly keyType: DataType
  readonly valueType: DataType
  readonly valueContainsNull: boolean
}

export interface StructField {
  readonly name: string
  readonly type: DataType
  readonly nullable: boolean
  /** Column metadata: `delta.columnMapping.*`, `delta.invariants`, `delta.typeChanges`, ... */
  readonly metadata: Readonly<Record<string, JsonValue>>
}

export interface StructType {
  readonly type: 'struct'
  readonly fields: readonly StructField[]
}

/** Types that can hold a partition value or a min/max statistic. */
export type AtomicType = PrimitiveType | DecimalType

export type DataType = AtomicType | ArrayType | MapType | StructType

/** Spark's largest decimal precision, which Delta adopts. */
export const MAX_DECIMAL_PRECISION = 38

// Primitive names as they appear on the wire, with the aliases older writers used.
const PRIMITIVE_BY_WIRE_NAME: ReadonlyMap<string, PrimitiveTypeName> = new Map<
  string,
  PrimitiveTypeName
>([
  ...PRIMITIVE_TYPE_NAMES.map((n) => [n, n] as const),
  ['int', 'integer'], // appears in the spec's own IcebergCompatV2 example
  ['null', 'void'], // Spark 2.x called NullType "null"
])

// Spark writes `decimal(10,2)`; the spec's own examples have a space after the comma. A negative
// scale is matched so that it is reported as out of range rather than as an unknown type.
const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/

/** A memoised primitive instance per name: primitives carry no state, so share them. */
const PRIMITIVES = new Map<PrimitiveTypeName, PrimitiveType>(
  PRIMITIVE_TYPE_NAMES.map((name) => [name, Object.freeze({ type: name })]),
)

export function primitive(name: PrimitiveTypeName): PrimitiveType {
  return PRIMITIVES.get(name)!
}

export function decimal(precision: number, scale: number): DecimalType {
  if (!Number.isInteger(precision) || precision < 1 || precision > MAX_DECIMAL_PRECISION) {
    throw new InvalidArgumentError(`Decimal precision must be 1..38, got ${precision}`)
  }
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw new InvalidArgumentError(`Decimal scale must be 0..${precision}, got ${scale}`)
  }
  return { type: 'decimal', precision, scale }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses a `schemaString`. Bad input throws `CorruptLogError` when `where` says which log file it
 * came from, and `InvalidArgumentError` otherwise (a caller-supplied schema).
 */
export function parseSchema(json: string, where?: Where): StructType {
  const fail = (reason: string): never => {
    if (where !== undefined) throw new CorruptLogError(`invalid schemaString: ${reason}`, where)
    throw new InvalidArgumentError(`Invalid Delta schema: ${reason}`)
  }
  let value: JsonValue
  try {
    value = parseJsonExact(json)
  } catch (error) {
    return fail(`not JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  const type = parseDataTypeValue(value, 'schema', fail)
  if (type.type !== 'struct') return fail('the top-level type must be a struct')
  return type
}

/** Parses a data type already decoded from JSON (e.g. `checkpointSchema` in `_last_checkpoint`). */
export function parseDataType(value: unknown, where?: Where): DataType {
  return parseDataTypeValue(value, 'type', (reason) => {
    if (where !== undefined) throw new CorruptLogError(`invalid data type: ${reason}`, where)
    throw new InvalidArgumentError(`Invalid Delta data type: ${reason}`)
  })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseDataTypeValue(value: unknown, at: string, fail: (reason: string) => never): DataType {
  if (typeof value === 'string') {
    const name = PRIMITIVE_BY_WIRE_NAME.get(value)
    if (name !== undefined) return primitive(name)
    if (value === 'decimal') return { type: 'decimal', precision: 10, scale: 0 } // Spark's default
    const m = DECIMAL.exec(value)
    if (m !== null) {
      const precision = Number(m[1])
      const scale = Number(m[2])
      if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale < 0 || scale > precision) {
        fail(`${at}: ${value} is out of range (precision 1..38, scale 0..precision)`)
      }
      return { type: 'decimal', precision, scale }
    }
    return fail(`${at}: unknown type "${value}"`)
  }
  if (!isRecord(value)) return fail(`${at}: a type must be a string or an object`)
  switch (value['type']) {
    case 'struct': {
      const fields = value['fields']
      if (!Array.isArray(fields)) return fail(`${at}: struct.fields must be an array`)
      return {
        type: 'struct',
        fields: fields.map((f, i) => parseField(f, `${at}.fields[${i}]`, fail)),
      }
    }
    case 'array': {
      const containsNull = value['containsNull']
      if (containsNull !== undefined && typeof containsNull !== 'boolean') {
        return fail(`${at}: array.containsNull must be a boolean`)
      }
      return {
        type: 'array',
        elementType: parseDataTypeValue(value['elementType'], `${at}.elementType`, fail),
        // Missing in a few hand-written schemas (the spec's own examples); Spark's default.
        containsNull: containsNull ?? true,
      }
    }
    case 'map': {
      const valueContainsNull = value['valueContainsNull']
      if (valueContainsNull !== undefined && typeof valueContainsNull !== 'boolean') {
        return fail(`${at}: map.valueContainsNull must be a boolean`)
      }
      return {
        type: 'map',
        keyType: parseDataTypeValue(value['keyType'], `${at}.keyType`, fail),
        valueType: parseDataTypeValue(value['valueType'], `${at}.valueType`, fail),
        valueContainsNull: valueContainsNull ?? true,
      }
    }
    default:
      // `{"type": "variant"}` and other primitives may also appear in object form.
      if (typeof value['type'] === 'string' && Object.keys(value).length === 1) {
        return parseDataTypeValue(value['type'], at, fail)
      }
      return fail(`${at}: unknown complex type ${JSON.stringify(value['type'])}`)
  }
}

function parseField(value: unknown, at: string, fail: (reason: string) => never): StructField {
  if (!isRecord(value)) return fail(`${at}: a field must be an object`)
  const name = value['name']
  if (typeof name !== 'string') return fail(`${at}.name must be a string`)
  const nullable = value['nullable']
  if (nullable !== undefined && typeof nullable !== 'boolean') {
    return fail(`${at}.nullable must be a boolean`)
  }
  const metadata = value['metadata']
  if (metadata !== undefined && metadata !== null && !isRecord(metadata)) {
    return fail(`${at}.metadata must be an object`)
  }
  return {
    name,
    type: parseDataTypeValue(value['type'], `${at} ("${name}")`, fail),
    // Hand-written schemas omit these; Spark's defaults are nullable and no metadata.
    nullable: nullable ?? true,
    metadata: (metadata ?? {}) as Readonly<Record<string, JsonValue>>,
  }
}

// ---------------------------------------------------------------------------------------------
// Serialization

/** The wire form of a type as a JSON value (`"long"`, `{"type":"array",...}`). */
export function dataTypeToJson(type: DataType): JsonValue {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`
    case 'struct':
      return {
        type: 'struct',
        fields: type.fields.map((f) => ({
          name: f.name,
          type: dataTypeToJson(f.type),
          nullable: f.nullable,
          metadata: f.metadata,
        })),
      }
    case 'array':
      return {
        type: 'array',
        elementType: dataTypeToJson(type.elementType),
        containsNull: type.containsNull,
      }
    case 'map':
      return {
        type: 'map',
        keyType: dataTypeToJson(type.keyType),
        valueType: dataTypeToJson(type.valueType),
        valueContainsNull: type.valueContainsNull,
      }
    default:
      return type.type
  }
}

/** Serializes a schema as Spark does: compact JSON, keys in Spark's order. */
export function serializeSchema(schema: StructType): string {
  return stringifyJson(dataTypeToJson(schema))
}

// ---------------------------------------------------------------------------------------------
// Helpers

export interface FieldLookupOptions {
  /** Match names ignoring case (Spark's default resolution). Default false. */
  readonly caseInsensitive?: boolean
}

/**
 * Finds a field by its path of names through nested structs (`['a', 'b']` for `a.b`). Does not
 * descend into arrays or maps, whose elements have no field names.
 */
export function findField(
  schema: StructType,
  path: readonly string[],
  options: FieldLookupOptions = {},
): StructField | undefined {
  let current: StructType = schema
  let field: StructField | undefined
  for (let i = 0; i < path.length; i++) {
    const name = path[i]!
    field = options.caseInsensitive
      ? current.fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
      : current.fields.find((f) => f.name === name)
    if (field === undefined) return undefined
    if (i < path.length - 1) {
      if (field.type.type !== 'struct') return undefined
      current = field.type
    }
  }
  return field
}

/**
 * Names that clash ignoring case, as dotted paths (`a.B` for fields `a.b` and `a.B`), sorted.
 * Delta requires names to be unique regardless of case at every level, including the structs
 * inside arrays and maps.
 */
export function duplicateFieldNames(schema: StructType): string[] {
  const found: string[] = []
  const visitStruct = (struct: StructType, prefix: string): void => {
    const seen = new Set<string>()
    for (const field of struct.fields) {
      const key = field.name.toLowerCase()
      if (seen.has(key)) found.push(prefix + field.name)
      seen.add(key)
      visitType(field.type, `${prefix}${field.name}.`)
    }
  }
  const visitType = (type: DataType, prefix: string): void => {
    if (type.type === 'struct') visitStruct(type, prefix)
    else if (type.type === 'array') visitType(type.elementType, `${prefix}element.`)
    else if (type.type === 'map') {
      visitType(type.keyType, `${prefix}key.`)
      visitType(type.valueType, `${prefix}value.`)
    }
  }
  visitStruct(schema, '')
  return found.sort()
}

/** Throws `InvalidArgumentError` when column names clash ignoring case. */
export function checkNoDuplicateFieldNames(schema: StructType): void {
  const duplicates = duplicateFieldNames(schema)
  if (duplicates.length > 0) {
    throw new InvalidArgumentError(
      `Column names must be unique ignoring case; duplicated: ${duplicates.join(', ')}`,
    )
  }
}

export interface LeafColumn {
  /** Names from the top-level field down to this one. */
  readonly path: readonly string[]
  readonly field: StructField
}

/**
 * Every non-struct field reached through nested structs, in schema order. Arrays and maps are
 * leaves here: they are what per-file statistics and partitioning see (stats never descend into
 * them).
 */
export function leafColumns(schema: StructType): LeafColumn[] {
  const out: LeafColumn[] = []
  const visit = (struct: StructType, prefix: readonly string[]): void => {
    for (const field of struct.fields) {
      const path = [...prefix, field.name]
      if (field.type.type === 'struct') visit(field.type, path)
      else out.push({ path, field })
    }
  }
  visit(schema, [])
  return out
}

/** True when `predicate` holds for some field anywhere in the schema (nested types included). */
export function someField(schema: StructType, predicate: (field: StructField) => boolean): boolean {
  const visitType = (type: DataType): boolean => {
    if (type.type === 'struct') return type.fields.some((f) => predicate(f) || visitType(f.type))
    if (type.type === 'array') return visitType(type.elementType)
    if (type.type === 'map') return visitType(type.keyType) || visitType(type.valueType)
    return false
  }
  return visitType(schema)
}

/** True when a type of the given name occurs anywhere in the schema. */
export function containsType(schema: StructType, name: DataType['type']): boolean {
  const visit = (type: DataType): boolean => {
    if (type.type === name) return true
    if (type.type === 'struct') return type.fields.some((f) => visit(f.type))
    if (type.type === 'array') return visit(type.elementType)
    if (type.type === 'map') return visit(type.keyType) || visit(type.valueType)
    return false
  }
  return visit(schema)
}
