// Every failure shape of the Razorpay SDK becomes PAYMENT_PROVIDER_ERROR (502) or PAYMENT_PROVIDER_TIMEOUT (504),
// driven by emulator faults over real HTTP.
import t from 'tap'
import { createHmac } from 'node:crypto'
import { RazorpayGateway, providerFailureOf } from '../src/razorpay/gateway.js'
import type { TestContext } from './helper.js'
import { freePort } from './support/redis-server.js'
import { addFault, control, emulator, emulatorStats } from './support/service.js'

const order = { amount: 1499, currency: 'INR', receipt: 'rcpt_gateway', notes: { idempotency_key: 'k' } }

async function gatewayFor (t: TestContext, overrides: Partial<ConstructorParameters<typeof RazorpayGateway>[0]> = {}) {
  const rzp = await emulator(t)
  const gateway = new RazorpayGateway({
    keyId: rzp.keyId, keySecret: rzp.keySecret, webhookSecret: rzp.webhookSecret, apiUrl: rzp.url, timeoutMs: 300, ...overrides
  })
  return { rzp, gateway }
}

async function failure (promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a failure')
}

t.test('creates, fetches and finds orders by receipt through the official SDK', async t => {
  const { gateway } = await gatewayFor(t)
  const created = await gateway.createOrder(order)
  t.match(created.id, /^order_[A-Za-z0-9]{14}$/)
  t.equal((await gateway.fetchOrder(created.id)).receipt, 'rcpt_gateway')
  t.same((await gateway.findOrdersByReceipt('rcpt_gateway')).map(o => o.id), [created.id])
  t.same(await gateway.findOrdersByReceipt('rcpt_other'), [])
  t.same(await gateway.fetchOrderPayments(created.id), [])
})

const cases: Array<{ name: string, fault?: Record<string, unknown>, statusCode: number, code: string, providerStatus?: number }> = [
  { name: 'a JSON 5xx', fault: { kind: 'status', status: 500 }, statusCode: 502, code: 'PAYMENT_PROVIDER_ERROR', providerStatus: 500 },
  { name: 'an HTML 502', fault: { kind: 'status', status: 502 }, statusCode: 502, code: 'PAYMENT_PROVIDER_ERROR', providerStatus: 502 },
  { name: 'an HTML 504', fault: { kind: 'status', status: 504 }, statusCode: 502, code: 'PAYMENT_PROVIDER_ERROR', providerStatus: 504 },
  { name: 'a 429', fault: { kind: 'status', status: 429 }, statusCode: 502, code: 'PAYMENT_PROVIDER_ERROR', providerStatus: 429 },
  { name: 'a hang past the timeout', fault: { kind: 'hang' }, statusCode: 504, code: 'PAYMENT_PROVIDER_TIMEOUT' },
  { name: 'latency past the timeout', fault: { kind: 'latency', latencyMs: 800 }, statusCode: 504, code: 'PAYMENT_PROVIDER_TIMEOUT' },
  { name: 'a connection reset', fault: { kind: 'reset' }, statusCode: 502, code: 'PAYMENT_PROVIDER_ERROR', providerStatus: 0 }
]
for (const shape of cases) {
  t.test(`${shape.name} becomes ${shape.code} ${shape.statusCode}`, async t => {
    const { rzp, gateway } = await gatewayFor(t)
    await addFault(rzp, { route: 'POST /v1/orders', count: 1, ...shape.fault })
    const err = await failure(gateway.createOrder(order))
    t.equal(err.statusCode, shape.statusCode)
    t.equal(err.code, shape.code)
    t.ok(err instanceof Error, 'a real Error, not the SDK plain object')
    t.ok(providerFailureOf(err), 'keeps what the provider said')
    if (shape.providerStatus !== undefined) t.equal(providerFailureOf(err)?.statusCode, shape.providerStatus)
    t.equal((await emulatorStats(rzp)).ordersCreated, 0, 'the faulted request created nothing')
  })
}

t.test('a Razorpay validation error (JSON 400) keeps its description', async t => {
  const { gateway } = await gatewayFor(t)
  const err = await failure(gateway.createOrder({ ...order, receipt: 'r'.repeat(41) }))
  t.equal(err.code, 'PAYMENT_PROVIDER_ERROR')
  t.equal(err.statusCode, 502)
  t.equal(providerFailureOf(err)?.statusCode, 400)
  t.equal(providerFailureOf(err)?.code, 'BAD_REQUEST_ERROR')
})

t.test('a wrong key (401) is PAYMENT_PROVIDER_ERROR', async t => {
  const { gateway } = await gatewayFor(t, { keySecret: 'not-the-secret' })
  const err = await failure(gateway.fetchOrder('order_00000000000000'))
  t.equal(err.code, 'PAYMENT_PROVIDER_ERROR')
  t.equal(providerFailureOf(err)?.statusCode, 401)
})

t.test('a refused connection is PAYMENT_PROVIDER_ERROR with its cause', async t => {
  const port = await freePort()
  const gateway = new RazorpayGateway({ keyId: 'k', keySecret: 's', webhookSecret: 'w', apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 })
  const err = await failure(gateway.createOrder(order))
  t.equal(err.code, 'PAYMENT_PROVIDER_ERROR')
  t.equal(providerFailureOf(err)?.reason, 'ECONNREFUSED')
})

t.test('checks checkout and webhook signatures in constant time against the right secrets', async t => {
  const { rzp, gateway } = await gatewayFor(t)
  const created = await gateway.createOrder(order)
  const paid = await control(rzp, 'POST', `/_emulator/orders/${created.id}/pay`, { outcome: 'captured' })
  t.ok(gateway.isPaymentSignatureValid(created.id, paid.razorpay_payment_id, paid.razorpay_signature))
  t.notOk(gateway.isPaymentSignatureValid('order_other', paid.razorpay_payment_id, paid.razorpay_signature))
  t.notOk(gateway.isPaymentSignatureValid(created.id, paid.razorpay_payment_id, 'zz'))
  t.notOk(gateway.isPaymentSignatureValid(created.id, paid.razorpay_payment_id, ''))
  const body = '{"event":"payment.captured"}'
  const signature = createHmac('sha256', rzp.webhookSecret).update(body).digest('hex')
  t.ok(gateway.isWebhookSignatureValid(Buffer.from(body), signature))
  t.notOk(gateway.isWebhookSignatureValid(Buffer.from(body + ' '), signature))
})
