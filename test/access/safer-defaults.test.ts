// Safer defaults: production requires an Idempotency-Key, refuses a plain-HTTP Razorpay API and warns about a non-TLS
// Redis across a network; every API answer carries Cache-Control: no-store (errors and replays too) and helmet's
// security headers; the docs UI still loads under its own content security policy.
import t, { type Test } from 'tap'
import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildApp } from '../../src/build-app.js'
import { configWarnings, loadConfig } from '../../src/config.js'
import { build, configRefusal, redisServer, testEnv, type TestContext } from '../helper.js'
import { emulator, emulatorEnv } from '../support/service.js'

const token = 'shop-token-for-the-safer-defaults-test'
const auth = { authorization: `Bearer ${token}` }
const createOrder = { method: 'POST' as const, url: '/api/checkout/create-order', payload: { variantId: 'test', quantity: 1, amount: 1499 } }

async function productionEnv (t: TestContext): Promise<Record<string, string>> {
  const redis = await redisServer(t)
  const rzp = await emulator(t)
  return { NODE_ENV: 'production', REDIS_URL: redis.url, ...emulatorEnv(rzp), API_KEYS: `shop:${token}` }
}

t.test('production without an Idempotency-Key answers 400 IDEMPOTENCY_KEY_MISSING on create-order', async t => {
  const app = await build(t, await productionEnv(t))
  const answer = await app.inject({ ...createOrder, headers: auth })
  t.equal(answer.statusCode, 400)
  t.equal(answer.json().code, 'IDEMPOTENCY_KEY_MISSING')
  t.equal(answer.headers['cache-control'], 'no-store')
})

t.test('IDEMPOTENCY_REQUIRE_KEY: true by default in production, false elsewhere, and always a boolean', async t => {
  const env = await productionEnv(t)
  t.equal(loadConfig(env).IDEMPOTENCY_REQUIRE_KEY, true)
  t.equal(loadConfig({ ...env, IDEMPOTENCY_REQUIRE_KEY: 'false' }).IDEMPOTENCY_REQUIRE_KEY, false, 'an explicit false is kept')
  t.equal(loadConfig({}).IDEMPOTENCY_REQUIRE_KEY, false)
  t.equal(loadConfig({ NODE_ENV: 'test' }).IDEMPOTENCY_REQUIRE_KEY, false)
  t.equal(loadConfig({ IDEMPOTENCY_REQUIRE_KEY: 'true' }).IDEMPOTENCY_REQUIRE_KEY, true)
})

t.test('production refuses an http:// RAZORPAY_API_URL except to a loopback host', async t => {
  const base = { NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6380', RAZORPAY_KEY_ID: 'rzp_live_x', RAZORPAY_KEY_SECRET: 's', RAZORPAY_WEBHOOK_SECRET: 'w', API_KEYS: `shop:${token}` }
  t.match(configRefusal({ ...base, RAZORPAY_API_URL: 'http://api.razorpay.com' })?.message, /RAZORPAY_API_URL must be https:\/\//)
  t.match(configRefusal({ ...base, RAZORPAY_API_URL: 'http://10.0.0.8:8080' })?.message, /RAZORPAY_API_URL/)
  for (const url of ['https://api.razorpay.com', 'http://127.0.0.1:4010', 'http://localhost:4010', 'http://[::1]:4010']) {
    t.equal(configRefusal({ ...base, RAZORPAY_API_URL: url }), undefined, url)
  }
  t.equal(configRefusal({ RAZORPAY_API_URL: 'http://razorpay-emulator:4010' }), undefined, 'outside production anything goes')
})

t.test('a redis:// URL or cluster seed to a non-loopback host is warned about; loopback and rediss:// are not', async t => {
  const warn = (env: Record<string, string>): string[] => configWarnings(loadConfig(env))
  t.match(warn({ REDIS_URL: 'redis://redis.internal:6379' }), [/REDIS_URL: redis:\/\/ \(no TLS\) to the non-loopback host redis\.internal/])
  t.match(warn({ REDIS_URL: 'redis://10.1.2.3:6379/0' }), [/10\.1\.2\.3/])
  t.match(warn({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,10.0.0.2:7001,cache-b:7002' }), [/REDIS_CLUSTER_NODES: .* 10\.0\.0\.2, cache-b$/])
  for (const url of ['rediss://redis.internal:6380', 'redis://127.0.0.1:6379', 'redis://localhost:6379', 'redis://[::1]:6379', 'redis://127.1.2.3:6379']) {
    t.same(warn({ REDIS_URL: url }), [], url)
  }
  t.same(warn({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,localhost:7001' }), [])
})

t.test('the warning is logged at start', async t => {
  // 0.0.0.0 is not a loopback address, yet on Linux a connection to it reaches this machine's redis-server.
  const redis = await redisServer(t)
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  const app = await buildApp({ config: loadConfig({ ...testEnv, REDIS_URL: redis.url.replace('127.0.0.1', '0.0.0.0') }), logger: { level: 'warn', stream } })
  t.teardown(async () => await app.close())
  await app.ready()
  t.ok(lines.some(line => /REDIS_URL: redis:\/\/ \(no TLS\) to the non-loopback host 0\.0\.0\.0/.test(line)), lines.join(''))
})

function expectSecurityHeaders (t: Test, headers: Record<string, unknown>, label: string): void {
  t.equal(headers['x-content-type-options'], 'nosniff', `${label}: nosniff`)
  t.equal(headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", `${label}: an API's CSP`)
  t.equal(headers['x-frame-options'], 'DENY', `${label}: no framing`)
  t.match(headers['strict-transport-security'], /max-age=\d+/, `${label}: HSTS`)
  t.equal(headers['cache-control'], 'no-store', `${label}: no-store`)
}

t.test('API answers carry Cache-Control: no-store and the security headers: created, replayed, refused', async t => {
  const redis = await redisServer(t)
  const rzp = await emulator(t)
  const env = { REDIS_URL: redis.url, ...emulatorEnv(rzp), API_KEYS: `shop:${token}` }
  const first = await build(t, env)
  const second = await build(t, env)
  const headers = { ...auth, 'idempotency-key': 'no-store-1' }
  const created = await first.inject({ ...createOrder, headers })
  t.equal(created.statusCode, 201)
  expectSecurityHeaders(t, created.headers, 'create-order 201')

  const fromCache = await first.inject({ ...createOrder, headers })
  const fromRedis = await second.inject({ ...createOrder, headers })
  for (const [label, replay] of [['replay from the local cache', fromCache], ['replay from Redis', fromRedis]] as const) {
    t.equal(replay.headers['idempotent-replayed'], 'true', label)
    t.equal(replay.body, created.body, label)
    expectSecurityHeaders(t, replay.headers, label)
  }

  const refusals: Array<[string, FastifyInstance, InjectOptions]> = [
    ['401', first, { ...createOrder, headers: { 'idempotency-key': 'no-store-2' } }],
    ['422 IDEMPOTENCY_KEY_REUSED', first, { ...createOrder, payload: { ...createOrder.payload, quantity: 2, amount: 2998 }, headers }],
    ['404 ORDER_NOT_FOUND', first, { method: 'GET', url: '/api/orders/order_none', headers: auth }],
    ['404 unknown /api/ route', first, { method: 'GET', url: '/api/nothing-here' }]
  ]
  for (const [label, app, request] of refusals) {
    const answer = await app.inject(request)
    t.equal(answer.statusCode, Number(label.slice(0, 3)), `${label}: ${answer.body}`)
    expectSecurityHeaders(t, answer.headers, label)
  }
})

t.test('the docs UI loads under its own policy: the page and every asset it names answer 200', async t => {
  const app = await build(t, {})
  const page = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /script-src 'self'/, 'its own scripts')
  t.match(csp, /style-src 'self'/, 'its own styles')
  t.notMatch(csp, /upgrade-insecure-requests/, 'usable over plain http')
  t.equal(page.headers['x-content-type-options'], 'nosniff')
  const assets = [...page.body.matchAll(/(?:src|href)="\.\/(static\/[^"]+)"/g)].map(match => match[1])
  t.ok(assets.length >= 5, `the page names ${assets.join(', ')}`)
  for (const asset of assets) {
    const answer = await app.inject({ method: 'GET', url: `/docs/${asset}` })
    t.equal(answer.statusCode, 200, asset)
  }
  const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  t.match(initializer.body, /validatorUrl.*null/s, 'the document\'s URL is never sent to an outside validator')
  t.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200, 'the document the UI fetches')
})
