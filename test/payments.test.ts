// verify-payment and webhooks: a payment is recorded once however it arrives, stock is sold or returned once,
// and every attempt leaves an audit record.
import t from 'tap'
import { createHmac } from 'node:crypto'
import { auditStream } from '../src/audit/audit-log.js'
import type { FastifyInstance } from 'fastify'
import { control, eventually, post } from './support/service.js'
import { moneySetup as setup, expiredAndSwept, order, shop, variant, createOrder as createOrderOf } from './support/money.js'

/** Two units of `item` at 1000 paise, out of 10. */
async function createOrder (app: FastifyInstance, key: string, quantity = 2): Promise<string> {
  return await createOrderOf(app, key, quantity)
}

t.test('verify-payment marks the order paid, sells the stock once, and replays', async t => {
  const { rzp, app } = await setup(t)
  rzp.setWebhookUrl(undefined) // only verify-payment here
  const orderId = await createOrder(app, 'pay-1')
  const checkout = await control(rzp, 'POST', `/_emulator/orders/${orderId}/pay`, { outcome: 'captured' })
  const verify = { method: 'POST' as const, url: '/api/checkout/verify-payment', payload: checkout, headers: { ...shop, 'idempotency-key': 'verify-1' } }
  const first = await app.inject(verify)
  t.equal(first.statusCode, 200)
  t.match(first.json(), { orderId, status: 'paid', paymentId: checkout.razorpay_payment_id, quantity: 2 })
  const again = await app.inject(verify)
  t.equal(again.body, first.body)
  t.equal(again.headers['idempotent-replayed'], 'true')
  const other = await app.inject({ ...verify, headers: { ...shop, 'idempotency-key': 'verify-2' } })
  t.equal(other.json().status, 'paid', 'a second verification with a new key finds it paid')
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
})

t.test('a wrong signature is 400 PAYMENT_SIGNATURE_INVALID and changes nothing; another client gets 404', async t => {
  const { rzp, app } = await setup(t)
  rzp.setWebhookUrl(undefined)
  const orderId = await createOrder(app, 'pay-2')
  const checkout = await control(rzp, 'POST', `/_emulator/orders/${orderId}/pay`, { outcome: 'captured' })
  const forged = createHmac('sha256', 'not-the-secret').update(`${orderId}|${checkout.razorpay_payment_id}`).digest('hex')
  const bad = await app.inject({ method: 'POST', url: '/api/checkout/verify-payment', payload: { ...checkout, razorpay_signature: forged }, headers: { ...shop, 'idempotency-key': 'bad-sig' } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().code, 'PAYMENT_SIGNATURE_INVALID')
  const theirs = await app.inject({ method: 'POST', url: '/api/checkout/verify-payment', payload: checkout, headers: { authorization: 'Bearer other-token', 'idempotency-key': 'theirs' } })
  t.equal(theirs.statusCode, 404)
  t.equal((await order(app, orderId)).status, 'created')
  t.match(await variant(app), { available: 8, reserved: 2, sold: 0 })
  const extra = await app.inject({ method: 'POST', url: '/api/checkout/verify-payment', payload: { ...checkout, amount: 1 }, headers: { ...shop, 'idempotency-key': 'extra' } })
  t.equal(extra.statusCode, 400)
  t.equal(extra.json().code, 'FST_ERR_VALIDATION')
})

t.test('webhooks, duplicated and out of order, together with verify-payment: paid once, sold once', async t => {
  const { rzp, app } = await setup(t)
  const orderId = await createOrder(app, 'pay-3')
  const checkout = await control(rzp, 'POST', `/_emulator/orders/${orderId}/pay`, { outcome: 'captured', webhooks: { duplicate: true, reverse: true } })
  t.equal((await order(app, orderId)).status, 'paid', 'the webhooks alone marked it paid')
  const verify = await app.inject({ method: 'POST', url: '/api/checkout/verify-payment', payload: checkout, headers: { ...shop, 'idempotency-key': 'verify-3' } })
  t.equal(verify.json().status, 'paid')
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
  const stats = await control(rzp, 'GET', '/_emulator/stats')
  t.equal(stats.webhooksDelivered, 6, 'three events, each twice, all answered 2xx')
})

t.test('payment.failed marks the order failed but keeps its stock; a later successful retry (UPI) sells it', async t => {
  const { rzp, app } = await setup(t)
  const orderId = await createOrder(app, 'pay-4')
  await control(rzp, 'POST', `/_emulator/orders/${orderId}/pay`, { outcome: 'failed' })
  t.match(await order(app, orderId), { status: 'failed' })
  t.match(await variant(app), { available: 8, reserved: 2, sold: 0 }, 'still reserved: the order stays payable')
  await control(rzp, 'POST', `/_emulator/orders/${orderId}/pay`, { outcome: 'captured' })
  t.match(await order(app, orderId), { status: 'paid' })
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
})

t.test('a payment after the reservation expired still records the sale from available stock', async t => {
  const { rzp, app } = await setup(t, { RESERVATION_TTL_SECONDS: '1' })
  rzp.setWebhookUrl(undefined)
  const orderId = await createOrder(app, 'pay-5')
  await expiredAndSwept(app, orderId, 5000)
  t.match(await variant(app), { available: 10, reserved: 0 })
  const checkout = await control(rzp, 'POST', `/_emulator/orders/${orderId}/pay`, { outcome: 'captured' })
  const verify = await app.inject({ method: 'POST', url: '/api/checkout/verify-payment', payload: checkout, headers: { ...shop, 'idempotency-key': 'verify-5' } })
  t.equal(verify.json().status, 'paid')
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
})

t.test('webhook signature, duplicates by event id, unknown orders and malformed bodies', async t => {
  const { rzp, url } = await setup(t)
  rzp.setWebhookUrl(undefined)
  const body = JSON.stringify({ entity: 'event', event: 'payment.captured', payload: { payment: { entity: { id: 'pay_x', order_id: 'order_unknown' } } } })
  const sign = (raw: string) => createHmac('sha256', rzp.webhookSecret).update(raw).digest('hex')
  const unsigned = await post(url, '/api/webhooks/razorpay', body, { 'x-razorpay-event-id': 'evt_1' })
  t.equal(unsigned.status, 401)
  t.equal(JSON.parse(unsigned.body).code, 'WEBHOOK_SIGNATURE_INVALID')
  const reserialised = await post(url, '/api/webhooks/razorpay', JSON.stringify(JSON.parse(body), null, 1), { 'x-razorpay-signature': sign(body), 'x-razorpay-event-id': 'evt_1' })
  t.equal(reserialised.status, 401, 'the signature covers the raw bytes')
  const first = await post(url, '/api/webhooks/razorpay', body, { 'x-razorpay-signature': sign(body), 'x-razorpay-event-id': 'evt_1' })
  t.same(JSON.parse(first.body), { status: 'ignored' })
  const second = await post(url, '/api/webhooks/razorpay', body, { 'x-razorpay-signature': sign(body), 'x-razorpay-event-id': 'evt_1' })
  t.same(JSON.parse(second.body), { status: 'duplicate' })
  const garbage = '[1,2'
  const malformed = await post(url, '/api/webhooks/razorpay', garbage, { 'x-razorpay-signature': sign(garbage), 'x-razorpay-event-id': 'evt_2' })
  t.equal(malformed.status, 400)
})

t.test('every payment attempt leaves an audit record', async t => {
  const { rzp, app } = await setup(t)
  const orderId = await createOrder(app, 'pay-6')
  await control(rzp, 'POST', `/_emulator/orders/${orderId}/pay`, { outcome: 'captured' })
  const entries = await app.store.command('xrange', [auditStream, '-', '+']) as Array<[string, string[]]>
  const types = entries.map(([, fields]) => fields[fields.indexOf('type') + 1])
  t.ok(types.includes('order_created'))
  t.ok(types.includes('payment_captured'))
  const created = entries.find(([, fields]) => fields.includes('order_created'))?.[1] ?? []
  t.equal(created[created.indexOf('orderId') + 1], orderId)
})

t.test('the sweeper finishes the sale of an order that was marked paid by a process that died before selling', async t => {
  const { rzp, app } = await setup(t, { RESERVATION_TTL_SECONDS: '1' })
  rzp.setWebhookUrl(undefined)
  const orderId = await createOrder(app, 'pay-7')
  await app.orders.markPaid(orderId, 'pay_crashed0000000')
  await eventually(async () => (await variant(app)).reserved === 0, 5000, 50)
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 }, 'sold, not returned to available')
  t.equal((await order(app, orderId)).status, 'paid')
})

t.test('a captured payment whose amount differs from the order is not marked paid and is refunded', async t => {
  const { rzp, app, url } = await setup(t)
  rzp.setWebhookUrl(undefined)
  const orderId = await createOrder(app, 'pay-8')
  const body = JSON.stringify({ entity: 'event', event: 'payment.captured', payload: { payment: { entity: { id: 'pay_short0000000001', order_id: orderId, amount: 100, currency: 'INR', status: 'captured' } } } })
  const answer = await post(url, '/api/webhooks/razorpay', body, {
    'x-razorpay-signature': createHmac('sha256', rzp.webhookSecret).update(body).digest('hex'), 'x-razorpay-event-id': 'evt_short'
  })
  t.same(JSON.parse(answer.body), { status: 'processed' })
  t.equal((await order(app, orderId)).status, 'created')
  t.match(await app.refunds.get('pay_short0000000001'), { reason: 'amount_mismatch', amount: 100 }, 'the refund is recorded')
  t.match(await variant(app), { reserved: 2, sold: 0 })
  const entries = await app.store.command('xrange', [auditStream, '-', '+']) as Array<[string, string[]]>
  t.ok(entries.some(([, fields]) => fields.includes('payment_amount_mismatch')))
})
