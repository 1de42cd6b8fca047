// Profiles one case of a benchmark and prints where the time goes.
//
//   node bench/tools/profile.mjs <bench file> <case> [--smoke] [--top N]
//   node bench/tools/profile.mjs --summary <file.cpuprofile> [--top N]
//
// The first form runs `node --cpu-prof <bench file> --child <case>` (every benchmark runs a
// single case in a process of its own with `--child`), writes the profile under
// bench/.data/profiles/, and summarises it: self time by function (with file:line), and
// inclusive time of the functions in our dist/ code.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'

const args = process.argv.slice(2)
const topIndex = args.indexOf('--top')
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--top')

let profileFile
if (args.includes('--summary')) {
  profileFile = positional[0]
} else {
  const [benchFile, caseName] = positional
  if (benchFile === undefined || caseName === undefined) {
    console.error('usage: node bench/tools/profile.mjs <bench file> <case> [--smoke] [--top N]')
    process.exit(2)
  }
  const dir = path.join(import.meta.dirname, '..', '.data', 'profiles')
  mkdirSync(dir, { recursive: true })
  const name = `${path.basename(benchFile, '.mjs')}-${caseName}-${Date.now()}.cpuprofile`
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      `--cpu-prof-name=${name}`,
      benchFile,
      '--child',
      caseName,
      ...(args.includes('--smoke') ? ['--smoke'] : []),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  )
  if (result.status !== 0) process.exit(result.status ?? 1)
  profileFile = path.join(dir, name)
  if (!statSync(profileFile, { throwIfNoEntry: false })) {
    // Node names the file itself when the name is not honoured.
    const newest = readdirSync(dir)
      .map((f) => path.join(dir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
    profileFile = newest
  }
  console.log(`profile: ${profileFile}`)
}

summarise(JSON.parse(readFileSync(profileFile, 'utf8')))

function summarise(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // Time per sample: the delta to the next one.
  const self = new Map()
  const deltas = profile.timeDeltas
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (deltas[i + 1] ?? 0) / 1000
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt)
    total += dt
  }
  const label = (n) => {
    const f = n.callFrame
    const url = f.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules|bench)\//, '$1/')
    return `${f.functionName || '(anonymous)'} ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim()
  }
  const bySelf = new Map()
  for (const [id, ms] of self) {
    const key = label(nodes.get(id))
    bySelf.set(key, (bySelf.get(key) ?? 0) + ms)
  }
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const inclusive = new Map()
  for (const [id, ms] of self) {
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = label(nodes.get(at))
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms)
    }
  }
  const print = (title, map, filter = () => true) => {
    console.log(`\n${title}`)
    const rows = [...map].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1])
    for (const [key, ms] of rows.slice(0, top)) {
      console.log(
        `${ms.toFixed(0).padStart(8)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${key}`,
      )
    }
  }
  console.log(`total sampled: ${total.toFixed(0)} ms`)
  print('self time', bySelf)
  print('inclusive time, our code (dist/)', inclusive, (k) => k.includes('dist/'))
}
