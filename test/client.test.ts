// The typed client against a real listening service: same key on every attempt, retries only what is safe.
import t from 'tap'
import { Agent, fetch as undiciFetch } from 'undici'
import { PaymentApiError, PaymentClient, type PaymentClientOptions } from '../client/index.js'
import { idempotencyKeys, scopeHash } from '../src/idempotency/keys.js'
import { build, type TestContext } from './helper.js'
import { answerGate } from './support/answer-gate.js'
import { freePort } from './support/redis-server.js'
import { addFault, control, emulator, emulatorEnv, emulatorStats, eventually, listen } from './support/service.js'

const body = { variantId: 'test', quantity: 1, amount: 1499 }

async function setup (t: TestContext, env: Record<string, string> = {}, clientOptions: Partial<PaymentClientOptions> = {}) {
  const rzp = await emulator(t)
  const app = await build(t, { ...emulatorEnv(rzp), API_KEYS: 'shop:client-token', ...env })
  // Per attempt; long enough that a slow machine never turns an answer into a client timeout and a retry that the
  // assertions on `attempts` would count.
  const client = new PaymentClient({ baseUrl: await listen(app), token: 'client-token', timeoutMs: 30_000, ...clientOptions })
  t.teardown(async () => await client.close())
  return { rzp, app, client }
}

/**
 * A service that reaches Razorpay through a gate holding the create-order answers, and a client whose attempts are
 * recorded. Its per-attempt timeout is one no loaded machine reaches: only what the test does can cause a retry.
 */
async function gatedSetup (t: TestContext, env: Record<string, string> = {}, clientOptions: Partial<PaymentClientOptions> = {}) {
  const rzp = await emulator(t)
  const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
  const recorder = recordingFetch(t)
  const app = await build(t, { ...emulatorEnv(rzp), RAZORPAY_API_URL: gate.url, API_KEYS: 'shop:client-token', ...env })
  const client = new PaymentClient({ baseUrl: await listen(app), token: 'client-token', timeoutMs: 60_000, fetch: recorder.fetch, ...clientOptions })
  return { rzp, gate, app, client, attempts: recorder.attempts }
}

interface Attempt { key: string, status: number | 'failed', replayed: boolean }

/** The client's HTTP calls, recorded: each attempt it made, with the key it sent and what came back. */
function recordingFetch (t: TestContext): { fetch: NonNullable<PaymentClientOptions['fetch']>, attempts: Attempt[] } {
  const agent = new Agent()
  t.teardown(async () => await agent.close())
  const attempts: Attempt[] = []
  return {
    attempts,
    fetch: async (url, init) => {
      const key = init.headers['idempotency-key'] ?? ''
      try {
        const response = await undiciFetch(url, { ...init, dispatcher: agent })
        attempts.push({ key, status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true' })
        return response
      } catch (err) {
        attempts.push({ key, status: 'failed', replayed: false })
        throw err
      }
    }
  }
}

async function failure (promise: Promise<unknown>): Promise<PaymentApiError> {
  try {
    await promise
  } catch (err) {
    return err as PaymentApiError
  }
  throw new Error('expected a failure')
}

t.test('creates, replays with the same key, verifies and reads an order', async t => {
  const { rzp, client } = await setup(t)
  const created = await client.createOrder(body, { idempotencyKey: 'client-1' })
  t.match(created, { status: 'created', amount: 1499, replayed: false, idempotencyKey: 'client-1' })
  const again = await client.createOrder(body, { idempotencyKey: 'client-1' })
  t.equal(again.replayed, true)
  t.equal(again.orderId, created.orderId)
  const checkout = await control(rzp, 'POST', `/_emulator/orders/${created.orderId}/pay`, { outcome: 'captured' })
  const paid = await client.verifyPayment(checkout)
  t.match(paid, { orderId: created.orderId, status: 'paid', replayed: false })
  t.match(await client.getOrder(created.orderId), { status: 'paid' })
})

t.test('retries a 5xx with the same key: one order', async t => {
  const { rzp, client } = await setup(t)
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'status', status: 502, count: 2 })
  const created = await client.createOrder(body)
  t.equal(created.status, 'created')
  t.equal((await emulatorStats(rzp)).ordersCreated, 1)
})

t.test('retries a 409 after Retry-After and gets the replay', async t => {
  // The first call's Razorpay answer is held until the second call has been answered 409: the calls overlap for sure.
  const { rzp, gate, client, attempts } = await gatedSetup(t, { IDEMPOTENCY_MAX_WAIT_SECONDS: '0' })
  const first = client.createOrder(body, { idempotencyKey: 'dup' })
  await gate.whenHeld(1)
  const second = client.createOrder(body, { idempotencyKey: 'dup' })
  await eventually(() => attempts.some(a => a.status === 409), 30_000)
  gate.release()
  const [one, two] = await Promise.all([first, second])
  t.equal(one.orderId, two.orderId)
  t.equal(two.replayed, true)
  t.same(attempts.map(a => a.status).sort(), [201, 201, 409], 'three attempts: the first, the 409, the retry')
  t.ok(attempts.every(a => a.key === 'dup'), 'every attempt carried the same key')
  t.equal(attempts.filter(a => a.replayed).length, 1, 'the retry got the replay')
  t.equal((await emulatorStats(rzp)).ordersCreated, 1)
})

t.test('never retries another 4xx: PaymentApiError with the code', async t => {
  const { client } = await setup(t)
  const err = await failure(client.createOrder({ ...body, amount: 1500 }, { idempotencyKey: 'bad' }))
  t.ok(err instanceof PaymentApiError)
  t.match(err, { statusCode: 422, code: 'AMOUNT_MISMATCH', idempotencyKey: 'bad', attempts: 1 })
})

t.test('gives up after maxAttempts on network errors', async t => {
  // Refused connections fail at once; the long timeout only keeps a slow machine from turning them into timeouts.
  const client = new PaymentClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, maxAttempts: 3, timeoutMs: 30_000 })
  t.teardown(async () => await client.close())
  const err = await failure(client.createOrder(body, { idempotencyKey: 'offline' }))
  t.match(err, { statusCode: 0, code: 'NETWORK_ERROR', attempts: 3, idempotencyKey: 'offline' })
})

t.test('an operation id keeps its key until success or failure is reported', async t => {
  const { rzp, client } = await setup(t)
  const first = await client.createOrder(body, { operationId: 'cart-9' })
  const retry = await client.createOrder(body, { operationId: 'cart-9' })
  t.equal(retry.idempotencyKey, first.idempotencyKey)
  t.equal(retry.orderId, first.orderId)
  await client.handlePaymentFailure('cart-9')
  const fresh = await client.createOrder(body, { operationId: 'cart-9' })
  t.not(fresh.idempotencyKey, first.idempotencyKey)
  t.not(fresh.orderId, first.orderId)
  await client.confirmPaymentSuccess('cart-9')
  t.not((await client.createOrder(body, { operationId: 'cart-9' })).orderId, fresh.orderId)
  t.equal((await emulatorStats(rzp)).ordersCreated, 3)
})

t.test('handlePaymentFailure can cancel the old order when the buyer starts over; a paid order is not cancelled', async t => {
  const { rzp, app, client } = await setup(t)
  const stockOf = async () => (await app.catalog.getVariant('test'))?.available
  const before = await stockOf() ?? 0
  const first = await client.createOrder(body, { operationId: 'cart-10' })
  t.equal(await stockOf(), before - 1)
  await client.handlePaymentFailure('cart-10', { cancelOrder: true })
  t.match(await client.getOrder(first.orderId), { status: 'cancelled' })
  t.equal(await stockOf(), before, 'the stock came back at once')
  const second = await client.createOrder(body, { operationId: 'cart-10' })
  t.not(second.orderId, first.orderId)
  await control(rzp, 'POST', `/_emulator/orders/${second.orderId}/pay`, { outcome: 'captured' })
  const err = await failure(client.handlePaymentFailure('cart-10', { cancelOrder: true }))
  t.match(err, { statusCode: 409, code: 'ORDER_NOT_CANCELLABLE', attempts: 1 })
  t.equal((await client.createOrder(body, { operationId: 'cart-10' })).orderId, second.orderId, 'the operation keeps its key')
})

t.test("a caller's abort is not retried", async t => {
  // The service is inside Razorpay (its answer held) when the caller aborts: the abort lands mid-request, every time.
  const { rzp, gate, app, client, attempts } = await gatedSetup(t, {}, { maxAttempts: 5 })
  let received = 0
  app.server.on('request', () => { received++ })
  const caller = new AbortController()
  const call = client.createOrder(body, { idempotencyKey: 'aborted', signal: caller.signal })
  await gate.whenHeld(1)
  caller.abort()
  const err = await failure(call)
  t.equal(err.name, 'AbortError', 'the caller gets its own abort, not a PaymentApiError after retries')
  t.equal(attempts.length, 1, 'one attempt: nothing was sent after the abort')
  t.equal(received, 1, 'one request reached the service')
  // Let the abandoned request finish; a retry sent meanwhile would show up in the counts below.
  gate.release()
  const lock = idempotencyKeys(scopeHash('shop', 'POST', '/api/checkout/create-order', 'aborted')).lock
  await eventually(async () => await app.store.command('exists', [lock]) === 0, 10_000)
  t.equal(attempts.length, 1, 'still one attempt')
  t.equal(received, 1, 'still one request at the service')
  t.match(await emulatorStats(rzp), { ordersCreated: 1, requests: 1 }, 'one order at Razorpay')
})
