// The emulator's Checkout stand-in over HTTP: the script and the dialog it serves, and the payment the dialog makes,
// which moves orders, payments, counters and webhooks exactly as the pay control does.
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import vm from 'node:vm'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { validateWebhookSignature } from 'razorpay/dist/utils/razorpay-utils.js'
import { buildEmulator } from '../../src/emulator/index.js'
import type { EmulatorOptions } from '../../src/emulator/index.js'
import type { TestContext } from '../helper.js'
import { waitFor } from './helpers.js'

const keyId = 'rzp_test_checkout'
const keySecret = 'checkout_secret'
const authorization = 'Basic ' + Buffer.from(`${keyId}:${keySecret}`).toString('base64')

async function emulator (t: TestContext, options: EmulatorOptions = {}): Promise<FastifyInstance> {
  const app = buildEmulator({ keyId, keySecret, ...options })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

async function createOrder (app: FastifyInstance): Promise<{ id: string }> {
  const created = await app.inject({ method: 'POST', url: '/v1/orders', headers: { authorization }, payload: { amount: 1499, currency: 'INR' } })
  if (created.statusCode !== 200) throw new Error(`order not created: ${created.body}`)
  return created.json()
}

const pay = (app: FastifyInstance, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/checkout/payments', payload })

const api = async (app: FastifyInstance, url: string) => (await app.inject({ url, headers: { authorization } })).json()
const paymentsCreated = async (app: FastifyInstance) => (await app.inject('/_emulator/stats')).json().paymentsCreated

const signatureOf = (orderId: string, paymentId: string, secret = keySecret) =>
  createHmac('sha256', secret).update(`${orderId}|${paymentId}`).digest('hex')

t.test('serves checkout.js as a script that defines window.Razorpay and refuses options without a key', async (t) => {
  const app = await emulator(t)
  const response = await app.inject('/checkout/v1/checkout.js')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'application/javascript; charset=utf-8')
  t.equal(response.headers['access-control-allow-origin'], '*')
  // Run as a browser would, with only what a classic <script src> gives it.
  const window: Record<string, unknown> = {}
  const document = { currentScript: { src: 'http://127.0.0.1:4010/checkout/v1/checkout.js' } }
  vm.runInNewContext(response.body, { window, document, URL, console, setTimeout })
  const Razorpay = window.Razorpay as new (options: unknown) => { on: unknown, open: unknown, close: unknown }
  t.type(Razorpay, 'function')
  t.throws(() => new Razorpay({ amount: 1499, order_id: 'order_x' }), { message: 'No key passed' })
  t.throws(() => new Razorpay('rzp_test_checkout'), { message: 'Invalid options' })
  const rzp = new Razorpay({ key: keyId, order_id: 'order_x' })
  t.type(rzp.open, 'function')
  t.type(rzp.close, 'function')
  t.type(rzp.on, 'function')
})

t.test('serves the dialog with its own script and stylesheet under a policy that forbids inline code', async (t) => {
  const app = await emulator(t)
  const dialog = await app.inject('/checkout/dialog')
  t.equal(dialog.statusCode, 200)
  t.equal(dialog.headers['content-type'], 'text/html; charset=utf-8')
  t.match(dialog.headers['content-security-policy'], /script-src 'self'; style-src 'self'; connect-src 'self'/)
  t.notOk(dialog.headers['x-frame-options'], 'any page may frame it, as any page frames Razorpay Checkout')
  for (const id of ['rzp-pay', 'rzp-fail', 'rzp-close']) t.match(dialog.body, `id="${id}"`)
  t.match(dialog.body, '<script src="dialog.js" defer></script>')
  t.notMatch(dialog.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script')
  t.notMatch(dialog.body, /\son[a-z]+=/, 'no inline event handler')
  const script = await app.inject('/checkout/dialog.js')
  t.equal(script.headers['content-type'], 'application/javascript; charset=utf-8')
  t.match(script.body, "fetch('payments'")
  const css = await app.inject('/checkout/dialog.css')
  t.equal(css.headers['content-type'], 'text/css; charset=utf-8')
})

t.test('a captured payment answers what the handler gets, with a signature that verifies with the key secret', async (t) => {
  const app = await emulator(t)
  const order = await createOrder(app)
  const response = await pay(app, { key_id: keyId, order_id: order.id, outcome: 'captured' })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['razorpay_order_id', 'razorpay_payment_id', 'razorpay_signature'])
  t.equal(body.razorpay_order_id, order.id)
  t.match(body.razorpay_payment_id, /^pay_[A-Za-z0-9]{14}$/)
  t.equal(body.razorpay_signature, signatureOf(order.id, body.razorpay_payment_id))
  t.not(body.razorpay_signature, signatureOf(order.id, body.razorpay_payment_id, 'another secret'))
  t.match(await api(app, `/v1/orders/${order.id}`), { status: 'paid', amount_paid: 1499, attempts: 1 })
  t.match(await api(app, `/v1/payments/${body.razorpay_payment_id}`), { status: 'captured', captured: true, amount: 1499 })
})

t.test('a failed payment answers the payment.failed error from the payment, and the order can be paid on retry', async (t) => {
  const app = await emulator(t)
  const order = await createOrder(app)
  const failed = await pay(app, { key_id: keyId, order_id: order.id, outcome: 'failed' })
  t.equal(failed.statusCode, 200, 'a payment was made: it failed')
  const { error } = failed.json()
  const payment = await api(app, `/v1/payments/${error.metadata.payment_id}`)
  t.match(payment, { status: 'failed', order_id: order.id })
  t.same(error, {
    code: payment.error_code,
    description: payment.error_description,
    source: payment.error_source,
    step: payment.error_step,
    reason: payment.error_reason,
    metadata: { order_id: order.id, payment_id: payment.id }
  })
  t.match(error, { code: 'BAD_REQUEST_ERROR', description: 'Payment failed', source: 'customer', step: 'payment_authentication', reason: 'payment_failed' })
  t.equal((await api(app, `/v1/orders/${order.id}`)).status, 'attempted')

  const retried = await pay(app, { key_id: keyId, order_id: order.id, outcome: 'captured' })
  t.equal(retried.statusCode, 200)
  t.not(retried.json().razorpay_payment_id, payment.id, 'a retry is a new payment')
  t.match(await api(app, `/v1/orders/${order.id}`), { status: 'paid', attempts: 2 })
  t.equal(await paymentsCreated(app), 2, 'both count in /_emulator/stats')
})

t.test('refuses a wrong key id with 401, an unknown order and a paid one with 400, in Razorpay\'s envelope', async (t) => {
  const app = await emulator(t)
  const order = await createOrder(app)
  const wrongKey = await pay(app, { key_id: 'rzp_test_other', order_id: order.id, outcome: 'captured' })
  t.equal(wrongKey.statusCode, 401)
  t.same(wrongKey.json(), { error: { code: 'BAD_REQUEST_ERROR', description: 'The api key provided is invalid', source: 'NA', step: 'NA', reason: 'NA', metadata: {} } })
  const unknown = await pay(app, { key_id: keyId, order_id: 'order_00000000000000', outcome: 'captured' })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json(), { error: { code: 'BAD_REQUEST_ERROR', description: 'The id provided does not exist' } })
  t.equal(await paymentsCreated(app), 0, 'no payment for a refused request')

  t.equal((await pay(app, { key_id: keyId, order_id: order.id, outcome: 'captured' })).statusCode, 200)
  for (const outcome of ['captured', 'failed']) {
    const again = await pay(app, { key_id: keyId, order_id: order.id, outcome })
    t.equal(again.statusCode, 400, `a paid order takes no ${outcome} payment`)
    t.match(again.json(), { error: { code: 'BAD_REQUEST_ERROR', description: 'Order has already been paid', reason: 'order_already_paid', field: 'order_id' } })
  }
  t.equal(await paymentsCreated(app), 1)
})

t.test('rejects a body outside the schema in Razorpay\'s envelope', async (t) => {
  const app = await emulator(t)
  const order = await createOrder(app)
  for (const payload of [
    { key_id: keyId, order_id: order.id, outcome: 'authorized' },
    { key_id: keyId, order_id: order.id, outcome: 'captured', amount: 1 },
    { key_id: keyId, outcome: 'captured' }
  ]) {
    const response = await pay(app, payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.match(response.json(), { error: { code: 'BAD_REQUEST_ERROR', source: 'business', reason: 'input_validation_failed' } })
  }
  t.equal(await paymentsCreated(app), 0)
})

t.test('answers the browser before the webhooks are delivered, then delivers them signed and in order', async (t) => {
  // A receiver that holds every answer until released: a payment that waited for its webhooks would hang.
  let release = (): void => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  const received: Array<{ event: string, raw: string, signature: string }> = []
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      received.push({ event: JSON.parse(raw).event, raw, signature: req.headers['x-razorpay-signature'] as string })
      released.then(() => res.end(), () => {})
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    release()
    receiver.closeAllConnections()
    receiver.close(() => resolve())
  }))
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`
  const app = await emulator(t, { webhookUrl, webhookTimeoutMs: 60_000, webhookSecret: 'checkout_webhook_secret' })
  const order = await createOrder(app)

  const patience = new AbortController()
  const waitedForWebhooks = sleep(10_000, undefined, { signal: patience.signal }).then(() => {
    throw new Error('the payment waited for its webhooks')
  }, () => undefined)
  const response = await Promise.race([pay(app, { key_id: keyId, order_id: order.id, outcome: 'captured' }), waitedForWebhooks])
  patience.abort()
  t.equal(response?.statusCode, 200)
  await waitFor(() => received.length === 1, 10_000)
  t.equal(received.length, 1, 'the first webhook is still unanswered, and the browser has its answer')
  release()
  await waitFor(() => received.length === 3, 10_000)
  t.same(received.map((webhook) => webhook.event), ['payment.authorized', 'payment.captured', 'order.paid'])
  for (const webhook of received) t.ok(validateWebhookSignature(webhook.raw, webhook.signature, 'checkout_webhook_secret'))
  t.equal(JSON.parse(received[2]?.raw ?? '{}').payload.payment.entity.id, response?.json().razorpay_payment_id)
})
