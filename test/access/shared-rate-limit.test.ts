// RATE_LIMIT_SHARED=true: the request limit (and the failed-authentication limit) counted in Redis through
// @fastify/rate-limit's Redis store, so that it holds across instances; the default counts in each instance's memory.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig } from '../../src/config.js'
import { build, redisServer } from '../helper.js'

const token = 'shop-token-for-the-shared-limit-test'
const limit = 5

async function lookup (app: FastifyInstance, authorization = `Bearer ${token}`): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/api/orders/order_none', headers: { authorization } })).statusCode
}

async function twoInstances (t: Parameters<typeof build>[0], env: Record<string, string>): Promise<[FastifyInstance, FastifyInstance]> {
  const redis = await redisServer(t)
  const shared = { REDIS_URL: redis.url, API_KEYS: `shop:${token}`, RATE_LIMIT_MAX: String(limit), ...env }
  return [await build(t, shared), await build(t, shared)]
}

t.test('with RATE_LIMIT_SHARED=true two instances together admit exactly RATE_LIMIT_MAX, then 429 on either', async t => {
  const [a, b] = await twoInstances(t, { RATE_LIMIT_SHARED: 'true' })
  const statuses: number[] = []
  for (let i = 0; i < limit; i++) statuses.push(await lookup(i % 2 === 0 ? a : b))
  t.same(statuses, Array(limit).fill(404), 'the first RATE_LIMIT_MAX requests, spread over both, are admitted')
  for (const app of [a, b, a, b]) {
    const answer = await app.inject({ method: 'GET', url: '/api/orders/order_none', headers: { authorization: `Bearer ${token}` } })
    t.equal(answer.statusCode, 429)
    t.equal(answer.json().code, 'RATE_LIMITED')
    t.match(answer.headers['retry-after'], /^\d+$/)
  }
  const keys = await a.store.command('keys', ['ratelimit:requests:*']) as string[]
  t.same(keys, ['ratelimit:requests:shop:'], 'one count in Redis, under the limiter\'s namespace')
})

t.test('by default each instance admits RATE_LIMIT_MAX on its own', async t => {
  const [a, b] = await twoInstances(t, {})
  for (const app of [a, b]) {
    for (let i = 0; i < limit; i++) t.equal(await lookup(app), 404)
    t.equal(await lookup(app), 429)
  }
  t.same(await a.store.command('keys', ['ratelimit:*']), [], 'nothing counted in Redis')
})

t.test('with RATE_LIMIT_SHARED=true failed authentications are counted across instances too', async t => {
  const [a, b] = await twoInstances(t, { RATE_LIMIT_SHARED: 'true', RATE_LIMIT_MAX: '1000', AUTH_FAILURES_MAX: '2' })
  t.equal(await lookup(a, 'Bearer guess-1'), 401)
  t.equal(await lookup(b, 'Bearer guess-2'), 401)
  t.equal(await lookup(a), 429, 'blocked on the first instance')
  t.equal(await lookup(b), 429, 'and on the second')
})

t.test('with RATE_LIMIT_SHARED=true and Redis down, the limiter steps aside and the route fails closed with 503', async t => {
  const redis = await redisServer(t)
  const app = await build(t, { REDIS_URL: redis.url, API_KEYS: `shop:${token}`, RATE_LIMIT_SHARED: 'true' })
  t.equal(await lookup(app), 404)
  await redis.stop()
  const answer = await app.inject({ method: 'GET', url: '/api/orders/order_none', headers: { authorization: `Bearer ${token}` } })
  t.equal(answer.statusCode, 503, answer.body)
  t.equal(answer.json().code, 'STORE_UNAVAILABLE')
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
})

t.test('RATE_LIMIT_SHARED=true without Redis stops the start: the embedded store has nothing to share through', async t => {
  t.throws(() => loadConfig({ RATE_LIMIT_SHARED: 'true' }), ConfigError)
  t.throws(() => loadConfig({ RATE_LIMIT_SHARED: 'true' }), /RATE_LIMIT_SHARED=true needs REDIS_URL or REDIS_CLUSTER_NODES/)
  t.equal(loadConfig({ RATE_LIMIT_SHARED: 'true', REDIS_CLUSTER_NODES: 'a:7000' }).RATE_LIMIT_SHARED, true)
  t.equal(loadConfig({}).RATE_LIMIT_SHARED, false)
})
