// One writer process of the multi-process put-if-absent race. It waits for the start file
// (a barrier, so all processes race together), then creates the key with its own payload
// and prints "won" or the error code.
import { existsSync } from 'node:fs'
import { LocalStore } from '../../../dist/storage/local.js'

const [root, key, id, barrier] = process.argv.slice(2)
while (!existsSync(barrier)) await new Promise((r) => setTimeout(r, 2))
const store = new LocalStore(root)
try {
  await store.put(key, new TextEncoder().encode(`writer-${id};`.repeat(20000)), { mode: 'create' })
  console.log('won')
} catch (error) {
  console.log(error.code ?? String(error))
}
