// `npm run bench [-- name...] [--smoke]`: runs the named benchmarks (all by default), each
// in its own process so peak memory is its own. A name is the benchmark's (`replay.json`), its
// file's (`replay-json`), or a group prefix (`replay`, `snapshot`, `commit`).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import * as path from 'node:path'
import { ORDER, benchRoot, writeResultsMarkdown } from './lib.mjs'

/** `replay.json` lives in `bench/replay-json.mjs`. */
const fileOf = (name) => path.join(benchRoot, `${name.replace('.', '-')}.mjs`)
const available = ORDER.filter((name) => existsSync(fileOf(name)))

const args = process.argv.slice(2)
const flags = args.filter((a) => a.startsWith('--'))
const names = args.filter((a) => !a.startsWith('--'))
const chosen = []
for (const wanted of names.length === 0 ? available : names) {
  const normal = wanted.replace('-', '.')
  const matches = available.filter((n) => n === normal || n.startsWith(`${normal}.`))
  if (matches.length === 0) {
    console.error(`unknown benchmark "${wanted}"; available: ${available.join(', ')}`)
    process.exit(2)
  }
  for (const m of matches) if (!chosen.includes(m)) chosen.push(m)
}

const started = performance.now()
const failed = []
for (const name of chosen) {
  console.log(`\n== bench ${name}${flags.includes('--smoke') ? ' (smoke)' : ''}`)
  const t0 = performance.now()
  const result = spawnSync(process.execPath, ['--expose-gc', fileOf(name), ...flags], {
    stdio: 'inherit',
  })
  console.log(`   (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
  if (result.status !== 0) failed.push(name)
}
if (!flags.includes('--smoke')) writeResultsMarkdown()
console.log(
  `\n${chosen.length - failed.length} of ${chosen.length} benchmarks ran in ${((performance.now() - started) / 1000).toFixed(1)} s${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}`,
)
process.exit(failed.length === 0 ? 0 : 1)
