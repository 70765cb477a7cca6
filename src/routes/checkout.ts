// POST /api/checkout/create-order: idempotent order creation with server-side pricing and stock reservation.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { CreateOrderBodySchema, CreateOrderResponseSchema, type CreateOrderBody } from '../../schemas/checkout.js'
import { ErrorResponses } from '../../schemas/common.js'
import { OrderSchema } from '../../schemas/order.js'
import { VerifyPaymentBodySchema } from '../../schemas/payment.js'
import { createOrder, startOrderAdmission } from '../checkout/create-order.js'
import { OrderNotFoundError, PaymentSignatureInvalidError } from '../errors.js'
import { confirmPayment } from '../payments/confirm-payment.js'
import type { OrderAdmission } from '../risk/risk-guard.js'
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

  // The risk admission goes out with the idempotency lock; the handler uses it when the lock went to its execution.
  const admissions = new WeakMap<FastifyRequest, OrderAdmission>()
  function startAdmissionWithLock (request: FastifyRequest, executionId: string): () => void {
    const admission = startOrderAdmission(deps, request.clientId, request.body as CreateOrderBody, executionId)
    admissions.set(request, admission)
    // withdraw() never throws: it logs what it could not take back.
    return () => { admission.withdraw().catch(() => {}) }
  }

  fastify.post('/api/checkout/create-order', {
    config: { auth: 'client', idempotency: { startWithLock: startAdmissionWithLock } },
    schema: {
      tags: ['checkout'],
      operationId: 'createOrder',
      summary: 'Create a Razorpay order for a catalog variant, reserving its stock',
      description: 'Checks the amount against the catalog price x quantity, reserves the stock for ' +
        'RESERVATION_TTL_SECONDS and creates the Razorpay order (its notes carry the Idempotency-Key). Exactly once ' +
        'per Idempotency-Key, also across a crash: a retry returns the same order.',
      errorCodes: ['VARIANT_NOT_FOUND', 'AMOUNT_MISMATCH', 'INSUFFICIENT_STOCK', 'RISK_REJECTED', 'PAYMENT_PROVIDER_ERROR',
        'PAYMENT_PROVIDER_TIMEOUT', 'ORDER_RECOVERY_CONFLICT'],
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
    const order = await createOrder(deps, request.clientId, request.body, attempt, admissions.get(request))
    return await reply.code(201).send(order)
  })

  fastify.post('/api/checkout/verify-payment', {
    config: { auth: 'client', idempotency: true },
    schema: {
      tags: ['checkout'],
      operationId: 'verifyPayment',
      summary: "Verify Checkout's signature, confirm the payment with Razorpay (capturing an authorized one), mark the order paid",
      description: 'Takes what Razorpay Checkout hands the browser. The signature is checked against the order the ' +
        'service stored; the payment must be captured (an authorized one is captured here) with the order\'s amount ' +
        'and currency. A payment for an order whose reservation ended with no stock left is refunded (422 INSUFFICIENT_STOCK).',
      errorCodes: ['ORDER_NOT_FOUND', 'RISK_REJECTED', 'PAYMENT_SIGNATURE_INVALID', 'PAYMENT_NOT_CAPTURED', 'PAYMENT_MISMATCH',
        'INSUFFICIENT_STOCK', 'PAYMENT_PROVIDER_ERROR', 'PAYMENT_PROVIDER_TIMEOUT'],
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
