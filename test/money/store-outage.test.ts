// Redis really gone (its process killed): every route that needs the store answers 503 STORE_UNAVAILABLE with a
// Retry-After, never a 500, and the service serves again once Redis is back, without a restart.
import t from 'tap'
import { request } from 'undici'
import { admin, createOrder, emulatorPayment, itemPrice, moneySetup, pay, sendWebhook, shop } from '../support/money.js'
import { eventually, post, type HttpAnswer } from '../support/service.js'

async function call (url: string, method: 'GET' | 'PUT', path: string, headers: Record<string, string>,
  body?: unknown): Promise<HttpAnswer> {
  const response = await request(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.body.text()
  return { status: response.statusCode, headers: response.headers as Record<string, string>, body: text }
}

t.test('every route answers 503 STORE_UNAVAILABLE with Retry-After while Redis is down, never 500; Redis back: it serves again', async t => {
  const { rzp, app, url, redis } = await moneySetup(t)
  // A real order and a real Checkout triple for it, made while Redis is up; the webhooks are held back so the order
  // stays unpaid and the captured event can be delivered during the outage instead.
  const orderId = await createOrder(app, 'outage-order')
  const checkout = await pay(rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  const payment = await emulatorPayment(rzp, checkout.razorpay_payment_id)
  const captured = {
    entity: 'event',
    account_id: 'acc_outage',
    event: 'payment.captured',
    contains: ['payment'],
    payload: { payment: { entity: payment } },
    created_at: Math.floor(Date.now() / 1000)
  }
  t.equal((await call(url, 'GET', `/api/orders/${orderId}`, shop)).status, 200, 'the order is readable before the outage')

  await redis.stop()

  const answers: Record<string, HttpAnswer> = {
    'POST /api/checkout/create-order': await post(url, '/api/checkout/create-order',
      { variantId: 'item', quantity: 1, amount: itemPrice }, { ...shop, 'idempotency-key': 'outage-create' }),
    'POST /api/checkout/verify-payment': await post(url, '/api/checkout/verify-payment', checkout,
      { ...shop, 'idempotency-key': 'outage-verify' }),
    'GET /api/orders/:orderId': await call(url, 'GET', `/api/orders/${orderId}`, shop),
    'POST /api/orders/:orderId/cancel': await post(url, `/api/orders/${orderId}/cancel`, {},
      { ...shop, 'idempotency-key': 'outage-cancel' }),
    'GET /api/admin/variants/:variantId': await call(url, 'GET', '/api/admin/variants/item', admin),
    'PUT /api/admin/variants/:variantId': await call(url, 'PUT', '/api/admin/variants/item', admin,
      { price: itemPrice, currency: 'INR', stock: 20 }),
    'POST /api/webhooks/razorpay': await sendWebhook(url, rzp, captured, 'evt_outage_captured')
  }
  for (const [route, answer] of Object.entries(answers)) {
    t.equal(answer.status, 503, `${route}: 503`)
    t.same(JSON.parse(answer.body), {
      statusCode: 503,
      code: 'STORE_UNAVAILABLE',
      error: 'Service Unavailable',
      message: 'The store is unavailable; retry after the Retry-After delay'
    }, `${route}: STORE_UNAVAILABLE body`)
    t.match(answer.headers['retry-after'], /^\d+$/, `${route}: Retry-After in seconds`)
  }

  const ready = await call(url, 'GET', '/health/ready', {})
  t.equal(ready.status, 503, 'not ready while the store is down')
  t.match(JSON.parse(ready.body), { status: 'unavailable', store: 'unreachable' })
  t.equal((await call(url, 'GET', '/health/live', {})).status, 200, 'still alive: an orchestrator must not restart it')

  // Back, empty (no persistence): the same instance reconnects and serves; the catalog has to be set again.
  await redis.start()
  await eventually(async () => (await call(url, 'PUT', '/api/admin/variants/item', admin,
    { price: itemPrice, currency: 'INR', stock: 5 })).status === 200, 10_000, 100)
  t.equal((await call(url, 'GET', '/health/ready', {})).status, 200, 'ready again')
  const created = await post(url, '/api/checkout/create-order',
    { variantId: 'item', quantity: 1, amount: itemPrice }, { ...shop, 'idempotency-key': 'after-outage-create' })
  t.equal(created.status, 201, 'create-order succeeds again')
  const newOrderId: string = JSON.parse(created.body).orderId
  const read = await call(url, 'GET', `/api/orders/${newOrderId}`, shop)
  t.equal(read.status, 200)
  t.match(JSON.parse(read.body), { orderId: newOrderId, status: 'created', quantity: 1 })
  const lost = await call(url, 'GET', `/api/orders/${orderId}`, shop)
  t.equal(lost.status, 404, 'the order written before the outage went with the unpersisted data: an answer, not a 503')
})
