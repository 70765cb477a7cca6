// The official Razorpay SDK, pointed at the emulator, works end to end: orders, payments, capture.
import t from 'tap'
import { call, createOrder, emulatorFor, rejection, sdkFor } from './helpers.js'

t.test('creates, fetches and lists orders through the official SDK', async (t) => {
  const emulator = await emulatorFor(t)
  const rzp = sdkFor(emulator)
  const before = Math.floor(Date.now() / 1000)
  const order = await rzp.orders.create({ amount: 2998, currency: 'INR', receipt: 'sdk-r1', notes: { idempotency_key: 'k1' } })
  const after = Math.floor(Date.now() / 1000)
  t.match(order, {
    entity: 'order',
    amount: 2998,
    amount_paid: 0,
    amount_due: 2998,
    currency: 'INR',
    receipt: 'sdk-r1',
    offer_id: null,
    status: 'created',
    attempts: 0,
    notes: { idempotency_key: 'k1' }
  })
  t.match(order.id, /^order_[A-Za-z0-9]{14}$/)
  // Bracketed by the clock read before and after the call: seconds, not milliseconds, with no budget to race.
  t.ok(Number(order.created_at) >= before && Number(order.created_at) <= after, `created_at is in unix seconds (${before} ≤ ${order.created_at} ≤ ${after})`)

  t.same(await rzp.orders.fetch(order.id), order)

  const second = await rzp.orders.create({ amount: 100, currency: 'INR', receipt: 'sdk-r2' })
  t.same(second.notes, [], 'empty notes come back as []')
  const all = await rzp.orders.all()
  t.equal(all.entity, 'collection')
  t.equal(all.count, 2)
  t.same(all.items.map((item) => item.id), [second.id, order.id], 'newest first')

  const byReceipt = await rzp.orders.all({ receipt: 'sdk-r1' })
  t.same(byReceipt.items.map((item) => item.id), [order.id])
  const none = await rzp.orders.all({ receipt: 'sdk-r' })
  t.equal(none.count, 0, 'receipt matches exactly, not as a prefix')
})

t.test('lists the payments of an order and fetches a payment', async (t) => {
  const emulator = await emulatorFor(t)
  const rzp = sdkFor(emulator)
  const order = await rzp.orders.create({ amount: 1499, currency: 'INR', receipt: 'pay-1' })
  t.same((await rzp.orders.fetchPayments(order.id)).items, [])

  const failed = await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome: 'failed' } })
  const paid = await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome: 'captured' } })
  const payments = await rzp.orders.fetchPayments(order.id)
  t.equal(payments.entity, 'collection')
  t.same(payments.items.map((item) => item.id), [paid.json.razorpay_payment_id, failed.json.razorpay_payment_id])

  const payment = await rzp.payments.fetch(paid.json.razorpay_payment_id)
  t.match(payment, {
    entity: 'payment',
    amount: 1499,
    currency: 'INR',
    status: 'captured',
    captured: true,
    order_id: order.id,
    method: 'upi',
    vpa: 'success@razorpay',
    amount_refunded: 0,
    error_code: null
  })
  t.match(payment.id, /^pay_[A-Za-z0-9]{14}$/)
  t.ok(Number(payment.fee) > 0 && Number(payment.tax) > 0, 'a captured payment carries fee and tax')

  const after = await rzp.orders.fetch(order.id)
  t.match(after, { status: 'paid', amount_paid: 1499, amount_due: 0, attempts: 2 })
})

t.test('captures an authorized payment, once, for its exact amount', async (t) => {
  const emulator = await emulatorFor(t)
  const rzp = sdkFor(emulator)
  const order = await rzp.orders.create({ amount: 5000, currency: 'INR' })
  const pay = await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome: 'authorized' } })
  const paymentId = pay.json.razorpay_payment_id
  t.match(await rzp.payments.fetch(paymentId), { status: 'authorized', captured: false })
  t.match(await rzp.orders.fetch(order.id), { status: 'attempted', amount_paid: 0 })

  t.match(await rejection(rzp.payments.capture(paymentId, 4000, 'INR')), {
    statusCode: 400,
    error: { code: 'BAD_REQUEST_ERROR', description: 'Capture amount must be equal to the amount authorized', field: 'amount' }
  })
  const captured = await rzp.payments.capture(paymentId, 5000, 'INR')
  t.match(captured, { id: paymentId, status: 'captured', captured: true })
  t.match(await rzp.orders.fetch(order.id), { status: 'paid', amount_paid: 5000, amount_due: 0 })
  t.match(await rejection(rzp.payments.capture(paymentId, 5000, 'INR')), {
    statusCode: 400,
    error: { description: 'This payment has already been captured' }
  })
})

t.test('refuses to capture a failed payment or an unknown one', async (t) => {
  const emulator = await emulatorFor(t)
  const rzp = sdkFor(emulator)
  const order = await createOrder(emulator)
  const pay = await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome: 'failed' } })
  t.match(await rejection(rzp.payments.capture(pay.json.razorpay_payment_id, 1499, 'INR')), {
    statusCode: 400,
    error: { description: 'Only payments which have been authorized and not yet captured can be captured' }
  })
  t.match(await rejection(rzp.payments.capture('pay_00000000000000', 1499, 'INR')), {
    statusCode: 400,
    error: { code: 'BAD_REQUEST_ERROR', description: 'The id provided does not exist' }
  })
  t.match(await rejection(rzp.payments.fetch('pay_00000000000000')), { statusCode: 400 })
})

t.test('surfaces Razorpay errors in the shape the SDK throws', async (t) => {
  const emulator = await emulatorFor(t)
  const rzp = sdkFor(emulator)
  t.match(await rejection(rzp.orders.fetch('order_00000000000000')), {
    statusCode: 400,
    error: { code: 'BAD_REQUEST_ERROR', description: 'The id provided does not exist', source: 'business' }
  })
  t.match(await rejection(sdkFor(emulator, 5000, 'wrong').orders.all()), {
    statusCode: 401,
    error: { code: 'BAD_REQUEST_ERROR', description: 'The api key provided is invalid', source: 'NA', step: 'NA', reason: 'NA', metadata: {} }
  })
})
