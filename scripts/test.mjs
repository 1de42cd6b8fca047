#!/usr/bin/env node
// The project's test command (`npm test`): builds the package (tests run the built CLI and
// spawn writer processes from dist/), type-checks and lints everything, runs the whole
// vitest suite and the benchmarks at smoke sizes, and ends with one line `N passed, N failed`
// — the type check, the lint and the benchmark smoke run count as one test each. Extra
// arguments go to vitest (e.g. `npm test -- src/storage`).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import * as path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const bin = (name) => path.join(root, 'node_modules/.bin', name)
const args = process.argv.slice(2)
const filtered = args.some((a) => !a.startsWith('-'))
let passed = 0
let failed = 0

function step(name, command, commandArgs) {
  console.log(`\n> ${name}`)
  const result = spawnSync(command, commandArgs, {
    cwd: root,
    stdio: 'inherit',
    // A full run may start the real servers it finds missing (see conformance/setup).
    env: { ...process.env, DELTA_TEST_START_SERVERS: filtered ? '0' : '1' },
  })
  return result.status === 0
}

function check(name, command, commandArgs) {
  if (step(name, command, commandArgs)) passed++
  else {
    failed++
    console.log(`FAILED: ${name}`)
  }
}

if (!step('build (tsc -p tsconfig.build.json)', bin('tsc'), ['-p', 'tsconfig.build.json'])) {
  console.log('FAILED: build')
  failed++
}
if (!filtered) {
  check('type check (tsc --noEmit)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])
  check('lint (eslint, prettier --check)', 'npm', ['run', '--silent', 'lint'])
}

const report = path.join(root, '.tmp/vitest-report.json')
mkdirSync(path.dirname(report), { recursive: true })
rmSync(report, { force: true })
const vitestOk = step('vitest run', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...args,
])
if (existsSync(report)) {
  const summary = JSON.parse(readFileSync(report, 'utf8'))
  passed += summary.numPassedTests
  failed += summary.numFailedTests
  // A suite that fails to load (syntax error, failing setup) has no failed *tests*: count it.
  const brokenFiles = (summary.testResults ?? []).filter(
    (file) => file.status === 'failed' && file.assertionResults.every((a) => a.status !== 'failed'),
  ).length
  failed += brokenFiles
  if (summary.numPendingTests + summary.numTodoTests > 0) {
    console.log(
      `(${summary.numPendingTests + summary.numTodoTests} skipped: see the messages above)`,
    )
  }
  if (!vitestOk && summary.numFailedTests === 0 && brokenFiles === 0) failed++
} else {
  console.log('FAILED: vitest produced no report (it crashed or its global setup failed)')
  failed++
}
// The benchmarks at tiny sizes, so the suite never rots (they time nothing here).
if (!filtered)
  check('benchmarks, smoke sizes (bench/run.mjs --smoke)', process.execPath, [
    path.join(root, 'bench/run.mjs'),
    '--smoke',
  ])
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
