// The Dockerfile, parsed (dockerfile-ast): stages, user, healthcheck, production dependencies only, NODE_ENV, CMD.
// Then its steps reproduced without Docker, and the service started from that tree: nothing it needs at run time may
// be a dev dependency, and it must write nothing to disk (the Kubernetes manifests run it on a read-only root).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { freePort, startRedisServer } from '../support/redis-server.js'
import { startLocalStack } from './compose-stack.js'
import { copySteps, dockerIgnore, execForm, healthcheck, readStages, repoRoot, runCommands, stageEnv, stageUser } from './dockerfile-model.js'
import { reproduceImage, type ImageTree } from './image-tree.js'
import { checkoutOnce, emulatorUrlIn, readyAt, runCommand, startChild } from './processes.js'
import { writesIn } from './write-trace.js'

const stages = readStages()
const build = stages[0]
const runtime = stages[stages.length - 1]
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>, devDependencies: Record<string, string> }

t.test('builds in one stage and runs in another, both on the same pinned Node image', async t => {
  t.ok(stages.length >= 2, 'at least two stages')
  t.ok(build.name, 'the build stage is named, for COPY --from')
  t.equal(runtime.image, build.image, 'the runtime runs the Node the build compiled with')
  t.match(runtime.image, /^node:\d+[-.\w]*$/, 'an official Node image with its major version pinned (never latest)')
})

t.test('the runtime stage runs as a non-root user', async t => {
  const user = stageUser(runtime)
  t.ok(user, 'a USER')
  t.notOk(['root', '0', '0:0'].includes(String(user).split(':')[0]), `${String(user)} is not root`)
})

t.test('the runtime stage has a HEALTHCHECK on the liveness route, in exec form', async t => {
  const check = healthcheck(runtime)
  t.ok(check, 'a HEALTHCHECK')
  t.equal(check?.command[0], 'node', 'node itself: the slim image has no curl')
  t.match(check?.command.join(' '), '/health/live')
  for (const flag of ['interval', 'timeout', 'retries']) t.ok(check?.flags[flag], `--${flag} is set`)
})

t.test('NODE_ENV=production in the runtime stage', async t => {
  t.equal(stageEnv(runtime).NODE_ENV, 'production')
})

t.test('the runtime stage holds production dependencies and the built dist only', async t => {
  const copies = copySteps(runtime)
  const copied = copies.flatMap(c => c.sources.map(s => s.replace(/^\/app\//, '')))
  t.same(copies.filter(c => c.from !== build.name), [], 'everything comes from the build stage')
  t.same(copied.filter(s => !['package.json', 'node_modules', 'dist'].includes(s)), [], 'nothing but package.json, node_modules and dist')
  t.ok(copied.includes('dist') && copied.includes('node_modules'))
  const commands = runCommands(build).flat().map(command => command.join(' '))
  const built = commands.findIndex(c => /^npm run build\b/.test(c))
  const pruned = commands.findIndex(c => /^npm prune .*--omit=dev\b/.test(c))
  t.ok(built >= 0 && pruned > built, 'the build stage prunes dev dependencies after building')
  t.same(commands.slice(pruned + 1).filter(c => /^npm (ci|install|i)\b/.test(c)), [], 'and installs nothing after')
  t.same(runCommands(runtime), [], 'the runtime stage installs nothing itself')
})

t.test('CMD runs node on the built server directly, so SIGTERM reaches the graceful shutdown', async t => {
  const cmd = execForm(runtime, 'CMD')
  t.equal(cmd?.[0], 'node', 'not npm, not a shell')
  t.match(cmd?.[1], /^dist\/.+\.js$/)
  t.equal(execForm(runtime, 'ENTRYPOINT'), null, 'no ENTRYPOINT in front of it')
  t.same(runtime.instructions.filter(i => i.getKeyword() === 'STOPSIGNAL'), [], 'SIGTERM stays the stop signal')
})

t.test('.dockerignore keeps node_modules, dist and test data out of the context, and what COPY needs in', async t => {
  const ignored = dockerIgnore()
  for (const path of ['node_modules', 'dist', '.git', '.tap', '.redis-test', 'test/deploy/compose.test.ts', 'bench/results.json', 'deploy/docker-compose.yml', '.env']) {
    t.ok(ignored(path), `${path} is not sent to the builder`)
  }
  for (const source of stages.flatMap(stage => copySteps(stage)).filter(c => c.from === null).flatMap(c => c.sources)) {
    t.notOk(ignored(source), `${source} (copied by the build) is in the context`)
    t.ok(existsSync(join(repoRoot, source)), `${source} exists`)
  }
})

let tree: ImageTree | undefined

const teardown = t.teardown.bind(t)

t.test('the image\'s steps reproduced: the build stage compiles, the runtime tree holds no dev dependency', async t => {
  const root = mkdtempSync(join(tmpdir(), 'image-'))
  // Kept until the whole file is done: the tests below run the tree.
  teardown(() => {
    // The build stage's node_modules is a link to the repository's: unlink it, never delete through it.
    if (existsSync(join(root, 'build/node_modules'))) unlinkSync(join(root, 'build/node_modules'))
    rmSync(root, { recursive: true, force: true })
  })
  const started = Date.now()
  tree = await reproduceImage(build, runtime, root)
  t.comment(`${tree.steps.join('; ')} (${Math.round((Date.now() - started) / 1000)} s)`)
  t.ok(existsSync(join(tree.app, execForm(runtime, 'CMD')![1])), 'CMD\'s script is in the tree')
  const installed = new Set(readdirSync(join(tree.app, 'node_modules')).flatMap(name => name.startsWith('@')
    ? readdirSync(join(tree!.app, 'node_modules', name)).map(scoped => `${name}/${scoped}`)
    : [name]))
  t.same(Object.keys(pkg.dependencies).filter(name => !installed.has(name)), [], 'every dependency is installed')
  // A dev dependency may be there because a production one needs it too (yaml, for @fastify/swagger): the lockfile
  // marks what only development needs.
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> }
  t.same([...installed].filter(name => lock.packages[`node_modules/${name}`]?.dev === true), [], 'nothing only development needs')
  t.ok(['typescript', 'tsx', 'tap'].every(name => !installed.has(name)), 'no compiler, no test runner')
  t.notOk(existsSync(join(tree.app, 'src')) || existsSync(join(tree.app, 'test')), 'no sources or tests')
})

t.test('the reproduced tree, as the image runs it: serves a checkout, passes its HEALTHCHECK, writes nothing, stops on SIGTERM', async t => {
  if (tree === undefined) return t.fail('no reproduced tree')
  const app = tree.app
  const redis = await startRedisServer(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction'])
  t.teardown(async () => await redis.stop())
  const servicePort = await freePort()
  const keys = { RAZORPAY_KEY_ID: 'rzp_test_image', RAZORPAY_KEY_SECRET: 'image-key-secret', RAZORPAY_WEBHOOK_SECRET: 'image-webhook-secret' }
  const emulator = await startChild(t, {
    argv: ['node', 'dist/src/emulator/cli.js'],
    cwd: app,
    env: { PATH: process.env.PATH ?? '', ...keys, RAZORPAY_EMULATOR_PORT: '0', RAZORPAY_EMULATOR_WEBHOOK_URL: `http://127.0.0.1:${servicePort}/api/webhooks/razorpay` },
    ready: output => emulatorUrlIn(output) !== undefined
  })
  const emulatorUrl = emulatorUrlIn(emulator.output())!
  // Production wants a catalog of its own: the development one is not loaded there.
  const catalog = join(app, '..', 'catalog.json')
  writeFileSync(catalog, JSON.stringify({ test: { price: 1499, currency: 'INR', stock: 1000 } }))
  const token = 'image-storefront-token-0123456789abcdef'
  const env = {
    PATH: process.env.PATH ?? '',
    ...stageEnv(runtime),
    HOST: '127.0.0.1',
    METRICS_HOST: '127.0.0.1',
    PORT: String(servicePort),
    METRICS_PORT: String(await freePort()),
    REDIS_URL: redis.url,
    ...keys,
    RAZORPAY_API_URL: emulatorUrl,
    API_KEYS: `storefront:${token}`,
    CATALOG_FILE: catalog
  }
  const trace = join(app, '..', 'service.trace')
  const strace = spawnSync('strace', ['-V']).status === 0
  const traced = (command: string[]): string[] => ['strace', '-f', '-qq', '--seccomp-bpf', '-o', trace, '-e', 'trace=%file,truncate', ...command]
  if (strace) {
    // The trace and its reading catch a write when there is one.
    await runCommand(traced([process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(join(app, '..', 'probe'))}, 'x')`]), { PATH: env.PATH }, app)
    t.match(writesIn(readFileSync(trace, 'utf8')), [/openat\(.*probe.*O_CREAT/], 'a traced write is found')
  }
  const argv = execForm(runtime, 'CMD')!.map(word => word === 'node' ? process.execPath : word)
  const service = await startChild(t, {
    argv: strace ? traced(argv) : argv,
    cwd: app,
    env,
    ready: readyAt(`http://127.0.0.1:${servicePort}`)
  })
  await checkoutOnce(t, `http://127.0.0.1:${servicePort}`, emulatorUrl, token)
  const check = await runCommand(healthcheck(runtime)!.command, env, app)
  t.equal(check.code, 0, `the image's HEALTHCHECK passes ${check.output}`)

  // Node itself: under strace, the tracer's child (env -i execs, so no process in between).
  const node = strace ? Number(readFileSync(`/proc/${service.pid}/task/${service.pid}/children`, 'utf8').trim().split(' ')[0]) : service.pid
  t.comment(`resident memory after start and one checkout: ${/VmRSS:\s*(.*)/.exec(readFileSync(`/proc/${node}/status`, 'utf8'))?.[1] ?? '?'}`)
  // SIGTERM to node itself: the graceful shutdown exits 0 (strace exits as its tracee did).
  process.kill(node, 'SIGTERM')
  t.equal(await service.stop(), 0, `exits 0 after SIGTERM ${service.output().slice(-2000)}`)
  if (!strace) return t.pass('file writes', { skip: 'strace is not installed: not traced' })
  const calls = readFileSync(trace, 'utf8')
  t.match(calls, /openat\(.*\.lua", O_RDONLY/, 'the trace followed the service (it read its Lua scripts)')
  t.same(writesIn(calls), [], 'no file written, created, renamed or removed outside /dev, /proc and /sys')
})

t.test('the compose stack\'s configuration (NODE_ENV=development) runs on the same tree', async t => {
  if (tree === undefined) return t.fail('no reproduced tree')
  const stack = await startLocalStack(t, tree.app, argv => argv)
  await checkoutOnce(t, stack.serviceUrl, stack.emulatorUrl, stack.token)
  // Outside production the demo page is on: its client module is the compiled one (no TypeScript in the image).
  for (const path of ['/demo', '/demo/checkout.js', '/demo/client/index.js', '/demo/client/key-store.js']) {
    const answer = await fetch(`${stack.serviceUrl}${path}`)
    t.equal(answer.status, 200, `${path} is served from dist`)
    if (path === '/demo/client/index.js') t.match(await answer.text(), /class PaymentClient/)
    else await answer.arrayBuffer()
  }
})
