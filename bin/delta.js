#!/usr/bin/env node
// The `delta` command (package.json "bin"). The CLI itself is TypeScript in src/cli/, compiled
// to dist/ by `npm run build` (which `npm ci` runs through the `prepare` script).
import { existsSync } from 'node:fs'

const entry = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write("delta: the CLI is not built yet. Run 'npm run build' first.\n")
  process.exit(1)
}
const { main } = await import(entry.href)
await main()
