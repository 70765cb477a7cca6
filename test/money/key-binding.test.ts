// One key, one request, forever: whatever an attempt leaves behind (checkpoints, a reservation, a Razorpay order)
// belongs to that request's body, and ids derived for it never collide with a later use of the same key.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { auditStream } from '../../src/audit/audit-log.js'
import { requestFingerprint } from '../../src/idempotency/fingerprint.js'
import { idempotencyKeys, scopeHash } from '../../src/idempotency/keys.js'
import { RazorpayGateway } from '../../src/razorpay/gateway.js'
import { addFault, emulatorStats, eventually } from '../support/service.js'
import {
  createOrderRequest, expiredAndSwept, itemPrice, moneySetup, order, orderEvents, pay, stockHolds, variant
} from '../support/money.js'

const route = '/api/checkout/create-order'

function keysOf (key: string) {
  return idempotencyKeys(scopeHash('shop', 'POST', route, key))
}

/** What a process killed after Razorpay answered leaves behind: the key bound to its body, no record, no lock. */
async function leaveCrashedAttempt (app: FastifyInstance, key: string, receipt: string, orderId?: string): Promise<void> {
  const keys = keysOf(key)
  await app.store.command('del', [keys.record])
  const fingerprint = requestFingerprint('POST', route, createOrderRequest(key, 1).payload)
  await app.store.command('hset', [keys.checkpoints, '_fingerprint', fingerprint, '_execution', receipt.slice('rcpt_'.length),
    '_attempts', '1', ...(orderId === undefined ? [] : ['razorpay_order_id', orderId])])
}

async function auditTypes (app: FastifyInstance): Promise<string[]> {
  const entries = await app.store.command('xrange', [auditStream, '-', '+']) as Array<[string, string[]]>
  return entries.map(([, fields]) => fields[fields.indexOf('type') + 1])
}

t.test('a key retried with another body after a 504 answers 422 and creates nothing', async t => {
  const { rzp, app } = await moneySetup(t, { RAZORPAY_TIMEOUT_MS: '200' })
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'hang', count: 1 })
  const timedOut = await app.inject(createOrderRequest('k-504', 1))
  t.equal(timedOut.statusCode, 504)
  const before = await emulatorStats(rzp)
  const other = await app.inject(createOrderRequest('k-504', 3))
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED')
  t.equal((await emulatorStats(rzp)).ordersCreated, before.ordersCreated, 'no Razorpay order')
  t.match(await variant(app), { available: 10, reserved: 0 }, 'no reservation')
  const same = await app.inject(createOrderRequest('k-504', 1))
  t.equal(same.statusCode, 201, 'the first body still goes through')
})

t.test('a key retried with another body after a crash between Razorpay and the checkpoint answers 422', async t => {
  const { rzp, app } = await moneySetup(t, { IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' })
  const first = await app.inject(createOrderRequest('k-crash', 1))
  await leaveCrashedAttempt(app, 'k-crash', first.json().receipt)
  const other = await app.inject(createOrderRequest('k-crash', 3))
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED')
  t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  t.match(await variant(app), { available: 9, reserved: 1 }, 'only the first request holds stock')
  const same = await app.inject(createOrderRequest('k-crash', 1))
  t.equal(same.statusCode, 201)
  t.equal(same.json().orderId, first.json().orderId, 'the retry of the first body finds its order by receipt')
  t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  t.match(await variant(app), { available: 9, reserved: 1 }, 'and its own reservation')
})

t.test('a key retried with another body after its lock expired answers 422', async t => {
  const { rzp, app } = await moneySetup(t, { IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' })
  const first = await app.inject(createOrderRequest('k-lock', 1))
  await leaveCrashedAttempt(app, 'k-lock', first.json().receipt, first.json().orderId)
  const keys = keysOf('k-lock')
  await app.store.command('set', [keys.lock, `dead-owner ${requestFingerprint('POST', route, createOrderRequest('k-lock', 1).payload)}`, 'PX', '200'])
  const whileLocked = await app.inject(createOrderRequest('k-lock', 2))
  t.equal(whileLocked.statusCode, 422)
  await eventually(async () => await app.store.command('exists', [keys.lock]) === 0)
  const afterExpiry = await app.inject(createOrderRequest('k-lock', 2))
  t.equal(afterExpiry.statusCode, 422)
  t.equal(afterExpiry.json().code, 'IDEMPOTENCY_KEY_REUSED')
  t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  t.match(await variant(app), { available: 9, reserved: 1 })
})

t.test('a recovered Razorpay order with another amount is refused and nothing is recorded', async t => {
  const { rzp, app } = await moneySetup(t, { IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' })
  const execution = 'f'.repeat(32)
  // An order under this request's receipt but for another amount, as a misbehaving provider or a corrupted
  // checkpoint could present it.
  const gateway = new RazorpayGateway({ keyId: rzp.keyId, keySecret: rzp.keySecret, webhookSecret: '', apiUrl: rzp.url, timeoutMs: 2000 })
  const foreign = await gateway.createOrder({
    amount: 3 * itemPrice,
    currency: 'INR',
    receipt: `rcpt_${execution}`,
    notes: { idempotency_key: 'k-foreign', client_id: 'shop', variant_id: 'item', quantity: '1', reservation_id: `res_${execution}` }
  })
  await leaveCrashedAttempt(app, 'k-foreign', `rcpt_${execution}`, foreign.id)
  const answer = await app.inject(createOrderRequest('k-foreign', 1))
  t.equal(answer.statusCode, 500)
  t.equal(answer.json().code, 'ORDER_RECOVERY_CONFLICT')
  t.equal(await app.store.command('exists', [`order:{${foreign.id}}`]), 0, 'no order record')
  t.equal(await app.store.command('exists', [keysOf('k-foreign').record]), 0, 'no stored response')
  t.match(await variant(app), { available: 10, reserved: 0 }, 'the reservation went back')
  t.ok((await auditTypes(app)).includes('order_recovery_conflict'), 'audited')

  // The same through the receipt look-up, with no checkpoint naming the order.
  await app.store.command('hdel', [keysOf('k-foreign').checkpoints, 'razorpay_order_id'])
  const byReceipt = await app.inject(createOrderRequest('k-foreign', 1))
  t.equal(byReceipt.statusCode, 500)
  t.equal(byReceipt.json().code, 'ORDER_RECOVERY_CONFLICT')
  t.equal((await emulatorStats(rzp)).ordersCreated, 1, 'no second order either')
  t.match(await variant(app), { available: 10, reserved: 0 })
})

t.test('the same body without a key repeated after the fallback TTL makes a second, clean order', async t => {
  const { rzp, app } = await moneySetup(t, { IDEMPOTENCY_FALLBACK_TTL_SECONDS: '1', RESERVATION_TTL_SECONDS: '2', IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' })
  const first = await app.inject(createOrderRequest(undefined, 2))
  t.equal(first.statusCode, 201)
  const replay = await app.inject(createOrderRequest(undefined, 2))
  t.equal(replay.headers['idempotent-replayed'], 'true', 'within the fallback TTL it is the same request')
  let second = replay
  await eventually(async () => {
    second = await app.inject(createOrderRequest(undefined, 2))
    return second.headers['idempotent-replayed'] === undefined
  }, 10_000, 100)
  t.equal(second.statusCode, 201)
  t.not(second.json().orderId, first.json().orderId, 'a new order')
  t.not(second.json().receipt, first.json().receipt, 'with its own receipt')
  t.match(await variant(app), { available: 6, reserved: 4 }, 'and its own reservation')

  await pay(rzp, second.json().orderId, { outcome: 'captured' })
  await expiredAndSwept(app, first.json().orderId)
  t.equal((await order(app, second.json().orderId)).status, 'paid')
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
  t.ok(await stockHolds(app, 10), 'available + reserved + sold = stock')
  t.equal((await orderEvents(app)).filter(e => e.type === 'paid').length, 1)
})

t.test('an explicit key used again after its record expired starts a clean order', async t => {
  const { app } = await moneySetup(t, { IDEMPOTENCY_TTL_SECONDS: '1', IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' })
  const first = await app.inject(createOrderRequest('k-expiring', 1))
  await eventually(async () => await app.store.command('exists', [keysOf('k-expiring').record]) === 0, 10_000, 100)
  const reused = await app.inject(createOrderRequest('k-expiring', 2))
  t.equal(reused.statusCode, 201, 'an expired key is free again')
  t.not(reused.json().receipt, first.json().receipt)
  t.match(await variant(app), { available: 7, reserved: 3 }, 'its quantity, not the old reservation')
})

t.test('an order whose reservation ended while Razorpay created it is expired, not left created for ever', async t => {
  const { rzp, app } = await moneySetup(t, { RESERVATION_TTL_SECONDS: '1', RAZORPAY_TIMEOUT_MS: '10000' })
  // Razorpay answers after the reservation's time; the sweeper returns the stock before the order is recorded.
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'latency', latencyMs: 3000, count: 1 })
  const created = await app.inject(createOrderRequest('k-slow-razorpay', 2))
  t.equal(created.statusCode, 201)
  await eventually(async () => (await order(app, created.json().orderId)).status === 'expired')
  t.match(await variant(app), { available: 10, reserved: 0 })
  t.ok(await stockHolds(app, 10))
})
