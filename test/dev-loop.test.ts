// The development loop: readable logs only for a developer at a terminal, JSON everywhere else; `npm start` rebuilds
// only what changed since its last build.
import t from 'tap'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildState, markBuilt, stampPath } from '../scripts/build-if-stale.mjs'
import { loadConfig } from '../src/config.js'
import { loggerOptions, redactedPaths, resolvePinoPretty } from '../src/logger.js'

const pretty = '/somewhere/node_modules/pino-pretty/index.js'
const development = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'debug' })
const productionEnv = {
  REDIS_URL: 'redis://redis:6379',
  RAZORPAY_KEY_ID: 'rzp_live_x',
  RAZORPAY_KEY_SECRET: 'secret',
  RAZORPAY_WEBHOOK_SECRET: 'whsec',
  API_KEYS: 'shop:token-1-0123456789abcdef0123456789abcdef'
}

t.test('pino-pretty only in development, on a terminal, when it is installed', async t => {
  const options = loggerOptions(development, { isTTY: true, prettyTarget: () => pretty }) as Record<string, any>
  t.match(options, { level: 'debug', transport: { target: pretty } })
  t.same(options.redact.paths, redactedPaths, 'secrets are redacted before the pretty printer sees them')

  const json = (config: typeof development, isTTY: boolean, target: string | undefined): Record<string, any> =>
    loggerOptions(config, { isTTY, prettyTarget: () => target }) as Record<string, any>
  t.equal(json(development, false, pretty).transport, undefined, 'piped or in a container: JSON')
  t.equal(json(development, true, undefined).transport, undefined, 'pino-pretty not installed (a production image): JSON')
  for (const NODE_ENV of ['production', 'test']) {
    const config = loadConfig({
      NODE_ENV,
      LOG_LEVEL: 'info',
      ...(NODE_ENV === 'production' ? productionEnv : {})
    })
    const options = json(config, true, pretty)
    t.equal(options.transport, undefined, `${NODE_ENV} on a terminal: JSON`)
    t.same(options.redact.paths, redactedPaths)
  }
})

t.test('pino-pretty resolves here, where it is a dev dependency', async t => {
  const target = resolvePinoPretty()
  t.ok(target !== undefined && existsSync(target), String(target))
})

/** A fake project: sources and configs at `sourceTime`, a dist/ with the service. Times are explicit: no clock races. */
async function fakeTree (t: { teardown: (fn: () => unknown) => void }, sourceTime: Date): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'build-state-'))
  t.teardown(async () => await rm(root, { recursive: true, force: true }))
  const files = ['src/app.ts', 'src/idempotency/acquire.lua', 'plugins/auth.ts', 'schemas/common.ts', 'client/index.ts',
    'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json', 'scripts/copy-assets.mjs', 'dist/src/server.js']
  for (const file of files) {
    await mkdir(join(root, file, '..'), { recursive: true })
    await writeFile(join(root, file), '// fake\n')
  }
  for (const path of [...files, 'src/idempotency', 'src', 'plugins', 'schemas', 'client', 'scripts']) {
    await utimes(join(root, path), sourceTime, sourceTime)
  }
  return root
}

const at = (minutes: number): Date => new Date(Date.UTC(2026, 0, 15, 10, minutes))

t.test('the build is up to date right after a build, and stale once a source file changes', async t => {
  const root = await fakeTree(t, at(0))
  t.match(await buildState(root), { upToDate: false, reason: /not built by npm start/ }, 'never built by npm start')

  await markBuilt(root, at(5))
  t.same(await buildState(root), { upToDate: true, reason: 'dist/ is newer than every source file' })
  t.match(await readFile(join(root, stampPath), 'utf8'), '2026-01-15T10:05:00.000Z')

  await utimes(join(root, 'src/idempotency/acquire.lua'), at(6), at(6))
  t.same(await buildState(root), { upToDate: false, reason: 'src/idempotency/acquire.lua changed after the last build' })

  await markBuilt(root, at(7))
  t.equal((await buildState(root)).upToDate, true, 'rebuilt')
})

t.test('a source saved while the build ran makes the next start rebuild', async t => {
  const root = await fakeTree(t, at(0))
  // The build started at 10:05; the file was saved at 10:05:30, after tsc had read it.
  await utimes(join(root, 'plugins/auth.ts'), new Date(at(5).getTime() + 30_000), new Date(at(5).getTime() + 30_000))
  await markBuilt(root, at(5))
  t.match(await buildState(root), { upToDate: false, reason: 'plugins/auth.ts changed after the last build' })
})

t.test('a deleted source, a new dependency or a changed tsconfig makes the build stale', async t => {
  for (const [change, expected] of [
    [async (root: string) => { await rm(join(root, 'schemas/common.ts')); await utimes(join(root, 'schemas'), at(9), at(9)) }, 'schemas'],
    [async (root: string) => await utimes(join(root, 'package-lock.json'), at(9), at(9)), 'package-lock.json'],
    [async (root: string) => await utimes(join(root, 'tsconfig.build.json'), at(9), at(9)), 'tsconfig.build.json']
  ] as const) {
    const root = await fakeTree(t, at(0))
    await markBuilt(root, at(5))
    await change(root)
    t.same(await buildState(root), { upToDate: false, reason: `${expected} changed after the last build` })
  }
})

t.test('a production tree (dist and package.json, no sources) runs as it is', async t => {
  const root = await fakeTree(t, at(0))
  for (const directory of ['src', 'plugins', 'schemas', 'client']) await rm(join(root, directory), { recursive: true })
  t.match(await buildState(root), { upToDate: true, reason: /no sources/ })
})

t.test('npm start builds through the check, then runs the built service', async t => {
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
  t.equal(manifest.scripts.start, 'node scripts/build-if-stale.mjs && node dist/src/server.js')
})
