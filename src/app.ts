// The application as a Fastify plugin: infrastructure plugins first, then the routes. It never listens.
import type { FastifyInstance } from 'fastify'
import auditPlugin from '../plugins/audit.js'
import authPlugin from '../plugins/auth.js'
import catalogPlugin, { type CatalogPluginOptions } from '../plugins/catalog.js'
import configPlugin from '../plugins/config.js'
import demoPlugin from '../plugins/demo.js'
import errorHandlerPlugin from '../plugins/error-handler.js'
import idempotencyPlugin from '../plugins/idempotency.js'
import loadSheddingPlugin from '../plugins/load-shedding.js'
import metricsPlugin from '../plugins/metrics.js'
import openApiPlugin from '../plugins/openapi.js'
import operationsListenerPlugin from '../plugins/operations-listener.js'
import paymentsPlugin, { type PaymentsPluginOptions } from '../plugins/payments.js'
import razorpayPlugin from '../plugins/razorpay.js'
import redisChecksPlugin from '../plugins/redis-checks.js'
import riskPlugin from '../plugins/risk.js'
import rateLimitPlugin from '../plugins/rate-limit.js'
import storePlugin from '../plugins/redis.js'
import securityHeadersPlugin from '../plugins/security-headers.js'
import type { Config } from '../schemas/config.js'
import adminRoutes from './routes/admin.js'
import checkoutRoutes from './routes/checkout.js'
import healthRoutes from './routes/health.js'
import orderRoutes from './routes/orders.js'
import variantRoutes from './routes/variants.js'
import webhookRoutes from './routes/webhooks.js'

export interface AppOptions {
  config: Config
  catalog?: CatalogPluginOptions
  payments?: PaymentsPluginOptions
}

export default async function app (fastify: FastifyInstance, options: AppOptions): Promise<void> {
  await fastify.register(configPlugin, { config: options.config })
  await fastify.register(errorHandlerPlugin)
  await fastify.register(metricsPlugin)
  // Hooks every route must get (headers, limits, authentication) come before any route, the docs' included.
  await fastify.register(securityHeadersPlugin)
  // Before authentication and the rate limit: a shed request costs no Redis round trip.
  await fastify.register(loadSheddingPlugin)
  await fastify.register(storePlugin)
  await fastify.register(redisChecksPlugin)
  await fastify.register(razorpayPlugin)
  await fastify.register(rateLimitPlugin)
  await fastify.register(authPlugin)
  await fastify.register(openApiPlugin)
  await fastify.register(operationsListenerPlugin)
  await fastify.register(idempotencyPlugin)
  await fastify.register(auditPlugin)
  await fastify.register(catalogPlugin, options.catalog ?? {})
  await fastify.register(riskPlugin)
  await fastify.register(paymentsPlugin, options.payments ?? {})

  await fastify.register(healthRoutes)
  await fastify.register(checkoutRoutes)
  await fastify.register(orderRoutes)
  await fastify.register(variantRoutes)
  await fastify.register(webhookRoutes)
  if (options.config.ADMIN_TOKEN !== undefined) await fastify.register(adminRoutes)
  await fastify.register(demoPlugin)
}
