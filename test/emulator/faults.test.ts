// Fault injection (latency, substituted statuses, hangs, resets, rate and count), counters and reset.
import t from 'tap'
import { request } from 'undici'
import { call, createOrder, emulatorFor, eventually, rejection, sdkFor } from './helpers.js'
import type { RunningEmulator } from '../../src/emulator/index.js'

async function addFault (emulator: RunningEmulator, rule: Record<string, unknown>): Promise<string> {
  const result = await call(emulator, 'POST', '/_emulator/faults', { body: rule })
  if (result.status !== 201) throw new Error(`fault not added: ${result.status} ${result.text}`)
  return result.json.id
}

const stats = async (emulator: RunningEmulator) => (await call(emulator, 'GET', '/_emulator/stats')).json

/** What a call ended with, answer or error, without an unhandled rejection while the test looks elsewhere. */
async function settled<T> (promise: Promise<T>): Promise<T | any> {
  return await promise.then(value => value, (err: unknown) => err)
}

t.test('latency holds a request before its handler, then serves it normally', async (t) => {
  const emulator = await emulatorFor(t)
  // A latency far beyond the test: while it runs, what the emulator did so far can be read without racing it.
  await addFault(emulator, { route: 'POST /v1/orders', kind: 'latency', latencyMs: 600_000, count: 1 })
  const held = settled(call(emulator, 'POST', '/v1/orders', { body: { amount: 1000, currency: 'INR' }, timeoutMs: 600_000 }))
  await eventually(async () => (await stats(emulator)).requests === 1, 10_000)
  t.match(await stats(emulator), { requests: 1, ordersCreated: 0 }, 'arrived, held before the handler: no order yet')

  await addFault(emulator, { route: 'POST /v1/orders', kind: 'latency', latencyMs: 20, count: 1 })
  const order = await sdkFor(emulator).orders.create({ amount: 1000, currency: 'INR' })
  t.equal(order.status, 'created', 'after its latency a request is served normally')
  t.match(await stats(emulator), { requests: 2, ordersCreated: 1 }, 'only the request whose latency ended created an order')

  await emulator.close()
  t.match(await held, { name: 'SocketError', code: 'UND_ERR_SOCKET' }, 'close() cuts a running latency short and drops the request')
})

t.test('a 5xx status answers an HTML page and creates nothing', async (t) => {
  const emulator = await emulatorFor(t)
  await addFault(emulator, { route: 'POST /v1/orders', kind: 'status', status: 502 })
  const raw = await call(emulator, 'POST', '/v1/orders', { body: { amount: 1000, currency: 'INR' } })
  t.equal(raw.status, 502)
  t.match(raw.headers['content-type'], /^text\/html/)
  t.equal(raw.text, '<html><body><h1>502 Bad Gateway</h1></body></html>')
  const thrown = await rejection(sdkFor(emulator).orders.create({ amount: 1000, currency: 'INR' }))
  t.equal(thrown.statusCode, 502)
  t.equal(thrown.error, undefined, 'the SDK finds no Razorpay error in an HTML body')
  t.match(await stats(emulator), { ordersCreated: 0, requests: 2 }, 'faulted requests are counted, nothing is created')
})

t.test('a 429 answers the Razorpay envelope', async (t) => {
  const emulator = await emulatorFor(t)
  await addFault(emulator, { route: 'GET /v1/orders/:id', kind: 'status', status: 429 })
  const thrown = await rejection(sdkFor(emulator).orders.fetch('order_00000000000000'))
  t.match(thrown, { statusCode: 429, error: { code: 'BAD_REQUEST_ERROR', description: 'Too many requests', source: 'NA', metadata: {} } })
  const other = await call(emulator, 'GET', '/v1/orders')
  t.equal(other.status, 200, 'other routes are untouched')
})

t.test("hang never answers: only the client's own timeout ends it, and close() frees the socket", async (t) => {
  const emulator = await emulatorFor(t)
  await addFault(emulator, { route: 'POST /v1/orders', kind: 'hang' })
  const body = { amount: 1000, currency: 'INR' }
  const timedOut = await rejection(call(emulator, 'POST', '/v1/orders', { body, timeoutMs: 200 }))
  t.equal(timedOut.name, 'TimeoutError', 'no answer, no closed socket: the client gave up by its own timeout')
  t.match(await stats(emulator), { requests: 1, ordersCreated: 0 })

  // No client timeout that could end it first: only the emulator closing the socket can.
  const pending = settled(call(emulator, 'POST', '/v1/orders', { body, timeoutMs: 600_000 }))
  await eventually(async () => (await stats(emulator)).requests === 2, 10_000)
  await emulator.close()
  t.match(await pending, { name: 'SocketError', code: 'UND_ERR_SOCKET' }, 'close() did not wait for the hung request: it dropped it')
})

t.test('reset drops the connection without an answer', async (t) => {
  const emulator = await emulatorFor(t)
  await addFault(emulator, { route: 'GET /v1/orders', kind: 'reset' })
  const thrown = await rejection(request(`${emulator.url}/v1/orders`, { signal: AbortSignal.timeout(600_000) }))
  t.match(thrown.code, /^(ECONNRESET|UND_ERR_SOCKET)$/, 'the connection was cut, not answered')
  t.equal((await stats(emulator)).requests, 1)
})

t.test('count limits how often a rule fires, rate how likely', async (t) => {
  const emulator = await emulatorFor(t)
  await addFault(emulator, { route: 'GET /v1/orders', kind: 'status', status: 503, count: 2 })
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await call(emulator, 'GET', '/v1/orders')).status)
  t.same(statuses, [503, 503, 200, 200])

  await addFault(emulator, { route: 'GET /v1/orders', kind: 'status', status: 500, rate: 0 })
  t.equal((await call(emulator, 'GET', '/v1/orders')).status, 200, 'rate 0 never fires')

  await call(emulator, 'DELETE', '/_emulator/faults')
  await addFault(emulator, { route: 'GET /v1/orders', kind: 'status', status: 500, rate: 0.5 })
  let failures = 0
  for (let i = 0; i < 200; i++) if ((await call(emulator, 'GET', '/v1/orders')).status === 500) failures++
  t.ok(failures > 50 && failures < 150, `rate 0.5 fires about half the time (${failures}/200)`)

  const cleared = await call(emulator, 'DELETE', '/_emulator/faults')
  t.equal(cleared.status, 204)
  t.equal((await call(emulator, 'GET', '/v1/orders')).status, 200, 'no rule after DELETE')
})

t.test('faulted order creation creates no order for any kind', async (t) => {
  const emulator = await emulatorFor(t)
  await addFault(emulator, { route: 'POST /v1/orders', kind: 'status', status: 500, count: 1 })
  await addFault(emulator, { route: 'POST /v1/orders', kind: 'status', status: 400, count: 1 })
  await addFault(emulator, { route: 'POST /v1/orders', kind: 'reset', count: 1 })
  const body = { amount: 1000, currency: 'INR', receipt: 'faulted' }
  t.equal((await call(emulator, 'POST', '/v1/orders', { body })).status, 500)
  const badRequest = await call(emulator, 'POST', '/v1/orders', { body })
  t.equal(badRequest.status, 400)
  t.match(badRequest.json, { error: { code: 'BAD_REQUEST_ERROR' } })
  t.match(await rejection(call(emulator, 'POST', '/v1/orders', { body })), { code: /^(ECONNRESET|UND_ERR_SOCKET)$/ }, 'reset')
  t.equal((await call(emulator, 'GET', '/v1/orders?receipt=faulted')).json.count, 0)
  t.equal((await call(emulator, 'POST', '/v1/orders', { body })).status, 200, 'the receipt is still free')
  t.match(await stats(emulator), { ordersCreated: 1, requests: 5 })
})

t.test('rejects malformed fault rules', async (t) => {
  const emulator = await emulatorFor(t)
  const bad = [
    { route: 'POST /v1/nowhere', kind: 'hang' },
    { route: 'POST /v1/orders', kind: 'explode' },
    { route: 'POST /v1/orders', kind: 'latency' },
    { route: 'POST /v1/orders', kind: 'status' },
    { route: 'POST /v1/orders', kind: 'status', status: 200 },
    { route: 'POST /v1/orders', kind: 'hang', rate: 2 },
    { route: 'POST /v1/orders', kind: 'hang', count: 0 },
    { route: 'POST /v1/orders', kind: 'hang', surprise: true }
  ]
  for (const rule of bad) {
    const result = await call(emulator, 'POST', '/_emulator/faults', { body: rule })
    t.equal(result.status, 400, JSON.stringify(rule))
  }
  t.equal((await call(emulator, 'POST', '/v1/orders', { body: { amount: 1000, currency: 'INR' } })).status, 200, 'none was added')
})

t.test('stats count /v1 requests, orders, payments and webhooks; reset forgets everything', async (t) => {
  const emulator = await emulatorFor(t)
  const order = await createOrder(emulator, { receipt: 'before-reset' })
  await call(emulator, 'GET', `/v1/orders/${order.id}`)
  await call(emulator, 'POST', `/_emulator/orders/${order.id}/pay`, { body: { outcome: 'captured' } })
  await call(emulator, 'GET', '/v1/orders', { auth: false })
  t.same(await stats(emulator), { ordersCreated: 1, paymentsCreated: 1, refundsCreated: 0, requests: 3, webhooksDelivered: 0 })

  await addFault(emulator, { route: 'GET /v1/orders', kind: 'status', status: 500 })
  t.equal((await call(emulator, 'POST', '/_emulator/reset')).status, 204)
  t.same(await stats(emulator), { ordersCreated: 0, paymentsCreated: 0, refundsCreated: 0, requests: 0, webhooksDelivered: 0 })
  t.equal((await call(emulator, 'GET', `/v1/orders/${order.id}`)).status, 400, 'orders are forgotten')
  const list = await call(emulator, 'GET', '/v1/orders')
  t.equal(list.status, 200, 'faults are forgotten')
  t.equal(list.json.count, 0)
  t.equal((await call(emulator, 'POST', '/v1/orders', { body: { amount: 1000, currency: 'INR', receipt: 'before-reset' } })).status, 200, 'receipts are forgotten')
})
