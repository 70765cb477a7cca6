// Copies the non-TypeScript files the service reads at run time (Lua scripts, the built-in catalog) into dist/.
import { cp, readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'

const roots = ['src', 'plugins']
const assetPattern = /\.(lua|json)$/

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
