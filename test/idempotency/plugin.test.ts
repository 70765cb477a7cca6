// The idempotency plugin on routes of its own: which headers are replayed, what is refused at registration,
// what happens when the store fails after the handler ran, and the record size bound.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Readable } from 'node:stream'
import configPlugin from '../../plugins/config.js'
import errorHandlerPlugin from '../../plugins/error-handler.js'
import idempotencyPlugin from '../../plugins/idempotency.js'
import metricsPlugin from '../../plugins/metrics.js'
import storePlugin from '../../plugins/redis.js'
import { loadConfig } from '../../src/config.js'
import { redisServer, testEnv, type TestContext } from '../helper.js'

const response = { 200: { type: 'object', additionalProperties: true } }

async function appWith (t: TestContext, env: Record<string, string>, routes: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(configPlugin, { config: loadConfig({ ...testEnv, ...env }) })
  await app.register(errorHandlerPlugin)
  await app.register(metricsPlugin)
  await app.register(storePlugin)
  await app.register(fp(async (instance) => {
    instance.decorateRequest('clientId', 'anonymous')
  }, { name: 'auth' }))
  await app.register(idempotencyPlugin)
  routes(app)
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

t.test('replays content-type, location and declared headers; never cookies, dates, rate-limit or tracing headers', async t => {
  let runs = 0
  const app = await appWith(t, {}, app => {
    app.post('/things', { config: { idempotency: { replayHeaders: ['x-thing-version'] } }, schema: { response } }, async (_request, reply) => {
      runs++
      reply.code(200).header('location', '/things/1').header('x-thing-version', '7').header('set-cookie', 'session=abc')
        .header('x-trace-id', `trace-${runs}`).header('x-ratelimit-remaining', '9')
      return { id: 1, runs }
    })
  })
  const first = await app.inject({ method: 'POST', url: '/things', payload: {}, headers: { 'idempotency-key': 'h-1' } })
  const replay = await app.inject({ method: 'POST', url: '/things', payload: {}, headers: { 'idempotency-key': 'h-1' } })
  t.equal(runs, 1)
  t.equal(replay.body, first.body)
  t.equal(replay.headers.location, '/things/1')
  t.equal(replay.headers['x-thing-version'], '7')
  t.equal(replay.headers['content-type'], first.headers['content-type'])
  t.equal(replay.headers['set-cookie'], undefined)
  t.equal(replay.headers['x-trace-id'], undefined)
  t.equal(replay.headers['x-ratelimit-remaining'], undefined)
})

t.test('stores 4xx answers and replays them; does not store 5xx', async t => {
  let runs = 0
  const app = await appWith(t, {}, app => {
    app.post('/fails', { config: { idempotency: true }, schema: { response: { default: response[200] } } }, async (request, reply) => {
      runs++
      return await reply.code((request.body as { status: number }).status).send({ runs })
    })
  })
  for (const key of ['c-1', 'c-1']) await app.inject({ method: 'POST', url: '/fails', payload: { status: 409 }, headers: { 'idempotency-key': key } })
  t.equal(runs, 1, 'a 4xx is stored')
  for (const key of ['c-2', 'c-2']) await app.inject({ method: 'POST', url: '/fails', payload: { status: 503 }, headers: { 'idempotency-key': key } })
  t.equal(runs, 3, 'a 5xx is not')
})

t.test('a route without a response schema cannot opt in (streams could not be replayed)', async t => {
  const app = Fastify()
  await app.register(configPlugin, { config: loadConfig(testEnv) })
  await app.register(metricsPlugin)
  await app.register(storePlugin)
  await app.register(idempotencyPlugin)
  t.teardown(async () => await app.close())
  t.throws(() => app.post('/stream', { config: { idempotency: true } }, async () => Readable.from(['x'])),
    /opts into idempotency but declares no response schema/)
})

t.test('a stream answer that slips through is not stored and the lock is released', async t => {
  let runs = 0
  const app = await appWith(t, {}, app => {
    app.post('/stream', { config: { idempotency: true }, schema: { response } }, async (_request, reply) => {
      runs++
      return await reply.type('text/plain').send(Readable.from(['chunk']))
    })
  })
  await app.inject({ method: 'POST', url: '/stream', payload: {}, headers: { 'idempotency-key': 's-1' } })
  const again = await app.inject({ method: 'POST', url: '/stream', payload: {}, headers: { 'idempotency-key': 's-1' } })
  t.equal(again.statusCode, 200)
  t.equal(runs, 2, 'nothing was stored, and no lock left behind')
})

t.test('a response over IDEMPOTENCY_MAX_RECORD_BYTES is not stored and is counted', async t => {
  let runs = 0
  const app = await appWith(t, { IDEMPOTENCY_MAX_RECORD_BYTES: '2048' }, app => {
    app.post('/big', { config: { idempotency: true }, schema: { response } }, async () => {
      runs++
      return { blob: 'x'.repeat(4096) }
    })
  })
  for (let i = 0; i < 2; i++) await app.inject({ method: 'POST', url: '/big', payload: {}, headers: { 'idempotency-key': 'big-1' } })
  t.equal(runs, 2)
  t.match(await app.metricsRegistry.metrics(), /idempotency_store_failures_total\{route="\/big",reason="not_cacheable"\} 2/)
})

t.test('the store failing after the handler ran: the answer still goes out, the failure is counted', async t => {
  const redis = await redisServer(t)
  let runs = 0
  const app = await appWith(t, { REDIS_URL: redis.url }, app => {
    app.post('/then-redis-dies', { config: { idempotency: true }, schema: { response } }, async () => {
      runs++
      await redis.stop()
      return { done: true }
    })
  })
  const answer = await app.inject({ method: 'POST', url: '/then-redis-dies', payload: {}, headers: { 'idempotency-key': 'late-store' } })
  t.equal(answer.statusCode, 200)
  t.same(answer.json(), { done: true })
  t.match(await app.metricsRegistry.metrics(), /idempotency_store_failures_total\{route="\/then-redis-dies",reason="store_failed"\} 1/)
  const next = await app.inject({ method: 'POST', url: '/then-redis-dies', payload: {}, headers: { 'idempotency-key': 'late-store-2' } })
  t.equal(next.statusCode, 503, 'with the store down, nothing runs')
  t.equal(runs, 1)
})

t.test('a repeat with the bytes of a verified body replays before validation; other bytes take the full path', async t => {
  let runs = 0
  const validated: string[] = []
  const app = await appWith(t, {}, app => {
    app.post('/early', {
      config: { idempotency: true },
      // Counts the requests that reach validation: a repeat answered early never does.
      preValidation: [(request, _reply, done) => { validated.push(request.rawJsonBody ?? ''); done() }],
      schema: { response, body: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a'] } }
    }, async () => ({ runs: ++runs }))
  })
  const send = async (payload: string) => await app.inject({
    method: 'POST', url: '/early', payload, headers: { 'idempotency-key': 'early-1', 'content-type': 'application/json' }
  })
  const first = await send('{"a":1,"b":2}')
  t.equal(first.statusCode, 200)
  t.same(validated, ['{"a":1,"b":2}'])

  const sameBytes = await send('{"a":1,"b":2}')
  t.equal(sameBytes.body, first.body)
  t.equal(sameBytes.headers['idempotent-replayed'], 'true')
  t.same(validated, ['{"a":1,"b":2}'], 'the same bytes replay before validation')

  const reordered = await send('{"b":2,"a":1}')
  t.equal(reordered.body, first.body, 'other bytes of the same body still replay')
  t.equal(validated.length, 2, 'through validation and the canonical fingerprint')
  await send('{"b":2,"a":1}')
  t.equal(validated.length, 2, 'and once verified, those bytes replay early too')

  const other = await send('{"a":1,"b":3}')
  t.equal(other.statusCode, 422, 'another body under the key is refused')
  t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED')
  t.equal(runs, 1)
})
