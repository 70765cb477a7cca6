// Load shedding (@fastify/under-pressure): under an event-loop stall or over the heap limit a request is answered at
// once with 503 SERVICE_OVERLOADED, Retry-After and the service's error body, and counted; the health routes still
// answer (readiness reports the load, and fails over the memory limit); once the stall ends, requests are served again.
import t from 'tap'
import { build } from '../helper.js'
import { eventually } from '../support/service.js'
import { scrape, seriesValue } from './support.js'

const anyRoute = { method: 'GET' as const, url: '/api/orders/order_none' }

/** Blocks the event loop, as a long synchronous computation (or a GC pause) would. */
function stall (ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) { /* busy */ }
}

t.test('an event-loop stall: the next request gets 503 SERVICE_OVERLOADED with Retry-After; the health routes answer; then service resumes', async t => {
  const app = await build(t, { LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '50', LOAD_SHED_SAMPLE_INTERVAL_MS: '100' })
  // Starting the app blocks the loop too (compiling schemas): wait for a calm sample.
  await eventually(async () => (await app.inject(anyRoute)).statusCode === 404, 10_000, 50)

  // The sampler sees the stall once the loop runs again, and forgets it a sample later: stall, then let the overdue
  // sample run (a timer due earlier than ours), then ask. Repeated until a request falls in a shedding window, with
  // calm samples in between (a stall counts only once the loop was seen at ease after the start).
  let answers: Array<Awaited<ReturnType<typeof app.inject>>> = []
  await eventually(async () => {
    stall(400)
    await new Promise(resolve => setTimeout(resolve, 1))
    answers = await Promise.all([app.inject(anyRoute), app.inject({ method: 'GET', url: '/health/live' }),
      app.inject({ method: 'GET', url: '/health/ready' })])
    return answers[0].statusCode === 503
  }, 30_000, 300)
  const [shed, live, ready] = answers
  t.same(shed.json(), {
    statusCode: 503,
    code: 'SERVICE_OVERLOADED',
    error: 'Service Unavailable',
    message: 'The service is overloaded; retry after the Retry-After delay'
  })
  t.equal(shed.headers['retry-after'], '5')
  t.match(shed.headers['content-type'], /application\/json/)
  t.equal(live.statusCode, 200, 'liveness is never shed: a busy instance must not be restarted')
  t.equal(ready.statusCode, 200, 'readiness answers too, ready: a lagging loop is load, shed request by request')
  t.match(ready.json(), { status: 'ok', load: 'eventLoopDelay' })
  t.ok((seriesValue(await scrape(app), 'load_shed_requests_total', { reason: 'eventLoopDelay' }) ?? 0) >= 1, 'counted')

  await eventually(async () => (await app.inject(anyRoute)).statusCode === 404, 10_000, 50)
  t.match((await app.inject({ method: 'GET', url: '/health/ready' })).json(), { load: 'ok' })
})

t.test('heap use over LOAD_SHED_MAX_HEAP_USED_BYTES sheds every request before authentication, counted by reason', async t => {
  const app = await build(t, {
    LOAD_SHED_MAX_HEAP_USED_BYTES: '1', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0', LOAD_SHED_SAMPLE_INTERVAL_MS: '100', API_KEYS: 'shop:shop-token'
  })
  const request = { method: 'POST' as const, url: '/api/checkout/create-order', payload: {} }
  await eventually(() => app.sheddingReason() !== undefined, 10_000, 10) // from the first sample
  const answer = await app.inject(request)
  t.equal(answer.statusCode, 503, 'shed before the 401 a missing token would get')
  t.equal(answer.json().code, 'SERVICE_OVERLOADED')
  t.equal(answer.headers['retry-after'], '5')
  t.equal(seriesValue(await scrape(app), 'load_shed_requests_total', { reason: 'heapUsedBytes' }), 1)
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'alive')
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503, 'not ready: an instance over its memory limit would fail every request sent to it')
  t.match(ready.json(), { status: 'unavailable', load: 'heapUsedBytes' })
})

t.test('the limits set to 0 turn load shedding off', async t => {
  const app = await build(t, {
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0', LOAD_SHED_MAX_HEAP_USED_BYTES: '0', LOAD_SHED_MAX_RSS_BYTES: '0', LOAD_SHED_SAMPLE_INTERVAL_MS: '100'
  })
  stall(300)
  await new Promise(resolve => setTimeout(resolve, 150))
  t.notOk(app.isUnderPressure())
  t.equal(app.sheddingReason(), undefined)
  t.equal((await app.inject(anyRoute)).statusCode, 404)
})
