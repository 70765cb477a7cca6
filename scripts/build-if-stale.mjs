// `npm start` builds only when a source changed since the last build it made: a second start skips tsc (tens of
// seconds) and starts at once. Plain JavaScript, so that it runs before anything is built and without tsx.
// Run as a script: checks, builds with `npm run build` if needed, and records the build in dist/.build-stamp.
import { spawnSync } from 'node:child_process'
import { readdir, stat, utimes, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** What the build reads (tsconfig.build.json's include, the configs, the dependencies, the asset copier). */
export const buildSources = ['src', 'plugins', 'schemas', 'client', 'tsconfig.json', 'tsconfig.build.json', 'package.json',
  'package-lock.json', 'scripts/copy-assets.mjs']

/** Written after a build this script ran; its mtime is when that build started. */
export const stampPath = 'dist/.build-stamp'

/** The newest mtime under `path`, directories included (a deleted or renamed file changes its directory's). */
async function newest (path) {
  let info
  try {
    info = await stat(path)
  } catch (err) {
    if (err.code === 'ENOENT') return undefined
    throw err
  }
  let found = { path, mtimeMs: info.mtimeMs }
  if (!info.isDirectory()) return found
  for (const entry of await readdir(path)) {
    const inner = await newest(join(path, entry))
    if (inner !== undefined && inner.mtimeMs > found.mtimeMs) found = inner
  }
  return found
}

/**
 * Whether dist/ was built (by this script) after the last change to any source under `root`.
 * @param {string} root
 * @param {{ sources?: string[], stamp?: string }} [options]
 * @returns {Promise<{ upToDate: boolean, reason: string }>}
 */
export async function buildState (root, options = {}) {
  const sources = options.sources ?? buildSources
  const stamp = join(root, options.stamp ?? stampPath)
  let latest
  for (const source of sources) {
    const found = await newest(join(root, source))
    if (found !== undefined && (latest === undefined || found.mtimeMs > latest.mtimeMs)) latest = found
  }
  const built = await stat(stamp).catch(() => undefined)
  if (built === undefined) {
    // A production tree (dist, package.json and node_modules) has nothing to build from, nor a compiler to build with.
    const productionTree = !(await hasSourceDirectory(root)) && await stat(join(root, 'dist/src/server.js')).then(() => true, () => false)
    return productionTree
      ? { upToDate: true, reason: 'no sources to build from: dist/ runs as it is' }
      : { upToDate: false, reason: `no ${relative(root, stamp)}: not built by npm start yet` }
  }
  if (latest === undefined || latest.mtimeMs <= built.mtimeMs) return { upToDate: true, reason: 'dist/ is newer than every source file' }
  return { upToDate: false, reason: `${relative(root, latest.path)} changed after the last build` }
}

async function hasSourceDirectory (root) {
  for (const directory of ['src', 'plugins', 'schemas']) {
    if ((await stat(join(root, directory)).catch(() => undefined))?.isDirectory() === true) return true
  }
  return false
}

/** Records a successful build that started at `startedAt`: a source saved during the build makes the next start rebuild. */
export async function markBuilt (root, startedAt, stamp = stampPath) {
  const path = join(root, stamp)
  await writeFile(path, `built by scripts/build-if-stale.mjs; the build started at ${startedAt.toISOString()}\n`)
  await utimes(path, startedAt, startedAt)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const state = await buildState(root)
  if (state.upToDate) {
    process.stderr.write(`build skipped: ${state.reason}\n`)
  } else {
    process.stderr.write(`building: ${state.reason}\n`)
    const startedAt = new Date()
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
    if (build.status !== 0) process.exit(build.status ?? 1)
    await markBuilt(root, startedAt)
  }
}
