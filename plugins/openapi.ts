// The OpenAPI document, generated from the routes' TypeBox schemas: GET /openapi.json and a UI at /docs.
// openapi.yaml at the repository root is the same document (scripts/write-openapi.ts; a test keeps them equal).
// The private listener always serves them (plugins/operations-listener.ts); the main port outside production, or
// with DOCS_PUBLIC=true, and then as public routes.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../schemas/config.js'
import { docsHeaders } from './security-headers.js'

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
      if (config?.auth !== 'public') transformed.security = [{ bearer: [] }]
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
  if (!docsOnMainPort(fastify.config)) return
  // @fastify/swagger stays at the root, where it sees every route; the UI's routes cannot take a config of their own,
  // so they live in a scope whose onRoute hook marks each of them public (and gives it the UI's security headers).
  await fastify.register(async (docs) => {
    docs.addHook('onRoute', (route: RouteOptions) => {
      route.config = { ...route.config, auth: 'public', helmet: docsHeaders }
    })
    await serveDocs(docs, () => fastify.swagger())
  })
}

/** Docs on the main port: always outside production; in production only with DOCS_PUBLIC=true. */
export function docsOnMainPort (config: Config): boolean {
  return config.NODE_ENV !== 'production' || config.DOCS_PUBLIC
}

/** The UI at /docs and the document at /openapi.json on `instance`, which has @fastify/swagger registered. */
export async function serveDocs (instance: FastifyInstance, document: () => unknown): Promise<void> {
  // validatorUrl null: the UI would otherwise send the document's URL to validator.swagger.io.
  await instance.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } })
  instance.get('/openapi.json', { schema: { hide: true } as object }, async () => document())
}

export default fp(openApiPlugin, { name: 'openapi', dependencies: ['config', 'security-headers'] })
