// The two baselines the service is measured against, each a bare Fastify route run as its own process
// (`BASELINE=replay|first-request`): the physical limit of the design, with the service's logging and nothing else.
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { connectionOptions } from '../../plugins/redis.js'
import { bareApp, benchGateway, benchRoutePath, createOrderAt, required, serve, type OrderBody } from './bare-app.js'

/** Replay's limit: one Redis GET of a stored body the size of the service's answer, sent back as it is. */
function replayBaseline (app: FastifyInstance, env: NodeJS.ProcessEnv): () => Promise<void> {
  // The service's connection settings (plugins/redis.ts), so both pay the same client costs.
  const redis = new Redis(required(env, 'REDIS_URL'), connectionOptions)
  const key = required(env, 'BASELINE_BODY_KEY')
  app.post(benchRoutePath, async (_request, reply) => {
    const body = await redis.get(key)
    return await reply.code(201).type('application/json; charset=utf-8').send(body)
  })
  return async () => { await redis.quit() }
}

/** First request's limit: the emulator's create-order through the same SDK and gateway, its answer sent back. */
function firstRequestBaseline (app: FastifyInstance, env: NodeJS.ProcessEnv): () => Promise<void> {
  const gateway = benchGateway(env)
  app.post<{ Body: OrderBody }>(benchRoutePath, async (request, reply) => {
    const order = await createOrderAt(gateway, String(request.headers['idempotency-key']), request.body)
    return await reply.code(201).send(order)
  })
  return async () => {}
}

async function main (env: NodeJS.ProcessEnv): Promise<void> {
  const app = bareApp(env)
  const kind = env.BASELINE
  const close = kind === 'replay'
    ? replayBaseline(app, env)
    : kind === 'first-request' ? firstRequestBaseline(app, env) : undefined
  if (close === undefined) throw new Error(`BASELINE must be replay or first-request, got ${String(kind)}`)
  app.addHook('onClose', close)
  await serve(app, env)
}

await main(process.env)
