import t from 'tap'
import { ConfigError, loadConfig, parseApiKeys, parseClusterNodes } from '../src/config.js'

function configError (env: Record<string, string>): Error | undefined {
  try {
    loadConfig(env)
  } catch (err) {
    return err as Error
  }
}

t.test('applies the contract defaults when nothing is set', async t => {
  const config = loadConfig({})
  t.equal(config.PORT, 4000)
  t.equal(config.HOST, '0.0.0.0')
  t.equal(config.NODE_ENV, 'development')
  t.equal(config.RAZORPAY_API_URL, 'https://api.razorpay.com')
  t.equal(config.IDEMPOTENCY_TTL_SECONDS, 86400)
  t.equal(config.IDEMPOTENCY_LOCK_TTL_SECONDS, 60)
  t.equal(config.IDEMPOTENCY_FALLBACK_TTL_SECONDS, 60)
  t.equal(config.IDEMPOTENCY_REQUIRE_KEY, false)
  t.equal(config.IDEMPOTENCY_MAX_WAIT_SECONDS, 10)
  t.equal(config.RESERVATION_TTL_SECONDS, 900)
  t.equal(config.LOG_LEVEL, 'info')
})

t.test('converts numbers and booleans from strings', async t => {
  const config = loadConfig({ PORT: '8080', IDEMPOTENCY_REQUIRE_KEY: 'true', IDEMPOTENCY_TTL_SECONDS: '120' })
  t.equal(config.PORT, 8080)
  t.equal(config.IDEMPOTENCY_REQUIRE_KEY, true)
  t.equal(config.IDEMPOTENCY_TTL_SECONDS, 120)
})

t.test('treats an empty variable as unset', async t => {
  t.equal(loadConfig({ REDIS_URL: '', PORT: ' ' }).REDIS_URL, undefined)
})

const invalid: Array<[string, Record<string, string>]> = [
  ['IDEMPOTENCY_TTL_SECONDS', { IDEMPOTENCY_TTL_SECONDS: 'ten' }],
  ['IDEMPOTENCY_LOCK_TTL_SECONDS', { IDEMPOTENCY_LOCK_TTL_SECONDS: '0' }],
  ['PORT', { PORT: '70000' }],
  ['API_KEYS', { API_KEYS: 'no-token-here' }],
  ['API_KEYS', { API_KEYS: 'a:one,,b:two' }],
  ['REDIS_URL', { REDIS_URL: 'http://localhost:6379' }],
  ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: 'host-without-port' }],
  ['IDEMPOTENCY_REQUIRE_KEY', { IDEMPOTENCY_REQUIRE_KEY: 'maybe' }],
  ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
  ['NODE_ENV', { NODE_ENV: 'staging' }],
  ['RAZORPAY_KEY_SECRET', { RAZORPAY_KEY_ID: 'rzp_test_x' }]
]
for (const [variable, env] of invalid) {
  t.test(`stops with a message naming ${variable} for ${JSON.stringify(env)}`, async t => {
    const err = configError(env)
    t.ok(err instanceof ConfigError, 'throws a ConfigError')
    t.match(err?.message, variable)
    t.notMatch(err?.message, '\n', 'on one line')
  })
}

t.test('production refuses every embedded default and names each missing variable', async t => {
  const err = configError({ NODE_ENV: 'production' })
  t.ok(err instanceof ConfigError)
  for (const name of ['REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES', 'RAZORPAY_KEY_ID', 'RAZORPAY_KEY_SECRET',
    'RAZORPAY_WEBHOOK_SECRET', 'API_KEYS']) {
    t.match(err?.message, name)
  }
})

t.test('production starts when everything is configured', async t => {
  const config = loadConfig({
    NODE_ENV: 'production',
    REDIS_URL: 'redis://redis:6379',
    RAZORPAY_KEY_ID: 'rzp_live_x',
    RAZORPAY_KEY_SECRET: 'secret',
    RAZORPAY_WEBHOOK_SECRET: 'whsec',
    API_KEYS: 'shop:token-1-0123456789abcdef0123456789abcdef'
  })
  t.equal(config.NODE_ENV, 'production')
})

t.test('parses API_KEYS into token -> client id, keeping colons inside tokens', async t => {
  const clients = parseApiKeys('shop:abc,billing:x:y')
  t.equal(clients.get('abc'), 'shop')
  t.equal(clients.get('x:y'), 'billing')
  t.equal(clients.size, 2)
})

t.test('parses cluster seeds', async t => {
  t.same(parseClusterNodes('10.0.0.1:7000,redis-b:7001'), [{ host: '10.0.0.1', port: 7000 }, { host: 'redis-b', port: 7001 }])
})
