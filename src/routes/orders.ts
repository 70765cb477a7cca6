// GET /api/orders/:orderId and POST /api/orders/:orderId/cancel, for the client that created the order only.
// Another client gets 404, not 403, so order ids cannot be probed.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ErrorResponses } from '../../schemas/common.js'
import { OrderParamsSchema, OrderSchema, type Order } from '../../schemas/order.js'
import { OrderNotFoundError } from '../errors.js'
import { cancelOrder } from '../orders/cancel-order.js'
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

  async function ownOrder (orderId: string, clientId: string): Promise<OrderRecord> {
    const record = await fastify.orders.get(orderId)
    if (record === undefined || record.clientId !== clientId) throw new OrderNotFoundError(orderId)
    return record
  }

  fastify.get('/api/orders/:orderId', {
    config: { auth: 'client' },
    schema: {
      tags: ['orders'],
      operationId: 'getOrder',
      summary: "Read an order's state",
      description: 'Only the client that created the order can read it; any other gets 404, so order ids cannot be probed.',
      errorCodes: ['ORDER_NOT_FOUND'],
      params: OrderParamsSchema,
      response: { 200: OrderSchema, ...ErrorResponses }
    }
  }, async (request) => publicOrder(await ownOrder(request.params.orderId, request.clientId)))

  fastify.post('/api/orders/:orderId/cancel', {
    config: { auth: 'client', idempotency: true },
    schema: {
      tags: ['orders'],
      operationId: 'cancelOrder',
      summary: 'Cancel an unpaid order and return its reserved stock; an order Razorpay reports paid answers 409 ORDER_NOT_CANCELLABLE',
      description: 'Razorpay is asked first: a payment it already captured (or authorized) pays the order instead and ' +
        'the cancel answers 409. Cancelling a cancelled or expired order again changes nothing.',
      errorCodes: ['ORDER_NOT_FOUND', 'ORDER_NOT_CANCELLABLE', 'PAYMENT_PROVIDER_ERROR', 'PAYMENT_PROVIDER_TIMEOUT'],
      params: OrderParamsSchema,
      response: { 200: OrderSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const order = await ownOrder(request.params.orderId, request.clientId)
    return publicOrder(await cancelOrder(fastify.paymentFlows(request.log), order))
  })
}
