// An order as callers read it (GET /api/orders/:orderId, verify-payment's answer).
import Type, { type Static } from 'typebox'

export const OrderStatusSchema = Type.Union([
  Type.Literal('created'), Type.Literal('paid'), Type.Literal('failed'), Type.Literal('expired'),
  Type.Literal('cancelled'), Type.Literal('refunded'), Type.Literal('disputed')
], {
  description: 'created: awaiting payment; failed: the last attempt failed, still payable until it expires; paid; ' +
    'expired / cancelled: stock returned; refunded: its payment went back; disputed: a chargeback is open'
})

export const OrderSchema = Type.Object({
  orderId: Type.String(),
  razorpayOrderId: Type.String(),
  status: OrderStatusSchema,
  amount: Type.Integer(),
  currency: Type.String(),
  variantId: Type.String(),
  quantity: Type.Integer(),
  sessionId: Type.Optional(Type.String()),
  paymentId: Type.Optional(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' })
}, { $id: 'Order', description: 'An order, as the client that created it reads it' })
export type Order = Static<typeof OrderSchema>

export const OrderParamsSchema = Type.Object({
  orderId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$' })
})
