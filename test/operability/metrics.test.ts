// The metrics the operations checklist needs, driven by real outcomes and read from /metrics on the private listener:
// reservations made, sold, released and expired, late and oversold sales, the idempotency outcomes the cache hit
// rate is computed from (each request counted once), Razorpay call outcomes, and the sweeper's lag and last run.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { variantKeys } from '../../src/catalog/catalog.js'
import { sweepExpiredReservations } from '../../src/catalog/reservation-sweeper.js'
import { admin, createOrder, createOrderRequest, itemPrice, moneySetup, order, pay, shop, verifyRequest } from '../support/money.js'
import { addFault, eventually } from '../support/service.js'
import { scrape, seriesValue } from './support.js'

const createRoute = '/api/checkout/create-order'

async function counter (app: FastifyInstance, name: string, labels: Record<string, string>): Promise<number> {
  return seriesValue(await scrape(app), name, labels) ?? 0
}

t.test('each stock change and idempotency outcome is counted once: made, sold, released; replays and reused keys', async t => {
  const { app, rzp } = await moneySetup(t)
  const first = createOrderRequest('metrics-a')
  const created = await app.inject(first)
  t.equal(created.statusCode, 201)
  t.equal((await app.inject(first)).headers['idempotent-replayed'], 'true')
  t.equal((await app.inject(createOrderRequest('metrics-a', 2))).statusCode, 422, 'the key with another body')

  const checkout = await pay(rzp, created.json().orderId, { outcome: 'captured', webhooks: { skip: true } })
  t.equal((await app.inject(verifyRequest(checkout, 'metrics-verify'))).statusCode, 200)

  const cancelled = await createOrder(app, 'metrics-b')
  const cancel = await app.inject({ method: 'POST', url: `/api/orders/${cancelled}/cancel`, headers: { ...shop, 'idempotency-key': 'metrics-cancel' } })
  t.equal(cancel.statusCode, 200)

  await addFault(rzp, { route: 'POST /v1/orders', kind: 'status', status: 500, count: 1 })
  t.equal((await app.inject(createOrderRequest('metrics-c'))).statusCode, 502, 'Razorpay failed: the reservation goes back')

  const metrics = await scrape(app)
  const reservations = (outcome: string) => seriesValue(metrics, 'reservations_total', { outcome })
  t.equal(reservations('made'), 3)
  t.equal(reservations('sold'), 1)
  t.equal(reservations('released'), 2, 'the cancel and the failed create-order')
  t.equal(reservations('expired'), undefined)

  const idempotency = (outcome: string) => seriesValue(metrics, 'idempotency_requests_total', { route: createRoute, outcome })
  t.equal(idempotency('cached_replay'), 1, 'the replay, from this instance\'s cache')
  t.equal(idempotency('key_reused'), 1, 'the reused key, counted as that alone (not as a replay too)')
  t.equal(idempotency('executed'), 3)

  const calls = (operation: string, outcome: string) =>
    seriesValue(metrics, 'razorpay_request_duration_seconds_count', { operation, outcome })
  t.equal(calls('create_order', 'ok'), 2)
  t.equal(calls('create_order', 'server_error'), 1)
})

t.test('expired reservations, a late sale and an oversold one; the sweeper\'s last run and lag', async t => {
  const { app, rzp } = await moneySetup(t, { RESERVATION_TTL_SECONDS: '1' }, 2)
  const late = await createOrder(app, 'metrics-late')
  // The order is marked expired just before its stock returns (and is counted).
  await eventually(async () => await counter(app, 'reservations_total', { outcome: 'expired' }) === 1, 10_000, 50)
  t.equal((await order(app, late)).status, 'expired')
  await eventually(async () => await counter(app, 'reservation_sweeper_last_run_timestamp_seconds', {}) > 0, 10_000, 50)
  t.ok(await counter(app, 'reservation_sweeper_lag_seconds', {}) >= 0)

  await app.inject(verifyRequest(await pay(rzp, late, { outcome: 'captured', webhooks: { skip: true } }), 'metrics-verify-late'))
  t.equal(await counter(app, 'late_sales_total', { outcome: 'late' }), 1, 'paid after expiry, sold from available stock')

  const oversold = await createOrder(app, 'metrics-oversold')
  await eventually(async () => await counter(app, 'reservations_total', { outcome: 'expired' }) === 2, 10_000, 50)
  // Nothing left to sell: the stock becomes what was sold.
  const put = await app.inject({ method: 'PUT', url: '/api/admin/variants/item', headers: admin, payload: { price: itemPrice, currency: 'INR', stock: 1 } })
  t.equal(put.statusCode, 200)
  await app.inject(verifyRequest(await pay(rzp, oversold, { outcome: 'captured', webhooks: { skip: true } }), 'metrics-verify-oversold'))
  t.equal(await counter(app, 'late_sales_total', { outcome: 'oversold' }), 1, 'paid with no stock left')
  t.equal(await counter(app, 'reservations_total', { outcome: 'sold' }), 0, 'no held reservation was sold')
})

t.test('the sweeper\'s lag: how long past its expiry the oldest due entry was when the sweep found it', async t => {
  const { app } = await moneySetup(t)
  // Only the sweeps this test runs touch the index.
  await app.store.command('set', ['job:{reservation-sweeper}:lease', 'the-test', 'PX', 600_000])
  const deps = { catalog: app.catalog, orders: app.orders, events: app.orderEvents, audit: app.audit, log: app.log }
  await app.store.command('zadd', [variantKeys('item').expiries, Date.now() - 120_000, 'gone-1', Date.now() - 30_000, 'gone-2'])
  const lags: number[] = []
  await sweepExpiredReservations(deps, undefined, lag => lags.push(lag))
  await sweepExpiredReservations(deps, undefined, lag => lags.push(lag))
  t.equal(lags.length, 2)
  t.ok(lags[0] >= 120 && lags[0] < 600, `the first sweep found an entry ${lags[0]} s overdue`)
  t.equal(lags[1], 0, 'nothing was due at the second')
})
