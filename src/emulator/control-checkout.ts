// Control routes standing in for a customer at Razorpay Checkout and for the bank behind it: pay an
// order (once, twice, for another amount) and authorize a failed payment late.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ContextOptions } from './context.js'
import { CheckoutResultSchema, ControlErrors, DeliverySchema, controlError } from './control-common.js'
import { authorizeLate, canAuthorizeLate, payOrder } from './lifecycle.js'

const PayBodySchema = Type.Object({
  outcome: Type.Union([Type.Literal('captured'), Type.Literal('authorized'), Type.Literal('failed')]),
  /** A customer paying twice from two tabs: Razorpay then holds two captured payments for one order. */
  allowPaidOrder: Type.Optional(Type.Boolean()),
  /** A captured amount that differs from the order's, which a service must not take as paid. */
  amount: Type.Optional(Type.Integer({ minimum: 100 })),
  /** The UPI address the customer paid from: card testing shows as one instrument failing across orders. */
  vpa: Type.Optional(Type.String({ minLength: 3, maxLength: 100 })),
  webhooks: Type.Optional(DeliverySchema)
}, { additionalProperties: false })

const AuthorizeBodySchema = Type.Object({
  capture: Type.Optional(Type.Boolean()),
  webhooks: Type.Optional(DeliverySchema)
}, { additionalProperties: false })

export async function checkoutControlRoutes (fastify: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { store, webhooks } = ctx

  app.post('/orders/:orderId/pay', {
    schema: {
      params: Type.Object({ orderId: Type.String() }),
      body: PayBodySchema,
      response: { 200: CheckoutResultSchema, ...ControlErrors }
    }
  }, async (request, reply) => {
    const { outcome, allowPaidOrder, amount, vpa } = request.body
    const order = store.getOrder(request.params.orderId)
    if (order === undefined) {
      return reply.code(404).send(controlError(404, 'ORDER_NOT_FOUND', `no order ${request.params.orderId}`))
    }
    if (order.status === 'paid' && allowPaidOrder !== true) {
      return reply.code(400).send(controlError(400, 'ORDER_ALREADY_PAID', `order ${order.id} is already paid`))
    }
    const { result, events } = payOrder(store, webhooks, order, outcome, ctx.options.keySecret, amount, vpa)
    await webhooks.deliver(events, request.body.webhooks)
    return result
  })

  app.post('/payments/:paymentId/authorize', {
    schema: {
      params: Type.Object({ paymentId: Type.String() }),
      body: AuthorizeBodySchema,
      response: { 200: CheckoutResultSchema, ...ControlErrors }
    }
  }, async (request, reply) => {
    const { paymentId } = request.params
    const payment = store.getPayment(paymentId)
    const order = payment === undefined ? undefined : store.getOrder(payment.order_id)
    if (payment === undefined || order === undefined) {
      return reply.code(404).send(controlError(404, 'PAYMENT_NOT_FOUND', `no payment ${paymentId}`))
    }
    if (!canAuthorizeLate(payment)) {
      return reply.code(400).send(controlError(400, 'PAYMENT_NOT_AUTHORIZABLE', `payment ${paymentId} is already ${payment.status}`))
    }
    const capture = request.body.capture ?? true
    const { result, events } = authorizeLate(order, payment, webhooks, capture, ctx.options.keySecret)
    await webhooks.deliver(events, request.body.webhooks)
    return result
  })
}
