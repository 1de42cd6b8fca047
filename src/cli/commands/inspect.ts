/**
 * `delta inspect <table>`: what a table is — version and time, protocol, metadata, schema, size,
 * rows, deletion vectors, checkpoint state — and what to do about it (warnings).
 */
import { supportedFeatures } from '../../protocol/features.js'
import type { StructType } from '../../protocol/schema.js'
import { COMMON_OPTIONS, JSON_OPTION, SNAPSHOT_OPTIONS, STORAGE_OPTIONS } from '../args.js'
import { snapshotSelection, withProgress, type Command, type CommandContext } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { formatAge, formatBytes, formatCount, formatTime } from '../output/human.js'
import { schemaTree } from '../output/schema-tree.js'
import type { Style } from '../output/style.js'
import { oneLine, renderKeyValues } from '../output/table.js'
import { inspectFacts, type InspectFacts } from './inspect-facts.js'

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'What a table is: version, protocol, schema, size, checkpoints, warnings',
  usage: 'delta inspect <table> [options]',
  description:
    'Shows the table at its latest version (or --version / --timestamp): the commit time, the ' +
    'protocol and its features, metadata and properties, the schema as a tree, file count, ' +
    'size, rows (from file statistics), deletion vectors, the last checkpoint, and warnings ' +
    'worth acting on (no recent checkpoint, many small files, missing statistics, retention ' +
    'settings that limit time travel).',
  options: [
    { title: 'Options', options: { ...JSON_OPTION, ...SNAPSHOT_OPTIONS } },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: [
    'delta inspect ./data/events',
    'delta inspect s3://bucket/events --version 12',
    "delta inspect az://container/events --timestamp '2024-05-01T00:00:00Z' --json",
  ],
  async run(ctx) {
    // Flags are checked before any I/O: a typo is a usage error even for a missing table.
    const selection = snapshotSelection(ctx.args)
    const table = await ctx.openTable()
    const snapshot = await table.snapshot({ ...selection, signal: ctx.signal })
    const facts = await withProgress(ctx, 'reading file statistics', 'files', (progress) =>
      inspectFacts(snapshot, progress),
    )
    if (ctx.json) await ctx.printJson(facts)
    else await ctx.print(renderInspect(facts, snapshot.schema, ctx))
    return EXIT.ok
  },
}

/** The human report: a few sections of aligned key/value lines. */
export function renderInspect(
  facts: InspectFacts,
  schema: StructType,
  ctx: Pick<CommandContext, 'style' | 'io'>,
): string {
  const { style } = ctx
  const now = ctx.io.now()
  const time = (iso: string): string => {
    const ms = Date.parse(iso)
    return `${formatTime(ms)} ${style.dim(`(${formatAge(ms, now)})`)}`
  }
  const section = (title: string): string => `\n${style.bold(title)}\n`
  let out = `${style.bold('Table')}  ${oneLine(facts.table)}\n`
  out += renderKeyValues(
    [['version', `${style.bold(String(facts.version))}  committed ${time(facts.timestamp)}`]],
    style,
  )

  out += section('Protocol')
  out += renderKeyValues(protocolLines(facts, style), style)

  out += section('Metadata')
  const meta = facts.metadata
  const properties = Object.entries(meta.configuration).sort(([a], [b]) => (a < b ? -1 : 1))
  out += renderKeyValues(
    [
      ['id', meta.id],
      ['name', meta.name === null ? style.dim('-') : oneLine(meta.name)],
      ['description', meta.description === null ? style.dim('-') : oneLine(meta.description)],
      ['format', meta.format],
      [
        'partitioned by',
        meta.partitionColumns.length === 0
          ? style.dim('not partitioned')
          : meta.partitionColumns.map(oneLine).join(', '),
      ],
      ['column mapping', facts.columnMapping],
      ['created', meta.createdTime === null ? style.dim('unknown') : time(meta.createdTime)],
      [
        'properties',
        properties.length === 0
          ? style.dim('none')
          : properties.map(([k, v]) => `${oneLine(k)} = ${oneLine(v)}`).join('\n'),
      ],
    ],
    style,
  )

  out += section('Schema')
  const tree = schemaTree(schema.fields, style, meta.partitionColumns)
  out +=
    tree.length === 0 ? `  ${style.dim('(no columns)')}\n` : tree.map((l) => `  ${l}\n`).join('')

  out += section('Data')
  const average = facts.numFiles === 0 ? 0 : facts.sizeInBytes / facts.numFiles
  out += renderKeyValues(
    [
      ['files', formatCount(facts.numFiles)],
      [
        'size',
        `${formatBytes(facts.sizeInBytes)}${facts.numFiles === 0 ? '' : style.dim(`  (average ${formatBytes(average)} per file)`)}`,
      ],
      [
        'rows',
        facts.numRecords === null
          ? style.yellow(
              `unknown (${formatCount(facts.numFilesWithoutStats)} files have no row count)`,
            )
          : `${formatCount(facts.numRecords)} ${style.dim('(from file statistics)')}`,
      ],
      [
        'deletion vectors',
        facts.numDeletionVectors === 0
          ? style.dim('none')
          : `${formatCount(facts.numDeletionVectors)} files, ${formatCount(facts.numDeletedRecords)} rows deleted`,
      ],
    ],
    style,
  )

  out += section('Log')
  const cp = facts.checkpoint
  out += renderKeyValues(
    [
      [
        'last checkpoint',
        cp === null
          ? style.dim('none')
          : `version ${cp.version} (${cp.kind}${cp.parts > 1 ? `, ${cp.parts} parts` : ''}), written ${time(cp.timestamp)}`,
      ],
      ['commits since', formatCount(facts.commitsSinceCheckpoint)],
    ],
    style,
  )

  out += section('Warnings')
  if (facts.warnings.length === 0) out += `  ${style.green('none')}\n`
  for (const w of facts.warnings) {
    out += `  ${style.yellow('!')} ${oneLine(w.message)} ${style.dim(`[${w.code}]`)}\n`
  }
  return out
}

function protocolLines(facts: InspectFacts, style: Style): [string, string][] {
  const p = facts.protocol
  const lines: [string, string][] = [
    ['versions', `reader ${p.minReaderVersion}, writer ${p.minWriterVersion}`],
  ]
  const list = (names: readonly string[] | null): string =>
    names === null || names.length === 0 ? style.dim('none') : names.join(', ')
  if (p.readerFeatures !== null) lines.push(['reader features', list(p.readerFeatures)])
  if (p.writerFeatures !== null) lines.push(['writer features', list(p.writerFeatures)])
  if (p.readerFeatures === null && p.writerFeatures === null) {
    // Legacy protocols name no features; say which ones their versions imply.
    const implied = [
      ...supportedFeatures({
        minReaderVersion: p.minReaderVersion,
        minWriterVersion: p.minWriterVersion,
      }),
    ]
    lines.push(['implied features', list(implied)])
  }
  return lines
}
