// Readiness reports Razorpay from the calls the service makes anyway and from an idle instance's probe, never by
// calling Razorpay per readiness probe; it fails on Razorpay only with RAZORPAY_CHECKS=strict.
import t from 'tap'
import { build } from '../helper.js'
import { RazorpayReachability } from '../../src/razorpay/reachability.js'
import { addFault, control, emulator, emulatorEnv, emulatorStats, eventually } from '../support/service.js'
import { scrape, seriesValue } from './support.js'

const createOrder = (key: string) => ({
  method: 'POST' as const,
  url: '/api/checkout/create-order',
  payload: { variantId: 'test', quantity: 1, amount: 1499 },
  headers: { 'idempotency-key': key }
})

t.test('the reachability the calls tell: unknown, reachable, unreachable since the first failure, reachable again', async t => {
  let now = 1_000_000
  const reachability = new RazorpayReachability(() => now)
  t.equal(reachability.status, 'unknown')
  t.notOk(reachability.answeredWithin(30_000), 'nothing answered yet: an idle instance would probe')
  reachability.record('client_error')
  t.equal(reachability.status, 'reachable', 'a 4xx is an answer')
  now += 10_000
  t.ok(reachability.answeredWithin(30_000), 'answered 10 s ago: no probe needed')
  reachability.record('server_error')
  now += 5_000
  reachability.record('timeout')
  now += 5_000
  reachability.record('network_error')
  t.equal(reachability.status, 'unreachable')
  t.equal(reachability.unreachableForMs, 10_000, 'counted from the first failure since the last answer')
  reachability.record('ok')
  t.equal(reachability.status, 'reachable')
  t.equal(reachability.unreachableForMs, 0)
})

t.test('warn mode: readiness reports Razorpay unreachable past the threshold and stays 200; no probe call per readiness probe', async t => {
  const rzp = await emulator(t)
  const app = await build(t, { ...emulatorEnv(rzp), RAZORPAY_UNREACHABLE_SECONDS: '1', RAZORPAY_PROBE_INTERVAL_SECONDS: '0' })
  const ready = async () => await app.inject({ method: 'GET', url: '/health/ready' })

  t.match((await ready()).json(), { status: 'ok', razorpay: 'unknown' })
  t.equal((await app.inject(createOrder('rzp-1'))).statusCode, 201)
  t.match((await ready()).json(), { status: 'ok', razorpay: 'reachable' })

  await addFault(rzp, { route: 'POST /v1/orders', kind: 'status', status: 500 })
  t.equal((await app.inject(createOrder('rzp-2'))).statusCode, 502)
  const requests = (await emulatorStats(rzp)).requests
  await eventually(() => app.razorpayReachability.unreachableForMs > 1000, 10_000)
  const answer = await ready()
  t.equal(answer.statusCode, 200, 'Razorpay down for everyone must not take every instance out of rotation')
  t.match(answer.json(), { status: 'ok', razorpay: 'unreachable' })
  t.equal((await emulatorStats(rzp)).requests, requests, 'the readiness probes called nothing')

  const metrics = await scrape(app)
  t.equal(seriesValue(metrics, 'razorpay_request_duration_seconds_count', { operation: 'create_order', outcome: 'ok' }), 1)
  t.ok((seriesValue(metrics, 'razorpay_request_duration_seconds_count', { operation: 'create_order', outcome: 'server_error' }) ?? 0) >= 1)
})

t.test('RAZORPAY_CHECKS=strict: an idle instance\'s probe finds Razorpay failing, readiness turns 503 past the threshold and 200 when it answers again', async t => {
  const rzp = await emulator(t)
  const app = await build(t, {
    ...emulatorEnv(rzp), RAZORPAY_CHECKS: 'strict', RAZORPAY_UNREACHABLE_SECONDS: '1', RAZORPAY_PROBE_INTERVAL_SECONDS: '1'
  })
  const ready = async () => await app.inject({ method: 'GET', url: '/health/ready' })
  await addFault(rzp, { route: 'GET /v1/orders', kind: 'status', status: 503, count: 1_000_000 })

  await eventually(async () => (await ready()).statusCode === 503, 20_000, 100)
  t.match((await ready()).json(), { status: 'unavailable', razorpay: 'unreachable', store: 'embedded' })
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'alive')

  await control(rzp, 'DELETE', '/_emulator/faults')
  await eventually(async () => (await ready()).statusCode === 200, 20_000, 100)
  t.match((await ready()).json(), { status: 'ok', razorpay: 'reachable' })
  const metrics = await scrape(app)
  t.ok((seriesValue(metrics, 'razorpay_request_duration_seconds_count', { operation: 'probe', outcome: 'server_error' }) ?? 0) >= 1)
  t.ok((seriesValue(metrics, 'razorpay_request_duration_seconds_count', { operation: 'probe', outcome: 'ok' }) ?? 0) >= 1)
})
