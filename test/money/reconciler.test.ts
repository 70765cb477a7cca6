// The reconciler asks Razorpay about orders nobody confirmed: it finds lost payments, captures authorized ones,
// records failures, follows late authorizations, lets go of an order once no payment can arrive, and sends
// again a refund Razorpay refused. Payments are made with their webhooks lost and nobody calls verify-payment.
// Each test waits until the reconciler is done with what it checks (the order or refund left its index), so that
// no request the reconciler set off is still being answered when the service closes.
import t from 'tap'
import { addFault, control, eventually } from '../support/service.js'
import {
  createOrder, emulatorPayment, emulatorRefunds, moneySetup, order, orderEvents, pay, sendWebhook, variant
} from '../support/money.js'

const fastReconciler = { RECONCILE_DELAY_SECONDS: '1' }
/** Generous: the reconciler runs every 250 ms here, but a loaded machine must not make the tests flaky. */
const patience = 10_000

/** The order left the reconciler's index (`orders:reconcile`): nothing more will be asked about it. */
async function unwatched (app: Parameters<typeof orderEvents>[0], orderId: string): Promise<boolean> {
  return await app.store.command('zscore', ['orders:reconcile', orderId]) === null
}

async function paidEvents (app: Parameters<typeof orderEvents>[0], orderId: string): Promise<number> {
  return (await orderEvents(app)).filter(e => e.orderId === orderId && e.type === 'paid').length
}

t.test('an order whose webhooks were never delivered is found paid by the reconciler', async t => {
  const { rzp, app } = await moneySetup(t, fastReconciler)
  const orderId = await createOrder(app, 'lost-1', 2)
  const checkout = await pay(rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  // The order leaves the reconciler's index once the reconciler is done with it, after marking it paid.
  await eventually(async () => await unwatched(app, orderId), patience, 50)
  t.match(await order(app, orderId), { status: 'paid', paymentId: checkout.razorpay_payment_id })
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
  t.equal(await paidEvents(app, orderId), 1, 'one paid event for fulfilment')
})

t.test('an authorized payment nobody verified is captured by the reconciler', async t => {
  const { rzp, app } = await moneySetup(t, fastReconciler)
  const orderId = await createOrder(app, 'auth-1', 2)
  const checkout = await pay(rzp, orderId, { outcome: 'authorized', webhooks: { skip: true } })
  const paymentId = checkout.razorpay_payment_id
  // Waiting for the reconciler to be done also waits out the webhooks its capture makes Razorpay send: a test
  // must not end with one of them still being answered.
  await eventually(async () => await unwatched(app, orderId), patience, 50)
  t.match(await emulatorPayment(rzp, paymentId), { status: 'captured', amount: 2000 }, 'captured for the order amount')
  t.match(await order(app, orderId), { status: 'paid', paymentId })
  t.match(await variant(app), { available: 8, reserved: 0, sold: 2 })
  t.equal(await paidEvents(app, orderId), 1)
})

t.test('a failed attempt found by the reconciler marks the order failed but keeps the reservation; a later late authorization of that same payment ends paid', async t => {
  const { rzp, app } = await moneySetup(t, fastReconciler)
  const orderId = await createOrder(app, 'late-1', 2)
  const failed = await pay(rzp, orderId, { outcome: 'failed', webhooks: { skip: true } })
  const paymentId = failed.razorpay_payment_id
  await eventually(async () => (await order(app, orderId)).status === 'failed', patience, 50)
  t.equal((await order(app, orderId)).status, 'failed')
  t.match(await app.orders.get(orderId), { lastFailedPaymentId: paymentId }, 'the stored order names the failed attempt')
  t.match(await variant(app), { available: 8, reserved: 2, sold: 0 }, 'still reserved: the order stays payable')
  t.not(await app.store.command('zscore', ['orders:reconcile', orderId]), null, 'still watched for a late authorization')

  await control(rzp, 'POST', `/_emulator/payments/${paymentId}/authorize`, { webhooks: { skip: true } })
  await eventually(async () => await unwatched(app, orderId), patience, 50)
  t.match(await order(app, orderId), { status: 'paid', paymentId })
  const stock = await variant(app)
  t.match(stock, { available: 8, reserved: 0, sold: 2 })
  t.equal(stock.oversold ?? 0, 0, 'nothing oversold')
  t.equal(await paidEvents(app, orderId), 1)
})

t.test('the reconciler leaves an order once Razorpay\'s late-authorization window closed', async t => {
  const { app } = await moneySetup(t, { ...fastReconciler, RECONCILE_WINDOW_SECONDS: '1' })
  const orderId = await createOrder(app, 'window-1')
  t.not(await app.store.command('zscore', ['orders:reconcile', orderId]), null, 'a new order is scheduled')
  await eventually(async () => await unwatched(app, orderId), patience, 50)
  t.pass('the order left orders:reconcile')
  t.equal((await order(app, orderId)).status, 'created', 'nothing paid it, nothing else changed')
  t.match(await variant(app), { reserved: 1, sold: 0 })
})

t.test('a refund that Razorpay refused is sent again by the reconciler', async t => {
  const { rzp, app, url } = await moneySetup(t, fastReconciler)
  const orderId = await createOrder(app, 'twice-1')
  const kept = await pay(rzp, orderId, { outcome: 'captured' })
  t.equal((await order(app, orderId)).status, 'paid', 'the first payment pays the order')

  // The second tab's payment reaches the service by one report only: the emulator's own webhooks would report it
  // three times, and each report sends a pending refund again at once, which would hide the reconciler's part.
  const second = await pay(rzp, orderId, { outcome: 'captured', allowPaidOrder: true, webhooks: { skip: true } })
  const paymentId = second.razorpay_payment_id
  await addFault(rzp, { route: 'POST /v1/payments/:id/refund', kind: 'status', status: 500, count: 1 })
  const entity = await emulatorPayment(rzp, paymentId)
  const event = { entity: 'event', account_id: 'acc_x', event: 'payment.captured', contains: ['payment'], payload: { payment: { entity } }, created_at: Math.floor(Date.now() / 1000) }
  const answer = await sendWebhook(url, rzp, event, 'evt_second_tab_1')
  t.equal(answer.status, 200)
  t.same(JSON.parse(answer.body), { status: 'processed' })
  t.same(await emulatorRefunds(rzp, paymentId), [], 'Razorpay refused the first refund request')
  t.match(await app.refunds.get(paymentId), { status: 'pending', reason: 'duplicate_payment', amount: 1000 })

  // A refused refund is retried a few seconds later (src/payments/refunds.ts retryDelayMs):
  // bring that moment forward rather than make the test wait for it.
  t.equal(await app.store.command('zadd', ['refunds:pending', 'XX', 'CH', Date.now(), paymentId]), 1, 'the retry was scheduled')
  // Done once the refund left the retry index: Razorpay answered, after delivering its refund webhooks.
  await eventually(async () => await app.store.command('zscore', ['refunds:pending', paymentId]) === null, patience, 50)
  const refunds = await emulatorRefunds(rzp, paymentId)
  t.equal(refunds.length, 1, 'exactly one refund of the second payment')
  t.match(refunds[0], { payment_id: paymentId, amount: 1000, status: 'processed' })
  t.match(await app.refunds.get(paymentId), { status: 'processed', refundId: refunds[0].id })
  t.same(await emulatorRefunds(rzp, kept.razorpay_payment_id), [], 'the kept payment is not refunded')
  t.match(await order(app, orderId), { status: 'paid', paymentId: kept.razorpay_payment_id })
  t.match(await variant(app), { available: 9, reserved: 0, sold: 1 })
  t.equal(await paidEvents(app, orderId), 1)
})
