// POST /api/checkout/create-order: idempotent order creation with server-side pricing and stock reservation.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { CreateOrderBodySchema, CreateOrderResponseSchema } from '../../schemas/checkout.js'
import { ErrorResponses } from '../../schemas/common.js'
import { OrderSchema } from '../../schemas/order.js'
import { VerifyPaymentBodySchema } from '../../schemas/payment.js'
import { createOrder } from '../checkout/create-order.js'
import { OrderNotFoundError, PaymentSignatureInvalidError } from '../errors.js'
import { confirmPayment } from '../payments/confirm-payment.js'
import { publicOrder } from './orders.js'

export default async function checkoutRoutes (app: FastifyInstance): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxTypeProvider>()
  const deps = {
    catalog: fastify.catalog,
    orders: fastify.orders,
    audit: fastify.audit,
    razorpay: fastify.razorpay,
    risk: fastify.risk,
    reservationTtlSeconds: fastify.config.RESERVATION_TTL_SECONDS,
    reconcileDelaySeconds: fastify.config.RECONCILE_DELAY_SECONDS
  }

  fastify.post('/api/checkout/create-order', {
    config: { auth: 'client', idempotency: true },
    schema: {
      tags: ['checkout'],
      summary: 'Create a Razorpay order for a catalog variant, reserving its stock',
      body: CreateOrderBodySchema,
      response: {
        201: CreateOrderResponseSchema,
        ...ErrorResponses
      }
    }
  }, async (request, reply) => {
    // The idempotency plugin sets the context on every request that reaches this handler.
    const attempt = request.idempotency
    if (attempt === null) throw new Error('create-order ran without its idempotency context')
    const order = await createOrder(deps, request.clientId, request.body, attempt)
    return await reply.code(201).send(order)
  })

  fastify.post('/api/checkout/verify-payment', {
    config: { auth: 'client', idempotency: true },
    schema: {
      tags: ['checkout'],
      summary: "Verify Checkout's signature, confirm the payment with Razorpay (capturing an authorized one), mark the order paid",
      body: VerifyPaymentBodySchema,
      response: { 200: OrderSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const body = request.body
    const order = await fastify.orders.get(body.razorpay_order_id)
    if (order === undefined || order.clientId !== request.clientId) throw new OrderNotFoundError(body.razorpay_order_id)
    // Deny lists, and an order locked by repeated failures, refuse before the signature is even looked at.
    await fastify.risk.admitPayment(order)
    // Against the order id the service stored, never one the caller supplies alone.
    if (!fastify.razorpay.isPaymentSignatureValid(order.orderId, body.razorpay_payment_id, body.razorpay_signature)) {
      await Promise.all([
        fastify.audit.record({ type: 'payment_signature_invalid', orderId: order.orderId, clientId: request.clientId, paymentId: body.razorpay_payment_id }),
        fastify.risk.recordSignatureFailure(order)
      ])
      throw new PaymentSignatureInvalidError()
    }
    return publicOrder(await confirmPayment(fastify.paymentFlows(request.log), order, body.razorpay_payment_id))
  })
}
