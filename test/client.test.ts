// The typed client against a real listening service: same key on every attempt, retries only what is safe.
import t from 'tap'
import { PaymentApiError, PaymentClient } from '../client/index.js'
import { build, type TestContext } from './helper.js'
import { freePort } from './support/redis-server.js'
import { addFault, control, emulator, emulatorEnv, emulatorStats, listen } from './support/service.js'

const body = { variantId: 'test', quantity: 1, amount: 1499 }

async function setup (t: TestContext, env: Record<string, string> = {}, clientOptions: Partial<ConstructorParameters<typeof PaymentClient>[0]> = {}) {
  const rzp = await emulator(t)
  const app = await build(t, { ...emulatorEnv(rzp), API_KEYS: 'shop:client-token', ...env })
  const client = new PaymentClient({ baseUrl: await listen(app), token: 'client-token', timeoutMs: 3000, ...clientOptions })
  t.teardown(async () => await client.close())
  return { rzp, app, client }
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
  const { rzp, client } = await setup(t, { IDEMPOTENCY_MAX_WAIT_SECONDS: '0' })
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'latency', latencyMs: 400, count: 1 })
  const [first, second] = await Promise.all([
    client.createOrder(body, { idempotencyKey: 'dup' }),
    new Promise(resolve => setTimeout(resolve, 100)).then(async () => await client.createOrder(body, { idempotencyKey: 'dup' }))
  ])
  t.equal(first.orderId, second.orderId)
  t.equal(second.replayed, true)
  t.equal((await emulatorStats(rzp)).ordersCreated, 1)
})

t.test('never retries another 4xx: PaymentApiError with the code', async t => {
  const { client } = await setup(t)
  const err = await failure(client.createOrder({ ...body, amount: 1500 }, { idempotencyKey: 'bad' }))
  t.ok(err instanceof PaymentApiError)
  t.match(err, { statusCode: 422, code: 'AMOUNT_MISMATCH', idempotencyKey: 'bad', attempts: 1 })
})

t.test('gives up after maxAttempts on network errors', async t => {
  const client = new PaymentClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, maxAttempts: 3, timeoutMs: 500 })
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
  const { rzp, client } = await setup(t)
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'latency', latencyMs: 1000, count: 1 })
  await t.rejects(client.createOrder(body, { signal: AbortSignal.timeout(100) }))
})
