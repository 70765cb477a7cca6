// Copies the non-TypeScript files the service reads at run time (Lua scripts, the built-in catalog, the browser files
// of the demo page and of the emulator's Checkout) into dist/. Every .js under src/ is such a browser file: sources are .ts.
import { cp, readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'

const roots = ['src', 'plugins']
const assetPattern = /\.(lua|json|html|css|js)$/

async function * walk (dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield * walk(path)
    else if (assetPattern.test(entry.name)) yield path
  }
}

for (const root of roots) {
  for await (const file of walk(root)) {
    await cp(file, join('dist', relative('.', file)))
  }
}
