// The idempotency behaviours of CONTRACT.md and issue 3, run against a real Redis and the embedded store. Whatever
// must happen while a request runs happens while a gate holds its Razorpay answer (test/support/answer-gate.ts), never
// within a latency that a slow machine could outlast.
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { request } from 'undici'
import { build, redisServer } from '../helper.js'
import { requestFingerprint } from '../../src/idempotency/fingerprint.js'
import { idempotencyKeys, scopeHash } from '../../src/idempotency/keys.js'
import { RazorpayGateway } from '../../src/razorpay/gateway.js'
import { answerGate } from '../support/answer-gate.js'
import { addFault, emulator, emulatorEnv, emulatorStats, eventually, listen, post, type HttpAnswer } from '../support/service.js'

export type StoreKind = 'redis' | 'embedded'

export const path = '/api/checkout/create-order'
export const seedBody = { variantId: 'test', quantity: 1, amount: 1499 }

export interface Setup {
  emulator: Awaited<ReturnType<typeof emulator>>
  env: Record<string, string>
  app: (extraEnv?: Record<string, string>) => Promise<FastifyInstance>
}

async function setup (t: Test, kind: StoreKind, extraEnv: Record<string, string> = {}): Promise<Setup> {
  const rzp = await emulator(t)
  const env: Record<string, string> = { ...emulatorEnv(rzp), API_KEYS: 'shop:shop-token,other:other-token', ...extraEnv }
  if (kind === 'redis') env.REDIS_URL = (await redisServer(t)).url
  return { emulator: rzp, env, app: async (more = {}) => await build(t, { ...env, ...more }) }
}

export function headers (key: string | undefined, token = 'shop-token', extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(key === undefined ? {} : { 'idempotency-key': key }), ...extra }
}

/** The checkpoint fields a first attempt binds to its key (fingerprint, execution id), as a crash leaves them. */
function boundTo (receipt: string): string[] {
  return ['_fingerprint', requestFingerprint('POST', path, seedBody), '_execution', receipt.slice('rcpt_'.length), '_attempts', '1']
}

/** Counts the requests that reached these listening instances (the raw server's own event). */
function countRequests (apps: FastifyInstance[]): () => number {
  let count = 0
  for (const app of apps) app.server.on('request', () => { count++ })
  return () => count
}

async function openConnections (app: FastifyInstance): Promise<number> {
  return await new Promise((resolve, reject) => app.server.getConnections((err, count) => err == null ? resolve(count) : reject(err)))
}

export function idempotencySuite (t: Test, kind: StoreKind): void {
  t.test('replays the stored response for a duplicate key, byte for byte, without running the handler', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    const app = await makeApp()
    const first = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('dup-1') })
    t.equal(first.statusCode, 201)
    t.notOk(first.headers['idempotent-replayed'])
    const second = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('dup-1') })
    t.equal(second.statusCode, 201)
    t.equal(second.headers['idempotent-replayed'], 'true')
    t.equal(second.body, first.body, 'identical bytes')
    t.equal(second.headers['content-type'], first.headers['content-type'])
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('a key is the same whatever the order of the body properties', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    const app = await makeApp()
    await app.inject({ method: 'POST', url: path, payload: { variantId: 'test', quantity: 1, amount: 1499 }, headers: headers('order-of-keys') })
    const again = await app.inject({ method: 'POST', url: path, payload: '{"amount":1499,"quantity":1,"variantId":"test"}', headers: { ...headers('order-of-keys'), 'content-type': 'application/json' } })
    t.equal(again.headers['idempotent-replayed'], 'true')
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    const app = await makeApp()
    await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('reuse-1') })
    const reused = await app.inject({ method: 'POST', url: path, payload: { ...seedBody, quantity: 2, amount: 2998 }, headers: headers('reuse-1') })
    t.equal(reused.statusCode, 422)
    t.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED')
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('malformed and oversized keys are 400 IDEMPOTENCY_KEY_INVALID and run nothing', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    const app = await makeApp()
    for (const key of ['', 'has space', 'x'.repeat(256), 'caf\u00e9', 'tab\tkey']) {
      const response = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers(key) })
      t.equal(response.statusCode, 400, JSON.stringify(key))
      t.equal(response.json().code, 'IDEMPOTENCY_KEY_INVALID')
    }
    const longest = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('k'.repeat(255)) })
    t.equal(longest.statusCode, 201, 'a 255-character key is valid')
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('two clients with the same key get two orders', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    const app = await makeApp()
    const a = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('shared-key', 'shop-token') })
    const b = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('shared-key', 'other-token') })
    t.equal(a.statusCode, 201)
    t.equal(b.statusCode, 201)
    t.notOk(b.headers['idempotent-replayed'])
    t.not(a.json().orderId, b.json().orderId)
    t.equal((await emulatorStats(rzp)).ordersCreated, 2)
  })

  t.test('without a key, the derived key deduplicates identical requests; with IDEMPOTENCY_REQUIRE_KEY it is 400', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    const app = await makeApp()
    const first = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers(undefined) })
    const second = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers(undefined) })
    t.equal(first.statusCode, 201)
    t.equal(second.headers['idempotent-replayed'], 'true')
    t.equal(second.body, first.body)
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)

    const strict = await makeApp({ IDEMPOTENCY_REQUIRE_KEY: 'true' })
    const missing = await strict.inject({ method: 'POST', url: path, payload: seedBody, headers: headers(undefined) })
    t.equal(missing.statusCode, 400)
    t.equal(missing.json().code, 'IDEMPOTENCY_KEY_MISSING')
  })

  t.test('requests rejected before the handler store nothing', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    const app = await makeApp()
    const invalid = await app.inject({ method: 'POST', url: path, payload: { ...seedBody, quantity: 0 }, headers: headers('pre-1') })
    t.equal(invalid.statusCode, 400)
    t.equal(invalid.json().code, 'FST_ERR_VALIDATION')
    const unauthenticated = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('pre-1', 'wrong-token') })
    t.equal(unauthenticated.statusCode, 401)
    const valid = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('pre-1') })
    t.equal(valid.statusCode, 201, 'the key was not consumed by the rejected requests')
    t.notOk(valid.headers['idempotent-replayed'])
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('a Razorpay 5xx is 502 and not stored; the retry with the same key succeeds with one order', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    const app = await makeApp()
    await addFault(rzp, { route: 'POST /v1/orders', kind: 'status', status: 502, count: 1 })
    const failed = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('five-1') })
    t.equal(failed.statusCode, 502)
    t.equal(failed.json().code, 'PAYMENT_PROVIDER_ERROR')
    const retried = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('five-1') })
    t.equal(retried.statusCode, 201)
    t.notOk(retried.headers['idempotent-replayed'])
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('a Razorpay timeout is 504 and not stored; the retry finds the order Razorpay created after the timeout', async t => {
    // The hung call ends only by this timeout; it is long enough that the calls that must succeed (the retry's, on
    // the same instance and so under the same timeout) never meet it on a loaded machine.
    const { app: makeApp, emulator: rzp } = await setup(t, kind, { RAZORPAY_TIMEOUT_MS: '2000' })
    const app = await makeApp()
    await addFault(rzp, { route: 'POST /v1/orders', kind: 'hang', count: 1 })
    const failed = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('late-1') })
    t.equal(failed.statusCode, 504)
    t.equal(failed.json().code, 'PAYMENT_PROVIDER_TIMEOUT')
    // Razorpay went on with the request the service gave up on: the order exists with the request's receipt and notes.
    const execution = await app.store.command('hget', [idempotencyKeys(scopeHash('shop', 'POST', path, 'late-1')).checkpoints, '_execution'])
    const late = new RazorpayGateway({ keyId: rzp.keyId, keySecret: rzp.keySecret, webhookSecret: '', apiUrl: rzp.url, timeoutMs: 30_000 })
    const notes = { idempotency_key: 'late-1', client_id: 'shop', variant_id: 'test', quantity: '1', reservation_id: `res_${String(execution)}` }
    const lateOrder = await late.createOrder({ amount: 1499, currency: 'INR', receipt: `rcpt_${String(execution)}`, notes })
    const retried = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('late-1') })
    t.equal(retried.statusCode, 201)
    t.equal(retried.json().orderId, lateOrder.id, 'the late order was reused')
    t.equal((await emulatorStats(rzp)).ordersCreated, 1, 'not duplicated')
  })

  t.test('a hung Razorpay is 504; the retry succeeds with one order', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind, { RAZORPAY_TIMEOUT_MS: '2000' }) // see 'late-1'
    const app = await makeApp()
    await addFault(rzp, { route: 'POST /v1/orders', kind: 'hang', count: 1 })
    const failed = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('hang-1') })
    t.equal(failed.statusCode, 504)
    const retried = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('hang-1') })
    t.equal(retried.statusCode, 201)
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('concurrent duplicates: exactly one order; every other request is 409 with Retry-After while it runs', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind)
    // The first request's Razorpay answer is held until every duplicate has been answered: all of them overlap it.
    const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
    const apps = kind === 'redis'
      ? [await makeApp({ RAZORPAY_API_URL: gate.url }), await makeApp({ RAZORPAY_API_URL: gate.url })]
      : [await makeApp({ RAZORPAY_API_URL: gate.url })]
    const urls = await Promise.all(apps.map(listen))
    const answered: HttpAnswer[] = []
    const all = Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const answer = await post(urls[i % urls.length], path, seedBody, headers('burst-1'))
      answered.push(answer)
      return answer
    }))
    await gate.whenHeld(1)
    await eventually(() => answered.length === 49, 30_000)
    gate.release()
    const answers = await all
    const created = answers.filter(a => a.status === 201)
    const conflicts = answers.filter(a => a.status === 409)
    t.equal(created.length, 1, 'one 201: the request that ran')
    t.notOk(created[0]?.headers['idempotent-replayed'], 'and it is the fresh answer')
    t.equal(conflicts.length, 49, 'every duplicate sent while it ran is 409')
    for (const conflict of conflicts) {
      t.equal(JSON.parse(conflict.body).code, 'IDEMPOTENCY_REQUEST_IN_PROGRESS')
      t.match(conflict.headers['retry-after'], /^\d+$/)
    }
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('concurrent duplicates with Prefer: wait all get the 201 body', async t => {
    // A wait far longer than the test: the waiters are released by the first request's completion, not by a timer.
    const { app: makeApp, emulator: rzp } = await setup(t, kind, { IDEMPOTENCY_MAX_WAIT_SECONDS: '120' })
    const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
    const apps = kind === 'redis'
      ? [await makeApp({ RAZORPAY_API_URL: gate.url }), await makeApp({ RAZORPAY_API_URL: gate.url })]
      : [await makeApp({ RAZORPAY_API_URL: gate.url })]
    const received = countRequests(apps)
    const urls = await Promise.all(apps.map(listen))
    const all = Promise.all(Array.from({ length: 50 }, async (_, i) =>
      await post(urls[i % urls.length], path, seedBody, headers('burst-wait', 'shop-token', { prefer: 'wait=120' }))))
    await gate.whenHeld(1)
    await eventually(() => received() === 50, 30_000)
    gate.release()
    const answers = await all
    t.same(answers.map(a => a.status), Array(50).fill(201))
    t.equal(new Set(answers.map(a => a.body)).size, 1, 'one body for all')
    t.equal(answers.filter(a => a.headers['idempotent-replayed'] !== 'true').length, 1, 'one fresh, the rest replays')
    t.ok(answers.every(a => a.headers['preference-applied'] === 'wait=120'))
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('Prefer: wait is capped by IDEMPOTENCY_MAX_WAIT_SECONDS, then 409', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind, { IDEMPOTENCY_MAX_WAIT_SECONDS: '0' })
    const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
    const url = await listen(await makeApp({ RAZORPAY_API_URL: gate.url }))
    const first = post(url, path, seedBody, headers('capped'))
    await gate.whenHeld(1) // the first request holds the key until its Razorpay answer arrives
    const second = await post(url, path, seedBody, headers('capped', 'shop-token', { prefer: 'wait=10' }))
    t.equal(second.status, 409)
    t.equal(JSON.parse(second.body).code, 'IDEMPOTENCY_REQUEST_IN_PROGRESS')
    t.equal(second.headers['preference-applied'], undefined)
    gate.release()
    t.equal((await first).status, 201)
  })

  t.test('after a crash between the checkpoint and the record, the retry returns the same order (from the checkpoint)', async t => {
    // Built by hand on purpose: the checkpoint is written together with the order record and the record right after,
    // with no call to anything outside in between, so no real crash can be placed between them (a killed process is
    // tested in redis.test.ts, where the crash lands between Razorpay and the store).
    // No local cache of completed records: the instance must not remember what the "crashed" one answered.
    const { app: makeApp, emulator: rzp } = await setup(t, kind, { IDEMPOTENCY_LOCK_TTL_SECONDS: '1', IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' })
    const app = await makeApp()
    const first = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('crash-1') })
    const orderId = first.json().orderId
    // What a process killed after its checkpoint leaves behind: no record, the checkpoint, a lock that expires.
    const keys = idempotencyKeys(scopeHash('shop', 'POST', path, 'crash-1'))
    await app.store.command('del', [keys.record])
    await app.store.command('hset', [keys.checkpoints, ...boundTo(first.json().receipt), 'razorpay_order_id', orderId])
    // A lock far longer than the test, so the 409 cannot race its expiry; then made to expire, as time would.
    await app.store.command('set', [keys.lock, `dead-owner ${requestFingerprint('POST', path, seedBody)}`, 'PX', '600000'])
    const whileLocked = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('crash-1') })
    t.equal(whileLocked.statusCode, 409, 'the dead owner keeps the key until its lock expires')
    await app.store.command('pexpire', [keys.lock, '1'])
    await eventually(async () => await app.store.command('exists', [keys.lock]) === 0)
    const retried = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('crash-1') })
    t.equal(retried.statusCode, 201)
    t.notOk(retried.headers['idempotent-replayed'], 'the handler ran again')
    t.equal(retried.json().orderId, orderId)
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  if (kind === 'embedded') {
    t.test('after a crash before the checkpoint, the retry finds the order by its receipt', async t => {
      // Built by hand, embedded store only: the embedded store lives inside the process, so no real crash can leave
      // this state behind for another process. On Redis, redis.test.ts kills a real process at this point instead.
      // What this still checks here is that the embedded store's scripts resume the attempt as Redis does.
      const { app: makeApp, emulator: rzp } = await setup(t, kind, { IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' })
      const app = await makeApp()
      const first = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('crash-2') })
      const keys = idempotencyKeys(scopeHash('shop', 'POST', path, 'crash-2'))
      await app.store.command('del', [keys.record])
      await app.store.command('hset', [keys.checkpoints, ...boundTo(first.json().receipt)])
      const retried = await app.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('crash-2') })
      t.equal(retried.statusCode, 201)
      t.notOk(retried.headers['idempotent-replayed'], 'the handler ran again')
      t.equal(retried.json().orderId, first.json().orderId)
      t.equal((await emulatorStats(rzp)).ordersCreated, 1)
    })
  }

  t.test('renewal keeps the lock of a handler that runs longer than the lock TTL', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind, { IDEMPOTENCY_LOCK_TTL_SECONDS: '1', RAZORPAY_TIMEOUT_MS: '60000' })
    const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
    const app = await makeApp({ RAZORPAY_API_URL: gate.url })
    const url = await listen(app)
    const keys = idempotencyKeys(scopeHash('shop', 'POST', path, 'long-1'))
    const slow = post(url, path, seedBody, headers('long-1'))
    await gate.whenHeld(1)
    const owner = await app.store.command('get', [keys.lock])
    // The handler stays inside Razorpay for as long as the gate holds; wait until three lock TTLs have passed. This
    // sleep is a lower bound the test needs, not a budget: nothing ends before the gate is released.
    await new Promise(resolve => setTimeout(resolve, 3000))
    t.equal(await app.store.command('get', [keys.lock]), owner, 'the same owner still holds the lock after three TTLs')
    const duplicate = await post(url, path, seedBody, headers('long-1'))
    t.equal(duplicate.status, 409, 'still locked after the TTL has passed')
    gate.release()
    t.equal((await slow).status, 201)
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('an owner that lost its lock does not overwrite the record of the request that took over', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind, { RAZORPAY_TIMEOUT_MS: '60000' })
    // Only order creation is held: the second request finds the first one's order by its receipt (a GET) and finishes.
    const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
    const app = await makeApp({ RAZORPAY_API_URL: gate.url })
    const url = await listen(app)
    const keys = idempotencyKeys(scopeHash('shop', 'POST', path, 'lost-1'))
    const first = post(url, path, seedBody, headers('lost-1'))
    await gate.whenHeld(1)
    await app.store.command('del', [keys.lock]) // the lock vanishes (expiry during a pause, an operator)
    const second = await post(url, path, seedBody, headers('lost-1'))
    t.equal(second.status, 201)
    t.notOk(second.headers['idempotent-replayed'])
    gate.release()
    const firstAnswer = await first
    t.equal(firstAnswer.status, 201)
    t.equal(JSON.parse(firstAnswer.body).orderId, JSON.parse(second.body).orderId, 'both finished the same order')
    const stored = await app.store.command('get', [keys.record]) as string
    t.equal(stored.slice(stored.indexOf('\n') + 1), second.body, "the second request's record is kept")
    const metrics = await app.operations.inject({ method: 'GET', url: '/metrics' })
    t.match(metrics.body, /idempotency_store_failures_total\{route="\/api\/checkout\/create-order",reason="lock_lost"\} 1/)
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })

  t.test('a client that disconnects mid-request: the handler finishes, its answer is stored for the retry', async t => {
    const { app: makeApp, emulator: rzp } = await setup(t, kind, { RAZORPAY_TIMEOUT_MS: '60000' })
    const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
    const app = await makeApp({ RAZORPAY_API_URL: gate.url })
    const url = await listen(app)
    const keys = idempotencyKeys(scopeHash('shop', 'POST', path, 'gone-1'))
    const caller = new AbortController()
    const abandoned = request(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers('gone-1') },
      body: JSON.stringify(seedBody),
      signal: caller.signal
    })
    await gate.whenHeld(1) // the handler is inside Razorpay
    caller.abort()
    await t.rejects(abandoned)
    await eventually(async () => await openConnections(app) === 0) // the service has seen its caller go
    t.equal(await app.store.command('exists', [keys.lock]), 1, 'the key stays locked while the abandoned handler runs')
    const duplicate = await post(url, path, seedBody, headers('gone-1'))
    t.equal(duplicate.status, 409, 'so a retry meanwhile does not run it a second time')
    gate.release()
    await eventually(async () => await app.store.command('exists', [keys.lock]) === 0, 10_000)
    const retry = await post(url, path, seedBody, headers('gone-1'))
    t.equal(retry.status, 201)
    t.equal(retry.headers['idempotent-replayed'], 'true', 'the abandoned request completed and was stored')
    t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  })
}
