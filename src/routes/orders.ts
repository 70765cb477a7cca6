// GET /api/orders/:orderId: the order's state, for the client that created it only. Another client gets 404,
// not 403, so order ids cannot be probed.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ErrorResponses } from '../../schemas/common.js'
import { OrderParamsSchema, OrderSchema, type Order } from '../../schemas/order.js'
import { OrderNotFoundError } from '../errors.js'
import type { OrderRecord } from '../orders/order-store.js'

export function publicOrder (record: OrderRecord): Order {
  return {
    orderId: record.orderId,
    razorpayOrderId: record.orderId,
    status: record.status,
    amount: record.amount,
    currency: record.currency,
    variantId: record.variantId,
    quantity: record.quantity,
    sessionId: record.sessionId,
    paymentId: record.paymentId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt
  }
}

export default async function orderRoutes (app: FastifyInstance): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxTypeProvider>()

  fastify.get('/api/orders/:orderId', {
    config: { auth: 'client' },
    schema: {
      tags: ['orders'],
      summary: "Read an order's state",
      params: OrderParamsSchema,
      response: { 200: OrderSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const record = await fastify.orders.get(request.params.orderId)
    if (record === undefined || record.clientId !== request.clientId) {
      throw new OrderNotFoundError(request.params.orderId)
    }
    return publicOrder(record)
  })
}
