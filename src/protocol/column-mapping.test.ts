import { describe, expect, it } from 'vitest'
import type { Metadata, Protocol } from './actions.js'
import {
  assignColumnMapping,
  columnMappingMode,
  fieldId,
  PARQUET_FIELD_ID_KEY,
  physicalName,
  physicalNamesByLogical,
  physicalPath,
  physicalSchema,
} from './column-mapping.js'
import { parseSchema, type StructType } from './schema.js'

// The column-mapped schema of PROTOCOL.md "Column Mapping" (field e) plus a partition column.
const SCHEMA = parseSchema(
  JSON.stringify({
    type: 'struct',
    fields: [
      {
        name: 'e',
        type: {
          type: 'array',
          elementType: {
            type: 'struct',
            fields: [
              {
                name: 'd',
                type: 'integer',
                nullable: false,
                metadata: {
                  'delta.columnMapping.id': 5,
                  'delta.columnMapping.physicalName': 'col-a7f4159c-53be-4cb0-b81a-f7e5240cfc49',
                },
              },
            ],
          },
          containsNull: true,
        },
        nullable: true,
        metadata: {
          'delta.columnMapping.id': 4,
          'delta.columnMapping.physicalName': 'col-5f422f40-de70-45b2-88ab-1d5c90e94db1',
        },
      },
      {
        name: 'region',
        type: {
          type: 'struct',
          fields: [
            {
              name: 'code',
              type: 'string',
              nullable: true,
              metadata: {
                'delta.columnMapping.id': 7,
                'delta.columnMapping.physicalName': 'col-code',
              },
            },
          ],
        },
        nullable: true,
        metadata: { 'delta.columnMapping.id': 6, 'delta.columnMapping.physicalName': 'col-region' },
      },
      { name: 'legacy', type: 'long', nullable: true, metadata: {} },
    ],
  }),
)

const metadata = (mode?: string): Metadata => ({
  id: 'x',
  format: { provider: 'parquet', options: {} },
  schemaString: '',
  partitionColumns: [],
  configuration: mode === undefined ? {} : { 'delta.columnMapping.mode': mode },
})

describe('columnMappingMode', () => {
  it('honours the property only when the protocol supports column mapping', () => {
    const legacy: Protocol = { minReaderVersion: 2, minWriterVersion: 5 }
    const features: Protocol = {
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['columnMapping'],
      writerFeatures: ['columnMapping'],
    }
    const without: Protocol = { minReaderVersion: 1, minWriterVersion: 4 }
    expect(columnMappingMode(legacy, metadata('name'))).toBe('name')
    expect(columnMappingMode(features, metadata('id'))).toBe('id')
    expect(columnMappingMode(legacy, metadata())).toBe('none')
    expect(columnMappingMode(without, metadata('name'))).toBe('none')
  })

  it('rejects an invalid mode naming the property', () => {
    const call = (): unknown =>
      columnMappingMode({ minReaderVersion: 2, minWriterVersion: 5 }, metadata('both'))
    expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    // The error has no field for the property, so its message must carry the name.
    expect(call).toThrow('delta.columnMapping.mode')
  })
})

describe('physical names and ids', () => {
  const e = SCHEMA.fields[0]!
  const legacy = SCHEMA.fields[2]!

  it('maps logical fields to physical names, falling back to the display name', () => {
    expect(physicalName(e, 'name')).toBe('col-5f422f40-de70-45b2-88ab-1d5c90e94db1')
    expect(physicalName(e, 'none')).toBe('e')
    expect(physicalName(legacy, 'id')).toBe('legacy')
    expect(fieldId(e)).toBe(4)
    expect(fieldId(legacy)).toBeUndefined()
  })

  it('resolves nested paths and top-level names', () => {
    expect(physicalPath(SCHEMA, ['region', 'code'], 'name')).toEqual(['col-region', 'col-code'])
    expect(physicalPath(SCHEMA, ['region', 'code'], 'none')).toEqual(['region', 'code'])
    expect(physicalPath(SCHEMA, ['region', 'nope'], 'name')).toBeUndefined()
    expect(physicalNamesByLogical(SCHEMA, 'id').get('region')).toBe('col-region')
  })

  it('builds the physical schema, nested fields inside arrays included, with parquet field ids', () => {
    const physical = physicalSchema(SCHEMA, 'id')
    const e2 = physical.fields[0]!
    expect(e2.name).toBe('col-5f422f40-de70-45b2-88ab-1d5c90e94db1')
    expect(e2.metadata[PARQUET_FIELD_ID_KEY]).toBe(4)
    const element =
      e2.type.type === 'array' && e2.type.elementType.type === 'struct'
        ? e2.type.elementType
        : undefined
    expect(element?.fields[0]?.name).toBe('col-a7f4159c-53be-4cb0-b81a-f7e5240cfc49')
    expect(element?.fields[0]?.metadata[PARQUET_FIELD_ID_KEY]).toBe(5)
    expect(physical.fields[2]!.metadata).toEqual({})
    expect(physicalSchema(SCHEMA, 'none')).toBe(SCHEMA)
  })
})

describe('assignColumnMapping', () => {
  const counter = (): (() => string) => {
    let n = 0
    return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
  }

  it('assigns ids in schema order above maxColumnId and col-<uuid> names, nested fields too', () => {
    const schema: StructType = parseSchema(
      '{"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}},{"name":"m","type":{"type":"map","keyType":"string","valueType":{"type":"struct","fields":[{"name":"v","type":"long","nullable":true,"metadata":{}}]},"valueContainsNull":true},"nullable":true,"metadata":{}}]}',
    )
    const { schema: mapped, maxColumnId } = assignColumnMapping(schema, {
      maxColumnId: 0,
      uuid: counter(),
    })
    expect(maxColumnId).toBe(3)
    expect(mapped.fields.map((f) => fieldId(f))).toEqual([1, 2])
    expect(physicalName(mapped.fields[0]!, 'name')).toBe('col-00000000-0000-4000-8000-000000000001')
    const m = mapped.fields[1]!.type
    const v = m.type === 'map' && m.valueType.type === 'struct' ? m.valueType.fields[0]! : undefined
    expect(v && fieldId(v)).toBe(3)
  })

  it('keeps existing ids and names and never reuses an id', () => {
    const { schema, maxColumnId } = assignColumnMapping(SCHEMA, { maxColumnId: 5, uuid: counter() })
    expect(fieldId(schema.fields[0]!)).toBe(4)
    expect(physicalName(schema.fields[1]!, 'name')).toBe('col-region')
    // ids 4..7 exist; the unmapped column gets 8 even though maxColumnId said 5.
    expect(fieldId(schema.fields[2]!)).toBe(8)
    expect(maxColumnId).toBe(8)
  })

  it('leaves maxColumnId unchanged when every field is mapped', () => {
    const once = assignColumnMapping(SCHEMA, { maxColumnId: 0, uuid: counter() })
    expect(
      assignColumnMapping(once.schema, { maxColumnId: once.maxColumnId, uuid: counter() }),
    ).toEqual(once)
  })

  it('rejects a negative maxColumnId', () => {
    expect(() => assignColumnMapping(SCHEMA, { maxColumnId: -1, uuid: counter() })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})
