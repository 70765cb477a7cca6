// The store unreachable: fail closed with 503 STORE_UNAVAILABLE and run nothing; recover without a restart.
import t from 'tap'
import { build } from '../helper.js'
import { startRedisServer } from '../support/redis-server.js'
import { emulator, emulatorEnv, emulatorStats, eventually } from '../support/service.js'

const path = '/api/checkout/create-order'
const seedBody = { variantId: 'test', quantity: 1, amount: 1499 }

t.test('Redis stopped: 503 STORE_UNAVAILABLE with Retry-After and no order; Redis back: requests succeed', async t => {
  // appendonly keeps the seeded catalog across the restart, as a production Redis would.
  const redis = await startRedisServer(['--appendonly', 'yes'])
  t.teardown(async () => await redis.stop())
  const rzp = await emulator(t)
  const app = await build(t, { ...emulatorEnv(rzp), REDIS_URL: redis.url })

  const before = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(before.statusCode, 200)

  await redis.stop()
  const down = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: { 'idempotency-key': 'outage-1' } })
  t.equal(down.statusCode, 503)
  t.equal(down.json().code, 'STORE_UNAVAILABLE')
  t.match(down.headers['retry-after'], /^\d+$/)
  t.same(Object.keys(down.json()).sort(), ['code', 'error', 'message', 'statusCode'])
  const notReady = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(notReady.statusCode, 503)
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'still alive')
  t.equal((await emulatorStats(rzp)).requests, 0, 'nothing reached Razorpay')

  await redis.start()
  await eventually(async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200, 10_000, 100)
  const up = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: { 'idempotency-key': 'outage-1' } })
  t.equal(up.statusCode, 201)
  t.equal((await emulatorStats(rzp)).ordersCreated, 1)
})
