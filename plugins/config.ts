// Decorates `fastify.config` with the configuration checked at start (src/config.ts).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../schemas/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

async function configPlugin (fastify: FastifyInstance, options: { config: Config }): Promise<void> {
  fastify.decorate('config', options.config)
}

export default fp(configPlugin, { name: 'config' })
