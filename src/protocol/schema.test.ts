import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkNoDuplicateFieldNames,
  containsType,
  type DataType,
  decimal,
  duplicateFieldNames,
  findField,
  leafColumns,
  parseSchema,
  primitive,
  PRIMITIVE_TYPE_NAMES,
  serializeSchema,
  type StructType,
} from './schema.js'

const CORPUS = process.env['DELTA_CORPUS'] ?? '../shared/corpus'

// The example of PROTOCOL.md "Schema Serialization Format", compacted as Spark writes it.
const SPEC_EXAMPLE =
  '{"type":"struct","fields":[{"name":"a","type":"integer","nullable":false,"metadata":{}},{"name":"b","type":{"type":"struct","fields":[{"name":"d","type":"integer","nullable":false,"metadata":{}}]},"nullable":true,"metadata":{}},{"name":"c","type":{"type":"array","elementType":"integer","containsNull":false},"nullable":true,"metadata":{}},{"name":"e","type":{"type":"array","elementType":{"type":"struct","fields":[{"name":"d","type":"integer","nullable":false,"metadata":{}}]},"containsNull":true},"nullable":true,"metadata":{}},{"name":"f","type":{"type":"map","keyType":"string","valueType":"string","valueContainsNull":true},"nullable":true,"metadata":{}}]}'

const field = (name: string, type: DataType, metadata = {}) => ({
  name,
  type,
  nullable: true,
  metadata,
})
const struct = (...fields: ReturnType<typeof field>[]): StructType => ({ type: 'struct', fields })

describe('parseSchema / serializeSchema', () => {
  it('parses the spec example and writes it back byte for byte', () => {
    const schema = parseSchema(SPEC_EXAMPLE)
    expect(schema.fields.map((f) => f.name)).toEqual(['a', 'b', 'c', 'e', 'f'])
    expect(schema.fields[4]!.type).toEqual({
      type: 'map',
      keyType: { type: 'string' },
      valueType: { type: 'string' },
      valueContainsNull: true,
    })
    expect(serializeSchema(schema)).toBe(SPEC_EXAMPLE)
  })

  it('parses every primitive, decimals with and without spaces, and variant', () => {
    for (const name of PRIMITIVE_TYPE_NAMES) {
      expect(
        parseSchema(
          JSON.stringify({
            type: 'struct',
            fields: [{ name: 'x', type: name, nullable: true, metadata: {} }],
          }),
        ).fields[0]!.type,
      ).toEqual({ type: name })
    }
    const types = ['decimal(38,18)', 'decimal(10, 4)', 'decimal']
    const parsed = types.map(
      (t) =>
        parseSchema(
          JSON.stringify({
            type: 'struct',
            fields: [{ name: 'x', type: t, nullable: true, metadata: {} }],
          }),
        ).fields[0]!.type,
    )
    expect(parsed).toEqual([decimal(38, 18), decimal(10, 4), decimal(10, 0)])
  })

  it('keeps arbitrary field metadata, 64-bit integers exact', () => {
    const text =
      '{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{"delta.identity.start":-9223372036854775808,"delta.identity.step":1,"delta.columnMapping.id":5,"nested":{"a":[1,2.5,null,true]},"comment":"é"}}]}'
    const schema = parseSchema(text)
    expect(schema.fields[0]!.metadata['delta.identity.start']).toBe(-9223372036854775808n)
    expect(serializeSchema(schema)).toBe(text)
  })

  it('accepts older aliases (int, null) and defaults for missing nullable, containsNull, valueContainsNull', () => {
    const schema = parseSchema(
      '{"type":"struct","fields":[{"name":"a","type":{"type":"array","elementType":"int"}},{"name":"b","type":"null"},{"name":"m","type":{"type":"map","keyType":"int","valueType":{"type":"variant"}}}]}',
    )
    expect(schema.fields[0]).toEqual({
      name: 'a',
      type: { type: 'array', elementType: { type: 'integer' }, containsNull: true },
      nullable: true,
      metadata: {},
    })
    expect(schema.fields[1]!.type).toEqual({ type: 'void' })
    expect(schema.fields[2]!.type).toEqual({
      type: 'map',
      keyType: { type: 'integer' },
      valueType: { type: 'variant' },
      valueContainsNull: true,
    })
  })

  it('throws InvalidArgumentError for bad caller input and CorruptLogError for bad log input', () => {
    const bad = [
      'not json',
      '"long"',
      '{"type":"struct"}',
      '{"type":"struct","fields":[{"name":"a","type":"interval"}]}',
      '{"type":"struct","fields":[{"name":"a","type":"decimal(39,0)"}]}',
      '{"type":"struct","fields":[{"name":"a","type":"decimal(5,6)"}]}',
      '{"type":"struct","fields":[{"type":"long"}]}',
      '{"type":"struct","fields":[{"name":"a","type":"long","nullable":"yes"}]}',
      '{"type":"struct","fields":[{"name":"a","type":{"type":"array","elementType":"long","containsNull":1}}]}',
      '{"type":"struct","fields":[{"name":"a","type":{"type":"udt"}}]}',
    ]
    for (const text of bad) {
      expect(() => parseSchema(text)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
      expect(() => parseSchema(text, { path: '0.json', line: 3 })).toThrow(
        expect.objectContaining({ code: 'CORRUPT_LOG', path: '0.json', line: 3 }),
      )
    }
  })

  it('round-trips random schemas', () => {
    const primitiveType = fc
      .constantFrom(...PRIMITIVE_TYPE_NAMES)
      .map((n) => primitive(n) as DataType)
    const decimalType = fc
      .integer({ min: 1, max: 38 })
      .chain((p) => fc.integer({ min: 0, max: p }).map((s) => decimal(p, s) as DataType))
    const { type } = fc.letrec<{ type: DataType; struct: StructType }>((tie) => ({
      type: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        primitiveType,
        decimalType,
        tie('struct'),
        fc.record({
          type: fc.constant('array' as const),
          elementType: tie('type'),
          containsNull: fc.boolean(),
        }),
        fc.record({
          type: fc.constant('map' as const),
          keyType: tie('type'),
          valueType: tie('type'),
          valueContainsNull: fc.boolean(),
        }),
      ),
      struct: fc.record({
        type: fc.constant('struct' as const),
        fields: fc.array(
          fc.record({
            name: fc.string(),
            type: tie('type'),
            nullable: fc.boolean(),
            metadata: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
          }),
          { maxLength: 4 },
        ),
      }),
    }))
    fc.assert(
      fc.property(type, (t) => {
        const schema: StructType = {
          type: 'struct',
          fields: [{ name: 'root', type: t, nullable: true, metadata: {} }],
        }
        const text = serializeSchema(schema)
        expect(parseSchema(text)).toEqual(schema)
        expect(serializeSchema(parseSchema(text))).toBe(text)
      }),
      { numRuns: 200 },
    )
  })

  it.skipIf(!existsSync(CORPUS))('writes back every schemaString of the corpus unchanged', () => {
    const schemas = new Set<string>()
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (/_delta_log[/\\]\d{20}\.json$/.test(path)) {
          for (const line of readFileSync(path, 'utf8').split('\n')) {
            if (!line.includes('"schemaString"')) continue
            try {
              const value = JSON.parse(line) as { metaData?: { schemaString?: unknown } }
              if (typeof value.metaData?.schemaString === 'string')
                schemas.add(value.metaData.schemaString)
            } catch {
              // pretty-printed or deliberately broken files are covered elsewhere
            }
          }
        }
      }
    }
    walk(CORPUS)
    expect(schemas.size).toBeGreaterThan(50)
    const refused: string[] = []
    for (const text of schemas) {
      let schema: StructType
      try {
        schema = parseSchema(text)
      } catch (error) {
        refused.push((error as Error).message)
        continue
      }
      expect(serializeSchema(schema)).toBe(text)
    }
    // Only the geospatial types (a reader-writer feature we refuse) are unknown to the parser.
    expect(refused.every((m) => /unknown type "(geometry|geography)\(/.test(m))).toBe(true)
  })
})

describe('schema helpers', () => {
  const schema = struct(
    field('id', primitive('long')),
    field(
      'Address',
      struct(field('city', primitive('string')), field('zip', primitive('integer'))),
    ),
    field('tags', {
      type: 'array',
      elementType: struct(field('k', primitive('string'))),
      containsNull: true,
    }),
    field('ts', primitive('timestamp_ntz')),
  )

  it('finds fields by path, optionally ignoring case, not through arrays', () => {
    expect(findField(schema, ['Address', 'zip'])?.type).toEqual({ type: 'integer' })
    expect(findField(schema, ['address', 'ZIP'])).toBeUndefined()
    expect(findField(schema, ['address', 'ZIP'], { caseInsensitive: true })?.name).toBe('zip')
    expect(findField(schema, ['tags', 'k'])).toBeUndefined()
    expect(findField(schema, ['id', 'x'])).toBeUndefined()
    expect(findField(schema, [])).toBeUndefined()
  })

  it('lists leaf columns through structs, with arrays and maps as leaves', () => {
    expect(leafColumns(schema).map((c) => c.path.join('.'))).toEqual([
      'id',
      'Address.city',
      'Address.zip',
      'tags',
      'ts',
    ])
  })

  it('finds case-insensitive duplicates at every level, inside arrays and maps too', () => {
    expect(duplicateFieldNames(schema)).toEqual([])
    const dup = struct(
      field('a', primitive('long')),
      field('A', primitive('long')),
      field('s', struct(field('x', primitive('long')), field('X', primitive('long')))),
      field('l', {
        type: 'array',
        elementType: struct(field('y', primitive('long')), field('Y', primitive('long'))),
        containsNull: true,
      }),
    )
    expect(duplicateFieldNames(dup)).toEqual(['A', 'l.element.Y', 's.X'])
    expect(() => checkNoDuplicateFieldNames(dup)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => checkNoDuplicateFieldNames(schema)).not.toThrow()
  })

  it('detects types anywhere in the schema', () => {
    expect(containsType(schema, 'timestamp_ntz')).toBe(true)
    expect(containsType(schema, 'variant')).toBe(false)
  })

  it('validates decimal construction', () => {
    expect(() => decimal(39, 0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => decimal(5, 6)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
