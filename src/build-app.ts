// Builds a configured Fastify instance of the service; server.ts listens on it, tests inject into it.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import fp from 'fastify-plugin'
import type { Config } from '../schemas/config.js'
import app from './app.js'
import { loggerOptions } from './logger.js'
import { RequestLogController } from './request-log.js'

export interface BuildAppOptions {
  config: Config
  /** Overrides the logger built from LOG_LEVEL (tests pass `false` or a stream). */
  logger?: FastifyServerOptions['logger']
}

export async function buildApp (options: BuildAppOptions): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: options.logger ?? loggerOptions(options.config),
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && /^[\x21-\x7e]{1,128}$/.test(given) ? given : randomUUID()
    },
    requestIdHeader: false,
    logController: new RequestLogController(),
    bodyLimit: 64 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 60_000,
    keepAliveTimeout: 72_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false } }
  })
  fastify.setValidatorCompiler(TypeBoxValidatorCompiler)
  // Keep-alive connections become idle only when their in-flight request ends; 'idle' closes only those idle when
  // closing starts, so each of the others is closed as soon as its request ends instead of at its keep-alive timeout.
  let idleCloser: NodeJS.Timeout | undefined
  fastify.addHook('preClose', async () => {
    idleCloser = setInterval(() => fastify.server.closeIdleConnections(), 100)
    idleCloser.unref()
  })
  fastify.addHook('onClose', async () => clearInterval(idleCloser))
  try {
    // Unwrapped so that tests and server.ts see the decorators (store, catalog, …) on the instance they hold.
    await fastify.register(fp(app), { config: options.config })
  } catch (err) {
    // A plugin failed to start: close what the others opened (the store, an in-process emulator) before failing.
    await fastify.close().catch(() => {})
    throw err
  }
  return fastify
}
