// The two baselines the service is measured against, each a bare Fastify route run as its own process
// (`BASELINE=replay|first-request`): the physical limit of the design, with the service's logging and nothing else.
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { redactedPaths } from '../../src/logger.js'
import { RequestLogController } from '../../src/request-log.js'
import { RazorpayGateway } from '../../src/razorpay/gateway.js'

/** The service's route, so that the load generator sends byte-identical requests to both. */
const baselinePath = '/api/checkout/create-order'

interface OrderBody { variantId: string, quantity: number, amount: number }

function logger (level: string): object {
  return { level, redact: { paths: redactedPaths, censor: '[redacted]' } }
}

/** Replay's limit: one Redis GET of a stored body the size of the service's answer, sent back as it is. */
function replayBaseline (app: FastifyInstance, env: NodeJS.ProcessEnv): () => Promise<void> {
  // The service's connection settings (plugins/redis.ts), so both pay the same client costs.
  const redis = new Redis(required(env, 'REDIS_URL'), {
    enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 5000, enableAutoPipelining: true
  })
  const key = required(env, 'BASELINE_BODY_KEY')
  app.post(baselinePath, async (_request, reply) => {
    const body = await redis.get(key)
    return await reply.code(201).type('application/json; charset=utf-8').send(body)
  })
  return async () => { await redis.quit() }
}

/** First request's limit: the emulator's create-order through the same SDK and gateway, its answer sent back. */
function firstRequestBaseline (app: FastifyInstance, env: NodeJS.ProcessEnv): () => Promise<void> {
  const gateway = new RazorpayGateway({
    keyId: required(env, 'RAZORPAY_KEY_ID'),
    keySecret: required(env, 'RAZORPAY_KEY_SECRET'),
    webhookSecret: required(env, 'RAZORPAY_WEBHOOK_SECRET'),
    apiUrl: required(env, 'RAZORPAY_API_URL'),
    timeoutMs: 10_000
  })
  app.post<{ Body: OrderBody }>(baselinePath, async (request, reply) => {
    const key = String(request.headers['idempotency-key'])
    const { variantId, quantity, amount } = request.body
    const order = await gateway.createOrder({
      amount,
      currency: 'INR',
      receipt: `rcpt_${key}`,
      notes: { idempotency_key: key, client_id: 'bench', variant_id: variantId, quantity: String(quantity), reservation_id: `res_${key}` }
    })
    return await reply.code(201).send(order)
  })
  return async () => {}
}

function required (env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]
  if (value === undefined || value === '') throw new Error(`${name} is required`)
  return value
}

async function main (env: NodeJS.ProcessEnv): Promise<void> {
  // The same logging as the service (level, redaction, one line per request), so the ratio isolates the rest.
  const app = Fastify({ logger: logger(env.LOG_LEVEL ?? 'info'), logController: new RequestLogController(), forceCloseConnections: 'idle' })
  app.get('/health', async () => ({ ok: true }))
  const kind = env.BASELINE
  const close = kind === 'replay'
    ? replayBaseline(app, env)
    : kind === 'first-request' ? firstRequestBaseline(app, env) : undefined
  if (close === undefined) throw new Error(`BASELINE must be replay or first-request, got ${String(kind)}`)
  app.addHook('onClose', close)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
  }
  await app.listen({ host: '127.0.0.1', port: Number(required(env, 'PORT')) })
}

await main(process.env)
