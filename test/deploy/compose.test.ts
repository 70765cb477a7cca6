// deploy/docker-compose.yml: its settings checked against the service's own rules, then (no Docker engine here) the
// same stack run as local processes with the file's commands, arguments, environments and healthchecks.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { resolve } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { freePort } from '../support/redis-server.js'
import { composePath, containerCommand, containerEnv, loadCompose, publishedPorts, seconds, sourceOf } from './compose-model.js'
import { startLocalStack } from './compose-stack.js'
import { readStages, repoRoot } from './dockerfile-model.js'
import { checkoutOnce, emulatorUrlIn, runCommand, startChild } from './processes.js'
import { configVariables, shutdownGraceSeconds } from './service-facts.js'

const compose = loadCompose()
const runtime = readStages().at(-1)!
const { redis, 'razorpay-emulator': emulator, payments } = compose.services
const paymentsEnv = containerEnv(payments ?? {}, runtime)
const emulatorEnv = containerEnv(emulator ?? {}, runtime)

t.test('the stack: Redis, the emulator and the service, the last two built from the repository\'s Dockerfile', async t => {
  t.ok(redis, 'a redis service')
  t.ok(emulator, 'a razorpay-emulator service')
  t.ok(payments, 'a payments service')
  t.match(redis.image, /^redis:\d/, 'Redis from the official image, a pinned major version')
  for (const [name, service] of [['payments', payments], ['razorpay-emulator', emulator]] as const) {
    const dockerfile = resolve(composePath, '..', service.build?.context ?? '.', service.build?.dockerfile ?? 'Dockerfile')
    t.equal(dockerfile, resolve(repoRoot, 'Dockerfile'), `${name} is built from the repository's Dockerfile`)
    t.ok(existsSync(dockerfile))
  }
  t.equal(emulator.image, payments.image, 'one image for both')
  t.same(containerCommand(emulator, runtime), ['node', 'dist/src/emulator/cli.js'], 'the emulator is the same image with another command')
  t.same(payments.depends_on, { redis: { condition: 'service_healthy' }, 'razorpay-emulator': { condition: 'service_healthy' } },
    'the service starts once Redis and the emulator are healthy')
})

t.test('Redis runs with AOF (fsync every second), noeviction, a memory limit and a volume for its data', async t => {
  const args = redis.command ?? []
  t.equal(args[0], 'redis-server')
  const option = (name: string): string | undefined => args[args.lastIndexOf(`--${name}`) + 1]
  t.equal(option('appendonly'), 'yes')
  t.equal(option('appendfsync'), 'everysec')
  t.equal(option('maxmemory-policy'), 'noeviction')
  t.match(option('maxmemory'), /^\d+(mb|gb)$/)
  t.ok(redis.volumes?.some(volume => /^[\w-]+:\/data$/.test(volume) && compose.volumes?.[volume.split(':')[0]] !== undefined),
    'a named volume at /data, where the image keeps the AOF')
  t.same(redis.ports, undefined, 'Redis is not published (docker compose exec redis redis-cli)')
})

t.test('the service\'s environment is a valid configuration that falls back to no embedded default', async t => {
  t.same(Object.keys(payments.environment ?? {}).filter(name => !configVariables.has(name)), [],
    'every variable is one the service reads')
  const config = loadConfig(paymentsEnv)
  t.equal(config.NODE_ENV, 'development')
  t.equal(config.REDIS_URL, 'redis://redis:6379', 'the compose Redis, not the embedded store')
  t.equal(config.RAZORPAY_API_URL, 'http://razorpay-emulator:4010', 'the emulator container, not one started in-process')
  t.equal(config.IDEMPOTENCY_REQUIRE_KEY, true, 'the Idempotency-Key required, as in production')
  t.equal(config.REDIS_CHECKS, 'strict', 'not ready on a Redis that breaks the service\'s promises (the local run below proves this one does not)')
  t.equal(config.METRICS_HOST, '0.0.0.0', 'the private listener reachable on the compose network (the image\'s ENV)')
  // Why not production: the only refusal is the plain-http emulator on another host, which is what the comment says.
  t.throws(() => loadConfig({ ...paymentsEnv, NODE_ENV: 'production' }), /RAZORPAY_API_URL must be https/)
  t.doesNotThrow(() => loadConfig({ ...paymentsEnv, NODE_ENV: 'production', RAZORPAY_API_URL: 'https://api.razorpay.com' }),
    'everything else, tokens included, already passes production\'s checks')
  for (const name of ['RAZORPAY_KEY_ID', 'RAZORPAY_KEY_SECRET', 'RAZORPAY_WEBHOOK_SECRET']) {
    t.equal(emulatorEnv[name], paymentsEnv[name], `${name}: the emulator and the service agree`)
  }
  t.equal(emulatorEnv.RAZORPAY_EMULATOR_HOST, '0.0.0.0', 'the emulator listens beyond its container\'s loopback')
  t.equal(new URL(emulatorEnv.RAZORPAY_EMULATOR_WEBHOOK_URL).host, `payments:${paymentsEnv.PORT}`, 'webhooks go to the service')
})

t.test('only the API is published, on the host\'s loopback; the private listener and the emulator\'s Checkout at most there too', async t => {
  const ports = publishedPorts(payments)
  t.ok(ports.some(p => p.containerPort === Number(paymentsEnv.PORT)), 'the API port is published')
  for (const port of ports) {
    t.equal(port.hostIp, '127.0.0.1', `${port.containerPort} is bound to the host's loopback only`)
  }
  t.ok(ports.every(p => p.containerPort === Number(paymentsEnv.PORT) || p.containerPort === Number(paymentsEnv.METRICS_PORT)),
    'nothing else of the service is published')
  // The demo page's browser loads the emulator's Checkout script from the host: published on loopback, at the
  // address the service tells the page.
  const emulatorPorts = publishedPorts(emulator)
  t.same(emulatorPorts.map(p => [p.hostIp, p.containerPort]), [['127.0.0.1', Number(emulatorEnv.RAZORPAY_EMULATOR_PORT)]],
    'the emulator is published on the host\'s loopback only')
  const script = new URL(paymentsEnv.RAZORPAY_CHECKOUT_SCRIPT_URL)
  t.equal(`${script.hostname}:${script.port}`, `localhost:${emulatorPorts[0]?.hostPort ?? '?'}`, "the page loads Checkout from the emulator's published port")
})

t.test('every service has a healthcheck and the service gets longer than its drain to stop', async t => {
  for (const [name, service] of Object.entries(compose.services)) {
    t.ok(Array.isArray(service.healthcheck?.test) && service.healthcheck.test[0] === 'CMD', `${name}: an exec-form healthcheck`)
  }
  t.match(payments.healthcheck?.test.join(' '), '/health/ready', 'the service is healthy once ready (Redis answers)')
  t.ok(seconds(payments.stop_grace_period) > shutdownGraceSeconds(),
    `stop_grace_period ${String(payments.stop_grace_period)} exceeds the ${shutdownGraceSeconds()} s drain`)
})

t.test('the stack as local processes serves a checkout, and its healthchecks pass', async t => {
  // The image runs dist/, built from src/: here the sources run through tsx.
  const stack = await startLocalStack(t, repoRoot, ([node, script, ...args]) => [node, '--import', 'tsx', sourceOf(script), ...args])
  const config = spawnSync('redis-cli', ['-p', String(stack.redis.port), 'CONFIG', 'GET', '*'], { encoding: 'utf8' }).stdout.split('\n')
  const setting = (name: string): string | undefined => config[config.indexOf(name) + 1]
  t.equal(setting('appendonly'), 'yes', 'redis-server took the file\'s arguments')
  t.equal(setting('maxmemory-policy'), 'noeviction')
  t.equal(setting('appendfsync'), 'everysec')
  t.equal(stack.serviceEnv.REDIS_URL, stack.redis.url, 'the service uses that Redis')
  t.equal(stack.serviceEnv.RAZORPAY_API_URL, stack.emulatorUrl, 'and that emulator')
  // Ready under REDIS_CHECKS=strict: the service itself found this Redis persistent and non-evicting.

  await checkoutOnce(t, stack.serviceUrl, stack.emulatorUrl, stack.token)

  // redis-cli reaches the container's 6379 by default: the local one is told the port (before the command).
  const redisCheck = (port: number): string[] => {
    const [cli, ...args] = redis.healthcheck!.test.slice(1)
    return [cli, '-p', String(port), ...args]
  }
  const base = { PATH: process.env.PATH ?? '' }
  const healthchecks: Array<[string, string[], Record<string, string>]> = [
    ['redis', redisCheck(stack.redis.port), base],
    ['razorpay-emulator', emulator.healthcheck!.test.slice(1), stack.emulatorEnv],
    ['payments', payments.healthcheck!.test.slice(1), stack.serviceEnv]
  ]
  for (const [name, command, env] of healthchecks) {
    const result = await runCommand(command, env, repoRoot)
    t.equal(result.code, 0, `${name}'s healthcheck passes against the running process ${result.output}`)
  }
  const closed = await runCommand(payments.healthcheck!.test.slice(1), { ...stack.serviceEnv, PORT: String(await freePort()) }, repoRoot)
  t.not(closed.code, 0, 'the service\'s healthcheck fails where nothing answers')
  t.not((await runCommand(redisCheck(await freePort()), base, repoRoot)).code, 0, 'so does Redis\'')
})

/** A non-loopback IPv4 address of this machine, to tell a wildcard bind from a loopback one. */
function outsideAddress (): string | undefined {
  return Object.values(networkInterfaces()).flat().find(a => a !== undefined && a.family === 'IPv4' && !a.internal)?.address
}

t.test('the emulator CLI listens on RAZORPAY_EMULATOR_HOST, as the compose network needs', { skip: outsideAddress() === undefined && 'no non-loopback interface' }, async t => {
  const port = await freePort()
  await startChild(t, {
    argv: ['node', '--import', 'tsx', 'src/emulator/cli.ts'],
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', RAZORPAY_EMULATOR_HOST: '0.0.0.0', RAZORPAY_EMULATOR_PORT: String(port), LOG_LEVEL: 'warn' },
    ready: output => emulatorUrlIn(output) !== undefined
  })
  const reachable = await new Promise<boolean>(resolve => {
    const socket = connect(port, outsideAddress()!)
    socket.once('connect', () => { socket.end(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
  t.ok(reachable, `the emulator answers on ${String(outsideAddress())}:${port}: src/emulator/cli.ts must pass host: RAZORPAY_EMULATOR_HOST (default 127.0.0.1) to startEmulator`)
})
