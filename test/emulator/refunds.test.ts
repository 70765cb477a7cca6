// The Refunds API: full and partial refunds, how they move the payment, the X-Refund-Idempotency
// key, and the inputs Razorpay refuses.
import t from 'tap'
import { call, createOrder, emulatorFor } from './helpers.js'
import type { RunningEmulator } from '../../src/emulator/index.js'

async function capturedPayment (emulator: RunningEmulator, amount = 1499): Promise<string> {
  const order = await createOrder(emulator, { amount })
  const paid = await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome: 'captured' } })
  return paid.json.razorpay_payment_id
}

const refund = (emulator: RunningEmulator, paymentId: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  call(emulator, 'POST', `/v1/payments/${paymentId}/refund`, { body, headers })

const stats = async (emulator: RunningEmulator) => (await call(emulator, 'GET', '/_emulator/stats')).json

t.test('refunds the whole captured amount by default and marks the payment refunded', async (t) => {
  const emulator = await emulatorFor(t)
  const paymentId = await capturedPayment(emulator)
  const before = Math.floor(Date.now() / 1000)
  const created = await refund(emulator, paymentId)
  const after = Math.floor(Date.now() / 1000)
  t.equal(created.status, 200)
  t.same(Object.keys(created.json), [
    'id', 'entity', 'amount', 'currency', 'payment_id', 'notes', 'receipt', 'acquirer_data',
    'created_at', 'batch_id', 'status', 'speed_processed', 'speed_requested'
  ], 'the fields of Razorpay\'s refund entity, in its order')
  t.match(created.json, {
    id: /^rfnd_[A-Za-z0-9]{14}$/,
    entity: 'refund',
    amount: 1499,
    currency: 'INR',
    payment_id: paymentId,
    notes: [],
    receipt: null,
    acquirer_data: { arn: null },
    batch_id: null,
    status: 'processed',
    speed_processed: 'normal',
    speed_requested: 'normal'
  })
  // Bracketed by the clock read before and after the call: seconds, not milliseconds, with no budget to race.
  t.ok(created.json.created_at >= before && created.json.created_at <= after, `created_at is in unix seconds (${before} ≤ ${created.json.created_at} ≤ ${after})`)
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json, {
    status: 'refunded', captured: true, amount_refunded: 1499, refund_status: 'full'
  })
  t.same((await call(emulator, 'GET', `/v1/refunds/${created.json.id}`)).json, created.json)
  t.same((await call(emulator, 'GET', `/v1/payments/${paymentId}/refunds/${created.json.id}`)).json, created.json)
  t.match(await refund(emulator, paymentId, { amount: 100 }), {
    status: 400,
    json: { error: { code: 'BAD_REQUEST_ERROR', description: 'The payment status should be captured for action to be taken' } }
  }, 'a refunded payment cannot be refunded again')
  t.equal((await stats(emulator)).refundsCreated, 1)
})

t.test('partial refunds add up to a full one and list newest first', async (t) => {
  const emulator = await emulatorFor(t)
  const paymentId = await capturedPayment(emulator)
  const first = await refund(emulator, paymentId, { amount: 500, speed: 'optimum', notes: { reason: 'damaged' }, receipt: 'r-1' })
  t.match(first.json, { amount: 500, speed_requested: 'optimum', speed_processed: 'normal', notes: { reason: 'damaged' }, receipt: 'r-1' })
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json, {
    status: 'captured', amount_refunded: 500, refund_status: 'partial'
  })
  t.match(await refund(emulator, paymentId, { amount: 1000 }), {
    status: 400,
    json: { error: { code: 'BAD_REQUEST_ERROR', description: 'The refund amount provided is greater than amount captured', field: 'amount' } }
  })
  const rest = await refund(emulator, paymentId)
  t.equal(rest.json.amount, 999, 'the default is what remains unrefunded')
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json, {
    status: 'refunded', amount_refunded: 1499, refund_status: 'full'
  })
  const list = await call(emulator, 'GET', `/v1/payments/${paymentId}/refunds`)
  t.equal(list.json.entity, 'collection')
  t.same(list.json.items.map((item: { id: string }) => item.id), [rest.json.id, first.json.id])
  const page = await call(emulator, 'GET', `/v1/payments/${paymentId}/refunds?count=1&skip=1`)
  t.same(page.json.items.map((item: { id: string }) => item.id), [first.json.id])
  t.equal((await stats(emulator)).refundsCreated, 2)
})

t.test('the idempotency key replays the same refund once and refuses another payload', async (t) => {
  const emulator = await emulatorFor(t)
  const paymentId = await capturedPayment(emulator)
  const key = 'refund-key-0001'
  const body = { amount: 400, notes: { a: '1', b: '2' } }
  const first = await refund(emulator, paymentId, body, { 'X-Refund-Idempotency': key })
  t.equal(first.status, 200)
  const again = await refund(emulator, paymentId, { notes: { b: '2', a: '1' }, amount: 400 }, { 'x-refund-idempotency': key })
  t.equal(again.status, 200, 'the header name is case-insensitive, the notes order irrelevant')
  t.same(again.json, first.json, 'the same refund comes back')
  t.equal((await stats(emulator)).refundsCreated, 1, 'a replay is not counted')
  t.equal((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json.amount_refunded, 400, 'nor refunded twice')

  for (const other of [{ amount: 401 }, { ...body, speed: 'normal' }, { ...body, receipt: 'x' }, { amount: 400 }]) {
    t.match(await refund(emulator, paymentId, other, { 'X-Refund-Idempotency': key }), {
      status: 400,
      json: { error: { code: 'BAD_REQUEST_ERROR', description: 'Idempotency key is already used with a different payload' } }
    }, `another payload: ${JSON.stringify(other)}`)
  }
  const otherPayment = await capturedPayment(emulator)
  t.equal((await refund(emulator, otherPayment, body, { 'X-Refund-Idempotency': key })).status, 400, 'keys are not per payment')

  const another = await refund(emulator, paymentId, body, { 'X-Refund-Idempotency': 'refund-key-0002' })
  t.not(another.json.id, first.json.id, 'another key, another refund')
  t.equal((await stats(emulator)).refundsCreated, 2)

  t.equal((await call(emulator, 'POST', '/_emulator/reset')).status, 204)
  t.equal((await stats(emulator)).refundsCreated, 0, 'reset clears the counter')
  const fresh = await capturedPayment(emulator)
  t.equal((await refund(emulator, fresh, { amount: 100 }, { 'X-Refund-Idempotency': key })).status, 200, 'and forgets the keys')
  t.equal((await call(emulator, 'GET', `/v1/refunds/${first.json.id}`)).status, 400, 'and the refunds')
})

t.test('the idempotency key must have 10 to 255 characters', async (t) => {
  const emulator = await emulatorFor(t)
  const paymentId = await capturedPayment(emulator)
  for (const key of ['123456789', 'k'.repeat(256)]) {
    t.match(await refund(emulator, paymentId, { amount: 100 }, { 'X-Refund-Idempotency': key }), {
      status: 400, json: { error: { code: 'BAD_REQUEST_ERROR' } }
    }, `${key.length} characters`)
  }
  t.equal((await stats(emulator)).refundsCreated, 0)
  t.equal((await refund(emulator, paymentId, { amount: 100 }, { 'X-Refund-Idempotency': '1234567890' })).status, 200)
  t.equal((await refund(emulator, paymentId, { amount: 100 }, { 'X-Refund-Idempotency': 'k'.repeat(255) })).status, 200)
})

t.test('refuses payments that are not captured and unknown ids', async (t) => {
  const emulator = await emulatorFor(t)
  const notCaptured = { status: 400, json: { error: { description: 'The payment status should be captured for action to be taken' } } }
  for (const outcome of ['authorized', 'failed']) {
    const order = await createOrder(emulator)
    const paid = await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome } })
    t.match(await refund(emulator, paid.json.razorpay_payment_id), notCaptured, `an ${outcome} payment`)
  }
  const unknown = { status: 400, json: { error: { code: 'BAD_REQUEST_ERROR', description: 'The id provided does not exist' } } }
  t.match(await refund(emulator, 'pay_00000000000000'), unknown)
  t.match(await call(emulator, 'GET', '/v1/payments/pay_00000000000000/refunds'), unknown)
  t.match(await call(emulator, 'GET', '/v1/refunds/rfnd_00000000000000'), unknown)
  const paymentId = await capturedPayment(emulator)
  const made = await refund(emulator, paymentId, { amount: 100 })
  const otherPayment = await capturedPayment(emulator)
  t.match(await call(emulator, 'GET', `/v1/payments/${otherPayment}/refunds/${made.json.id}`), unknown, 'a refund of another payment')
  t.equal((await stats(emulator)).refundsCreated, 1)
})

t.test('validates the refund body like the other routes', async (t) => {
  const emulator = await emulatorFor(t)
  const paymentId = await capturedPayment(emulator)
  const cases: Array<[unknown, string, string]> = [
    [{ amount: 99 }, 'amount', 'The amount must be at least INR 1.00'],
    [{ amount: 100.5 }, 'amount', 'The amount must be an integer.'],
    [{ amount: '100' }, 'amount', 'The amount must be an integer.'],
    [{ speed: 'instant' }, 'speed', 'The selected speed is invalid.'],
    [{ receipt: 'r'.repeat(41) }, 'receipt', 'The receipt may not be greater than 40 characters.'],
    [{ notes: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'])) }, 'notes', 'Number of fields in notes should be less than or equal to 15'],
    [{ currency: 'INR' }, 'currency', 'currency is/are not required and should not be sent']
  ]
  for (const [body, field, description] of cases) {
    t.match(await refund(emulator, paymentId, body), { status: 400, json: { error: { code: 'BAD_REQUEST_ERROR', field, description } } }, description)
  }
  t.equal((await stats(emulator)).refundsCreated, 0)
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}/refunds?receipt=x`)).json.error, { reason: 'extra_field_sent' })
})
