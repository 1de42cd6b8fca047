/**
 * A Delta schema as a tree, the way `inspect` shows it:
 *
 *   ├─ id: long not null
 *   ├─ date: date (partition)
 *   └─ payload: struct
 *      ├─ tags: array<string>
 *      └─ attrs: map<string, struct>
 *         └─ value: struct
 *            └─ score: double
 *
 * Simple element, key and value types are written inline (`array<string>`); a complex one gets
 * its own branch, so nesting of any depth stays readable.
 */
import type { DataType, StructField } from '../../protocol/schema.js'
import { oneLine } from './table.js'
import type { Style } from './style.js'

/** `long`, `decimal(10,2)`, `array<string>`, `map<string, struct>`, `struct`. */
export function typeLabel(type: DataType): string {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`
    case 'array':
      return `array<${typeLabel(type.elementType)}>`
    case 'map':
      return `map<${typeLabel(type.keyType)}, ${typeLabel(type.valueType)}>`
    case 'struct':
      return 'struct'
    default:
      return type.type
  }
}

interface Node {
  readonly label: string
  readonly children: readonly Node[]
}

/** The tree lines of a schema's fields (no trailing newline on the last). */
export function schemaTree(
  fields: readonly StructField[],
  style: Style,
  partitionColumns: readonly string[] = [],
): string[] {
  const partitions = new Set(partitionColumns)
  const nodes = fields.map((field) => fieldNode(field, style, partitions))
  const lines: string[] = []
  const walk = (list: readonly Node[], prefix: string): void => {
    list.forEach((node, i) => {
      const last = i === list.length - 1
      lines.push(`${prefix}${style.dim(last ? '└─ ' : '├─ ')}${node.label}`)
      walk(node.children, prefix + (last ? '   ' : style.dim('│  ')))
    })
  }
  walk(nodes, '')
  return lines
}

function fieldNode(field: StructField, style: Style, partitions: ReadonlySet<string>): Node {
  const notes: string[] = []
  if (!field.nullable) notes.push('not null')
  if (partitions.has(field.name)) notes.push('(partition)')
  const note = notes.length === 0 ? '' : ` ${style.dim(notes.join(' '))}`
  return {
    label: `${style.bold(oneLine(field.name))}: ${style.cyan(typeLabel(field.type))}${note}`,
    children: childNodes(field.type, style),
  }
}

/** The branches under a type: struct fields, and complex array elements, map keys and values. */
function childNodes(type: DataType, style: Style): Node[] {
  const named = (name: string, inner: DataType): Node[] =>
    isComplexBranch(inner)
      ? [
          {
            label: `${style.dim(name)}: ${style.cyan(typeLabel(inner))}`,
            children: childNodes(inner, style),
          },
        ]
      : []
  switch (type.type) {
    case 'struct':
      return type.fields.map((f) => fieldNode(f, style, new Set()))
    case 'array':
      return named('element', type.elementType)
    case 'map':
      return [...named('key', type.keyType), ...named('value', type.valueType)]
    default:
      return []
  }
}

/** Types whose insides need their own lines. */
function isComplexBranch(type: DataType): boolean {
  if (type.type === 'struct') return true
  if (type.type === 'array') return isComplexBranch(type.elementType)
  if (type.type === 'map') return isComplexBranch(type.keyType) || isComplexBranch(type.valueType)
  return false
}
