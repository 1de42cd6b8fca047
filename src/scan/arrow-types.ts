/**
 * Delta data types as Arrow types: the schema of the record batches the scan reader returns.
 *
 * The mapping is the one engines expect from a Delta reader (kernel-rs and delta-rs agree):
 *
 * | Delta                  | Arrow                                        |
 * | ---------------------- | -------------------------------------------- |
 * | byte/short/int/long    | Int8 / Int16 / Int32 / Int64                 |
 * | float / double         | Float32 / Float64                            |
 * | boolean, string, binary| Bool, Utf8, Binary                           |
 * | date                   | Date32 (days)                                |
 * | timestamp              | Timestamp(MICROSECOND, 'UTC')                |
 * | timestamp_ntz          | Timestamp(MICROSECOND) with no zone          |
 * | decimal(p, s)          | Decimal128(p, s): unscaled two's complement  |
 * | struct / array / map   | Struct / List('element') / Map('entries')    |
 * | variant                | Struct{value: Binary, metadata: Binary}      |
 * | void                   | Null                                         |
 *
 * Microseconds are Delta's own unit for both timestamp types, so values never need rounding
 * on the way out; the zone only records whether the value is an instant (UTC) or wall-clock.
 * Child names follow Parquet's conventions (`element`, `entries`/`key`/`value`), which is what
 * arrow-rs and Spark produce, so batches round-trip through Parquet writers unchanged.
 */
import * as arrow from 'apache-arrow'
import type { DataType, MapType, StructField, StructType } from '../protocol/schema.js'

/** A field's type. (apache-arrow types `Field.type` loosely; this names the one cast.) */
export function typeOf(field: arrow.Field): arrow.DataType {
  return field.type as arrow.DataType
}

/** Microseconds with the zone that says whether values are instants (`'UTC'`) or wall-clock. */
export function timestampType(zoned: boolean): arrow.Timestamp {
  return zoned
    ? new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC')
    : new arrow.Timestamp(arrow.TimeUnit.MICROSECOND)
}

/** The unshredded variant layout of PROTOCOL.md "Variant Data Type": two required binaries. */
export function variantType(): arrow.Struct {
  return new arrow.Struct([
    new arrow.Field('value', new arrow.Binary(), false),
    new arrow.Field('metadata', new arrow.Binary(), false),
  ])
}

/** The Arrow type of a Delta type. */
export function arrowType(type: DataType): arrow.DataType {
  switch (type.type) {
    case 'byte':
      return new arrow.Int8()
    case 'short':
      return new arrow.Int16()
    case 'integer':
      return new arrow.Int32()
    case 'long':
      return new arrow.Int64()
    case 'float':
      return new arrow.Float32()
    case 'double':
      return new arrow.Float64()
    case 'boolean':
      return new arrow.Bool()
    case 'string':
      return new arrow.Utf8()
    case 'binary':
      return new arrow.Binary()
    case 'date':
      return new arrow.DateDay()
    case 'timestamp':
      return timestampType(true)
    case 'timestamp_ntz':
      return timestampType(false)
    case 'decimal':
      // Note the argument order of apache-arrow: scale first.
      return new arrow.Decimal(type.scale, type.precision, 128)
    case 'void':
      return new arrow.Null()
    case 'variant':
      return variantType()
    case 'struct':
      return structType(type.fields)
    case 'array':
      return new arrow.List(
        new arrow.Field('element', arrowType(type.elementType), type.containsNull),
      )
    case 'map':
      return mapType(type)
  }
}

/** The Arrow struct of a list of Delta fields. */
export function structType(fields: readonly StructField[]): arrow.Struct {
  return new arrow.Struct(fields.map(arrowField))
}

type Entries = arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>

/** The Arrow map of a Delta map: non-null `entries` of a non-null `key` and a `value`. */
export function mapType(type: MapType): arrow.Map_ {
  // Map keys are never null (Spark and Parquet both require it).
  const entries: Entries = new arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>([
    new arrow.Field('key', arrowType(type.keyType), false),
    new arrow.Field('value', arrowType(type.valueType), type.valueContainsNull),
  ])
  return new arrow.Map_(new arrow.Field('entries', entries, false), false)
}

/** A Delta field as an Arrow field: same name, Arrow type, the field's nullability. */
export function arrowField(field: StructField): arrow.Field {
  // A void column holds nothing but nulls, whatever the schema says.
  const nullable = field.nullable || field.type.type === 'void'
  return new arrow.Field(field.name, arrowType(field.type), nullable)
}

/** The Arrow schema of a list of Delta fields (a table schema or a projection of it). */
export function arrowSchema(fields: StructType | readonly StructField[]): arrow.Schema {
  const list = 'fields' in fields ? fields.fields : fields
  return new arrow.Schema(list.map(arrowField))
}
