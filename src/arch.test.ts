/**
 * The layer rules of ARCHITECTURE.md, enforced: every import in src/ must point to a layer of
 * strictly lower rank (or stay inside its own layer). Same-rank siblings (storage and
 * protocol; changes and maintenance) never import each other.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'

const srcRoot = import.meta.dirname

/** Rank of each top-level entry of src/. Lower ranks never import higher ones. */
const RANKS: Readonly<Record<string, number>> = {
  'errors.ts': 0,
  util: 0,
  storage: 1,
  protocol: 1,
  engine: 2,
  log: 3,
  snapshot: 4,
  scan: 5,
  transaction: 6,
  changes: 7,
  maintenance: 7,
  table: 8,
  'index.ts': 9,
  demo: 10,
  cli: 10,
}

/** Node built-ins allowed per layer: the rest of the library must run in any JS runtime. */
const NODE_ALLOWED = new Set([
  'storage/local.ts',
  'storage/url.ts',
  'storage/s3.ts',
  'storage/azure.ts',
  'engine',
  'cli',
  'demo',
])

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return sourceFiles(full)
    return name.endsWith('.ts') && !/\.(test|test-util|d)\.ts$/.test(name) ? [full] : []
  })
}

function layerOf(root: string, file: string): string {
  return path.relative(root, file).split(path.sep)[0]!
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers: string[] = []
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    specifiers.push((match[1] ?? match[2])!)
  }
  return specifiers
}

function violations(root: string): string[] {
  const found: string[] = []
  for (const file of sourceFiles(root)) {
    const from = layerOf(root, file)
    const fromRank = RANKS[from]
    const rel = path.relative(root, file)
    if (fromRank === undefined) {
      found.push(`${rel}: top-level entry "${from}" has no rank in arch.test.ts`)
      continue
    }
    for (const spec of importsOf(file)) {
      if (spec.startsWith('node:')) {
        const allowed = [...NODE_ALLOWED].some(
          (p) => rel === p || rel.startsWith(`${p}/`) || rel.startsWith(`${p}${path.sep}`),
        )
        if (!allowed)
          found.push(
            `${rel}: imports ${spec}; Node-only code belongs in storage/local, engine or cli`,
          )
        continue
      }
      if (!spec.startsWith('.')) continue
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts')
      const to = layerOf(root, target)
      if (to === from) continue
      const toRank = RANKS[to]
      if (toRank === undefined || toRank >= fromRank) {
        found.push(
          `${rel}: imports ${spec} (layer ${to}, rank ${toRank ?? '?'}) from layer ${from} (rank ${fromRank})`,
        )
      }
    }
  }
  return found
}

describe('architecture', () => {
  it('imports point only to lower layers, and Node built-ins stay in Node-only layers', () => {
    expect(violations(srcRoot)).toEqual([])
  })

  it('catches sideways, upward and Node-only imports in a planted tree', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'dlts-arch-'))
    try {
      const plant = (file: string, text: string): void => {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
        writeFileSync(path.join(root, file), text)
      }
      plant(
        'storage/a.ts',
        "import { x } from '../protocol/b.js'\nimport { y } from '../errors.js'\n",
      )
      plant(
        'protocol/b.ts',
        "import type { Z } from '../snapshot/c.js'\nimport * as fs from 'node:fs'\n",
      )
      plant('snapshot/c.ts', "export const z = await import('../log/d.js')\n")
      plant('log/d.ts', 'export {}\n')
      plant('errors.ts', 'export {}\n')
      expect(violations(root).map((v) => v.split(':')[0])).toEqual([
        'protocol/b.ts',
        'protocol/b.ts',
        'storage/a.ts',
      ])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
