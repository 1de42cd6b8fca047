/**
 * Hive-style partition directory names (`date=2024-01-01/region=eu`), as Spark writes them.
 *
 * The directory layout is a convention only: partition values are always read from the log,
 * never from paths (PROTOCOL.md "Data Files"). We still write Spark's exact layout so that tables
 * look the same to people and to tools that list directories.
 *
 * Escaping follows Spark's `ExternalCatalogUtils.escapePathName` (from Hive's FileUtils): the
 * characters " # % ' * / : = ? \ { [ ] ^, DEL and the control characters U+0001..U+001F become `%XX`
 * (uppercase hex of the UTF-16 code unit). We also escape U+0000, which Spark leaves alone but no
 * object key may contain. Everything else, non-ASCII included, stays literal; the log path then
 * percent-encodes once more (see `file-paths.ts`), which is why Spark logs show `%253A` for `:`.
 */

/** The value Hive and Spark use as the directory name of a NULL partition value. */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__'

const ESCAPED = new Set('"#%\'*/:=?\\\u007f{[]^'.split(''))

function needsEscape(code: number): boolean {
  return code < 0x20 || ESCAPED.has(String.fromCharCode(code))
}

/** Escapes one partition column name or value for use in a directory name. */
export function escapePartitionPathComponent(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    out += needsEscape(code) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : text[i]!
  }
  return out
}

/**
 * Reverses `escapePartitionPathComponent`. Like Spark's `unescapePathName`, a `%` not followed by
 * two hex digits is kept literally.
 */
export function unescapePartitionPathComponent(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else out += c
  }
  return out
}

/**
 * The relative directory for a file's partition values, in partition-column order:
 * `a=1/b=__HIVE_DEFAULT_PARTITION__`. Values are the serialized strings from
 * `serializePartitionValue`; `null` (or the empty string) is the default partition.
 */
export function partitionDirectory(
  values: readonly (readonly [column: string, value: string | null])[],
): string {
  return values
    .map(([column, value]) => {
      const text =
        value === null || value === ''
          ? HIVE_DEFAULT_PARTITION
          : escapePartitionPathComponent(value)
      return `${escapePartitionPathComponent(column)}=${text}`
    })
    .join('/')
}
