/**
 * Arrow schemas as Delta schemas (for creating a table from the data an engine hands us), and
 * Delta schemas as the Arrow schema of the Parquet data files we write.
 *
 * Arrow to Delta:
 *
 * | Arrow                                   | Delta                                  |
 * | --------------------------------------- | -------------------------------------- |
 * | Int8 / Int16 / Int32 / Int64            | byte / short / integer / long          |
 * | Float32 / Float64                       | float / double                         |
 * | Bool, Utf8 or LargeUtf8, Binary or LargeBinary | boolean, string, binary         |
 * | DateDay                                 | date                                   |
 * | Timestamp (any unit) with a time zone   | timestamp (an instant)                 |
 * | Timestamp (any unit) without a zone     | timestamp_ntz (a wall-clock value)     |
 * | Decimal128(p, s)                        | decimal(p, s), p <= 38                 |
 * | Struct / List / Map                     | struct / array / map                   |
 * | Dictionary<_, T>                        | the Delta type of T                    |
 *
 * Everything else (unsigned integers, Float16, DateMillisecond, Null, Time, Interval,
 * FixedSizeList, unions, ...) is refused with an `InvalidArgumentError` naming the field: Delta
 * has no such type, and guessing a conversion would silently change values. Nullability comes
 * from the Arrow fields (`containsNull` from the list element, `valueContainsNull` from the map
 * value); Arrow field metadata is not carried over.
 *
 * The file schema follows what Spark writes (lesson 24 of the research notes): every field is
 * optional in Parquet, whatever the table says, because Spark writes `schema.asNullable`;
 * non-null constraints are enforced on the values before writing instead. Only map keys stay
 * required, as Parquet demands. Names are physical names and field ids are attached under column
 * mapping (`PARQUET:field_id`, which the Parquet writer turns into `field_id`).
 */
import * as arrow from 'apache-arrow'
import { InvalidArgumentError } from '../errors.js'
import { PARQUET_FIELD_ID_KEY } from '../protocol/column-mapping.js'
import type { JsonValue } from '../protocol/json-tree.js'
import {
  type DataType,
  type StructField,
  type StructType,
  decimal,
  primitive,
} from '../protocol/schema.js'
import { arrowType } from '../scan/arrow-types.js'

/** Arrow field metadata key holding a Parquet field id (read and written by parquet-wasm). */
export const ARROW_FIELD_ID_KEY = 'PARQUET:field_id'

/** The readable form of an Arrow type (`Timestamp<MICROSECOND, UTC>`), for messages. */
export function arrowTypeText(type: arrow.DataType): string {
  // apache-arrow implements toString on every type; its typings do not declare it.
  return (type as { toString(): string }).toString()
}

function unsupported(path: string, type: arrow.DataType, hint: string): never {
  throw new InvalidArgumentError(
    `Column ${path} has Arrow type ${arrowTypeText(type)}, which Delta cannot store: ${hint}`,
  )
}

/**
 * The Delta type of an Arrow type. `path` names the column in errors. Types are recognised by
 * class and properties, not by subclass: Arrow's IPC reader builds base classes (`Int` with a
 * `bitWidth`, not `Int64`).
 */
export function deltaTypeFromArrow(type: arrow.DataType, path: string): DataType {
  if (type instanceof arrow.Dictionary)
    return deltaTypeFromArrow(type.dictionary as arrow.DataType, path)
  if (type instanceof arrow.Int) {
    if (!type.isSigned) {
      unsupported(path, type, 'Delta has no unsigned integers; cast to a wider signed type')
    }
    const name = ({ 8: 'byte', 16: 'short', 32: 'integer', 64: 'long' } as const)[
      type.bitWidth as 8 | 16 | 32 | 64
    ]
    return primitive(name)
  }
  if (type instanceof arrow.Float) {
    if (type.precision === arrow.Precision.SINGLE) return primitive('float')
    if (type.precision === arrow.Precision.DOUBLE) return primitive('double')
    return unsupported(path, type, 'Delta has no 16-bit float; cast to Float32')
  }
  if (type instanceof arrow.Bool) return primitive('boolean')
  if (type instanceof arrow.Utf8 || type instanceof arrow.LargeUtf8) return primitive('string')
  if (type instanceof arrow.Binary || type instanceof arrow.LargeBinary) return primitive('binary')
  if (type instanceof arrow.Date_) {
    if (type.unit === arrow.DateUnit.DAY) return primitive('date')
    return unsupported(path, type, 'use DateDay for dates, or a Timestamp for instants')
  }
  if (type instanceof arrow.Timestamp) {
    // A zone (any zone) makes the values instants; without one they are wall-clock readings.
    const zoned = type.timezone !== null && type.timezone !== undefined && type.timezone !== ''
    return primitive(zoned ? 'timestamp' : 'timestamp_ntz')
  }
  if (type instanceof arrow.Decimal) {
    if (type.bitWidth !== 128) unsupported(path, type, 'only Decimal128 is supported')
    try {
      return decimal(type.precision, type.scale)
    } catch {
      return unsupported(path, type, 'precision must be 1..38 and scale 0..precision')
    }
  }
  if (type instanceof arrow.Struct) {
    if (type.children.length === 0) unsupported(path, type, 'a struct needs at least one field')
    return { type: 'struct', fields: type.children.map((f) => deltaField(f, path)) }
  }
  if (type instanceof arrow.List) {
    const element = type.children[0]!
    return {
      type: 'array',
      elementType: deltaTypeFromArrow(element.type as arrow.DataType, `${path}.element`),
      containsNull: element.nullable,
    }
  }
  if (type instanceof arrow.Map_) {
    const [key, value] = (type.children[0]!.type as arrow.Struct).children
    return {
      type: 'map',
      keyType: deltaTypeFromArrow(key!.type as arrow.DataType, `${path}.key`),
      valueType: deltaTypeFromArrow(value!.type as arrow.DataType, `${path}.value`),
      valueContainsNull: value!.nullable,
    }
  }
  if (type instanceof arrow.Null) {
    return unsupported(path, type, 'a column of only nulls has no type; give it one explicitly')
  }
  return unsupported(path, type, 'no Delta type corresponds to it')
}

function deltaField(field: arrow.Field, parent: string | undefined): StructField {
  const path = parent === undefined ? field.name : `${parent}.${field.name}`
  return {
    name: field.name,
    type: deltaTypeFromArrow(field.type as arrow.DataType, path),
    nullable: field.nullable,
    metadata: {},
  }
}

/**
 * The Delta schema of an Arrow schema (see the table above). Throws `InvalidArgumentError`
 * naming the first field whose type Delta cannot store, or when the schema has no fields.
 */
export function deltaSchemaFromArrow(schema: arrow.Schema): StructType {
  if (schema.fields.length === 0) {
    throw new InvalidArgumentError('A Delta table needs at least one column')
  }
  return { type: 'struct', fields: schema.fields.map((f) => deltaField(f, undefined)) }
}

/**
 * The Arrow type a column of Delta type `type` has inside a data file. `type` is from a physical
 * schema (`physicalSchema`): struct fields carry physical names, and their `parquet.field.id`
 * metadata becomes `PARQUET:field_id`. Leaves use the scan layer's mapping (timestamps in
 * microseconds, UTC for `timestamp`, none for `timestamp_ntz`), so files read back as written.
 */
export function fileArrowType(type: DataType): arrow.DataType {
  switch (type.type) {
    case 'struct':
      return new arrow.Struct(type.fields.map(fileArrowField))
    case 'array':
      return new arrow.List(new arrow.Field('element', fileArrowType(type.elementType), true))
    case 'map': {
      const entries = new arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>([
        new arrow.Field('key', fileArrowType(type.keyType), false),
        new arrow.Field('value', fileArrowType(type.valueType), true),
      ])
      return new arrow.Map_(new arrow.Field('entries', entries, false), false)
    }
    default:
      return arrowType(type)
  }
}

/** The file field of a physical struct field: always nullable, with its Parquet field id. */
export function fileArrowField(field: StructField): arrow.Field {
  const id = fieldIdOf(field.metadata[PARQUET_FIELD_ID_KEY])
  const metadata = id === undefined ? undefined : new Map([[ARROW_FIELD_ID_KEY, String(id)]])
  return new arrow.Field(field.name, fileArrowType(field.type), true, metadata)
}

function fieldIdOf(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'bigint') return Number(value)
  return undefined
}
