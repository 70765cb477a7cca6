// The peers: what a team would otherwise pick instead of this service's idempotency layer, run as its own process like
// the baselines (`PEER=replay|first-request`). The same bare Fastify route and logging as the baselines (bare-app.ts),
// wrapped in @node-idempotency/core with its Redis storage adapter (@node-idempotency/storage-adapter-redis, on the
// `redis` v4 client) against the bench's own redis-server.
//
// The library is framework-agnostic: `Idempotency.onRequest` before the handler (SET NX of an in-progress marker
// with the body's fingerprint; when the key exists, a GET of the stored record, whose answer is the replay) and
// `Idempotency.onResponse` after it (SET of the completed record). Its own Fastify wrapper (@node-idempotency/fastify,
// not a dependency here) calls them from a `preHandler` hook (the body is parsed by then: the fingerprint needs it)
// and an `onSend` hook (the serialized answer, its status and Content-Type are stored); this file does the same,
// except that it does not store an answer again when that answer is itself a replay or an idempotency error, so the
// peer is the library at its best: a replay costs two Redis round trips (SET NX, GET), a first request two (SET NX,
// SET) around the handler.
import {
  Idempotency, IdempotencyError, IdempotencyErrorCodes, type IdempotencyParams, type IdempotencyResponse
} from '@node-idempotency/core'
import { RedisStorageAdapter } from '@node-idempotency/storage-adapter-redis'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createClient } from 'redis'
import { bareApp, benchGateway, benchRoutePath, createOrderAt, required, serve, type OrderBody } from './bare-app.js'

/** The status codes the library's own framework wrappers give its errors. */
const errorStatus: Record<IdempotencyErrorCodes, number> = {
  [IdempotencyErrorCodes.IDEMPOTENCY_FINGERPRINT_MISSMATCH]: 422,
  [IdempotencyErrorCodes.IDEMPOTENCY_KEY_LEN_EXEEDED]: 400,
  [IdempotencyErrorCodes.IDEMPOTENCY_KEY_MISSING]: 400,
  [IdempotencyErrorCodes.REQUEST_IN_PROGRESS]: 409
}

function paramsOf (request: FastifyRequest): IdempotencyParams {
  return {
    headers: request.headers,
    body: request.body as Record<string, unknown> | undefined,
    path: request.url,
    method: request.method
  }
}

/**
 * Registers the library around the routes `routes` adds, in their own encapsulated scope (the health route stays
 * outside). Returns the close function of the storage.
 */
async function withIdempotency (app: FastifyInstance, redisUrl: string, routes: (scope: FastifyInstance) => void): Promise<() => Promise<void>> {
  const storage = new RedisStorageAdapter({ url: redisUrl })
  await storage.connect()
  // Defaults: key header Idempotency-Key, records kept 24 h, a concurrent duplicate answered 409 at once.
  const idempotency = new Idempotency(storage)
  /** Answers that must not be stored: replays and the library's own refusals. */
  const notToStore = new WeakSet<FastifyRequest>()

  await app.register(async scope => {
    scope.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      let cached: IdempotencyResponse<unknown, unknown> | undefined
      try {
        cached = await idempotency.onRequest<unknown, unknown>(paramsOf(request))
      } catch (err) {
        if (!(err instanceof IdempotencyError)) throw err
        notToStore.add(request)
        if (err.code === IdempotencyErrorCodes.REQUEST_IN_PROGRESS) reply.header('retry-after', '1')
        return await reply.code(errorStatus[err.code] ?? 500).send({ error: err.code, message: err.message })
      }
      if (cached === undefined) return // a first request: the handler runs
      notToStore.add(request)
      const contentType = cached.additional?.['Content-Type']
      if (typeof contentType === 'string') reply.header('content-type', contentType)
      reply.header('idempotent-replayed', 'true')
      return await reply.code(Number(cached.additional?.statusCode ?? 200)).send(cached.body ?? cached.error)
    })
    scope.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (notToStore.has(request)) return payload
      const { statusCode } = reply
      const additional: Record<string, unknown> = { statusCode }
      const contentType = reply.getHeader('content-type')
      if (contentType !== undefined) additional['Content-Type'] = contentType
      await idempotency.onResponse(paramsOf(request), statusCode < 400 ? { additional, body: payload } : { additional, error: payload })
      return payload
    })
    routes(scope)
  })
  return async () => { await storage.disconnect() }
}

/**
 * Replay: every request of a run carries a key the bench completed before the run (fixture.ts seedPeer), so every
 * one is a replay; the handler ran once, answering the stored body the baseline reads (the service's answer).
 */
async function replayPeer (app: FastifyInstance, env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  const redisUrl = required(env, 'REDIS_URL')
  const bodyKey = required(env, 'BASELINE_BODY_KEY')
  const handlerRedis = createClient({ url: redisUrl })
  handlerRedis.on('error', (err: unknown) => { app.log.error({ err }, 'handler redis client') })
  await handlerRedis.connect()
  const closeStorage = await withIdempotency(app, redisUrl, scope => {
    scope.post(benchRoutePath, async (_request, reply) => {
      const body = await handlerRedis.get(bodyKey)
      return await reply.code(201).type('application/json; charset=utf-8').send(body)
    })
  })
  return async () => {
    await closeStorage()
    await handlerRedis.quit()
  }
}

/** First request: a fresh key each time, so the handler (the baseline's SDK create-order) runs every time. */
async function firstRequestPeer (app: FastifyInstance, env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  const gateway = benchGateway(env)
  return await withIdempotency(app, required(env, 'REDIS_URL'), scope => {
    scope.post<{ Body: OrderBody }>(benchRoutePath, async (request, reply) => {
      const order = await createOrderAt(gateway, String(request.headers['idempotency-key']), request.body)
      return await reply.code(201).send(order)
    })
  })
}

async function main (env: NodeJS.ProcessEnv): Promise<void> {
  const app = bareApp(env)
  const kind = env.PEER
  const close = kind === 'replay'
    ? await replayPeer(app, env)
    : kind === 'first-request' ? await firstRequestPeer(app, env) : undefined
  if (close === undefined) throw new Error(`PEER must be replay or first-request, got ${String(kind)}`)
  app.addHook('onClose', close)
  await serve(app, env)
}

await main(process.env)
