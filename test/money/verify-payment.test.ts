// verify-payment marks an order paid only on Razorpay's word: the fetched payment must be the order's, of its
// amount and currency, and captured (an authorized one is captured first). Nothing changes otherwise.
import t from 'tap'
import { createHmac } from 'node:crypto'
import { addFault, emulatorStats, eventually } from '../support/service.js'
import {
  createOrder, emulatorPayment, emulatorRefunds, moneySetup, order, orderEvents, pay, variant, verifyRequest
} from '../support/money.js'

t.test('an authorized-only payment is captured at Razorpay before the order is reported paid', async t => {
  const { rzp, app } = await moneySetup(t)
  const orderId = await createOrder(app, 'auth-1', 2)
  const checkout = await pay(rzp, orderId, { outcome: 'authorized', webhooks: { skip: true } })
  t.equal((await emulatorPayment(rzp, checkout.razorpay_payment_id)).status, 'authorized')
  const verified = await app.inject(verifyRequest(checkout, 'verify-auth-1'))
  t.equal(verified.statusCode, 200)
  t.match(verified.json(), { orderId, status: 'paid', paymentId: checkout.razorpay_payment_id })
  t.match(await emulatorPayment(rzp, checkout.razorpay_payment_id), { status: 'captured', amount: 2000 }, 'captured for the order amount')
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
  t.equal((await orderEvents(app)).filter(e => e.orderId === orderId && e.type === 'paid').length, 1)
})

t.test('a failed payment with a valid signature is refused with 422 PAYMENT_NOT_CAPTURED and nothing is sold', async t => {
  const { rzp, app } = await moneySetup(t)
  const orderId = await createOrder(app, 'fail-1', 2)
  const failed = await pay(rzp, orderId, { outcome: 'failed', webhooks: { skip: true } })
  // Checkout gives no signature for a failed payment; a caller that forges a valid-looking one gets nothing either.
  const signature = createHmac('sha256', rzp.keySecret).update(`${orderId}|${failed.razorpay_payment_id}`).digest('hex')
  const answer = await app.inject(verifyRequest({ ...failed, razorpay_signature: signature }, 'verify-fail-1'))
  t.equal(answer.statusCode, 422)
  t.equal(answer.json().code, 'PAYMENT_NOT_CAPTURED')
  t.match(answer.json().message, /failed/)
  t.equal((await order(app, orderId)).status, 'created')
  t.match(await variant(app), { available: 8, reserved: 2, sold: 0 }, 'the reservation stays')
  t.same(await orderEvents(app), [])
})

t.test('a Razorpay timeout while confirming is 504 and changes nothing; the retry confirms it', async t => {
  const { rzp, app } = await moneySetup(t, { RAZORPAY_TIMEOUT_MS: '200' })
  const orderId = await createOrder(app, 'slow-1')
  const checkout = await pay(rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  await addFault(rzp, { route: 'GET /v1/payments/:id', kind: 'hang', count: 1 })
  const timedOut = await app.inject(verifyRequest(checkout, 'verify-slow-1'))
  t.equal(timedOut.statusCode, 504)
  t.equal(timedOut.json().code, 'PAYMENT_PROVIDER_TIMEOUT')
  t.equal((await order(app, orderId)).status, 'created')
  t.match(await variant(app), { reserved: 1, sold: 0 })
  const retried = await app.inject(verifyRequest(checkout, 'verify-slow-1'))
  t.equal(retried.statusCode, 200, 'a 5xx is not stored: the same key runs again')
  t.equal(retried.json().status, 'paid')
  t.match(await variant(app), { reserved: 0, sold: 1 })
})

t.test('a captured amount that differs from the order is refused and refunded once', async t => {
  const { rzp, app } = await moneySetup(t)
  const orderId = await createOrder(app, 'short-1', 2)
  const checkout = await pay(rzp, orderId, { outcome: 'captured', amount: 1500, webhooks: { skip: true } })
  const answer = await app.inject(verifyRequest(checkout, 'verify-short-1'))
  t.equal(answer.statusCode, 422)
  t.equal(answer.json().code, 'PAYMENT_MISMATCH')
  const again = await app.inject(verifyRequest(checkout, 'verify-short-2'))
  t.equal(again.statusCode, 422)
  t.equal((await order(app, orderId)).status, 'created')
  t.match(await variant(app), { reserved: 2, sold: 0 })
  const refunds = await emulatorRefunds(rzp, checkout.razorpay_payment_id)
  t.equal(refunds.length, 1, 'one refund however often it is reported')
  t.match(refunds[0], { amount: 1500, payment_id: checkout.razorpay_payment_id })
  t.equal((await emulatorStats(rzp)).refundsCreated, 1)
})

t.test('a payment of another order is refused with 422 PAYMENT_MISMATCH', async t => {
  const { rzp, app } = await moneySetup(t)
  const mine = await createOrder(app, 'mine-1')
  const other = await createOrder(app, 'other-1')
  const theirs = await pay(rzp, other, { outcome: 'captured', webhooks: { skip: true } })
  // The signature is valid for (mine, their payment): only Razorpay's record shows the payment is not this order's.
  const signature = createHmac('sha256', rzp.keySecret).update(`${mine}|${theirs.razorpay_payment_id}`).digest('hex')
  const answer = await app.inject(verifyRequest({ razorpay_order_id: mine, razorpay_payment_id: theirs.razorpay_payment_id, razorpay_signature: signature }, 'verify-mine-1'))
  t.equal(answer.statusCode, 422)
  t.equal(answer.json().code, 'PAYMENT_MISMATCH')
  t.equal((await order(app, mine)).status, 'created')
})

t.test('a paid order whose event was lost to a crash gets exactly one paid event from the reconciler', async t => {
  const { rzp, app } = await moneySetup(t, { RECONCILE_DELAY_SECONDS: '1' })
  const orderId = await createOrder(app, 'lost-event-1')
  const checkout = await pay(rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  // What a verify-payment killed between marking the order paid and appending the event leaves behind.
  await app.catalog.sell('item', (await app.orders.get(orderId))?.reservationId ?? '', 1)
  await app.orders.markPaid(orderId, checkout.razorpay_payment_id)
  await eventually(async () => (await orderEvents(app)).some(e => e.orderId === orderId), 10_000, 50)
  const replayed = await app.inject(verifyRequest(checkout, 'verify-lost-event-1'))
  t.equal(replayed.json().status, 'paid')
  t.equal((await orderEvents(app)).filter(e => e.orderId === orderId && e.type === 'paid').length, 1)
  t.match(await variant(app), { reserved: 0, sold: 1 })
})
