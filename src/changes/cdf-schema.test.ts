import { describe, expect, it } from 'vitest'
import type { Metadata } from '../protocol/actions.js'
import type { DataType, StructField, StructType } from '../protocol/schema.js'
import { ChangeDataFeedError } from './cdf-errors.js'
import { changeFeedSchema, checkNoReservedColumns, readIncompatibility } from './cdf-schema.js'

const field = (
  name: string,
  type: DataType,
  nullable = true,
  metadata: StructField['metadata'] = {},
): StructField => ({ name, type, nullable, metadata })
const struct = (...fields: StructField[]): StructType => ({ type: 'struct', fields })
const long = { type: 'long' } as const
const int = { type: 'integer' } as const
const str = { type: 'string' } as const
const meta = (partitionColumns: string[] = []): Metadata => ({
  id: 't',
  format: { provider: 'parquet', options: {} },
  schemaString: '',
  partitionColumns,
  configuration: {},
})

function why(existing: StructType, read: StructType, mode: 'none' | 'name' = 'none') {
  return readIncompatibility(meta(), existing, meta(), read, mode)
}

describe('readIncompatibility (Spark isReadCompatible, forbidTightenNullability)', () => {
  const base = struct(field('id', long), field('name', str))

  it('accepts the same schema, added columns (nullable or not) and relaxed nullability', () => {
    expect(why(base, base)).toBeUndefined()
    expect(why(base, struct(...base.fields, field('extra', int)))).toBeUndefined()
    expect(why(base, struct(...base.fields, field('strict', int, false)))).toBeUndefined()
    expect(why(struct(field('id', long, false)), struct(field('id', long)))).toBeUndefined()
  })

  it('names a dropped, renamed, retyped or tightened column', () => {
    expect(why(base, struct(field('id', long)))).toBe('column name was dropped or renamed')
    expect(why(base, struct(field('ID', long), field('name', str)))).toBe(
      'column id was renamed to ID',
    )
    expect(why(base, struct(field('id', int), field('name', str)))).toBe(
      'column id changed type from long to integer',
    )
    expect(why(base, struct(field('id', long, false), field('name', str)))).toBe(
      'column id became NOT NULL',
    )
  })

  it('looks inside structs, arrays and maps', () => {
    const nested = (inner: StructField[]) => struct(field('s', struct(...inner)))
    expect(why(nested([field('a', int), field('b', int)]), nested([field('a', int)]))).toBe(
      'column s.b was dropped or renamed',
    )
    const arr = (containsNull: boolean): StructType =>
      struct(field('xs', { type: 'array', elementType: int, containsNull }))
    expect(why(arr(false), arr(true))).toBeUndefined()
    expect(why(arr(true), arr(false))).toBe('the elements of xs became NOT NULL')
    const map = (valueType: DataType): StructType =>
      struct(field('m', { type: 'map', keyType: str, valueType, valueContainsNull: true }))
    expect(why(map(int), map(long))).toBe('column m.value changed type from integer to long')
    const dec = (precision: number): StructType =>
      struct(field('d', { type: 'decimal', precision, scale: 2 }))
    expect(why(dec(10), dec(12))).toBe('column d changed type from decimal(10,2) to decimal(12,2)')
  })

  it('under column mapping, a column that kept its name but not its physical name is another column', () => {
    const physical = (name: string) => ({ 'delta.columnMapping.physicalName': name })
    const before = struct(field('id', long, true, physical('col-1')))
    const after = struct(field('id', long, true, physical('col-2')))
    expect(why(before, after, 'name')).toBe(
      'column id was dropped and added again (its physical name changed)',
    )
    expect(why(before, before, 'name')).toBeUndefined()
  })

  it('rejects a change of partition columns', () => {
    expect(readIncompatibility(meta(['a']), base, meta(['b']), base, 'none')).toBe(
      'the partition columns changed from [a] to [b]',
    )
  })
})

describe('change feed schema', () => {
  it('appends _change_type, _commit_version and _commit_timestamp (UTC microseconds), not nullable', () => {
    const schema = changeFeedSchema(struct(field('id', long)))
    expect(schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['id', 'Int64', true],
      ['_change_type', 'Utf8', false],
      ['_commit_version', 'Int64', false],
      ['_commit_timestamp', 'Timestamp<MICROSECOND, UTC>', false],
    ])
  })

  it('refuses a table with a column named like a change column', () => {
    expect(() => checkNoReservedColumns(struct(field('id', long)))).not.toThrow()
    let error: unknown
    try {
      checkNoReservedColumns(struct(field('_Commit_Version', long)))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ChangeDataFeedError)
    expect(error).toMatchObject({ code: 'OPERATION_NOT_ALLOWED', problem: 'reserved-column' })
  })
})
