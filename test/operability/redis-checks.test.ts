// The Redis checks: a Redis without AOF and with an evicting policy is logged (once per change) and measured, holds
// readiness at 503 in strict mode only, and passes once fixed; a well-configured Redis passes; memory near maxmemory
// is reported but does not fail readiness; each master of a Cluster is sampled; the embedded store reports no Redis.
import t from 'tap'
import { Redis } from 'ioredis'
import { build, type TestContext } from '../helper.js'
import { startRedisCluster, startRedisServer, type RedisServer } from '../support/redis-server.js'
import { emulator, emulatorEnv, eventually } from '../support/service.js'
import { errorLevel, loggedApp, scrape, series, seriesValue, type LogLine } from './support.js'

const badRedis = ['--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru']
const goodRedis = ['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']

async function redisWith (t: TestContext, args: string[]): Promise<{ server: RedisServer, root: Redis }> {
  const server = await startRedisServer(args)
  const root = new Redis(server.url)
  t.teardown(async () => {
    await root.quit().catch(() => root.disconnect())
    await server.stop()
  })
  return { server, root }
}

const failedChecks = (lines: LogLine[]): unknown[] =>
  lines.filter(line => line.level === errorLevel && line.msg.startsWith('Redis check failed')).map(line => line.check)

async function ready (app: Awaited<ReturnType<typeof build>>): Promise<{ statusCode: number, body: any }> {
  const answer = await app.inject({ method: 'GET', url: '/health/ready' })
  return { statusCode: answer.statusCode, body: answer.json() }
}

t.test('a Redis with appendonly no and allkeys-lru: an error line per failing check, once, the metrics, and readiness 200 in warn mode', async t => {
  const { server } = await redisWith(t, badRedis)
  const rzp = await emulator(t)
  const lines: LogLine[] = []
  const app = await loggedApp(t, { ...emulatorEnv(rzp), REDIS_URL: server.url }, lines)
  const node = `127.0.0.1:${server.port}`

  t.same(failedChecks(lines), ['persistence', 'eviction'], 'checked at start: one error line per failing check')
  const line = lines.find(candidate => candidate.check === 'eviction')
  t.match(line, { problems: [`${node}: maxmemory-policy is allkeys-lru`], mode: 'warn' })
  await app.redisChecks.run()
  await app.redisChecks.run()
  t.equal(failedChecks(lines).length, 2, 'not logged again while the state stays the same')

  const metrics = await scrape(app)
  t.equal(seriesValue(metrics, 'redis_check_failed', { check: 'persistence' }), 1)
  t.equal(seriesValue(metrics, 'redis_check_failed', { check: 'eviction' }), 1)
  t.equal(seriesValue(metrics, 'redis_check_failed', { check: 'memory' }), 0)
  t.equal(seriesValue(metrics, 'redis_aof_enabled', { node }), 0)
  t.equal(seriesValue(metrics, 'redis_maxmemory_bytes', { node }), 0)
  t.ok((seriesValue(metrics, 'redis_used_memory_bytes', { node }) ?? 0) > 0, 'used memory sampled')
  t.ok((seriesValue(metrics, 'redis_keys', { node }) ?? 0) > 0, 'keys counted (the seeded catalog)')
  t.ok((seriesValue(metrics, 'redis_last_sample_timestamp_seconds', { node }) ?? 0) > Date.now() / 1000 - 60)

  const answer = await ready(app)
  t.equal(answer.statusCode, 200, 'warn mode: ready')
  t.same(answer.body, {
    status: 'ok', store: 'redis', razorpay: 'unknown', load: 'ok', redisChecks: { persistence: 'failed', eviction: 'failed', memory: 'ok' }
  })
})

t.test('REDIS_CHECKS=strict: readiness stays 503 on such a Redis from the start, and turns 200 once it is fixed', async t => {
  const { server, root } = await redisWith(t, badRedis)
  const rzp = await emulator(t)
  const lines: LogLine[] = []
  const app = await loggedApp(t, { ...emulatorEnv(rzp), REDIS_URL: server.url, REDIS_CHECKS: 'strict' }, lines)

  for (let i = 0; i < 3; i++) {
    const answer = await ready(app)
    t.equal(answer.statusCode, 503, `probe ${i + 1}: not ready`)
    t.match(answer.body, { status: 'unavailable', store: 'redis', redisChecks: { persistence: 'failed', eviction: 'failed' } })
  }
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'alive: nothing to restart')
  t.match(lines.find(line => line.check === 'persistence'), { mode: 'strict' })

  await root.call('CONFIG', 'SET', 'appendonly', 'yes')
  await root.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')
  // Redis refuses SIGTERM while it writes the first AOF: let it finish, or stopping it in teardown would hang.
  await eventually(async () => /aof_rewrite_in_progress:0/.test(await root.info('persistence')) &&
    /aof_rewrite_scheduled:0/.test(await root.info('persistence')), 30_000, 50)
  await app.redisChecks.run()
  const answer = await ready(app)
  t.equal(answer.statusCode, 200, 'ready once persistence and the policy are right')
  t.same(answer.body.redisChecks, { persistence: 'ok', eviction: 'ok', memory: 'ok' })
  t.same(lines.filter(line => line.msg.startsWith('Redis check passes again')).map(line => line.check), ['persistence', 'eviction'])
  t.equal(seriesValue(await scrape(app), 'redis_check_failed', { check: 'persistence' }), 0)
})

t.test('a Redis with appendonly yes and noeviction passes every check, also in strict mode', async t => {
  const { server } = await redisWith(t, goodRedis)
  const rzp = await emulator(t)
  const lines: LogLine[] = []
  const app = await loggedApp(t, { ...emulatorEnv(rzp), REDIS_URL: server.url, REDIS_CHECKS: 'strict' }, lines)
  t.same(failedChecks(lines), [])
  const answer = await ready(app)
  t.equal(answer.statusCode, 200)
  t.same(answer.body.redisChecks, { persistence: 'ok', eviction: 'ok', memory: 'ok' })
  const metrics = await scrape(app)
  t.same(series(metrics, 'redis_check_failed').map(s => s.value), [0, 0, 0])
  t.equal(seriesValue(metrics, 'redis_aof_enabled', { node: `127.0.0.1:${server.port}` }), 1)
})

t.test('memory at 90% of maxmemory fails the memory check; strict readiness stays 200 (it is every instance\'s Redis)', async t => {
  const { server, root } = await redisWith(t, goodRedis)
  const rzp = await emulator(t)
  const lines: LogLine[] = []
  const app = await loggedApp(t, { ...emulatorEnv(rzp), REDIS_URL: server.url, REDIS_CHECKS: 'strict' }, lines)
  const used = Number(/used_memory:(\d+)/.exec(await root.info('memory'))?.[1])
  await root.call('CONFIG', 'SET', 'maxmemory', String(Math.ceil(used / 0.95)))
  t.teardown(async () => { await root.call('CONFIG', 'SET', 'maxmemory', '0') })
  await app.redisChecks.run()

  t.same(failedChecks(lines), ['memory'])
  const metrics = await scrape(app)
  t.equal(seriesValue(metrics, 'redis_check_failed', { check: 'memory' }), 1)
  t.ok((seriesValue(metrics, 'redis_maxmemory_bytes', { node: `127.0.0.1:${server.port}` }) ?? 0) > 0)
  const answer = await ready(app)
  t.equal(answer.statusCode, 200)
  t.same(answer.body.redisChecks, { persistence: 'ok', eviction: 'ok', memory: 'failed' })
})

t.test('a Redis Cluster: each master is sampled under its own node label', async t => {
  const cluster = await startRedisCluster()
  t.teardown(async () => await cluster.stop())
  const rzp = await emulator(t)
  const app = await build(t, { ...emulatorEnv(rzp), REDIS_CLUSTER_NODES: cluster.nodes.join(',') })
  await app.redisChecks.run() // again: the start's sample came before the catalog was seeded
  const metrics = await scrape(app)
  t.same(series(metrics, 'redis_used_memory_bytes').map(s => s.labels).sort(), cluster.nodes.map(node => `{node="${node}"}`).sort())
  t.equal(series(metrics, 'redis_keys').reduce((sum, s) => sum + s.value, 0) > 0, true, 'the keys, summed over the nodes')
  t.equal(seriesValue(metrics, 'redis_check_failed', { check: 'persistence' }), 1, 'the suite\'s nodes run without AOF')
  t.match((await ready(app)).body, { status: 'ok', store: 'cluster', redisChecks: { persistence: 'failed', eviction: 'ok' } })
})

t.test('the embedded store: no Redis series and no redisChecks in readiness', async t => {
  const app = await build(t)
  const metrics = await scrape(app)
  for (const name of ['redis_used_memory_bytes', 'redis_keys', 'redis_check_failed', 'redis_aof_enabled']) {
    t.same(series(metrics, name), [], `${name} absent`)
  }
  t.equal(seriesValue(metrics, 'redis_sample_failures_total'), 0)
  const answer = await ready(app)
  t.equal(answer.statusCode, 200)
  t.same(answer.body, { status: 'ok', store: 'embedded', razorpay: 'unknown', load: 'ok' })
})
