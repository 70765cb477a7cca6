// POST /api/checkout/create-order: idempotent order creation with server-side pricing and stock reservation.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { CreateOrderBodySchema, CreateOrderResponseSchema } from '../../schemas/checkout.js'
import { ErrorSchema } from '../../schemas/common.js'
import { createOrder } from '../checkout/create-order.js'

export default async function checkoutRoutes (app: FastifyInstance): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxTypeProvider>()
  const deps = {
    catalog: fastify.catalog,
    orders: fastify.orders,
    razorpay: fastify.razorpay,
    reservationTtlSeconds: fastify.config.RESERVATION_TTL_SECONDS
  }

  fastify.post('/api/checkout/create-order', {
    config: { auth: 'client', idempotency: true },
    schema: {
      tags: ['checkout'],
      summary: 'Create a Razorpay order for a catalog variant, reserving its stock',
      body: CreateOrderBodySchema,
      response: {
        201: CreateOrderResponseSchema,
        '4xx': ErrorSchema,
        '5xx': ErrorSchema
      }
    }
  }, async (request, reply) => {
    // The idempotency plugin sets the context on every request that reaches this handler.
    const attempt = request.idempotency
    if (attempt === null) throw new Error('create-order ran without its idempotency context')
    const order = await createOrder(deps, request.clientId, request.body, attempt)
    return await reply.code(201).send(order)
  })
}
