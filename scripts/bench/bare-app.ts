// What the baselines and the peers share: a bare Fastify app with the service's logging (level, redaction, one line
// per request from src/request-log.ts), a health route, a clean stop on SIGTERM, and the create-order call through the
// service's own Razorpay gateway. Each baseline and peer runs as its own process.
import Fastify, { type FastifyInstance } from 'fastify'
import { redactedPaths } from '../../src/logger.js'
import { RazorpayGateway } from '../../src/razorpay/gateway.js'
import { RequestLogController } from '../../src/request-log.js'

/** The service's route, so that the load generator sends byte-identical requests to every target. */
export const benchRoutePath = '/api/checkout/create-order'

export interface OrderBody { variantId: string, quantity: number, amount: number }

export function required (env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]
  if (value === undefined || value === '') throw new Error(`${name} is required`)
  return value
}

/** The same logging as the service, so that a ratio to these isolates the rest. */
export function bareApp (env: NodeJS.ProcessEnv): FastifyInstance {
  const app = Fastify({
    logger: { level: env.LOG_LEVEL ?? 'info', redact: { paths: redactedPaths, censor: '[redacted]' } },
    logController: new RequestLogController(),
    forceCloseConnections: 'idle'
  })
  app.get('/health', async () => ({ ok: true }))
  return app
}

/** Listens on PORT on loopback; SIGINT/SIGTERM close the app (its onClose hooks) and exit. */
export async function serve (app: FastifyInstance, env: NodeJS.ProcessEnv): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
  }
  await app.listen({ host: '127.0.0.1', port: Number(required(env, 'PORT')) })
}

/** The gateway the service uses (src/razorpay/gateway.ts), pointed at the emulator; the peer uses it too. */
export function benchGateway (env: NodeJS.ProcessEnv): RazorpayGateway {
  return new RazorpayGateway({
    keyId: required(env, 'RAZORPAY_KEY_ID'),
    keySecret: required(env, 'RAZORPAY_KEY_SECRET'),
    webhookSecret: required(env, 'RAZORPAY_WEBHOOK_SECRET'),
    apiUrl: required(env, 'RAZORPAY_API_URL'),
    timeoutMs: 10_000
  })
}

/** The create-order call of the first-request baseline (and peer): the emulator's order for this key and body. */
export async function createOrderAt (gateway: RazorpayGateway, key: string, body: OrderBody): Promise<unknown> {
  const { variantId, quantity, amount } = body
  return await gateway.createOrder({
    amount,
    currency: 'INR',
    receipt: `rcpt_${key}`,
    notes: { idempotency_key: key, client_id: 'bench', variant_id: variantId, quantity: String(quantity), reservation_id: `res_${key}` }
  })
}
