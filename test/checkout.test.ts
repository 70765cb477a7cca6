// create-order: server-side pricing, atomic reservation, compensation, expiry, sessions and notes (issue 4).
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, redisServer, type TestContext } from './helper.js'
import { addFault, emulator, emulatorEnv, emulatorOrders, emulatorStats, listen, post } from './support/service.js'
import { expiredAndSwept, expiredInAudit } from './support/money.js'

const path = '/api/checkout/create-order'
const admin = { authorization: 'Bearer admin-token-for-tests' }
const shop = { authorization: 'Bearer shop-token' }

async function setup (t: TestContext, extra: Record<string, string> = {}) {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const env = { ...emulatorEnv(rzp), REDIS_URL: redis.url, API_KEYS: 'shop:shop-token,other:other-token', ADMIN_TOKEN: 'admin-token-for-tests', ...extra }
  const app = await build(t, env)
  return { rzp, redis, env, app }
}

async function putVariant (app: FastifyInstance, variantId: string, body: Record<string, unknown>) {
  const response = await app.inject({ method: 'PUT', url: `/api/admin/variants/${variantId}`, payload: body, headers: admin })
  if (response.statusCode !== 200) throw new Error(`PUT variant: ${response.statusCode} ${response.body}`)
  return response.json()
}

async function variant (app: FastifyInstance, variantId: string) {
  return (await app.inject({ method: 'GET', url: `/api/admin/variants/${variantId}`, headers: admin })).json()
}

t.test('the seed example works on embedded defaults and its duplicate is replayed', async t => {
  const app = await build(t, {})
  const request = { method: 'POST' as const, url: path, payload: { variantId: 'test', quantity: 1, amount: 1499 }, headers: { 'idempotency-key': 'test-123' } }
  const first = await app.inject(request)
  t.equal(first.statusCode, 201)
  const body = first.json()
  t.match(body, { orderId: /^order_/, keyId: 'rzp_test_emulator', amount: 1499, currency: 'INR', status: 'created' })
  t.equal(body.orderId, body.razorpayOrderId)
  t.ok(body.receipt.length <= 40)
  t.ok(Date.parse(body.reservationExpiresAt) > Date.now())
  const second = await app.inject(request)
  t.equal(second.headers['idempotent-replayed'], 'true')
  t.equal(second.body, first.body)
})

t.test('bad requests get a clear 4xx, reserve nothing and send nothing to Razorpay', async t => {
  const { app, rzp } = await setup(t)
  await putVariant(app, 'shirt', { price: 50000, currency: 'INR', stock: 10 })
  const cases: Array<[string, unknown, number, string]> = [
    ['wrong amount', { variantId: 'shirt', quantity: 2, amount: 50000 }, 422, 'AMOUNT_MISMATCH'],
    ['unknown variant', { variantId: 'nope', quantity: 1, amount: 1499 }, 404, 'VARIANT_NOT_FOUND'],
    ['zero quantity', { variantId: 'shirt', quantity: 0, amount: 0 }, 400, 'FST_ERR_VALIDATION'],
    ['huge quantity', { variantId: 'shirt', quantity: 101, amount: 5050000 }, 400, 'FST_ERR_VALIDATION'],
    ['more than in stock', { variantId: 'shirt', quantity: 11, amount: 550000 }, 422, 'INSUFFICIENT_STOCK'],
    ['extra property', { variantId: 'shirt', quantity: 1, amount: 50000, price: 1 }, 400, 'FST_ERR_VALIDATION'],
    ['wrong types', { variantId: 'shirt', quantity: '1', amount: 50000 }, 400, 'FST_ERR_VALIDATION'],
    ['fractional amount', { variantId: 'shirt', quantity: 1, amount: 500.5 }, 400, 'FST_ERR_VALIDATION'],
    ['missing fields', { variantId: 'shirt' }, 400, 'FST_ERR_VALIDATION'],
    ['another currency', { variantId: 'shirt', quantity: 1, amount: 50000, currency: 'USD' }, 400, 'FST_ERR_VALIDATION'],
    ['not an object', [1, 2], 400, 'FST_ERR_VALIDATION']
  ]
  for (const [name, payload, status, code] of cases) {
    const response = await app.inject({ method: 'POST', url: path, payload: payload as object, headers: { ...shop, 'idempotency-key': `bad-${name.replace(/ /g, '-')}` } })
    t.equal(response.statusCode, status, name)
    t.equal(response.json().code, code, name)
    t.ok(response.json().message.length > 0, `${name}: says what is wrong`)
  }
  const invalidJson = await app.inject({ method: 'POST', url: path, payload: '{"variantId":', headers: { ...shop, 'content-type': 'application/json', 'idempotency-key': 'bad-json' } })
  t.equal(invalidJson.statusCode, 400)
  const huge = await app.inject({ method: 'POST', url: path, payload: JSON.stringify({ variantId: 'shirt', quantity: 1, amount: 50000, sessionId: 'x'.repeat(1024 * 1024) }), headers: { ...shop, 'content-type': 'application/json', 'idempotency-key': 'bad-huge' } })
  t.equal(huge.statusCode, 413)
  t.equal(huge.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE')
  t.match(await variant(app, 'shirt'), { available: 10, reserved: 0, sold: 0 }, 'nothing reserved')
  t.equal((await emulatorStats(rzp)).requests, 0, 'nothing sent to Razorpay')
})

t.test('200 concurrent orders for 50 in stock: exactly 50 succeed, 150 INSUFFICIENT_STOCK, 50 orders at Razorpay', async t => {
  const { app, rzp, env } = await setup(t)
  await putVariant(app, 'limited', { price: 1000, currency: 'INR', stock: 50 })
  const second = await build(t, env)
  const urls = [await listen(app), await listen(second)]
  const answers = await Promise.all(Array.from({ length: 200 }, async (_, i) =>
    await post(urls[i % 2], path, { variantId: 'limited', quantity: 1, amount: 1000 }, { ...shop, 'idempotency-key': `race-${i}` })))
  t.equal(answers.filter(a => a.status === 201).length, 50)
  const rejected = answers.filter(a => a.status === 422)
  t.equal(rejected.length, 150)
  t.ok(rejected.every(a => JSON.parse(a.body).code === 'INSUFFICIENT_STOCK'))
  t.match(await variant(app, 'limited'), { available: 0, reserved: 50, sold: 0 })
  t.equal((await emulatorStats(rzp)).ordersCreated, 50)
})

t.test('Razorpay failing for half the requests: every failure released its reservation', async t => {
  const { app, rzp } = await setup(t)
  await putVariant(app, 'flaky', { price: 1000, currency: 'INR', stock: 100 })
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'status', status: 503, rate: 0.5 })
  const url = await listen(app)
  const answers = await Promise.all(Array.from({ length: 60 }, async (_, i) =>
    await post(url, path, { variantId: 'flaky', quantity: 1, amount: 1000 }, { ...shop, 'idempotency-key': `flaky-${i}` })))
  const created = answers.filter(a => a.status === 201).length
  const failed = answers.filter(a => a.status === 502).length
  t.equal(created + failed, 60, 'only 201 and 502')
  t.ok(failed > 0 && created > 0, `${created} created, ${failed} failed`)
  const counters = await variant(app, 'flaky')
  t.equal(counters.reserved, created, 'only the created orders hold stock')
  t.equal(counters.available + counters.reserved + counters.sold, 100, 'the stock invariant holds')
  t.equal((await emulatorStats(rzp)).ordersCreated, created)
})

async function reserveOne (app: FastifyInstance, key: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: path, payload: { variantId: 'brief', quantity: 1, amount: 1000 }, headers: { ...shop, 'idempotency-key': key } })
  if (response.statusCode !== 201) throw new Error(`create-order: ${response.statusCode} ${response.body}`)
  return response.json().orderId
}

/** Waits, with a deadline far beyond the reservation TTL, until every order is expired. */
async function expireAll (app: FastifyInstance, orders: string[]): Promise<void> {
  for (const orderId of orders) {
    await expiredAndSwept(app, orderId, 30_000)
  }
}

t.test('reservations expire and return their stock once with two sweepers running; each instance sweeps on its own', async t => {
  // The sweeper runs on every instance under a lease (one instance per tick). Three phases: A alone, A and B together,
  // then B alone after A closed, so each instance is shown to sweep, and two together to expire each reservation once.
  const { app: a, env } = await setup(t, { RESERVATION_TTL_SECONDS: '1' })
  await putVariant(a, 'brief', { price: 1000, currency: 'INR', stock: 10 })

  const aloneA = [await reserveOne(a, 'brief-a-0'), await reserveOne(a, 'brief-a-1')]
  await expireAll(a, aloneA)
  t.same((await expiredInAudit(a)).sort(), [...aloneA].sort(), 'instance A, alone, expired its reservations')

  const b = await build(t, env)
  const together = [await reserveOne(a, 'brief-ab-0'), await reserveOne(b, 'brief-ab-1'), await reserveOne(a, 'brief-ab-2')]
  await expireAll(a, together)
  t.same((await expiredInAudit(a)).sort(), [...aloneA, ...together].sort(), 'with two sweepers, each reservation expired exactly once')
  t.match(await variant(a, 'brief'), { available: 10, reserved: 0, sold: 0 }, 'stock returned exactly once')

  await a.close()
  const aloneB = [await reserveOne(b, 'brief-b-0'), await reserveOne(b, 'brief-b-1')]
  await expireAll(b, aloneB)
  const expired = await expiredInAudit(b)
  t.same(expired.sort(), [...aloneA, ...together, ...aloneB].sort(), 'instance B, alone after A closed, expired the rest, once each')
  t.equal(expired.length, 7, 'one order_expired entry per reservation')
  t.match(await variant(b, 'brief'), { available: 10, reserved: 0, sold: 0 })
})

t.test('the Razorpay order carries the key, session, client, variant and reservation in its notes', async t => {
  const { app, rzp } = await setup(t)
  const response = await app.inject({ method: 'POST', url: path, payload: { variantId: 'test', quantity: 2, amount: 2998, sessionId: 'sess-42' }, headers: { ...shop, 'idempotency-key': 'notes-1' } })
  t.equal(response.statusCode, 201)
  t.equal(response.json().sessionId, 'sess-42')
  const [order] = await emulatorOrders(rzp)
  t.equal(order.id, response.json().orderId)
  t.equal(order.amount, 2998)
  t.match(order.notes, { idempotency_key: 'notes-1', session_id: 'sess-42', client_id: 'shop', variant_id: 'test', quantity: '2', reservation_id: /^res_/ })
  t.equal(order.receipt, response.json().receipt)
})

t.test('GET /api/orders/:orderId answers the owner and 404 to anyone else', async t => {
  const { app } = await setup(t)
  const created = (await app.inject({ method: 'POST', url: path, payload: { variantId: 'test', quantity: 1, amount: 1499, sessionId: 'sess-7' }, headers: { ...shop, 'idempotency-key': 'own-1' } })).json()
  const mine = await app.inject({ method: 'GET', url: `/api/orders/${created.orderId}`, headers: shop })
  t.equal(mine.statusCode, 200)
  t.match(mine.json(), { orderId: created.orderId, razorpayOrderId: created.orderId, status: 'created', amount: 1499, currency: 'INR', variantId: 'test', quantity: 1, sessionId: 'sess-7' })
  const theirs = await app.inject({ method: 'GET', url: `/api/orders/${created.orderId}`, headers: { authorization: 'Bearer other-token' } })
  t.equal(theirs.statusCode, 404)
  t.equal(theirs.json().code, 'ORDER_NOT_FOUND')
  const unknown = await app.inject({ method: 'GET', url: '/api/orders/order_unknown000000', headers: shop })
  t.equal(unknown.statusCode, 404)
  const anonymous = await app.inject({ method: 'GET', url: `/api/orders/${created.orderId}` })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.json().code, 'UNAUTHORIZED')
})

t.test('admin API: sets and reads variants, refuses stock below what is committed, needs the admin token', async t => {
  const { app } = await setup(t)
  t.match(await putVariant(app, 'cap', { price: 2500, currency: 'INR', stock: 10 }), { variantId: 'cap', price: 2500, available: 10, reserved: 0, sold: 0 })
  await app.inject({ method: 'POST', url: path, payload: { variantId: 'cap', quantity: 4, amount: 10000 }, headers: { ...shop, 'idempotency-key': 'cap-1' } })
  t.match(await putVariant(app, 'cap', { price: 3000, currency: 'INR', stock: 20 }), { price: 3000, available: 16, reserved: 4 })
  const below = await app.inject({ method: 'PUT', url: '/api/admin/variants/cap', payload: { price: 3000, currency: 'INR', stock: 3 }, headers: admin })
  t.equal(below.statusCode, 422)
  t.equal(below.json().code, 'STOCK_BELOW_COMMITTED')
  const noToken = await app.inject({ method: 'GET', url: '/api/admin/variants/cap', headers: shop })
  t.equal(noToken.statusCode, 401)
  const missing = await app.inject({ method: 'GET', url: '/api/admin/variants/none', headers: admin })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'VARIANT_NOT_FOUND')
  const invalid = await app.inject({ method: 'PUT', url: '/api/admin/variants/cap', payload: { price: -1, currency: 'INR', stock: 1 }, headers: admin })
  t.equal(invalid.statusCode, 400)
})

t.test('without ADMIN_TOKEN the admin API does not exist', async t => {
  const app = await build(t, {})
  const response = await app.inject({ method: 'GET', url: '/api/admin/variants/test', headers: admin })
  t.equal(response.statusCode, 404)
})
