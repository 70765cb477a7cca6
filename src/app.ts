// The application as a Fastify plugin: infrastructure plugins first, then the routes. It never listens.
import type { FastifyInstance } from 'fastify'
import configPlugin from '../plugins/config.js'
import errorHandlerPlugin from '../plugins/error-handler.js'
import razorpayPlugin from '../plugins/razorpay.js'
import storePlugin from '../plugins/redis.js'
import type { Config } from '../schemas/config.js'
import healthRoutes from './routes/health.js'

export interface AppOptions {
  config: Config
}

export default async function app (fastify: FastifyInstance, options: AppOptions): Promise<void> {
  await fastify.register(configPlugin, { config: options.config })
  await fastify.register(errorHandlerPlugin)
  await fastify.register(storePlugin)
  await fastify.register(razorpayPlugin)

  await fastify.register(healthRoutes)
}
