// Per-client rate limiting: 429 RATE_LIMITED with Retry-After; the rejected request stores nothing.
import t from 'tap'
import { build, redisServer } from './helper.js'
import { emulator, emulatorEnv, emulatorStats } from './support/service.js'

const path = '/api/checkout/create-order'
const body = { variantId: 'test', quantity: 1, amount: 1499 }

t.test('limits each client on its own per instance, and health stays unlimited', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const env = { ...emulatorEnv(rzp), REDIS_URL: redis.url, API_KEYS: 'shop:shop-token,other:other-token', RATE_LIMIT_MAX: '3' }
  const one = await build(t, env)
  const shop = (key: string) => ({ authorization: 'Bearer shop-token', 'idempotency-key': key })
  t.equal((await one.inject({ method: 'POST', url: path, payload: body, headers: shop('rl-1') })).statusCode, 201)
  t.equal((await one.inject({ method: 'POST', url: path, payload: body, headers: shop('rl-2') })).statusCode, 201)
  t.equal((await one.inject({ method: 'POST', url: path, payload: body, headers: shop('rl-3') })).statusCode, 201)
  const limited = await one.inject({ method: 'POST', url: path, payload: body, headers: shop('rl-4') })
  t.equal(limited.statusCode, 429)
  t.equal(limited.json().code, 'RATE_LIMITED')
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.same(Object.keys(limited.json()).sort(), ['code', 'error', 'message', 'statusCode'])
  const other = await one.inject({ method: 'POST', url: path, payload: body, headers: { authorization: 'Bearer other-token', 'idempotency-key': 'rl-1' } })
  t.equal(other.statusCode, 201, 'another client has its own budget')
  for (let i = 0; i < 5; i++) t.equal((await one.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  t.equal((await emulatorStats(rzp)).ordersCreated, 4, 'the limited request created nothing')
  const redisKeys = await one.store.command('keys', ['*rate*']) as string[]
  t.same(redisKeys, [], 'no Redis round trip for the limit')
})
