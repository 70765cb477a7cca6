// The risk rules through the service, on two instances sharing one Redis: each rule admits up to its limit and
// refuses the next request on either instance with 403 RISK_REJECTED naming the rule (never a threshold or count),
// with nothing reserved, nothing sent to Razorpay, an audit entry and a metric; replays never count; lists work.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { auditStream } from '../../src/audit/audit-log.js'
import { build } from '../helper.js'
import {
  admin, createOrderRequest, itemPrice, moneySetup, order, pay, sendWebhook, shop, variant, verifyRequest, type MoneySetup
} from '../support/money.js'
import { emulatorEnv, emulatorStats, eventually } from '../support/service.js'

/** Every rule off, so that each case sees only the rule it sets. */
const rulesOff = Object.fromEntries([
  'CLIENT_ORDERS_PER_MINUTE', 'CUSTOMER_ORDERS_PER_MINUTE', 'CLIENT_AMOUNT_PER_HOUR', 'CUSTOMER_AMOUNT_PER_HOUR',
  'SESSION_OPEN_RESERVATIONS', 'CLIENT_OPEN_RESERVATIONS', 'ORDER_FAILED_PAYMENTS_PER_HOUR',
  'SESSION_FAILED_PAYMENTS_PER_HOUR', 'CUSTOMER_FAILED_PAYMENTS_PER_HOUR', 'INSTRUMENT_FAILED_PAYMENTS_PER_HOUR',
  'ORDER_SIGNATURE_FAILURES'
].map(name => [`RISK_${name}`, '0']))

interface TwoInstances extends MoneySetup { second: FastifyInstance, instances: FastifyInstance[] }

/** Instance one listens and receives the webhooks; instance two shares its Redis and the emulator. */
async function twoInstances (t: Test, rules: Record<string, string>, stock = 50): Promise<TwoInstances> {
  const env = { ...rulesOff, ...rules }
  const setup = await moneySetup(t, env, stock)
  const second = await build(t, {
    ...emulatorEnv(setup.rzp), REDIS_URL: setup.redis.url, API_KEYS: 'shop:shop-token,other:other-token', ADMIN_TOKEN: 'admin-token-for-tests', ...env
  })
  return { ...setup, second, instances: [setup.app, second] }
}

let keys = 0
function orderRequest (extra: Record<string, unknown> = {}, quantity = 1) {
  const request = createOrderRequest(`risk-${++keys}`, quantity)
  return { ...request, payload: { ...request.payload, ...extra } }
}

async function auditEntries (app: FastifyInstance, type: string): Promise<string[]> {
  const entries = await app.store.command('xrange', [auditStream, '-', '+']) as Array<[string, string[]]>
  return entries.map(([, fields]) => fields).filter(fields => fields[fields.indexOf('type') + 1] === type)
    .map(fields => fields.join(' '))
}

async function rejections (app: FastifyInstance, rule: string): Promise<number> {
  const metric = await app.metrics.riskRejections.get()
  return metric.values.find(value => value.labels.rule === rule)?.value ?? 0
}

/** A refusal: names the rule and no number, and left stock and Razorpay as they were. */
async function assertRefused (t: Test, setup: TwoInstances, send: () => Promise<{ statusCode: number, json: () => any }>,
  rule: string): Promise<void> {
  const before = { stock: await variant(setup.app), razorpay: await emulatorStats(setup.rzp) }
  const answer = await send()
  t.equal(answer.statusCode, 403, `${rule}: refused`)
  const body = answer.json()
  t.match(body, { statusCode: 403, code: 'RISK_REJECTED', error: 'Forbidden' })
  t.match(body.message, rule, 'the body names the rule')
  t.notMatch(body.message, /\d/, 'and reveals no threshold or count')
  t.match(await variant(setup.app), { reserved: before.stock.reserved, available: before.stock.available }, 'nothing reserved')
  t.equal((await emulatorStats(setup.rzp)).ordersCreated, before.razorpay.ordersCreated, 'nothing sent to Razorpay')
  t.match((await auditEntries(setup.app, 'risk_rejected')).join('\n'), rule, 'an audit entry names the rule')
  t.equal((await rejections(setup.app, rule)) + (await rejections(setup.second, rule)), 1, 'the refusal is counted once in metrics')
}

const orderRules: Array<{ rule: string, env: Record<string, string>, extra: Record<string, unknown>, quantity?: number }> = [
  { rule: 'client_order_velocity', env: { RISK_CLIENT_ORDERS_PER_MINUTE: '3' }, extra: {} },
  { rule: 'customer_order_velocity', env: { RISK_CUSTOMER_ORDERS_PER_MINUTE: '3' }, extra: { customer: { id: 'alice', ip: '198.51.100.4' } } },
  { rule: 'client_amount_velocity', env: { RISK_CLIENT_AMOUNT_PER_HOUR: String(3 * 2 * itemPrice) }, extra: {}, quantity: 2 },
  { rule: 'customer_amount_velocity', env: { RISK_CUSTOMER_AMOUNT_PER_HOUR: String(3 * itemPrice) }, extra: { customer: { ip: '2001:db8::7' } } },
  { rule: 'client_open_reservations', env: { RISK_CLIENT_OPEN_RESERVATIONS: '3' }, extra: {} },
  { rule: 'session_open_reservations', env: { RISK_SESSION_OPEN_RESERVATIONS: '3' }, extra: { sessionId: 'sess-hoard' } }
]

for (const { rule, env, extra, quantity } of orderRules) {
  t.test(`${rule}: three orders pass across two instances, the fourth is refused on either`, async t => {
    const setup = await twoInstances(t, env)
    const first = orderRequest(extra, quantity)
    t.equal((await setup.app.inject(first)).statusCode, 201)
    for (let i = 0; i < 3; i++) {
      const replay = await setup.instances[i % 2].inject(first)
      t.equal(replay.headers['idempotent-replayed'], 'true', 'a replay is answered from the stored outcome and never counts')
    }
    t.equal((await setup.second.inject(orderRequest(extra, quantity))).statusCode, 201, 'the second order, on instance two')
    t.equal((await setup.app.inject(orderRequest(extra, quantity))).statusCode, 201, 'the third order reaches the limit')
    await assertRefused(t, setup, async () => await setup.second.inject(orderRequest(extra, quantity)), rule)
    const other = await setup.app.inject({ ...orderRequest({}), headers: { authorization: 'Bearer other-token', 'idempotency-key': 'other-1' } })
    t.equal(other.statusCode, 201, 'another client is counted apart')
  })
}

t.test('session_open_reservations: a paid or cancelled order frees its place at once', async t => {
  const setup = await twoInstances(t, { RISK_SESSION_OPEN_RESERVATIONS: '2' })
  const session = { sessionId: 'sess-free' }
  const paid = (await setup.app.inject(orderRequest(session))).json().orderId
  const cancelled = (await setup.second.inject(orderRequest(session))).json().orderId
  t.equal((await setup.app.inject(orderRequest(session))).statusCode, 403, 'two held: the third waits')
  const checkout = await pay(setup.rzp, paid, { outcome: 'captured', webhooks: { skip: true } })
  t.equal((await setup.app.inject(verifyRequest(checkout, 'risk-verify-free'))).statusCode, 200)
  t.equal((await setup.second.inject(orderRequest(session))).statusCode, 201, 'the paid order no longer holds a place')
  const cancel = await setup.app.inject({ method: 'POST', url: `/api/orders/${cancelled}/cancel`, headers: { ...shop, 'idempotency-key': 'risk-cancel' } })
  t.equal(cancel.statusCode, 200)
  t.equal((await setup.second.inject(orderRequest(session))).statusCode, 201, 'nor does the cancelled one')
})

t.test('session and customer failed payments: reported by webhooks, counted once, refuse new orders at the limit', async t => {
  const setup = await twoInstances(t, { RISK_SESSION_FAILED_PAYMENTS_PER_HOUR: '2', RISK_CUSTOMER_FAILED_PAYMENTS_PER_HOUR: '3' })
  const shopper = { sessionId: 'sess-cards', customer: { id: 'mallory' } }
  for (let i = 0; i < 2; i++) {
    const orderId = (await setup.instances[i].inject(orderRequest(shopper))).json().orderId
    await pay(setup.rzp, orderId, { outcome: 'failed' })
    await eventually(async () => (await order(setup.app, orderId)).status === 'failed')
  }
  await assertRefused(t, setup, async () => await setup.second.inject(orderRequest(shopper)), 'session_failed_payments')
  const newSession = { sessionId: 'sess-cards-2', customer: { id: 'mallory' } }
  const third = (await setup.app.inject(orderRequest(newSession))).json().orderId
  t.ok(third, 'a new session of the customer: two failures of three')
  const failed = await pay(setup.rzp, third, { outcome: 'failed', webhooks: { skip: true } })
  // Razorpay delivers at least once: the same payment.failed twice counts once.
  const event = {
    event: 'payment.failed',
    payload: { payment: { entity: { id: failed.razorpay_payment_id, order_id: third, amount: itemPrice, currency: 'INR', status: 'failed', vpa: 'a@upi' } } },
    created_at: Math.floor(Date.now() / 1000)
  }
  t.equal((await sendWebhook(setup.url, setup.rzp, event, 'evt_risk_1')).status, 200)
  t.equal((await sendWebhook(setup.url, setup.rzp, event, 'evt_risk_2')).status, 200)
  const refused = await setup.second.inject(orderRequest({ sessionId: 'sess-cards-3', customer: { id: 'mallory' } }))
  t.match(refused.json(), { code: 'RISK_REJECTED', message: /customer_failed_payments/ }, 'three failures of the customer')
  const audit = (await setup.app.store.command('xrange', [auditStream, '-', '+']) as Array<[string, string[]]>).flat(2).join(' ')
  t.notMatch(audit, /mallory|sess-cards/, 'the audit trail carries hashes, never the ids')
})

t.test('order_failed_payments: the order locks for verify-payment, and Razorpay\'s word still pays it', async t => {
  const setup = await twoInstances(t, { RISK_ORDER_FAILED_PAYMENTS_PER_HOUR: '2' })
  const orderId = (await setup.app.inject(orderRequest())).json().orderId
  await pay(setup.rzp, orderId, { outcome: 'failed' })
  const early = await pay(setup.rzp, orderId, { outcome: 'failed' })
  t.equal(early.razorpay_signature, '')
  await eventually(async () => (await setup.app.store.command('keys', ['{risk:shop}:failed-payment:*']) as string[]).length === 2)
  const checkout = await pay(setup.rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  await assertRefused(t, setup, async () => await setup.second.inject(verifyRequest(checkout, 'risk-verify-locked')), 'order_failed_payments')
  t.equal((await order(setup.app, orderId)).status, 'failed', 'the caller\'s claim changed nothing')
  await sendWebhook(setup.url, setup.rzp, {
    event: 'payment.captured',
    payload: { payment: { entity: { id: checkout.razorpay_payment_id, order_id: orderId, amount: itemPrice, currency: 'INR', status: 'captured' } } },
    created_at: Math.floor(Date.now() / 1000)
  }, 'evt_captured_locked')
  await eventually(async () => (await order(setup.app, orderId)).status === 'paid')
  t.pass('a captured payment reported by Razorpay pays the order whatever the lock')
})

t.test('order_signature_failures: after the limit, even a valid signature is refused', async t => {
  const setup = await twoInstances(t, { RISK_ORDER_SIGNATURE_FAILURES: '2' })
  const orderId = (await setup.app.inject(orderRequest())).json().orderId
  const checkout = await pay(setup.rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  const forged = { ...checkout, razorpay_signature: 'f'.repeat(64) }
  t.equal((await setup.app.inject(verifyRequest(forged, 'risk-sig-1'))).statusCode, 400)
  t.equal((await setup.second.inject(verifyRequest(forged, 'risk-sig-2'))).statusCode, 400, 'the second failure reaches the limit')
  await assertRefused(t, setup, async () => await setup.app.inject(verifyRequest(checkout, 'risk-sig-3')), 'order_signature_failures')
})

t.test('card testing: one instrument failing across orders is audited and counted', async t => {
  const setup = await twoInstances(t, { RISK_INSTRUMENT_FAILED_PAYMENTS_PER_HOUR: '2' })
  for (let i = 0; i < 2; i++) {
    const orderId = (await setup.instances[i].inject(orderRequest({ sessionId: `sess-ct-${i}` }))).json().orderId
    await pay(setup.rzp, orderId, { outcome: 'failed', vpa: 'tester@okbank' })
  }
  await eventually(async () => (await auditEntries(setup.app, 'card_testing_suspected')).length === 1)
  t.notMatch((await auditEntries(setup.app, 'card_testing_suspected'))[0], /tester@okbank/, 'the instrument appears only as a hash')
  const counted = (await setup.app.metrics.cardTesting.get()).values[0]?.value ?? 0
  t.equal(counted, 1)
})

t.test('deny and allow lists through the admin API, audited', async t => {
  const setup = await twoInstances(t, { RISK_CUSTOMER_ORDERS_PER_MINUTE: '1' })
  const put = async (body: Record<string, unknown>) =>
    await setup.app.inject({ method: 'PUT', url: '/api/admin/risk/lists', headers: admin, payload: body })
  t.equal((await put({ clientId: 'shop', subject: 'session', list: 'deny' })).statusCode, 400, 'a session entry needs its id')
  t.equal((await put({ clientId: 'shop', subject: 'client', value: 'x', list: 'deny' })).statusCode, 400, 'a client entry takes none')
  t.equal((await put({ clientId: 'shop', subject: 'session', value: 'sess-bad', list: 'deny', reason: 'chargebacks' })).statusCode, 200)
  await assertRefused(t, setup, async () => await setup.second.inject(orderRequest({ sessionId: 'sess-bad' })), 'deny_list')
  const listed = await setup.app.inject({ method: 'GET', url: '/api/admin/risk/lists/shop', headers: admin })
  t.match(listed.json(), { clientId: 'shop', entries: [{ subject: 'session', list: 'deny', reason: 'chargebacks' }] })
  t.notMatch(listed.body, /sess-bad/)
  const removed = await setup.app.inject({ method: 'POST', url: '/api/admin/risk/lists/remove', headers: admin, payload: { clientId: 'shop', subject: 'session', value: 'sess-bad' } })
  t.same(removed.json(), { removed: true })
  t.equal((await setup.second.inject(orderRequest({ sessionId: 'sess-bad' }))).statusCode, 201, 'off the list, it orders again')

  t.equal((await put({ clientId: 'shop', subject: 'customer', value: 'vip', list: 'allow' })).statusCode, 200)
  for (let i = 0; i < 3; i++) {
    t.equal((await setup.instances[i % 2].inject(orderRequest({ customer: { id: 'vip' } }))).statusCode, 201, 'an allowed customer is not limited')
  }
  t.equal((await put({ clientId: 'shop', subject: 'client', list: 'deny' })).statusCode, 200)
  t.equal((await setup.second.inject(orderRequest({ customer: { id: 'vip' } }))).statusCode, 403, 'a denied client beats an allowed customer')
  t.equal((await auditEntries(setup.app, 'risk_list_changed')).length, 4, 'every change is audited')
  const withoutAdmin = await setup.app.inject({ method: 'GET', url: '/api/admin/risk/lists/shop', headers: shop })
  t.equal(withoutAdmin.statusCode, 401, 'the lists are admin only')
})

t.test('a malformed customer is a 400 naming the field', async t => {
  const setup = await moneySetup(t)
  for (const customer of [{ ip: '999.1.1.1' }, { ip: 'localhost' }, { id: '' }, { id: 'a b' }, { name: 'x' }]) {
    const answer = await setup.app.inject(orderRequest({ customer }))
    t.equal(answer.statusCode, 400, JSON.stringify(customer))
    t.match(answer.json(), { code: 'FST_ERR_VALIDATION', message: /customer/ })
  }
})
