// The pay control's anomalies (an order paid twice, another amount, webhooks lost) and late
// authorization of a failed payment.
import t from 'tap'
import { validatePaymentVerification } from 'razorpay/dist/utils/razorpay-utils.js'
import { call, createOrder, emulatorFor, receiverFor } from './helpers.js'
import type { RunningEmulator } from '../../src/emulator/index.js'

const pay = (emulator: RunningEmulator, orderId: string, body: Record<string, unknown>) =>
  call(emulator, 'POST', `/_emulator/orders/${orderId}/pay`, { body })

const authorize = (emulator: RunningEmulator, paymentId: string, body?: Record<string, unknown>) =>
  call(emulator, 'POST', `/_emulator/payments/${paymentId}/authorize`, body === undefined ? {} : { body })

t.test('allowPaidOrder pays a paid order again: two captured payments for one order', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator)
  const first = await pay(emulator, order.id, { outcome: 'captured' })
  t.match(await pay(emulator, order.id, { outcome: 'captured' }), { status: 400, json: { code: 'ORDER_ALREADY_PAID' } }, 'not without the flag')
  receiver.received.length = 0
  const second = await pay(emulator, order.id, { outcome: 'captured', allowPaidOrder: true })
  t.equal(second.status, 200)
  t.not(second.json.razorpay_payment_id, first.json.razorpay_payment_id)
  t.same(receiver.received.map((w) => w.json.event), ['payment.authorized', 'payment.captured', 'order.paid'])
  const payments = (await call(emulator, 'GET', `/v1/orders/${order.id}/payments`)).json
  t.equal(payments.count, 2)
  t.same(payments.items.map((p: { id: string }) => p.id), [second.json.razorpay_payment_id, first.json.razorpay_payment_id])
  t.ok(payments.items.every((p: { status: string, amount: number }) => p.status === 'captured' && p.amount === 1499), 'both captured for the full amount')
  t.match((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json, { status: 'paid', attempts: 2, amount_paid: 1499, amount_due: 0 })

  const failed = await pay(emulator, order.id, { outcome: 'failed', allowPaidOrder: true })
  t.equal(failed.status, 200)
  t.equal((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json.status, 'paid', 'a failed third attempt leaves the order paid')
})

t.test('amount sets the payment amount, which may differ from the order', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator, { amount: 1499 })
  const paid = await pay(emulator, order.id, { outcome: 'captured', amount: 999 })
  t.match((await call(emulator, 'GET', `/v1/payments/${paid.json.razorpay_payment_id}`)).json, { amount: 999, status: 'captured' })
  const orderPaid = receiver.received.find((w) => w.json.event === 'order.paid')?.json
  t.match(orderPaid.payload, { payment: { entity: { amount: 999 } }, order: { entity: { amount: 1499, status: 'paid' } } })
  for (const amount of [99, 100.5, '1000']) {
    t.equal((await pay(emulator, (await createOrder(emulator)).id, { outcome: 'captured', amount })).status, 400, `amount ${amount}`)
  }
})

t.test('webhooks.skip moves the payment and the order but delivers nothing', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator)
  const paid = await pay(emulator, order.id, { outcome: 'captured', webhooks: { skip: true } })
  t.equal(paid.status, 200)
  // pay answers only once every first attempt has ended (see webhooks.test.ts), so a webhook skip failed to suppress
  // would already be here; later ones are only redeliveries of failed attempts.
  t.equal(receiver.received.length, 0)
  t.equal((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json.status, 'paid')
  t.equal((await call(emulator, 'GET', `/v1/payments/${paid.json.razorpay_payment_id}`)).json.status, 'captured')
  t.equal((await call(emulator, 'GET', '/_emulator/stats')).json.webhooksDelivered, 0)
})

t.test('a failed attempt followed by another pay on the same order still works', async (t) => {
  const emulator = await emulatorFor(t)
  const order = await createOrder(emulator)
  t.equal((await pay(emulator, order.id, { outcome: 'failed' })).status, 200)
  t.equal((await pay(emulator, order.id, { outcome: 'captured' })).status, 200)
  t.match((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json, { status: 'paid', attempts: 2 })
})

t.test('late authorization captures a failed payment and pays its order', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator)
  const failed = await pay(emulator, order.id, { outcome: 'failed' })
  const paymentId = failed.json.razorpay_payment_id
  receiver.received.length = 0

  const late = await authorize(emulator, paymentId)
  t.equal(late.status, 200)
  t.equal(late.json.razorpay_order_id, order.id)
  t.equal(late.json.razorpay_payment_id, paymentId)
  t.ok(validatePaymentVerification({ order_id: order.id, payment_id: paymentId }, late.json.razorpay_signature, emulator.keySecret))
  t.same(receiver.received.map((w) => w.json.event), ['payment.authorized', 'payment.captured', 'order.paid'])
  t.match(receiver.received[0]?.json.payload.payment.entity, { id: paymentId, status: 'authorized', error_code: null })
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json, {
    status: 'captured',
    captured: true,
    error_code: null,
    error_description: null,
    error_source: null,
    error_step: null,
    error_reason: null
  })
  t.match((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json, { status: 'paid', amount_paid: 1499, amount_due: 0 })
  t.match(await authorize(emulator, paymentId), { status: 400, json: { code: 'PAYMENT_NOT_AUTHORIZABLE' } }, 'captured already')
  t.match(await authorize(emulator, 'pay_00000000000000'), { status: 404, json: { code: 'PAYMENT_NOT_FOUND' } })
  t.equal((await authorize(emulator, paymentId, { capture: true, other: 1 })).status, 400, 'unknown fields are refused')
})

t.test('late authorization without capture leaves the capture to the API', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator)
  const paymentId = (await pay(emulator, order.id, { outcome: 'failed' })).json.razorpay_payment_id
  receiver.received.length = 0
  t.equal((await authorize(emulator, paymentId, { capture: false, webhooks: { duplicate: true } })).status, 200)
  t.same(receiver.received.map((w) => w.json.event), ['payment.authorized', 'payment.authorized'])
  t.equal((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json.status, 'attempted')
  t.equal((await authorize(emulator, paymentId)).status, 400, 'an authorized payment is not authorized again')
  const captured = await call(emulator, 'POST', `/v1/payments/${paymentId}/capture`, { body: { amount: 1499, currency: 'INR' } })
  t.match(captured.json, { status: 'captured' })
  t.equal((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json.status, 'paid')
})
