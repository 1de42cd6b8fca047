/**
 * `delta checkpoint <table>`: write a checkpoint of the latest version now, so that readers
 * replay one Parquet file instead of every commit since the last one. The kind follows the
 * table's settings (V2 when delta.checkpointPolicy=v2) unless --kind says otherwise.
 */
import {
  writeCheckpoint,
  type CheckpointKind,
  type CheckpointResult,
} from '../../maintenance/checkpoint.js'
import { COMMON_OPTIONS, JSON_OPTION, STORAGE_OPTIONS } from '../args.js'
import { withProgress, type Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { formatBytes, formatCount } from '../output/human.js'

const KINDS: readonly CheckpointKind[] = ['classic', 'multi-part', 'v2']

export const checkpointCommand: Command = {
  name: 'checkpoint',
  summary: 'Write a checkpoint of the latest version now',
  usage: 'delta checkpoint <table> [--kind classic|multi-part|v2] [options]',
  description:
    'Writes a checkpoint of the latest version and points _delta_log/_last_checkpoint at it. ' +
    'Readers then start from the checkpoint instead of replaying every commit. The kind ' +
    "follows the table's delta.checkpointPolicy unless --kind is given.",
  options: [
    {
      title: 'Options',
      options: {
        kind: { type: 'string', value: 'K', description: 'classic, multi-part or v2' },
        ...JSON_OPTION,
      },
    },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: ['delta checkpoint ./data/events', 'delta checkpoint s3://bucket/events --json'],
  async run(ctx) {
    const kind = ctx.args.choice('kind', KINDS)
    const table = await ctx.openTable()
    const result: CheckpointResult = await withProgress(
      ctx,
      'writing checkpoint',
      'files',
      async () =>
        writeCheckpoint(await table.snapshot({ signal: ctx.signal }), {
          ...(kind === undefined ? {} : { kind }),
          ids: table.ids,
          now: table.clock.now(),
          signal: ctx.signal,
        }),
    )
    if (ctx.json) {
      await ctx.printJson({
        table: table.url,
        version: result.version,
        kind: result.kind,
        files: result.files,
        numActions: result.numActions,
        numOfAddFiles: result.numOfAddFiles,
        sizeInBytes: result.sizeInBytes,
        lastCheckpoint: result.lastCheckpoint?.status ?? null,
      })
      return EXIT.ok
    }
    const { style } = ctx
    let out =
      `Wrote a ${result.kind} checkpoint of version ${style.bold(String(result.version))}: ` +
      `${formatCount(result.files.length)} file${result.files.length === 1 ? '' : 's'}, ` +
      `${formatBytes(result.sizeInBytes)}, ${formatCount(result.numActions)} actions ` +
      `(${formatCount(result.numOfAddFiles)} data files).\n`
    for (const file of result.files) out += style.dim(`  ${file}\n`)
    const hint = result.lastCheckpoint
    if (hint?.status === 'newer-exists') {
      out += `_last_checkpoint already points to a newer version (${hint.version}); left as is.\n`
    } else if (hint?.status === 'contended') {
      out +=
        '_last_checkpoint was not updated (other writers kept replacing it); readers find the checkpoint by listing.\n'
    }
    await ctx.print(out)
    return EXIT.ok
  },
}
