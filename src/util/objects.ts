/**
 * Copies the named keys whose values are defined. Under `exactOptionalPropertyTypes` an
 * optional property may be absent but not `undefined`; this forwards options between layers
 * without writing `...(x === undefined ? {} : { x })` for each.
 */
export function definedFields<T extends object, K extends keyof T>(
  source: T,
  keys: readonly K[],
): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {}
  for (const key of keys) {
    const value = source[key]
    if (value !== undefined) out[key] = value as Exclude<T[K], undefined>
  }
  return out
}
