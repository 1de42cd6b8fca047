/**
 * Parquet footer parsing and "slicing": building a smaller, valid Parquet file that holds only
 * some leaf columns of some row groups of another file, by copying their column chunks verbatim
 * and writing a new footer whose offsets point at the copies.
 *
 * This is how we project columns (see `thrift-compact.ts` for why parquet-wasm cannot be asked
 * to). It is cheap: no page is decoded or re-encoded, and only the selected chunks are copied,
 * so for a checkpoint read without `add.stats` the bytes handed to wasm are a fraction of the
 * file, which also keeps wasm memory (32-bit, never shrinks) small.
 *
 * Projection is by paths through struct groups only. A path that would end inside a MAP or
 * LIST group is rejected: parquet-wasm panics on a projection of half a map.
 */
import {
  TType,
  asStruct,
  decodeStruct,
  encodeStruct,
  fieldBinary,
  fieldI32,
  fieldI64,
  fieldList,
  fieldStruct,
  setField,
  type TList,
  type TStruct,
  type TValue,
} from './thrift-compact.js'

/** Malformed or unsupported Parquet; `parquet.ts` turns it into a typed DeltaError. */
export class ParquetFormatError extends Error {
  override readonly name = 'ParquetFormatError'
}

const MAGIC = [0x50, 0x41, 0x52, 0x31] // "PAR1"
const ENCRYPTED_MAGIC = [0x50, 0x41, 0x52, 0x45] // "PARE"
const decoder = new TextDecoder()

/** One node of the Parquet schema tree. */
export interface SchemaNode {
  readonly name: string
  /** Children of a group; empty for a leaf. */
  readonly children: readonly SchemaNode[]
  /** Leaf columns under this node: indices [leafStart, leafEnd). */
  readonly leafStart: number
  readonly leafEnd: number
  /** True for groups annotated MAP or LIST: their insides cannot be projected separately. */
  readonly opaque: boolean
}

export interface RowGroupInfo {
  readonly numRows: number
  /** Sum of the compressed sizes of its column chunks, in bytes. */
  readonly compressedSize: number
}

export interface ParquetFooter {
  /** The decoded `FileMetaData`, kept to build sliced footers. */
  readonly meta: TStruct
  readonly root: SchemaNode
  readonly numLeaves: number
  readonly numRows: number
  readonly rowGroups: readonly RowGroupInfo[]
  readonly createdBy: string | undefined
  readonly keyValueMetadata: ReadonlyMap<string, string>
  /** The footer bytes exactly as stored (without length and magic). */
  readonly raw: Uint8Array
}

function hasMagic(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  for (let i = 0; i < 4; i++) if (bytes[at + i] !== magic[i]) return false
  return true
}

function toSafeNumber(v: bigint | undefined, what: string): number {
  if (v === undefined) throw new ParquetFormatError(`missing ${what} in the Parquet footer`)
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ParquetFormatError(`${what} out of range in the Parquet footer: ${v}`)
  }
  return Number(v)
}

/** Parses the footer of a whole Parquet file held in memory. */
export function parseFooter(bytes: Uint8Array): ParquetFooter {
  const n = bytes.length
  if (n < 12) throw new ParquetFormatError(`file too small to be Parquet (${n} bytes)`)
  if (hasMagic(bytes, n - 4, ENCRYPTED_MAGIC)) {
    throw new ParquetFormatError('encrypted Parquet footers are not supported')
  }
  if (!hasMagic(bytes, 0, MAGIC) || !hasMagic(bytes, n - 4, MAGIC)) {
    throw new ParquetFormatError('missing PAR1 magic bytes: not a Parquet file, or truncated')
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 4).getUint32(0, true)
  const start = n - 8 - len
  if (start < 4) throw new ParquetFormatError(`footer length ${len} exceeds the file size ${n}`)
  const raw = bytes.subarray(start, n - 8)
  let meta: TStruct
  try {
    meta = decodeStruct(raw).struct
  } catch (error) {
    throw new ParquetFormatError(`unreadable Parquet footer: ${(error as Error).message}`)
  }
  return describeFooter(meta, raw)
}

function describeFooter(meta: TStruct, raw: Uint8Array): ParquetFooter {
  const schema = fieldList(meta, 2)?.items.map(asStruct)
  if (schema === undefined || schema.length === 0) {
    throw new ParquetFormatError('the Parquet footer has no schema')
  }
  let at = 0
  let leaf = 0
  const build = (depth: number): SchemaNode => {
    const el = schema[at++]
    if (el === undefined) throw new ParquetFormatError('the Parquet schema is truncated')
    if (depth > 128) throw new ParquetFormatError('the Parquet schema nests too deep')
    const name = decoder.decode(fieldBinary(el, 4) ?? new Uint8Array())
    const numChildren = fieldI32(el, 5)
    const leafStart = leaf
    if (numChildren === undefined) {
      leaf++
      return { name, children: [], leafStart, leafEnd: leaf, opaque: false }
    }
    const children: SchemaNode[] = []
    for (let i = 0; i < numChildren; i++) children.push(build(depth + 1))
    const converted = fieldI32(el, 6)
    const logical = fieldStruct(el, 10)
    // ConvertedType MAP=1, MAP_KEY_VALUE=2, LIST=3; LogicalType union MAP=2, LIST=3.
    const opaque =
      converted === 1 ||
      converted === 2 ||
      converted === 3 ||
      (logical !== undefined && logical.fields.some((f) => f.id === 2 || f.id === 3)) ||
      // A repeated group is a legacy 2-level list: also not projectable by name.
      fieldI32(el, 3) === 2
    return { name, children, leafStart, leafEnd: leaf, opaque }
  }
  const root = build(0)
  if (at !== schema.length) throw new ParquetFormatError('the Parquet schema has trailing elements')

  const rowGroups = (fieldList(meta, 4)?.items ?? []).map((v): RowGroupInfo => {
    const rg = asStruct(v)
    let compressedSize = 0
    for (const c of fieldList(rg, 1)?.items ?? []) {
      const md = fieldStruct(asStruct(c), 3)
      compressedSize +=
        md === undefined ? 0 : toSafeNumber(fieldI64(md, 7), 'total_compressed_size')
    }
    return { numRows: toSafeNumber(fieldI64(rg, 3), 'row group num_rows'), compressedSize }
  })
  const kv = new Map<string, string>()
  for (const item of fieldList(meta, 5)?.items ?? []) {
    const s = asStruct(item)
    const key = fieldBinary(s, 1)
    if (key !== undefined)
      kv.set(decoder.decode(key), decoder.decode(fieldBinary(s, 2) ?? new Uint8Array()))
  }
  const createdBy = fieldBinary(meta, 6)
  return {
    meta,
    root,
    numLeaves: leaf,
    numRows: toSafeNumber(fieldI64(meta, 3), 'num_rows'),
    rowGroups,
    createdBy: createdBy === undefined ? undefined : decoder.decode(createdBy),
    keyValueMetadata: kv,
    raw,
  }
}

/**
 * Finds the schema node at a path of names below the root, walking only through plain struct
 * groups. Returns `undefined` when a name is absent; throws when the path goes inside a map or
 * list (their parts cannot be projected on their own).
 */
export function findColumn(footer: ParquetFooter, path: readonly string[]): SchemaNode | undefined {
  let node = footer.root
  for (let i = 0; i < path.length; i++) {
    if (node.opaque || node.children.length === 0) {
      throw new ParquetFormatError(
        `column path ${path.join('.')} goes inside ${path.slice(0, i).join('.')}, which is not a struct`,
      )
    }
    const next = node.children.find((c) => c.name === path[i])
    if (next === undefined) return undefined
    node = next
  }
  return node
}

// ---------------------------------------------------------------------------------------------
// Slicing

function filterSchema(
  elements: readonly TStruct[],
  root: SchemaNode,
  keepLeaf: (leaf: number) => boolean,
): TStruct[] {
  const out: TStruct[] = []
  let at = 0
  // Walks the tree and the flat element list together (they are in the same depth-first order).
  const visit = (node: SchemaNode, isRoot: boolean): void => {
    const el = elements[at++]!
    if (node.children.length === 0) {
      if (keepLeaf(node.leafStart)) out.push(el)
      return
    }
    const slot = out.length
    out.push(el) // placeholder; replaced below with the updated child count
    let kept = 0
    for (const child of node.children) {
      const before = out.length
      visit(child, false)
      if (out.length > before) kept++
    }
    if (kept === 0 && !isRoot) {
      out.length = slot
      return
    }
    const copy: TStruct = { kind: 'struct', fields: [...el.fields] }
    setField(copy, 5, TType.I32, kept)
    out[slot] = copy
  }
  visit(root, true)
  return out
}

interface ChunkCopy {
  readonly from: number
  readonly length: number
}

/** Rewrites one column chunk's offsets for its new position; returns the byte range to copy. */
function rebaseChunk(chunk: TStruct, newStart: number): { chunk: TStruct; copy: ChunkCopy } {
  if (fieldBinary(chunk, 1) !== undefined) {
    throw new ParquetFormatError(
      'column chunks stored in other files (file_path) are not supported',
    )
  }
  const md = fieldStruct(chunk, 3)
  if (md === undefined) throw new ParquetFormatError('a column chunk has no metadata (encrypted?)')
  const data = toSafeNumber(fieldI64(md, 9), 'data_page_offset')
  const dictRaw = fieldI64(md, 11)
  // Some old writers store dictionary_page_offset = 0 for "none": only trust it when it lies
  // before the first data page.
  const dict =
    dictRaw !== undefined && dictRaw > 0n && dictRaw < BigInt(data) ? Number(dictRaw) : undefined
  const from = dict ?? data
  const length = toSafeNumber(fieldI64(md, 7), 'total_compressed_size')
  const delta = BigInt(newStart - from)

  const newMd: TStruct = { kind: 'struct', fields: [...md.fields] }
  setField(newMd, 9, TType.I64, BigInt(data) + delta)
  setField(newMd, 11, TType.I64, dict === undefined ? undefined : BigInt(dict) + delta)
  // Index pages, bloom filters and page indexes live outside the chunk: they are not copied.
  setField(newMd, 10, TType.I64, undefined)
  setField(newMd, 14, TType.I64, undefined)
  setField(newMd, 15, TType.I32, undefined)
  const newChunk: TStruct = { kind: 'struct', fields: [...chunk.fields] }
  setField(newChunk, 2, TType.I64, BigInt(newStart))
  setField(newChunk, 3, TType.STRUCT, newMd)
  for (const id of [4, 5, 6, 7]) setField(newChunk, id, TType.I64, undefined)
  return { chunk: newChunk, copy: { from, length } }
}

/**
 * Removes the `ARROW:schema` key-value entry, so Arrow types are derived from the Parquet schema
 * alone and a projected read yields the same types as a full one, whichever writer produced it.
 */
function dropArrowSchema(meta: TStruct): void {
  const kv = fieldList(meta, 5)
  if (kv === undefined) return
  const items = kv.items.filter((item) => {
    const key = fieldBinary(asStruct(item), 1)
    return key === undefined || decoder.decode(key) !== 'ARROW:schema'
  })
  setField(meta, 5, TType.LIST, items.length === 0 ? undefined : { ...kv, items })
}

export interface SliceSelection {
  /** Leaf indices to keep (see `SchemaNode.leafStart/leafEnd`); `undefined` keeps all. */
  readonly leaves?: ReadonlySet<number> | undefined
  /** Row groups to keep, in order; `undefined` keeps all. */
  readonly rowGroups?: readonly number[] | undefined
}

/**
 * Returns a standalone Parquet file with only the selected leaves and row groups of `bytes`
 * (without `ARROW:schema`, see `dropArrowSchema`).
 */
export function sliceParquet(
  bytes: Uint8Array,
  footer: ParquetFooter,
  selection: SliceSelection,
): Uint8Array {
  const keep = selection.leaves
  const keepLeaf = (i: number): boolean => keep === undefined || keep.has(i)
  const schema = (fieldList(footer.meta, 2)?.items ?? []).map(asStruct)
  const allGroups = (fieldList(footer.meta, 4)?.items ?? []).map(asStruct)
  const groupIds = selection.rowGroups ?? allGroups.map((_, i) => i)

  const copies: ChunkCopy[] = []
  const newGroups: TStruct[] = []
  let pos = 4
  let numRows = 0n
  for (const g of groupIds) {
    const rg = allGroups[g]
    if (rg === undefined) throw new ParquetFormatError(`row group ${g} does not exist`)
    const chunks = (fieldList(rg, 1)?.items ?? []).map(asStruct)
    if (chunks.length !== footer.numLeaves) {
      throw new ParquetFormatError(
        `row group ${g} has ${chunks.length} column chunks for ${footer.numLeaves} columns`,
      )
    }
    const newChunks: TValue[] = []
    for (let leaf = 0; leaf < chunks.length; leaf++) {
      if (!keepLeaf(leaf)) continue
      const { chunk, copy } = rebaseChunk(chunks[leaf]!, pos)
      if (copy.from < 4 || copy.from + copy.length > bytes.length - 8) {
        throw new ParquetFormatError(`column chunk ${leaf} of row group ${g} lies outside the file`)
      }
      copies.push(copy)
      newChunks.push(chunk)
      pos += copy.length
    }
    const newRg: TStruct = { kind: 'struct', fields: [...rg.fields] }
    setField(newRg, 1, TType.LIST, { kind: 'list', elemType: TType.STRUCT, items: newChunks })
    // Sorting columns refer to column indices, and the offsets/ordinal to the old layout.
    for (const id of [4, 5, 6, 7]) setField(newRg, id, TType.I64, undefined)
    newGroups.push(newRg)
    numRows += fieldI64(rg, 3) ?? 0n
  }

  const meta: TStruct = { kind: 'struct', fields: [...footer.meta.fields] }
  const newSchema: TList = {
    kind: 'list',
    elemType: TType.STRUCT,
    items: filterSchema(schema, footer.root, keepLeaf),
  }
  setField(meta, 2, TType.LIST, newSchema)
  setField(meta, 3, TType.I64, numRows)
  setField(meta, 4, TType.LIST, { kind: 'list', elemType: TType.STRUCT, items: newGroups })
  dropArrowSchema(meta)
  const orders = fieldList(meta, 7)
  if (orders !== undefined && keep !== undefined) {
    setField(meta, 7, TType.LIST, { ...orders, items: orders.items.filter((_, i) => keepLeaf(i)) })
  }

  const footerBytes = encodeStruct(meta)
  const out = new Uint8Array(pos + footerBytes.length + 8)
  out.set(MAGIC, 0)
  let at = 4
  for (const c of copies) {
    out.set(bytes.subarray(c.from, c.from + c.length), at)
    at += c.length
  }
  out.set(footerBytes, at)
  at += footerBytes.length
  new DataView(out.buffer).setUint32(at, footerBytes.length, true)
  out.set(MAGIC, at + 4)
  return out
}

/** A Parquet file with the footer of `footer` and no data: enough to read the schema. */
export function footerOnlyFile(footer: ParquetFooter): Uint8Array {
  const meta: TStruct = { kind: 'struct', fields: [...footer.meta.fields] }
  dropArrowSchema(meta)
  setField(meta, 4, TType.LIST, { kind: 'list', elemType: TType.STRUCT, items: [] })
  setField(meta, 3, TType.I64, 0n)
  const f = encodeStruct(meta)
  const out = new Uint8Array(f.length + 12)
  out.set(MAGIC, 0)
  out.set(f, 4)
  new DataView(out.buffer).setUint32(4 + f.length, f.length, true)
  out.set(MAGIC, 8 + f.length)
  return out
}
