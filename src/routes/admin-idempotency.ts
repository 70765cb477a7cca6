// GET /api/admin/idempotency: what is stored under one caller's Idempotency-Key (the admin side of
// `npm run inspect-key`; both call src/idempotency/inspect.ts). Registered with the admin API.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import createError from '@fastify/error'
import { ErrorResponses } from '../../schemas/common.js'
import { idempotentRoutes, InspectKeyQuerySchema, KeyInspectionSchema } from '../../schemas/idempotency-inspection.js'
import { inspectIdempotencyKey, isIdempotentRoute } from '../idempotency/inspect.js'

const NotIdempotentRouteError = createError('FST_ERR_VALIDATION', 'querystring/route: %s %s is not an idempotent route (%s)', 400)

export default async function adminIdempotencyRoutes (app: FastifyInstance): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxTypeProvider>()

  fastify.get('/api/admin/idempotency', {
    config: { auth: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'inspectIdempotencyKey',
      summary: "Inspect a caller's Idempotency-Key: completed, in progress, interrupted or unknown",
      description: 'Keys are stored scoped to client, method and route, and hashed, so they cannot be found by hand. ' +
        'This reads them (never changing anything) and says what a repeat of the request would get. The stored body ' +
        'is left out unless `body=true`. The same as `npm run inspect-key -- --client … --route … --key …`.',
      querystring: InspectKeyQuerySchema,
      response: { 200: KeyInspectionSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const { clientId, method = 'POST', route, key, body } = request.query
    if (!isIdempotentRoute(method, route)) {
      throw new NotIdempotentRouteError(method, route, idempotentRoutes.map(known => `${known.method} ${known.route}`).join(', '))
    }
    request.log.info({ clientId, method, route, body: body === true }, 'idempotency key inspected')
    return await inspectIdempotencyKey(fastify.store, { clientId, method, route, key }, {
      includeBody: body === true,
      localCacheEntries: fastify.config.IDEMPOTENCY_LOCAL_CACHE_ENTRIES
    })
  })
}
