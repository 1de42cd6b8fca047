/**
 * Whether a schema change can flow through a running stream: only additions of nullable
 * fields (at any depth, in structs) and relaxing NOT NULL to nullable. Renames, drops, type
 * changes and new NOT NULL fields need a restart.
 */
import type { DataType, StructType } from '../protocol/schema.js'

export function isAdditiveSchemaChange(before: StructType, after: StructType): boolean {
  return structCompatible(before, after)
}

function structCompatible(before: StructType, after: StructType): boolean {
  const next = new Map(after.fields.map((f) => [f.name, f]))
  for (const field of before.fields) {
    const moved = next.get(field.name)
    if (moved === undefined) return false
    if (field.nullable && !moved.nullable) return false
    if (!typeCompatible(field.type, moved.type)) return false
    next.delete(field.name)
  }
  for (const added of next.values()) if (!added.nullable) return false
  return true
}

function typeCompatible(before: DataType, after: DataType): boolean {
  if (before.type === 'struct' && after.type === 'struct') return structCompatible(before, after)
  if (before.type === 'array' && after.type === 'array') {
    return (
      (!before.containsNull || after.containsNull) &&
      typeCompatible(before.elementType, after.elementType)
    )
  }
  if (before.type === 'map' && after.type === 'map') {
    return (
      (!before.valueContainsNull || after.valueContainsNull) &&
      typeCompatible(before.keyType, after.keyType) &&
      typeCompatible(before.valueType, after.valueType)
    )
  }
  return JSON.stringify(before) === JSON.stringify(after)
}
