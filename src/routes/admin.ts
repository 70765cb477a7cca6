// Admin API for the catalog: set and read a variant's price and stock (each change audited). Registered only when
// ADMIN_TOKEN is set, with the risk lists' admin API.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import createError from '@fastify/error'
import { ErrorResponses } from '../../schemas/common.js'
import { PutVariantBodySchema, VariantParamsSchema, VariantSchema } from '../../schemas/variant.js'
import { VariantNotFoundError } from '../errors.js'
import adminIdempotencyRoutes from './admin-idempotency.js'
import adminRiskRoutes from './admin-risk.js'

const StockBelowCommittedError = createError('STOCK_BELOW_COMMITTED',
  'stock %s is below the %s units already reserved or sold', 422)

export default async function adminRoutes (app: FastifyInstance): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxTypeProvider>()
  await fastify.register(adminRiskRoutes)
  await fastify.register(adminIdempotencyRoutes)

  fastify.put('/api/admin/variants/:variantId', {
    config: { auth: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'putVariant',
      summary: "Set a variant's price, currency and total stock (available + reserved + sold)",
      errorCodes: ['STOCK_BELOW_COMMITTED'],
      params: VariantParamsSchema,
      body: PutVariantBodySchema,
      response: { 200: VariantSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const result = await fastify.catalog.putVariant(request.params.variantId, request.body)
    if (!result.updated) throw new StockBelowCommittedError(request.body.stock, result.committed)
    const { price, currency, stock } = request.body
    await fastify.audit.record({ type: 'variant_updated', clientId: 'admin', detail: `${request.params.variantId}: price ${price} ${currency}, stock ${stock}` })
    request.log.info({ variant: result.variant }, 'variant updated by admin')
    return result.variant
  })

  fastify.get('/api/admin/variants/:variantId', {
    config: { auth: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'getVariant',
      summary: 'Read a variant with its available, reserved and sold counts',
      errorCodes: ['VARIANT_NOT_FOUND'],
      params: VariantParamsSchema,
      response: { 200: VariantSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const variant = await fastify.catalog.getVariant(request.params.variantId)
    if (variant === undefined) throw new VariantNotFoundError(request.params.variantId)
    return variant
  })
}
