import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { corpusMissing, inCorpus } from './engine.test-util.js'
import {
  TType,
  ThriftDecodeError,
  decodeStruct,
  encodeStruct,
  fieldBinary,
  fieldI32,
  fieldI64,
  fieldList,
  setField,
  type TStruct,
} from './thrift-compact.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

function sample(): TStruct {
  return {
    kind: 'struct',
    fields: [
      { id: 1, type: TType.I32, value: -7 },
      { id: 2, type: TType.BOOL_TRUE, value: true },
      { id: 3, type: TType.BOOL_FALSE, value: false },
      { id: 4, type: TType.I64, value: -(2n ** 62n) },
      { id: 5, type: TType.BINARY, value: utf8('päth') },
      { id: 6, type: TType.DOUBLE, value: 0.1 },
      { id: 7, type: TType.BYTE, value: -3 },
      // More than 14 items: exercises the long list header.
      {
        id: 8,
        type: TType.LIST,
        value: {
          kind: 'list',
          elemType: TType.I32,
          items: Array.from({ length: 20 }, (_, i) => i - 10),
        },
      },
      {
        id: 9,
        type: TType.LIST,
        value: { kind: 'list', elemType: TType.BOOL_TRUE, items: [true, false, true] },
      },
      {
        id: 10,
        type: TType.MAP,
        value: {
          kind: 'map',
          keyType: TType.BINARY,
          valueType: TType.I16,
          entries: [[utf8('k'), 300]],
        },
      },
      // A gap of more than 15 in field ids needs the long field header.
      {
        id: 40,
        type: TType.STRUCT,
        value: { kind: 'struct', fields: [{ id: 1, type: TType.I16, value: 2 }] },
      },
    ],
  }
}

describe('thrift compact codec', () => {
  test('a struct with every type survives encode then decode unchanged', () => {
    const bytes = encodeStruct(sample())
    const { struct, end } = decodeStruct(bytes)
    expect(end).toBe(bytes.length)
    expect(struct).toEqual(sample())
    expect(encodeStruct(struct)).toEqual(bytes)
  })

  test('known encodings: zigzag varints and short field headers', () => {
    // field 1 i32 = -1 -> header 0x15, zigzag(-1) = 1; field 2 i64 = 150 -> 0x16, zigzag = 300 = 0xac 0x02
    const bytes = encodeStruct({
      kind: 'struct',
      fields: [
        { id: 1, type: TType.I32, value: -1 },
        { id: 2, type: TType.I64, value: 150n },
      ],
    })
    expect([...bytes]).toEqual([0x15, 0x01, 0x16, 0xac, 0x02, 0x00])
  })

  test('setField inserts in id order, replaces, and removes', () => {
    const s: TStruct = {
      kind: 'struct',
      fields: [
        { id: 1, type: TType.I32, value: 1 },
        { id: 5, type: TType.I32, value: 5 },
      ],
    }
    setField(s, 3, TType.I64, 3n)
    setField(s, 5, TType.I32, 50)
    setField(s, 1, TType.I32, undefined)
    expect(s.fields.map((f) => [f.id, f.value])).toEqual([
      [3, 3n],
      [5, 50],
    ])
    expect(fieldI64(s, 3)).toBe(3n)
    expect(fieldI32(s, 5)).toBe(50)
    expect(fieldI32(s, 3)).toBeUndefined()
  })

  test('truncated input throws ThriftDecodeError', () => {
    const bytes = encodeStruct(sample())
    for (const cut of [1, 5, bytes.length - 1]) {
      expect(() => decodeStruct(bytes.subarray(0, cut))).toThrow(ThriftDecodeError)
    }
  })

  test('a binary length past the end throws ThriftDecodeError', () => {
    // field 1 binary with length 100 but no bytes
    expect(() => decodeStruct(new Uint8Array([0x18, 100]))).toThrow(ThriftDecodeError)
  })
})

describe.skipIf(corpusMissing())('thrift compact codec on real Parquet footers', () => {
  const files = [
    'delta-golden/checkpoint/_delta_log/00000000000000000010.checkpoint.parquet', // parquet-mr 1.13
    'delta-kernel-rs/parsed-stats/_delta_log/00000000000000000003.checkpoint.parquet', // parquet-cpp 6
    'delta-kernel-rs/app-txn-checkpoint/_delta_log/00000000000000000001.checkpoint.parquet', // parquet-rs 50
  ]
  test.each(files)('the footer of %s re-encodes to the same bytes', (file) => {
    const bytes = readFileSync(inCorpus(file))
    const len = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 4).getUint32(
      0,
      true,
    )
    const footer = bytes.subarray(bytes.length - 8 - len, bytes.length - 8)
    const { struct, end } = decodeStruct(footer)
    expect(end).toBe(footer.length)
    expect(Buffer.from(encodeStruct(struct)).equals(Buffer.from(footer))).toBe(true)
    // FileMetaData: field 2 is the schema, whose first element is the root.
    const root = fieldList(struct, 2)!.items[0] as TStruct
    expect(fieldBinary(root, 4)).toBeDefined()
  })
})
