// Money that should not have been taken goes back, once per payment: a second capture on a paid order, a capture
// the stock cannot cover, a captured amount that differs from the order. An order stays payable after a failed
// attempt, and a cancelled one gives its stock back at once.
import t from 'tap'
import { emulatorStats } from '../support/service.js'
import {
  createOrder, createOrderRequest, emulatorRefunds, expiredAndSwept, moneySetup, order, orderEvents, pay, setStock, shop, stockHolds,
  variant, verifyRequest
} from '../support/money.js'

t.test('a second captured payment on a paid order is refunded once; the order keeps the first', async t => {
  const { rzp, app } = await moneySetup(t)
  const orderId = await createOrder(app, 'double-1', 2)
  const first = await pay(rzp, orderId, { outcome: 'captured' })
  const second = await pay(rzp, orderId, { outcome: 'captured', allowPaidOrder: true, webhooks: { duplicate: true } })
  const verified = await app.inject(verifyRequest(second, 'verify-double-1'))
  t.equal(verified.statusCode, 200, 'the order is paid, by the first payment')
  t.match(verified.json(), { status: 'paid', paymentId: first.razorpay_payment_id })
  t.equal((await emulatorRefunds(rzp, second.razorpay_payment_id)).length, 1, 'the second payment is refunded once')
  t.equal((await emulatorRefunds(rzp, first.razorpay_payment_id)).length, 0, 'the kept payment is not')
  t.equal((await emulatorStats(rzp)).refundsCreated, 1)
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 }, 'sold once')
  const events = (await orderEvents(app)).filter(e => e.orderId === orderId)
  t.same(events.map(e => e.type), ['paid', 'payment_refunded'])
  t.match(events[1], { paymentId: second.razorpay_payment_id, reason: 'duplicate_payment', refundId: /^rfnd_/ })
  t.equal((await order(app, orderId)).status, 'paid', 'an extra payment refunded leaves the order paid')
})

t.test('a capture on an expired order with no stock left is refunded, never oversold silently', async t => {
  const { rzp, app } = await moneySetup(t, { RESERVATION_TTL_SECONDS: '1' }, 2)
  const late = await createOrder(app, 'late-1', 2)
  await expiredAndSwept(app, late)
  const other = await createOrder(app, 'other-buyer', 2)
  await pay(rzp, other, { outcome: 'captured' })
  const checkout = await pay(rzp, late, { outcome: 'captured', webhooks: { duplicate: true } })
  const verified = await app.inject(verifyRequest(checkout, 'verify-late-1'))
  t.equal(verified.statusCode, 422)
  t.equal(verified.json().code, 'INSUFFICIENT_STOCK')
  t.equal((await emulatorRefunds(rzp, checkout.razorpay_payment_id)).length, 1, 'refunded once')
  t.equal((await order(app, late)).status, 'expired')
  const stock = await variant(app)
  t.match(stock, { available: 0, reserved: 0, sold: 2, oversold: 2 })
  t.ok(await stockHolds(app, 2))
  t.same((await orderEvents(app)).filter(e => e.orderId === late).map(e => e.type), ['payment_refunded'], 'no paid event for it')
})

t.test('a failed attempt followed by a capture ends paid with nothing oversold while another buyer is refused stock', async t => {
  const { rzp, app } = await moneySetup(t, {}, 2)
  const orderId = await createOrder(app, 'retry-1', 2)
  await pay(rzp, orderId, { outcome: 'failed' })
  t.equal((await order(app, orderId)).status, 'failed')
  const competitor = await app.inject(createOrderRequest('competitor-1', 1))
  t.equal(competitor.statusCode, 422, 'the failed order still holds its stock')
  t.equal(competitor.json().code, 'INSUFFICIENT_STOCK')
  const retry = await pay(rzp, orderId, { outcome: 'captured' })
  t.match(await order(app, orderId), { status: 'paid', paymentId: retry.razorpay_payment_id })
  t.match(await variant(app), { available: 0, reserved: 0, sold: 2 })
  t.notOk((await variant(app)).oversold, 'nothing oversold')
  t.equal((await emulatorStats(rzp)).refundsCreated, 0)
})

t.test('cancel returns the stock of an unpaid order, is idempotent, and refuses a paid order with 409', async t => {
  const { rzp, app } = await moneySetup(t)
  const orderId = await createOrder(app, 'cancel-1', 3)
  const cancel = (key: string, token = shop) => app.inject({ method: 'POST', url: `/api/orders/${orderId}/cancel`, headers: { ...token, 'idempotency-key': key } })
  const theirs = await cancel('c-0', { authorization: 'Bearer other-token' })
  t.equal(theirs.statusCode, 404, 'another client cannot see it')
  const first = await cancel('c-1')
  t.equal(first.statusCode, 200)
  t.equal(first.json().status, 'cancelled')
  t.match(await variant(app), { available: 10, reserved: 0 })
  t.equal((await cancel('c-1')).headers['idempotent-replayed'], 'true')
  t.equal((await cancel('c-2')).json().status, 'cancelled', 'cancelling again changes nothing')
  t.match(await variant(app), { available: 10, reserved: 0 })

  // The Razorpay order stays payable: a late payment sells from what is left.
  await pay(rzp, orderId, { outcome: 'captured' })
  t.equal((await order(app, orderId)).status, 'paid')
  t.match(await variant(app), { available: 7, sold: 3 })
  const paid = await cancel('c-3')
  t.equal(paid.statusCode, 409)
  t.equal(paid.json().code, 'ORDER_NOT_CANCELLABLE')
})

t.test('a capture on a cancelled order when the stock was sold meanwhile is refunded', async t => {
  const { rzp, app } = await moneySetup(t, {}, 1)
  const orderId = await createOrder(app, 'cancel-2', 1)
  await app.inject({ method: 'POST', url: `/api/orders/${orderId}/cancel`, headers: { ...shop, 'idempotency-key': 'c-x' } })
  await setStock(app, 1)
  const other = await createOrder(app, 'cancel-2-other', 1)
  await pay(rzp, other, { outcome: 'captured' })
  const checkout = await pay(rzp, orderId, { outcome: 'captured' })
  t.equal((await order(app, orderId)).status, 'cancelled')
  t.equal((await emulatorRefunds(rzp, checkout.razorpay_payment_id)).length, 1)
  t.ok(await stockHolds(app, 1))
})
