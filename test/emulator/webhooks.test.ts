// Paying an order through the control surface: the checkout signature, and webhooks signed, ordered,
// duplicated, reversed and redelivered the way Razorpay sends them.
import t from 'tap'
import { validatePaymentVerification, validateWebhookSignature } from 'razorpay/dist/utils/razorpay-utils.js'
import { call, createOrder, emulatorFor, eventually, receiverFor, sdkFor, waitFor } from './helpers.js'

const pay = (emulator: Parameters<typeof call>[0], orderId: string, body: Record<string, unknown>) =>
  call(emulator, 'POST', `/_emulator/orders/${orderId}/pay`, { body })

t.test('a captured payment answers a verifiable checkout signature and sends three signed webhooks in order', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator, { receipt: 'wh-1' })
  const result = await pay(emulator, order.id, { outcome: 'captured' })
  t.equal(result.status, 200)
  t.equal(result.json.razorpay_order_id, order.id)
  t.ok(validatePaymentVerification(
    { order_id: order.id, payment_id: result.json.razorpay_payment_id }, result.json.razorpay_signature, emulator.keySecret
  ), 'the SDK accepts the checkout signature')
  t.notOk(validatePaymentVerification(
    { order_id: order.id, payment_id: result.json.razorpay_payment_id }, result.json.razorpay_signature, 'other secret'
  ), 'and only with the key secret')

  t.equal(receiver.received.length, 3, 'first attempts are made before pay answers')
  t.same(receiver.received.map((w) => w.json.event), ['payment.authorized', 'payment.captured', 'order.paid'])
  const ids = receiver.received.map((w) => w.headers['x-razorpay-event-id'])
  t.equal(new Set(ids).size, 3, 'distinct event ids')
  for (const webhook of receiver.received) {
    t.ok(validateWebhookSignature(webhook.rawBody, webhook.headers['x-razorpay-signature'] as string, emulator.webhookSecret), 'the SDK accepts the webhook signature')
    t.equal(webhook.headers['content-type'], 'application/json')
    t.equal(webhook.headers['user-agent'], 'Razorpay-Webhook/v1')
    t.match(webhook.json, { entity: 'event', account_id: /^acc_[A-Za-z0-9]{14}$/, created_at: Number })
  }
  const [authorized, captured, orderPaid] = receiver.received.map((w) => w.json)
  t.same(authorized.contains, ['payment'])
  t.match(authorized.payload.payment.entity, { id: result.json.razorpay_payment_id, status: 'authorized', captured: false, order_id: order.id })
  t.notOk('order' in authorized.payload)
  t.match(captured.payload.payment.entity, { status: 'captured', captured: true, amount: 1499 })
  t.same(orderPaid.contains, ['payment', 'order'])
  t.match(orderPaid.payload.order.entity, { id: order.id, status: 'paid', amount_paid: 1499, amount_due: 0, receipt: 'wh-1' })
  t.equal(new Set(receiver.received.map((w) => w.json.account_id)).size, 1, 'one account id per emulator')
  t.equal((await call(emulator, 'GET', '/_emulator/stats')).json.webhooksDelivered, 3)
})

t.test('duplicate delivers every event twice with the same id and bytes', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator)
  await pay(emulator, order.id, { outcome: 'captured', webhooks: { duplicate: true } })
  t.equal(receiver.received.length, 6)
  const byId = new Map<string, string[]>()
  for (const webhook of receiver.received) {
    const id = webhook.headers['x-razorpay-event-id'] as string
    byId.set(id, [...(byId.get(id) ?? []), webhook.rawBody])
  }
  t.equal(byId.size, 3)
  for (const bodies of byId.values()) {
    t.equal(bodies.length, 2)
    t.equal(bodies[0], bodies[1], 'a duplicate is byte-identical')
  }
})

t.test('reverse delivers the events last first', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator)
  await pay(emulator, order.id, { outcome: 'captured', webhooks: { reverse: true } })
  t.same(receiver.received.map((w) => w.json.event), ['order.paid', 'payment.captured', 'payment.authorized'])
})

t.test('a failed payment sends payment.failed and leaves the order attempted', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const order = await createOrder(emulator)
  const result = await pay(emulator, order.id, { outcome: 'failed' })
  t.equal(result.json.razorpay_signature, '')
  t.same(receiver.received.map((w) => w.json.event), ['payment.failed'])
  t.match(receiver.received[0]?.json.payload.payment.entity, {
    id: result.json.razorpay_payment_id,
    status: 'failed',
    captured: false,
    error_code: 'BAD_REQUEST_ERROR',
    error_description: 'Payment failed'
  })
  const rzp = sdkFor(emulator)
  t.match(await rzp.orders.fetch(order.id), { status: 'attempted', attempts: 1, amount_paid: 0 })

  const retried = await pay(emulator, order.id, { outcome: 'captured' })
  t.equal(retried.status, 200, 'an attempted order can still be paid (a UPI retry)')
  t.match(await rzp.orders.fetch(order.id), { status: 'paid', attempts: 2 })
})

t.test('pay waits for the first attempt only, not for redeliveries', async (t) => {
  const receiver = await receiverFor(t)
  receiver.respond = () => 500
  // A redelivery due long after the test (its timer is cleared on close): a pay that waited for it would never answer,
  // and no redelivery can slip in before the count below, however slow the machine.
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url, webhookRetryDelaysMs: [600_000] })
  await pay(emulator, (await createOrder(emulator)).id, { outcome: 'failed' })
  t.equal(receiver.received.length, 1, 'the first attempt was made before pay answered, and nothing else')
})

t.test('redelivers after a 500 with the same id and body', async (t) => {
  const receiver = await receiverFor(t)
  receiver.respond = (index) => index === 0 ? 500 : 200
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url, webhookRetryDelaysMs: [20, 50] })
  const order = await createOrder(emulator)
  await pay(emulator, order.id, { outcome: 'failed' })
  t.ok(receiver.received.length >= 1, 'the first attempt was made before pay answered')
  await waitFor(() => receiver.received.length === 2, 10_000)
  t.equal(receiver.received[1]?.headers['x-razorpay-event-id'], receiver.received[0]?.headers['x-razorpay-event-id'])
  t.equal(receiver.received[1]?.rawBody, receiver.received[0]?.rawBody)
  // The receiver records a request before the emulator has read its answer: poll the counter.
  let delivered = 0
  await eventually(async () => {
    delivered = (await call(emulator, 'GET', '/_emulator/stats')).json.webhooksDelivered
    return delivered === 1
  }, 10_000)
  t.equal(delivered, 1, 'only the 2xx counts')
})

t.test('redelivers after a receiver timeout, and gives up after the last delay', async (t) => {
  const receiver = await receiverFor(t)
  // The first attempt is answered 200, but only after the emulator's timeout (both timers run in this process, so
  // the shorter one fires first however loaded the machine): it must count as failed and be redelivered.
  receiver.delay = (index) => index === 0 ? 300 : 0
  receiver.respond = (index) => index === 0 ? 200 : 503
  const logs: string[] = []
  const logger = { level: 'warn', stream: { write: (line: string) => { logs.push(line) } } }
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url, webhookTimeoutMs: 100, webhookRetryDelaysMs: [10, 10], logger })
  const order = await createOrder(emulator)
  await pay(emulator, order.id, { outcome: 'failed' })
  // Giving up is an event (logged): after it no attempt can follow, so the count below is final.
  await waitFor(() => logs.some((line) => line.includes('emulator gave up delivering a webhook')), 10_000)
  t.equal(receiver.received.length, 3, 'one attempt plus one per retry delay, then no more')
  t.equal(new Set(receiver.received.map((w) => w.headers['x-razorpay-event-id'])).size, 1, 'the same event each time')
  t.equal((await call(emulator, 'GET', '/_emulator/stats')).json.webhooksDelivered, 0, 'the late 200 did not count: the first attempt was cut at the timeout')
})

t.test('close() cancels pending redeliveries', async (t) => {
  const receiver = await receiverFor(t)
  receiver.respond = () => 500
  const closed = await emulatorFor(t, { webhookUrl: receiver.url, webhookRetryDelaysMs: [100] })
  const witness = await emulatorFor(t, { webhookUrl: receiver.url, webhookRetryDelaysMs: [100] })
  await pay(closed, (await createOrder(closed)).id, { outcome: 'failed' })
  const closedEvent = receiver.received[0]?.headers['x-razorpay-event-id']
  await closed.close()
  // Instead of a sleep: a second emulator's redelivery, due after the closed one's would have been. Once it has
  // arrived, a redelivery the close failed to cancel would have arrived before it.
  await pay(witness, (await createOrder(witness)).id, { outcome: 'failed' })
  const witnessEvent = receiver.received[1]?.headers['x-razorpay-event-id']
  await waitFor(() => receiver.received.filter((w) => w.headers['x-razorpay-event-id'] === witnessEvent).length === 2, 10_000)
  t.equal(receiver.received.filter((w) => w.headers['x-razorpay-event-id'] === closedEvent).length, 1, 'no redelivery after close')
})

t.test('reset drops pending redeliveries', async (t) => {
  const receiver = await receiverFor(t)
  receiver.respond = () => 500
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url, webhookRetryDelaysMs: [50] })
  await pay(emulator, (await createOrder(emulator)).id, { outcome: 'failed' })
  const before = receiver.received[0]?.headers['x-razorpay-event-id']
  t.equal((await call(emulator, 'POST', '/_emulator/reset')).status, 204)
  // Instead of a sleep: an event made after the reset, whose redelivery is due after the old one's would have been.
  await pay(emulator, (await createOrder(emulator)).id, { outcome: 'failed' })
  const after = receiver.received[1]?.headers['x-razorpay-event-id']
  await waitFor(() => receiver.received.filter((w) => w.headers['x-razorpay-event-id'] === after).length === 2, 10_000)
  t.equal(receiver.received.filter((w) => w.headers['x-razorpay-event-id'] === before).length, 1, 'the event from before the reset is not redelivered')
})

t.test('setWebhookUrl switches delivery on and off', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t)
  await pay(emulator, (await createOrder(emulator)).id, { outcome: 'captured' })
  t.equal(receiver.received.length, 0, 'no URL, no delivery')
  emulator.setWebhookUrl(receiver.url)
  await pay(emulator, (await createOrder(emulator)).id, { outcome: 'failed' })
  t.equal(receiver.received.length, 1)
  emulator.setWebhookUrl(undefined)
  await pay(emulator, (await createOrder(emulator)).id, { outcome: 'failed' })
  t.equal(receiver.received.length, 1)
  t.throws(() => emulator.setWebhookUrl('ftp://example'), TypeError)
})

t.test('the pay control validates its input', async (t) => {
  const emulator = await emulatorFor(t)
  const order = await createOrder(emulator)
  t.equal((await pay(emulator, 'order_00000000000000', { outcome: 'captured' })).status, 404)
  t.equal((await pay(emulator, order.id, { outcome: 'maybe' })).status, 400)
  t.equal((await pay(emulator, order.id, { outcome: 'captured', extra: 1 })).status, 400)
  t.equal((await pay(emulator, order.id, { outcome: 'captured' })).status, 200)
  const again = await pay(emulator, order.id, { outcome: 'captured' })
  t.equal(again.status, 400, 'a paid order cannot be paid again')
  t.match(again.json, { statusCode: 400, code: 'ORDER_ALREADY_PAID' })
})
