// GET /api/variants/:variantId: the catalog as callers read it, to show a price and compute create-order's amount.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ErrorResponses } from '../../schemas/common.js'
import { CatalogVariantSchema, VariantParamsSchema } from '../../schemas/variant.js'
import { VariantNotFoundError } from '../errors.js'

export default async function variantRoutes (app: FastifyInstance): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxTypeProvider>()

  fastify.get('/api/variants/:variantId', {
    config: { auth: 'client' },
    schema: {
      tags: ['catalog'],
      operationId: 'getCatalogVariant',
      summary: "Read a variant's price, currency and whether it is in stock",
      description: 'The stock count itself stays private (a competitor could watch it); `inStock` says whether ' +
        'create-order can reserve at least one unit right now.',
      errorCodes: ['VARIANT_NOT_FOUND'],
      params: VariantParamsSchema,
      response: { 200: CatalogVariantSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const variant = await fastify.catalog.getVariant(request.params.variantId)
    if (variant === undefined) throw new VariantNotFoundError(request.params.variantId)
    return { variantId: variant.variantId, price: variant.price, currency: variant.currency, inStock: variant.available > 0 }
  })
}
