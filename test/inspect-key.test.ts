// Inspecting an idempotency key: GET /api/admin/idempotency and `npm run inspect-key` read a caller's key (scoped and
// hashed in Redis) and say the same thing: completed, in progress, interrupted or unknown; never the body unless asked.
import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { idempotentRoutes } from '../schemas/idempotency-inspection.js'
import { buildApp } from '../src/build-app.js'
import { loadConfig } from '../src/config.js'
import { requestFingerprint } from '../src/idempotency/fingerprint.js'
import { idempotencyKeys, scopeHash } from '../src/idempotency/keys.js'
import { build, redisServer, testEnv, type TestContext } from './helper.js'
import { answerGate } from './support/answer-gate.js'
import { admin, createOrderRequest, setStock, shop } from './support/money.js'
import type { RedisServer } from './support/redis-server.js'
import { emulator, emulatorEnv } from './support/service.js'

const route = '/api/checkout/create-order'
const root = fileURLToPath(new URL('..', import.meta.url))

async function service (t: TestContext, redis: RedisServer, razorpayUrl: string, env: Record<string, string>): Promise<FastifyInstance> {
  const app = await build(t, { ...env, RAZORPAY_API_URL: razorpayUrl, REDIS_URL: redis.url, API_KEYS: 'shop:shop-token', ADMIN_TOKEN: 'admin-token-for-tests' })
  await setStock(app, 10)
  return app
}

async function inspect (app: FastifyInstance, key: string, extra: Record<string, string> = {}, headers = admin) {
  const query = new URLSearchParams({ clientId: 'shop', route, key, ...extra })
  return await app.inject({ method: 'GET', url: `/api/admin/idempotency?${query.toString()}`, headers })
}

async function script (redis: RedisServer, args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return await promisify(execFile)(process.execPath, ['--import=tsx', 'scripts/inspect-key.ts', ...args], {
    cwd: root,
    env: { ...process.env, REDIS_URL: redis.url }
  }).then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }))
}

async function scriptInspect (redis: RedisServer, key: string, extra: string[] = []): Promise<any> {
  const run = await script(redis, ['--client', 'shop', '--route', route, '--key', key, ...extra])
  if (run.code !== 0) throw new Error(`inspect-key exited ${run.code}: ${run.stderr}`)
  return JSON.parse(run.stdout)
}

/** The fields that move with the clock between two reads. */
function withoutCountdowns (inspection: any): any {
  const copy = structuredClone(inspection)
  delete copy.note
  if (copy.record !== undefined) delete copy.record.ttlSeconds
  if (copy.lock !== undefined) delete copy.lock.ttlMs
  if (copy.execution !== undefined) delete copy.execution.ttlSeconds
  return copy
}

t.test('a completed create-order key shows completed with its status 201, and the script prints the same', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const app = await service(t, redis, rzp.url, emulatorEnv(rzp))
  const created = await app.inject(createOrderRequest('k-done'))
  t.equal(created.statusCode, 201)

  const answer = await inspect(app, 'k-done')
  t.equal(answer.statusCode, 200)
  const inspection = answer.json()
  t.match(inspection, {
    state: 'completed',
    clientId: 'shop',
    method: 'POST',
    route,
    key: 'k-done',
    scope: scopeHash('shop', 'POST', route, 'k-done'),
    redisKeys: { record: idempotencyKeys(scopeHash('shop', 'POST', route, 'k-done')).record },
    record: { statusCode: 201, contentType: /^application\/json/, localCache: { eligible: true } }
  })
  const record = inspection.record
  t.ok(record.ttlSeconds > 86_000 && record.ttlSeconds <= 86_400, `TTL ${record.ttlSeconds} s of IDEMPOTENCY_TTL_SECONDS`)
  t.equal(Date.parse(record.expiresAt) - Date.parse(record.createdAt), 86_400_000)
  t.ok(record.sizeBytes > Buffer.byteLength(created.body), 'the size counts the metadata line and the body')
  t.notOk('body' in record, 'no body unless asked')
  t.notOk(answer.body.includes(created.json().orderId), 'nothing of the order leaks')
  t.equal(inspection.lock, undefined)
  t.equal(inspection.execution, undefined)

  const withBody = await inspect(app, 'k-done', { body: 'true' })
  t.equal(withBody.json().record.body, created.body, 'body=true returns the stored bytes')

  const printed = await scriptInspect(redis, 'k-done')
  t.same(withoutCountdowns(printed), withoutCountdowns(inspection), 'the script says what the route says')
  t.ok(Math.abs(printed.record.ttlSeconds - record.ttlSeconds) <= 60)
  t.notOk(JSON.stringify(printed).includes(created.json().orderId), 'the script prints no body by default')
  t.equal((await scriptInspect(redis, 'k-done', ['--body'])).record.body, created.body, '--body prints it')
})

t.test('a key whose handler is still running shows in_progress with its lock TTL; a crashed attempt shows its checkpoints', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  // Razorpay creates the order but its answer is held: the request is in flight under its lock.
  const creating = await answerGate(t, rzp.url, 'POST /v1/orders')
  const app = await service(t, redis, creating.url, emulatorEnv(rzp))
  const pending = app.inject(createOrderRequest('k-running'))
  await creating.whenHeld(1)

  const running = (await inspect(app, 'k-running')).json()
  t.match(running, { state: 'in_progress', execution: { attempt: 1, executionId: /^[0-9a-f]{32}$/, checkpoints: {} } })
  t.ok(running.lock.ttlMs > 0 && running.lock.ttlMs <= 60_000, `lock TTL ${running.lock.ttlMs} ms of IDEMPOTENCY_LOCK_TTL_SECONDS`)
  t.equal(running.lock.fingerprint, requestFingerprint('POST', route, createOrderRequest('k-running').payload))
  const lockValue = await app.store.command('get', [idempotencyKeys(running.scope).lock]) as string
  t.notOk(JSON.stringify(running).includes(lockValue.split(' ')[0]), 'the owner token of the lock stays out')
  t.same(withoutCountdowns(await scriptInspect(redis, 'k-running')), withoutCountdowns(running), 'the script says the same')

  creating.release()
  const created = await pending
  t.equal(created.statusCode, 201)
  t.equal(created.json().receipt, `rcpt_${running.execution.executionId as string}`)
  t.equal((await inspect(app, 'k-running')).json().state, 'completed')

  // What a process killed after its checkpoint leaves: no record, no lock, the key bound with razorpay_order_id.
  const keys = idempotencyKeys(scopeHash('shop', 'POST', route, 'k-running'))
  await app.store.command('del', [keys.record])
  await app.store.command('hset', [keys.checkpoints, '_fingerprint', running.lock.fingerprint,
    '_execution', running.execution.executionId, '_attempts', '1', 'razorpay_order_id', created.json().orderId])
  await app.store.command('expire', [keys.checkpoints, '86400'])
  const interrupted = (await inspect(app, 'k-running')).json()
  t.match(interrupted, { state: 'interrupted', execution: { attempt: 1, checkpoints: { razorpay_order_id: created.json().orderId } } })
  t.equal(interrupted.lock, undefined)

  // The retry fetches that order from Razorpay; its answer is held, so the retry is in flight with the checkpoint.
  const fetching = await answerGate(t, rzp.url, `GET /v1/orders/${created.json().orderId as string}`)
  const survivor = await build(t, { ...emulatorEnv(rzp), RAZORPAY_API_URL: fetching.url, REDIS_URL: redis.url, API_KEYS: 'shop:shop-token', ADMIN_TOKEN: 'admin-token-for-tests' })
  const retry = survivor.inject(createOrderRequest('k-running'))
  await fetching.whenHeld(1)
  const recovering = (await inspect(survivor, 'k-running')).json()
  t.match(recovering, {
    state: 'in_progress',
    execution: { attempt: 2, executionId: running.execution.executionId, checkpoints: { razorpay_order_id: created.json().orderId } }
  })
  t.ok(recovering.lock.ttlMs > 0)
  t.same(withoutCountdowns(await scriptInspect(redis, 'k-running')), withoutCountdowns(recovering), 'the script says the same')
  fetching.release()
  t.equal((await retry).json().orderId, created.json().orderId, 'the retry finished the same order')
})

t.test('an unknown key shows unknown, from the route and the script', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const app = await service(t, redis, rzp.url, emulatorEnv(rzp))
  const answer = (await inspect(app, 'k-never-used')).json()
  t.match(answer, { state: 'unknown', key: 'k-never-used' })
  t.same(Object.keys(answer).filter(name => ['record', 'lock', 'execution'].includes(name)), [])
  t.same(await scriptInspect(redis, 'k-never-used'), answer)
  // Another client's key of the same name is another key.
  await app.inject(createOrderRequest('k-shared'))
  t.equal((await app.inject({ method: 'GET', url: `/api/admin/idempotency?clientId=other&route=${route}&key=k-shared`, headers: admin })).json().state, 'unknown')
})

t.test('the route wants the admin token and an idempotent route; the script refuses a wrong route', async t => {
  const redis = await redisServer(t)
  const rzp = await emulator(t)
  const app = await service(t, redis, rzp.url, emulatorEnv(rzp))
  const asClient = await inspect(app, 'k', {}, shop)
  t.equal(asClient.statusCode, 401)
  t.equal(asClient.json().code, 'UNAUTHORIZED')
  t.equal((await inspect(app, 'k', {}, {} as typeof admin)).statusCode, 401)
  for (const query of ['clientId=shop&route=/api/orders/:orderId&key=k', `clientId=shop&method=GET&route=${route}&key=k`,
    'clientId=shop&route=/api/nope&key=k', `clientId=shop&route=${route}`, `clientId=shop&route=${route}&key=k&extra=1`]) {
    const answer = await app.inject({ method: 'GET', url: `/api/admin/idempotency?${query}`, headers: admin })
    t.equal(answer.statusCode, 400, query)
    t.equal(answer.json().code, 'FST_ERR_VALIDATION', query)
  }
  const wrong = await script(redis, ['--client', 'shop', '--route', '/api/nope', '--key', 'k'])
  t.equal(wrong.code, 1)
  t.match(wrong.stderr, 'is not an idempotent route')
  t.equal(wrong.stdout, '')
  const missing = await script(redis, ['--client', 'shop', '--route', route])
  t.equal(missing.code, 1)
  t.match(missing.stderr, 'usage:')
})

t.test('the list of idempotent routes is the routes that opt into idempotency', async t => {
  const routes: RouteOptions[] = []
  const app = await buildApp({ config: loadConfig({ ...testEnv, ADMIN_TOKEN: 'admin-token-for-tests' }), logger: false, onRoute: r => { routes.push(r) } })
  t.teardown(async () => await app.close())
  await app.ready()
  const optedIn = routes.filter(r => r.config?.idempotency !== undefined && r.config.idempotency !== false)
    .flatMap(r => (Array.isArray(r.method) ? r.method : [r.method]).map(method => `${method} ${r.url}`))
  t.same(optedIn.sort(), idempotentRoutes.map(known => `${known.method} ${known.route}`).sort())
})
