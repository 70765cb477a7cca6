// Builds the emulator as a Fastify instance (for inject()) or starts it listening on loopback.
import { STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import { isAuthorized } from './auth.js'
import { checkoutPageRoutes } from './checkout.js'
import type { ContextOptions, EmulatorContext } from './context.js'
import { controlRoutes } from './control.js'
import { RazorpayError, invalidKeyError, plainError } from './errors.js'
import { FaultInjector } from './faults.js'
import { EMULATOR_DEFAULTS, checkWebhookUrl, resolveOptions } from './options.js'
import type { EmulatorOptions, RunningEmulator } from './options.js'
import { orderRoutes } from './orders.js'
import { registerBodyParsers } from './parsers.js'
import { paymentRoutes } from './payments.js'
import { refundRoutes } from './refunds.js'
import { EmulatorStore } from './store.js'
import { WebhookDispatcher } from './webhooks.js'

const contexts = new WeakMap<FastifyInstance, EmulatorContext>()

function isApiPath (url: string): boolean {
  return url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?')
}

async function apiRoutes (app: FastifyInstance, opts: ContextOptions): Promise<void> {
  const { keyId, keySecret } = opts.ctx.options
  app.addHook('onRequest', async (request, reply) => {
    if (!isAuthorized(request.headers.authorization, keyId, keySecret)) {
      return reply.code(401).send(invalidKeyError().toJSON())
    }
  })
  // Only the context: passing `opts` on would also pass the /v1 prefix again.
  await app.register(orderRoutes, { ctx: opts.ctx })
  await app.register(paymentRoutes, { ctx: opts.ctx })
  await app.register(refundRoutes, { ctx: opts.ctx })
}

function handleError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof RazorpayError) {
    request.log.info({ description: error.body.description }, 'emulator answered a Razorpay error')
    return reply.code(error.statusCode).send(error.toJSON())
  }
  const statusCode = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
  if (statusCode >= 500) request.log.error({ err: error }, 'emulator failed')
  else request.log.warn({ err: error }, 'emulator rejected a request')
  if (isApiPath(request.url)) {
    const description = statusCode < 500 ? error.message : 'The server encountered an error. The incident has been reported to admins.'
    return reply.code(statusCode).send(plainError(statusCode, description).toJSON())
  }
  return reply.code(statusCode).send({
    statusCode,
    code: error.code ?? 'INTERNAL_ERROR',
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: statusCode < 500 ? error.message : 'internal emulator error'
  })
}

export function buildEmulator (options: EmulatorOptions = {}): FastifyInstance {
  const resolved = resolveOptions(options)
  const app = Fastify({
    logger: (options.logger ?? false) as FastifyServerOptions['logger'],
    // Reject unknown properties instead of stripping them, and take types as sent.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } }
  })
  const store = new EmulatorStore()
  const ctx: EmulatorContext = {
    options: resolved,
    store,
    faults: new FaultInjector(),
    webhooks: new WebhookDispatcher({
      secret: resolved.webhookSecret,
      url: resolved.webhookUrl,
      retryDelaysMs: resolved.webhookRetryDelaysMs,
      timeoutMs: resolved.webhookTimeoutMs,
      log: app.log,
      onDelivered: () => { store.stats.webhooksDelivered++ }
    }),
    routes: new Set()
  }
  contexts.set(app, ctx)
  registerBodyParsers(app)

  app.addHook('onRoute', (route) => {
    if (!isApiPath(route.url)) return
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') ctx.routes.add(`${method} ${route.url}`)
    }
  })
  // Root level, so it runs before auth: a fault stands for the network or a gateway in front of Razorpay.
  app.addHook('onRequest', async (request, reply) => {
    if (!isApiPath(request.url)) return
    store.stats.requests++
    return await ctx.faults.apply(request, reply)
  })
  app.addHook('preClose', async () => {
    ctx.faults.close()
    await ctx.webhooks.close()
  })
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(async (request, reply) => {
    if (isApiPath(request.url)) {
      return reply.code(400).send(plainError(400, 'The requested URL was not found on the server.').toJSON())
    }
    return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `no route ${request.method} ${request.url}` })
  })

  app.register(apiRoutes, { prefix: '/v1', ctx })
  app.register(controlRoutes, { prefix: '/_emulator', ctx })
  // Public like Razorpay's CDN: the script a merchant page loads and the dialog it frames.
  app.register(checkoutPageRoutes, { prefix: '/checkout', ctx })
  return app
}

function urlOf (address: AddressInfo): string {
  // A wildcard bind is reachable on loopback; a client cannot connect to 0.0.0.0 everywhere.
  if (address.address === '0.0.0.0') return `http://127.0.0.1:${address.port}`
  if (address.address === '::') return `http://[::1]:${address.port}`
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}

export async function startEmulator (options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const app = buildEmulator(options)
  const ctx = contexts.get(app) as EmulatorContext
  try {
    await app.listen({ host: options.host ?? EMULATOR_DEFAULTS.host, port: options.port ?? EMULATOR_DEFAULTS.port })
  } catch (err) {
    await app.close()
    throw err
  }
  return {
    url: urlOf(app.server.address() as AddressInfo),
    keyId: ctx.options.keyId,
    keySecret: ctx.options.keySecret,
    webhookSecret: ctx.options.webhookSecret,
    setWebhookUrl (url) {
      ctx.webhooks.url = checkWebhookUrl(url)
    },
    async close () {
      await app.close()
    }
  }
}
