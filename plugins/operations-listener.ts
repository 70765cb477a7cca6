// The private listener: a small Fastify instance of its own (METRICS_PORT on METRICS_HOST, loopback by default) that
// serves /metrics and the API documentation, so that the main port never exposes them to callers. It is decorated
// as `fastify.operations`: src/server.ts makes it listen, tests inject into it, and it closes with the app.
import swagger from '@fastify/swagger'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { errorBody } from './error-handler.js'
import { serveDocs } from './openapi.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The private listener: ready with the app; listening once src/server.ts calls `operations.listen()` after `ready()`. */
    operations: FastifyInstance
  }
}

async function operationsListenerPlugin (fastify: FastifyInstance): Promise<void> {
  const operations = Fastify({
    loggerInstance: fastify.log.child({ listener: 'operations' }),
    // A scrape every few seconds is not worth a log line each.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true
  })
  const registry = fastify.metricsRegistry
  operations.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType)
    return await registry.metrics()
  })
  operations.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`))
  })
  fastify.decorate('operations', operations)

  // The main app's document is complete only once all its routes are registered: the docs are added then.
  fastify.addHook('onReady', async () => {
    await operations.register(swagger, { mode: 'static', specification: { document: fastify.swagger() as never } })
    await serveDocs(operations, () => operations.swagger())
    await operations.ready()
  })
  fastify.addHook('onClose', async () => await operations.close())
}

export default fp(operationsListenerPlugin, { name: 'operations-listener', dependencies: ['metrics', 'openapi'] })
