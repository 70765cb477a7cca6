// The OpenAPI document, generated from the routes' TypeBox schemas: GET /openapi.json and a UI at /docs.
// openapi.yaml at the repository root is the same document (scripts/write-openapi.ts; a test keeps them equal).
// The private listener always serves them (plugins/operations-listener.ts); the main port outside production, or
// with DOCS_PUBLIC=true, and then as public routes.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../schemas/config.js'
import { documentRoute, finishDocument } from '../src/openapi/document.js'
import { docsHeaders } from './security-headers.js'

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The error codes this route answers besides those its kind brings (authentication, idempotency, validation,
     * the store): documented per status in the OpenAPI document (src/openapi/document.ts). Ignored by Fastify.
     */
    errorCodes?: readonly string[]
  }
}

export const openApiInfo = {
  title: 'Payment service',
  version: '1.0.0',
  description: 'Creates Razorpay orders and completes payments exactly once. Every request that creates or changes ' +
    'money carries an Idempotency-Key; repeats get the first answer back byte for byte with Idempotent-Replayed: true. ' +
    'Errors are `{ statusCode, code, error, message }`: the Error schema lists every code, and each operation the ' +
    'codes it can answer (also as `x-error-codes`).',
  // The package is private (package.json "private": true, no license): no rights are granted by this document.
  license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' }
}

async function openApiPlugin (fastify: FastifyInstance): Promise<void> {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: openApiInfo,
      // Relative: the document is served by the service it describes (locally http://localhost:4000).
      servers: [{ url: '/', description: 'The service that serves this document' }],
      security: [{ bearer: [] }],
      tags: [
        { name: 'checkout', description: 'Order creation and payment (idempotent)' },
        { name: 'orders', description: 'Order state and cancellation' },
        { name: 'catalog', description: 'Prices and availability of the variants callers sell' },
        { name: 'webhooks', description: 'Signed Razorpay events' },
        { name: 'admin', description: 'Catalog, risk lists and idempotency inspection (ADMIN_TOKEN)' },
        { name: 'health', description: 'Liveness and readiness' }
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A token of API_KEYS (client routes) or ADMIN_TOKEN (admin routes)'
          },
          razorpaySignature: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Razorpay-Signature',
            description: 'HMAC-SHA256 of the raw body with RAZORPAY_WEBHOOK_SECRET, as Razorpay sends it'
          }
        }
      }
    },
    transform: documentRoute,
    transformObject: finishDocument
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
