#!/usr/bin/env node
// Keeps package-lock.json installable with `npm ci` on every platform.
//
// The registry mirror of our build machines serves only the Linux builds of DuckDB's native
// bindings (a test-only dependency). `npm install` then leaves the other platforms' optional
// packages out of the lock file, and `npm ci` refuses the lock as "not in sync". This script
// writes the missing entries back (platform-restricted and optional, so npm skips them on a
// machine they do not fit). Run it after any `npm install` that rewrites the lock file:
//
//   node scripts/lock-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs'

const LOCK = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(LOCK, 'utf8'))
const packages = lock.packages

/** `@duckdb/node-bindings-<os>-<cpu>[-musl]` → the platform fields npm records for it. */
function platformOf(name) {
  const m = /-(darwin|linux|win32)-(arm64|x64)(-musl)?$/.exec(name)
  if (!m) return undefined
  const [, os, cpu, musl] = m
  const libc = os === 'linux' ? { libc: [musl ? 'musl' : 'glibc'] } : {}
  return { cpu: [cpu], ...libc, os: [os] }
}

let added = 0
const out = {}
for (const [key, entry] of Object.entries(packages)) {
  out[key] = entry
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const depKey = `node_modules/${dep}`
    const platform = platformOf(dep)
    if (packages[depKey] || out[depKey] || !platform) continue
    out[depKey] = {
      version,
      cpu: platform.cpu,
      dev: entry.dev,
      ...(platform.libc ? { libc: platform.libc } : {}),
      license: entry.license,
      optional: true,
      os: platform.os,
    }
    added++
  }
}
lock.packages = out
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n')
console.log(`lock-platforms: ${added} platform entr${added === 1 ? 'y' : 'ies'} added`)
