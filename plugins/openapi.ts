// The OpenAPI document, generated from the routes' TypeBox schemas: GET /openapi.json and a UI at /docs.
// openapi.yaml at the repository root is the same document (scripts/write-openapi.ts; a test keeps them equal).
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export const openApiInfo = {
  title: 'Payment service',
  version: '1.0.0',
  description: 'Creates Razorpay orders and completes payments exactly once. Every request that creates or changes ' +
    'money carries an Idempotency-Key; repeats get the first answer back byte for byte with Idempotent-Replayed: true.'
}

async function openApiPlugin (fastify: FastifyInstance): Promise<void> {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: openApiInfo,
      servers: [{ url: 'http://localhost:4000', description: 'local development' }],
      tags: [
        { name: 'checkout', description: 'Order creation and payment (idempotent)' },
        { name: 'orders', description: 'Order state' },
        { name: 'webhooks', description: 'Signed Razorpay events' },
        { name: 'admin', description: 'Catalog administration (ADMIN_TOKEN)' },
        { name: 'health', description: 'Liveness and readiness' }
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A token of API_KEYS (clients) or ADMIN_TOKEN (admin routes)' }
        }
      }
    },
    // Adds the headers and security every idempotent or authenticated route shares, from the route's own config.
    transform: ({ schema, url, route }) => {
      const config = route.config as { auth?: string, idempotency?: unknown } | undefined
      const transformed: Record<string, unknown> = { ...schema }
      if (config?.auth === 'client' || config?.auth === 'admin') transformed.security = [{ bearer: [] }]
      if (config?.idempotency !== undefined && config.idempotency !== false) {
        transformed.headers = {
          type: 'object',
          properties: {
            'idempotency-key': { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description: 'Unique per operation; repeats replay the first answer' },
            prefer: { type: 'string', description: 'RFC 7240 `wait=N`: wait up to N seconds for a running duplicate instead of 409' }
          }
        }
      }
      return { schema: transformed, url }
    }
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs' })
  fastify.get('/openapi.json', { schema: { hide: true } as object }, async () => fastify.swagger())
}

export default fp(openApiPlugin, { name: 'openapi' })
