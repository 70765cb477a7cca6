// Razorpay webhooks apply once however they arrive: duplicated, concurrent, racing verify-payment on another
// instance, redelivered after a failure. Unknown orders are acknowledged, malformed ones refused, and refunds and
// disputes move the order and reach the fulfilment stream.
import t from 'tap'
import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { checkoutSignature } from '../../src/emulator/lifecycle.js'
import { auditStream } from '../../src/audit/audit-log.js'
import { call } from '../emulator/helpers.js'
import { build } from '../helper.js'
import { addFault, control, emulatorEnv, eventually, listen, post } from '../support/service.js'
import {
  createOrder, emulatorPayment, emulatorPayments, moneySetup, order, orderEvents, pay, sendWebhook, setStock,
  shop, variant
} from '../support/money.js'

/** The envelope Razorpay sends, around a payment entity as Razorpay reports it. */
function paymentEvent (name: string, entity: unknown) {
  return { entity: 'event', account_id: 'acc_x', event: name, contains: ['payment'], payload: { payment: { entity } }, created_at: Math.floor(Date.now() / 1000) }
}

function signed (body: string, secret: string, eventId: string): Record<string, string> {
  return { 'x-razorpay-signature': createHmac('sha256', secret).update(body).digest('hex'), 'x-razorpay-event-id': eventId }
}

async function auditTypes (app: FastifyInstance, orderId: string): Promise<string[]> {
  const entries = await app.store.command('xrange', [auditStream, '-', '+']) as Array<[string, string[]]>
  return entries
    .filter(([, fields]) => fields[fields.indexOf('orderId') + 1] === orderId)
    .map(([, fields]) => fields[fields.indexOf('type') + 1])
}

async function eventsOf (app: FastifyInstance, orderId: string, type: string) {
  return (await orderEvents(app)).filter(e => e.orderId === orderId && e.type === type)
}

function verifyBody (rzp: RunningEmulator, orderId: string, paymentId: string) {
  return { razorpay_order_id: orderId, razorpay_payment_id: paymentId, razorpay_signature: checkoutSignature(orderId, paymentId, rzp.keySecret) }
}

t.test('concurrent duplicate webhooks apply once', async t => {
  const { rzp, app, url } = await moneySetup(t)
  const orderId = await createOrder(app, 'dup-1', 2)
  const checkout = await pay(rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  const entity = await emulatorPayment(rzp, checkout.razorpay_payment_id)
  const event = paymentEvent('payment.captured', entity)
  const answers = await Promise.all(Array.from({ length: 20 }, async () => await sendWebhook(url, rzp, event, 'evt_concurrent_1')))
  t.same(answers.map(a => a.status), Array(20).fill(200), 'every delivery is acknowledged')
  const statuses = answers.map(a => JSON.parse(a.body).status)
  t.equal(statuses.filter(s => s === 'processed').length, 1, 'one delivery applied it')
  t.equal(statuses.filter(s => s === 'duplicate').length, 19, 'the others were told it is a duplicate')
  t.equal((await auditTypes(app, orderId)).filter(type => type === 'payment_captured').length, 1)
  t.match(await order(app, orderId), { status: 'paid', paymentId: checkout.razorpay_payment_id })
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
  t.equal((await eventsOf(app, orderId, 'paid')).length, 1)
})

t.test('verify-payment racing webhooks yields one paid event', async t => {
  const { rzp, app, url, redis } = await moneySetup(t)
  const other = await build(t, {
    ...emulatorEnv(rzp), REDIS_URL: redis.url, API_KEYS: 'shop:shop-token,other:other-token', ADMIN_TOKEN: 'admin-token-for-tests'
  })
  const otherUrl = await listen(other)
  const orderId = await createOrder(app, 'race-1', 2)

  // The emulator holds the captured payment before it starts delivering the webhooks (to instance A): verifications
  // sent as soon as the payment exists run while those webhooks are being applied.
  const paying = pay(rzp, orderId, { outcome: 'captured', webhooks: { duplicate: true, reverse: true } })
  let paymentId: string | undefined
  await eventually(async () => {
    paymentId = (await emulatorPayments(rzp, orderId))[0]?.id
    return paymentId !== undefined
  }, 5000, 1)
  const body = verifyBody(rzp, orderId, paymentId as string)
  const verify = async (base: string, key: string) =>
    await post(base, '/api/checkout/verify-payment', body, { ...shop, 'idempotency-key': key })
  const [checkout, ...verified] = await Promise.all([
    paying,
    ...[1, 2, 3, 4].flatMap(n => [verify(url, `race-a-${n}`), verify(otherUrl, `race-b-${n}`)])
  ])
  t.equal(checkout.razorpay_payment_id, paymentId)
  for (const answer of verified) {
    t.equal(answer.status, 200)
    t.match(JSON.parse(answer.body), { orderId, status: 'paid', paymentId })
  }
  t.match(await order(app, orderId), { status: 'paid', paymentId })
  t.match(await order(other, orderId), { status: 'paid', paymentId }, 'both instances see the same order')
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
  t.equal((await eventsOf(app, orderId, 'paid')).length, 1, 'one paid event')
  const recorded = (await auditTypes(app, orderId)).filter(type => type === 'payment_captured' || type === 'payment_verified')
  t.equal(recorded.length, 1, 'the payment is recorded once, by whichever report came first')
})

t.test('a webhook for an order this service does not know is acknowledged and counted', async t => {
  const { rzp, app, url } = await moneySetup(t)
  const event = paymentEvent('payment.captured', { id: 'pay_unknown0000001', order_id: 'order_unknown000001', amount: 1000, currency: 'INR', status: 'captured' })
  const answer = await sendWebhook(url, rzp, event, 'evt_unknown_order_1')
  t.equal(answer.status, 200)
  t.same(JSON.parse(answer.body), { status: 'ignored' })
  const metrics = await app.operations.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, /^webhooks_total\{event="payment\.captured",outcome="unknown_order"\} 1$/m)
  t.same(await orderEvents(app), [])
})

t.test('an over-long event id is refused', async t => {
  const { rzp, url } = await moneySetup(t)
  const body = JSON.stringify(paymentEvent('payment.captured', { id: 'pay_unknown0000002', order_id: 'order_unknown000002', amount: 1000, currency: 'INR', status: 'captured' }))
  const tooLong = await post(url, '/api/webhooks/razorpay', body, signed(body, rzp.webhookSecret, 'e'.repeat(129)))
  t.equal(tooLong.status, 400)
  t.equal(JSON.parse(tooLong.body).code, 'WEBHOOK_PAYLOAD_INVALID')
  const longest = await post(url, '/api/webhooks/razorpay', body, signed(body, rzp.webhookSecret, 'e'.repeat(128)))
  t.equal(longest.status, 200, '128 characters are still accepted')
  t.same(JSON.parse(longest.body), { status: 'ignored' })
})

t.test('a failure while applying releases the claim so the redelivery applies it', async t => {
  const { rzp, app, url } = await moneySetup(t)
  const orderId = await createOrder(app, 'redeliver-1', 2)
  const checkout = await pay(rzp, orderId, { outcome: 'authorized', webhooks: { skip: true } })
  const paymentId = checkout.razorpay_payment_id
  const event = paymentEvent('payment.authorized', await emulatorPayment(rzp, paymentId))
  await addFault(rzp, { route: 'POST /v1/payments/:id/capture', kind: 'status', status: 500, count: 1 })
  const failed = await sendWebhook(url, rzp, event, 'evt_redeliver_1')
  t.equal(failed.status, 502, 'a 5xx makes Razorpay deliver it again')
  t.equal(JSON.parse(failed.body).code, 'PAYMENT_PROVIDER_ERROR')
  t.equal((await order(app, orderId)).status, 'created')
  t.equal((await emulatorPayment(rzp, paymentId)).status, 'authorized')
  t.equal(await app.store.command('get', ['webhook:event:{evt_redeliver_1}']), null, 'the claim was released')

  const redelivered = await sendWebhook(url, rzp, event, 'evt_redeliver_1')
  t.equal(redelivered.status, 200)
  t.same(JSON.parse(redelivered.body), { status: 'processed' })
  t.match(await order(app, orderId), { status: 'paid', paymentId })
  t.match(await emulatorPayment(rzp, paymentId), { status: 'captured', amount: 2000 })
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
  t.equal((await eventsOf(app, orderId, 'paid')).length, 1)
  const again = await sendWebhook(url, rzp, event, 'evt_redeliver_1')
  t.same(JSON.parse(again.body), { status: 'duplicate' }, 'once applied, the event id is remembered')
})

t.test('without a webhook secret every webhook is refused with 503', async t => {
  const { rzp, redis } = await moneySetup(t)
  const app = await build(t, {
    ...emulatorEnv(rzp), RAZORPAY_WEBHOOK_SECRET: undefined, REDIS_URL: redis.url, API_KEYS: 'shop:shop-token', ADMIN_TOKEN: 'admin-token-for-tests'
  })
  const url = await listen(app)
  await setStock(app, 10)
  const orderId = await createOrder(app, 'no-secret-1', 2)
  const checkout = await pay(rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  const body = JSON.stringify(paymentEvent('payment.captured', await emulatorPayment(rzp, checkout.razorpay_payment_id)))
  const unkeyed = await post(url, '/api/webhooks/razorpay', body, signed(body, '', 'evt_no_secret_1'))
  t.equal(unkeyed.status, 503)
  t.equal(JSON.parse(unkeyed.body).code, 'WEBHOOKS_NOT_CONFIGURED')
  const keyed = await post(url, '/api/webhooks/razorpay', body, signed(body, rzp.webhookSecret, 'evt_no_secret_2'))
  t.equal(keyed.status, 503, 'not even the real secret is taken on trust')
  t.equal(JSON.parse(keyed.body).code, 'WEBHOOKS_NOT_CONFIGURED')
  t.equal((await order(app, orderId)).status, 'created', 'nothing changed')
  t.match(await variant(app), { available: 8, reserved: 2, sold: 0 })
  t.same(await orderEvents(app), [])
  t.equal(await app.store.command('exists', ['webhook:event:{evt_no_secret_1}']), 0, 'no event id was claimed')
})

t.test('refund and dispute webhooks move the order', async t => {
  const { rzp, app } = await moneySetup(t)

  const refundedOrder = await createOrder(app, 'refund-1')
  const refundedPayment = (await pay(rzp, refundedOrder, { outcome: 'captured' })).razorpay_payment_id
  t.equal((await order(app, refundedOrder)).status, 'paid')
  const refund = await call(rzp, 'POST', `/v1/payments/${refundedPayment}/refund`, { body: {} })
  t.equal(refund.status, 200, 'refunded at Razorpay, outside the service')
  await eventually(async () => (await order(app, refundedOrder)).status === 'refunded', 10_000, 25)
  const refunded = await eventsOf(app, refundedOrder, 'refunded')
  t.equal(refunded.length, 1)
  t.match(refunded[0], { paymentId: refundedPayment, refundId: refund.json.id, amount: '1000' })

  const wonOrder = await createOrder(app, 'dispute-won-1')
  const wonPayment = (await pay(rzp, wonOrder, { outcome: 'captured' })).razorpay_payment_id
  const opened = await control(rzp, 'POST', `/_emulator/payments/${wonPayment}/dispute`, { phase: 'created' })
  t.equal((await order(app, wonOrder)).status, 'disputed')
  const disputed = await eventsOf(app, wonOrder, 'disputed')
  t.equal(disputed.length, 1)
  t.match(disputed[0], { paymentId: wonPayment, disputeId: opened.id })
  await control(rzp, 'POST', `/_emulator/payments/${wonPayment}/dispute`, { phase: 'won' })
  t.equal((await order(app, wonOrder)).status, 'paid', 'a won dispute gives the order back')
  const won = await eventsOf(app, wonOrder, 'dispute_won')
  t.equal(won.length, 1)
  t.match(won[0], { paymentId: wonPayment, disputeId: opened.id })

  const lostOrder = await createOrder(app, 'dispute-lost-1')
  const lostPayment = (await pay(rzp, lostOrder, { outcome: 'captured' })).razorpay_payment_id
  const lost = await control(rzp, 'POST', `/_emulator/payments/${lostPayment}/dispute`, { phase: 'created' })
  await control(rzp, 'POST', `/_emulator/payments/${lostPayment}/dispute`, { phase: 'lost' })
  t.equal((await order(app, lostOrder)).status, 'refunded', 'a lost dispute takes the money back')
  const lostEvents = await eventsOf(app, lostOrder, 'dispute_lost')
  t.equal(lostEvents.length, 1)
  t.match(lostEvents[0], { paymentId: lostPayment, disputeId: lost.id })

  t.match(await variant(app), { available: 7, reserved: 0, sold: 3 }, 'stock is not returned by refunds or disputes')
  for (const orderId of [refundedOrder, wonOrder, lostOrder]) {
    t.equal((await eventsOf(app, orderId, 'paid')).length, 1, 'each order was paid once')
  }
})

t.test('a dispute opening redelivered after the dispute was won does not reopen it', async t => {
  const { rzp, app, url } = await moneySetup(t)
  const orderId = await createOrder(app, 'dispute-late-1')
  const paymentId = (await pay(rzp, orderId, { outcome: 'captured' })).razorpay_payment_id
  // The opening's first delivery was lost; Razorpay redelivers it after the outcome.
  const dispute = await control(rzp, 'POST', `/_emulator/payments/${paymentId}/dispute`, { phase: 'created', webhooks: { skip: true } })
  await control(rzp, 'POST', `/_emulator/payments/${paymentId}/dispute`, { phase: 'won' })
  const opening = {
    entity: 'event',
    account_id: 'acc_x',
    event: 'payment.dispute.created',
    contains: ['payment', 'dispute'],
    payload: { payment: { entity: await emulatorPayment(rzp, paymentId) }, dispute: { entity: dispute } },
    created_at: Math.floor(Date.now() / 1000)
  }
  const late = await sendWebhook(url, rzp, opening, 'evt_dispute_late_1')
  t.equal(late.status, 200)
  t.equal((await order(app, orderId)).status, 'paid')
  t.same((await orderEvents(app)).filter(e => e.orderId === orderId).map(e => e.type), ['paid', 'dispute_won'])
})
