// Liveness (the process answers) and readiness (the store answers) for orchestrators.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  store: Type.Optional(Type.String())
})

const readinessTimeoutMs = 1000

export default async function healthRoutes (fastify: FastifyInstance): Promise<void> {
  // Public: orchestrators probe without a token.
  fastify.get('/health/live', {
    config: { auth: 'public' },
    schema: { tags: ['health'], response: { 200: HealthSchema } }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/health/ready', {
    config: { auth: 'public' },
    schema: { tags: ['health'], response: { 200: HealthSchema, 503: HealthSchema } }
  }, async (request, reply) => {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        fastify.store.ping(),
        new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('ping timed out')), readinessTimeoutMs) })
      ])
      return { status: 'ok' as const, store: fastify.store.kind }
    } catch (err) {
      request.log.warn({ err }, 'readiness check: store unreachable')
      return await reply.code(503).send({ status: 'unavailable' as const, store: 'unreachable' })
    } finally {
      clearTimeout(timer)
    }
  })
}
