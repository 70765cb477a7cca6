// Disputes through the control surface: a chargeback opened on a captured payment and walked through
// its phases, with the payment.dispute.* webhooks.
import t from 'tap'
import { validateWebhookSignature } from 'razorpay/dist/utils/razorpay-utils.js'
import { call, createOrder, emulatorFor, receiverFor } from './helpers.js'
import type { RunningEmulator } from '../../src/emulator/index.js'

async function paidWith (emulator: RunningEmulator, outcome: string): Promise<string> {
  const order = await createOrder(emulator, { amount: 2500 })
  return (await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome } })).json.razorpay_payment_id
}

const dispute = (emulator: RunningEmulator, paymentId: string, body: Record<string, unknown>) =>
  call(emulator, 'POST', `/_emulator/payments/${paymentId}/dispute`, { body })

t.test('a dispute created then lost sends the two events with the payment and the dispute', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const paymentId = await paidWith(emulator, 'captured')
  receiver.received.length = 0

  const created = await dispute(emulator, paymentId, { phase: 'created' })
  t.equal(created.status, 200)
  t.same(Object.keys(created.json), [
    'id', 'entity', 'payment_id', 'amount', 'currency', 'amount_deducted', 'reason_code',
    'respond_by', 'status', 'phase', 'created_at'
  ])
  t.match(created.json, {
    id: /^disp_[A-Za-z0-9]{14}$/,
    entity: 'dispute',
    payment_id: paymentId,
    amount: 2500,
    currency: 'INR',
    amount_deducted: 0,
    reason_code: 'chargeback',
    status: 'open',
    phase: 'chargeback'
  })
  t.equal(created.json.respond_by - created.json.created_at, 7 * 24 * 3600, 'seven days to respond')

  const lost = await dispute(emulator, paymentId, { phase: 'lost' })
  t.match(lost.json, { id: created.json.id, status: 'lost', amount_deducted: 2500 })

  t.same(receiver.received.map((w) => w.json.event), ['payment.dispute.created', 'payment.dispute.lost'])
  for (const webhook of receiver.received) {
    t.ok(validateWebhookSignature(webhook.rawBody, webhook.headers['x-razorpay-signature'] as string, emulator.webhookSecret), 'signed')
    t.same(webhook.json.contains, ['payment', 'dispute'])
    t.same(Object.keys(webhook.json.payload), ['payment', 'dispute'])
    t.match(webhook.json.payload.payment.entity, { id: paymentId, status: 'captured' })
  }
  t.same(receiver.received[0]?.json.payload.dispute.entity, created.json, 'each event carries the dispute as it was then')
  t.same(receiver.received[1]?.json.payload.dispute.entity, lost.json)
})

t.test('every phase maps to Razorpay\'s dispute status', async (t) => {
  const receiver = await receiverFor(t)
  const emulator = await emulatorFor(t, { webhookUrl: receiver.url })
  const expected: Array<[string, string]> = [
    ['action_required', 'open'], ['under_review', 'under_review'], ['won', 'won']
  ]
  const paymentId = await paidWith(emulator, 'captured')
  await dispute(emulator, paymentId, { phase: 'created' })
  for (const [phase, status] of expected) {
    t.match((await dispute(emulator, paymentId, { phase })).json, { status, amount_deducted: 0 }, phase)
  }
  const other = await paidWith(emulator, 'captured')
  await dispute(emulator, other, { phase: 'created' })
  t.match((await dispute(emulator, other, { phase: 'closed' })).json, { status: 'closed' })
  t.same(receiver.received.map((w) => w.json.event).filter((name) => name.startsWith('payment.dispute.')), [
    'payment.dispute.created', 'payment.dispute.action_required', 'payment.dispute.under_review',
    'payment.dispute.won', 'payment.dispute.created', 'payment.dispute.closed'
  ])
})

t.test('refuses disputes that cannot happen', async (t) => {
  const emulator = await emulatorFor(t)
  const invalid = { status: 400, json: { statusCode: 400, code: 'DISPUTE_INVALID' } }
  const captured = await paidWith(emulator, 'captured')
  t.match(await dispute(emulator, captured, { phase: 'lost' }), invalid, 'no dispute to move yet')
  for (const outcome of ['authorized', 'failed']) {
    t.match(await dispute(emulator, await paidWith(emulator, outcome), { phase: 'created' }), invalid, `an ${outcome} payment`)
  }
  t.equal((await dispute(emulator, captured, { phase: 'created' })).status, 200)
  t.match(await dispute(emulator, captured, { phase: 'created' }), invalid, 'one dispute per payment')
  t.equal((await dispute(emulator, captured, { phase: 'won' })).status, 200)
  t.match(await dispute(emulator, captured, { phase: 'lost' }), invalid, 'a decided dispute stays decided')
  t.match(await dispute(emulator, 'pay_00000000000000', { phase: 'created' }), { status: 404, json: { code: 'PAYMENT_NOT_FOUND' } })
  t.equal((await dispute(emulator, captured, { phase: 'escalated' })).status, 400)
  t.equal((await dispute(emulator, captured, { phase: 'won', extra: true })).status, 400)

  t.equal((await call(emulator, 'POST', '/_emulator/reset')).status, 204)
  const fresh = await paidWith(emulator, 'captured')
  t.match(await dispute(emulator, fresh, { phase: 'lost' }), invalid, 'reset forgets disputes')
})
