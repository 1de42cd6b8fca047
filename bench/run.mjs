// `npm run bench [-- name...] [--smoke]`: runs the named benchmarks (all by default), each
// in its own process so peak memory is its own.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import * as path from 'node:path'
import { benchRoot, writeResultsMarkdown } from './lib.mjs'

const args = process.argv.slice(2)
const flags = args.filter((a) => a.startsWith('--'))
const available = readdirSync(benchRoot)
  .filter((f) => f.endsWith('.mjs') && !['lib.mjs', 'run.mjs'].includes(f) && !f.startsWith('_'))
  .map((f) => f.replace(/\.mjs$/, ''))
const names = args.filter((a) => !a.startsWith('--'))
const chosen = names.length === 0 ? available : names
let failed = 0
for (const name of chosen) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`)
    process.exit(2)
  }
  console.log(`\n== bench ${name}`)
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', path.join(benchRoot, `${name}.mjs`), ...flags],
    { stdio: 'inherit' },
  )
  if (result.status !== 0) failed++
}
if (!flags.includes('--smoke')) writeResultsMarkdown()
process.exit(failed === 0 ? 0 : 1)
