// Refund webhooks, the control that fails a refund, a replay racing its original request, fault
// rules on the refund and capture routes, and the official SDK's refund calls.
import t from 'tap'
import { validateWebhookSignature } from 'razorpay/dist/utils/razorpay-utils.js'
import { call, createOrder, emulatorFor, receiverFor, rejection, sdkFor, waitFor } from './helpers.js'
import type { RunningEmulator } from '../../src/emulator/index.js'

async function capturedPayment (emulator: RunningEmulator, amount = 1499): Promise<string> {
  const order = await createOrder(emulator, { amount })
  const paid = await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome: 'captured' } })
  return paid.json.razorpay_payment_id
}

t.test('a refund sends refund.created then refund.processed, signed, with the refund and the updated payment', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const paymentId = await capturedPayment(emulator)
  receiver.received.length = 0
  const refund = await call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, { body: { amount: 600 } })
  t.equal(receiver.received.length, 2, 'delivered before the refund answers')
  t.same(receiver.received.map((w) => w.json.event), ['refund.created', 'refund.processed'])
  t.equal(new Set(receiver.received.map((w) => w.headers['x-razorpay-event-id'])).size, 2, 'distinct event ids')
  for (const webhook of receiver.received) {
    t.ok(validateWebhookSignature(webhook.rawBody, webhook.headers['x-razorpay-signature'] as string, emulator.webhookSecret), 'signed')
    t.match(webhook.json, { entity: 'event', account_id: /^acc_/, created_at: Number })
    t.same(webhook.json.contains, ['refund', 'payment'])
    t.same(Object.keys(webhook.json.payload), ['refund', 'payment'])
    t.same(webhook.json.payload.refund.entity, refund.json, 'the refund as answered')
    t.match(webhook.json.payload.payment.entity, {
      id: paymentId, status: 'captured', amount_refunded: 600, refund_status: 'partial'
    }, 'the payment after the refund')
  }
})

t.test('failing a refund gives the amount back and sends refund.failed', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const paymentId = await capturedPayment(emulator)
  const partial = await call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, { body: { amount: 500 } })
  const rest = await call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, {})
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json, { status: 'refunded', refund_status: 'full' })
  receiver.received.length = 0

  const failed = await call(emulator, 'POST', `/_emulator/refunds/${rest.json.id}/fail`)
  t.equal(failed.status, 200)
  t.match(failed.json, { id: rest.json.id, entity: 'refund', status: 'failed', amount: 999 })
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json, {
    status: 'captured', amount_refunded: 500, refund_status: 'partial'
  }, 'a partial refund remains')
  t.same(receiver.received.map((w) => w.json.event), ['refund.failed'])
  const event = receiver.received[0]?.json
  t.same(event.contains, ['refund', 'payment'])
  t.match(event.payload, {
    refund: { entity: { id: rest.json.id, status: 'failed' } },
    payment: { entity: { id: paymentId, amount_refunded: 500, refund_status: 'partial', status: 'captured' } }
  })
  t.equal((await call(emulator, 'GET', `/v1/refunds/${rest.json.id}`)).json.status, 'failed')

  await call(emulator, 'POST', `/_emulator/refunds/${partial.json.id}/fail`)
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json, {
    status: 'captured', amount_refunded: 0, refund_status: null
  }, 'back to captured when nothing refunded remains')
  t.match(await call(emulator, 'POST', `/_emulator/refunds/${partial.json.id}/fail`), {
    status: 400, json: { statusCode: 400, code: 'REFUND_NOT_PROCESSED' }
  }, 'a failed refund cannot fail again')
  t.match(await call(emulator, 'POST', '/_emulator/refunds/rfnd_00000000000000/fail'), {
    status: 404, json: { code: 'REFUND_NOT_FOUND' }
  })
  const again = await call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, {})
  t.equal(again.json.amount, 1499, 'the whole amount can be refunded again')
})

t.test('a replay while the original request is still delivering its webhooks gets 409', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const paymentId = await capturedPayment(emulator)
  const start = receiver.received.length
  receiver.delay = (index) => index === start ? 300 : 0
  const headers = { 'X-Refund-Idempotency': 'slow-refund-1' }
  const original = call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, { body: { amount: 100 }, headers })
  await waitFor(() => receiver.received.length > start)
  const racing = await call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, { body: { amount: 100 }, headers })
  t.match(racing, { status: 409, json: { error: { code: 'BAD_REQUEST_ERROR' } } })
  const first = await original
  t.equal(first.status, 200)
  const replay = await call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, { body: { amount: 100 }, headers })
  t.same(replay.json, first.json, 'once answered, the key replays')
  t.equal((await call(emulator, 'GET', '/_emulator/stats')).json.refundsCreated, 1)
})

t.test('fault rules can target the refund and capture routes', async (t) => {
  const emulator = await emulatorFor(t)
  const paymentId = await capturedPayment(emulator)
  for (const route of ['POST /v1/payments/:id/refund', 'POST /v1/payments/:id/capture', 'GET /v1/refunds/:id', 'GET /v1/payments/:id/refunds']) {
    const added = await call(emulator, 'POST', '/_emulator/faults', { body: { route, kind: 'status', status: 502, count: 1 } })
    t.equal(added.status, 201, route)
  }
  const faulted = await call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, { body: { amount: 100 } })
  t.equal(faulted.status, 502)
  t.equal((await call(emulator, 'GET', '/_emulator/stats')).json.refundsCreated, 0, 'a faulted refund makes nothing')
  t.equal((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json.amount_refunded, 0)
  t.equal((await call(emulator, 'POST', `/v1/payments/${paymentId}/capture`, { body: { amount: 1499, currency: 'INR' } })).status, 502)
})

t.test('the official SDK refunds and fetches through the emulator', async (t) => {
  const emulator = await emulatorFor(t)
  const rzp = sdkFor(emulator)
  const paymentId = await capturedPayment(emulator, 5000)
  const refund = await rzp.payments.refund(paymentId, { amount: 2000, notes: { reason: 'return' } })
  t.match(refund, { entity: 'refund', amount: 2000, payment_id: paymentId, status: 'processed', notes: { reason: 'return' } })
  t.match(await rzp.payments.fetch(paymentId), { status: 'captured', amount_refunded: 2000, refund_status: 'partial' })
  t.same(await rzp.refunds.fetch(refund.id), refund)
  t.same(await rzp.payments.fetchRefund(paymentId, refund.id), refund)
  const list = await rzp.payments.fetchMultipleRefund(paymentId)
  t.same(list.items.map((item) => item.id), [refund.id])
  t.match(await rejection(rzp.payments.refund(paymentId, { amount: 3001 })), {
    statusCode: 400,
    error: { code: 'BAD_REQUEST_ERROR', description: 'The refund amount provided is greater than amount captured' }
  })
  const full = await rzp.payments.refund(paymentId, {})
  t.equal(full.amount, 3000)
  t.match(await rzp.payments.fetch(paymentId), { status: 'refunded', amount_refunded: 5000, refund_status: 'full' })
})
