/**
 * `delta verify <table>`: an integrity check against the table's own log — every active file
 * and deletion-vector file exists with the recorded size, DV checksums and cardinalities match,
 * the checkpoint agrees with replaying the JSON commits, no version is missing. Exit 3 with the
 * list of problems when anything is wrong, 0 when nothing is.
 */
import type { VerifyReport } from '../../maintenance/verify.js'
import { versionAtTimestamp } from '../../snapshot/history.js'
import { COMMON_OPTIONS, JSON_OPTION, SNAPSHOT_OPTIONS, STORAGE_OPTIONS } from '../args.js'
import { snapshotSelection, withProgress, type Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { formatCount } from '../output/human.js'
import { renderTable } from '../output/table.js'

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Check integrity: files, sizes, deletion vectors, checkpoint, version gaps',
  usage: 'delta verify <table> [options]',
  description:
    'Checks the table at its latest version (or --version / --timestamp): every active data ' +
    'file and deletion-vector file exists with the size the log records, every deletion vector ' +
    'reads back with its checksum and cardinality, the checkpoint agrees with the JSON commits, ' +
    'and no commit is missing. Exits with 3 and lists the problems when any is found.',
  options: [
    { title: 'Options', options: { ...JSON_OPTION, ...SNAPSHOT_OPTIONS } },
    { title: 'Storage options', options: STORAGE_OPTIONS },
    { title: 'Common options', options: COMMON_OPTIONS },
  ],
  examples: [
    'delta verify ./data/events',
    'delta verify s3://bucket/events --json || echo "table has problems"',
  ],
  async run(ctx) {
    const selection = snapshotSelection(ctx.args)
    const table = await ctx.openTable()
    const version =
      selection.timestamp === undefined
        ? selection.version
        : await versionAtTimestamp(table.log, Number(selection.timestamp), { signal: ctx.signal })
    const report: VerifyReport = await withProgress(ctx, 'verifying', 'files', () =>
      table.verify({ ...(version === undefined ? {} : { version }), signal: ctx.signal }),
    )
    if (ctx.json) {
      await ctx.printJson({
        table: table.url,
        ok: report.ok,
        version: report.version ?? null,
        problems: report.problems,
        problemsOmitted: report.problemsOmitted,
        checked: report.checked,
      })
      return report.ok ? EXIT.ok : EXIT.problems
    }
    const { style } = ctx
    const c = report.checked
    const checked =
      `${formatCount(c.versions)} commits, ${formatCount(c.files)} data files, ` +
      `${formatCount(c.deletionVectors)} deletion vectors in ${formatCount(c.dvFiles)} files, ` +
      `${formatCount(c.checkpoints)} checkpoint${c.checkpoints === 1 ? '' : 's'}` +
      (c.outsideRoot > 0
        ? `; ${formatCount(c.outsideRoot)} files outside the table root not checked`
        : '')
    const at = report.version === undefined ? '' : ` at version ${report.version}`
    if (report.ok) {
      await ctx.print(`${style.green('OK')}: no problems found${at} (checked ${checked}).\n`)
      return EXIT.ok
    }
    const count = report.problems.length + report.problemsOmitted
    let out = `${style.red(`${formatCount(count)} problem${count === 1 ? '' : 's'}`)} found${at} (checked ${checked}):\n`
    out += renderTable(
      [
        { header: 'PROBLEM', paint: style.red },
        { header: 'PATH', maxWidth: 70 },
        { header: 'DETAIL' },
      ],
      report.problems.map((p) => [p.kind, p.path ?? '', p.detail]),
      style,
      { width: ctx.io.stdout.columns },
    )
    if (report.problemsOmitted > 0)
      out += style.dim(`… and ${formatCount(report.problemsOmitted)} more.\n`)
    await ctx.print(out)
    return EXIT.problems
  },
}
