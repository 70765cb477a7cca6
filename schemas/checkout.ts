// create-order: the request a caller sends and the answer it gets (CONTRACT.md).
import Type, { type Static } from 'typebox'
import { IdentifierSchema } from './common.js'

export const CurrencySchema = Type.Literal('INR', { description: 'ISO 4217 code; only INR is supported' })

/** The shopper behind the caller, for the per-customer risk rules; kept only as keyed hashes, never logged raw. */
export const EndCustomerSchema = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: "the caller's id of the customer" })),
  ip: Type.Optional(Type.Union([Type.String({ format: 'ipv4', maxLength: 15 }), Type.String({ format: 'ipv6', maxLength: 45 })],
    { description: "the customer's IP address, as the caller saw it" }))
}, { additionalProperties: false, description: 'Identifies the end customer for the risk rules (hashed before it is stored)' })

export const CreateOrderBodySchema = Type.Object({
  variantId: IdentifierSchema,
  quantity: Type.Integer({ minimum: 1, maximum: 100 }),
  amount: Type.Integer({ minimum: 100, maximum: 100_000_000_00, description: 'price x quantity, in paise' }),
  currency: Type.Optional(CurrencySchema),
  sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' })),
  customer: Type.Optional(EndCustomerSchema)
}, { additionalProperties: false, $id: 'CreateOrderBody' })
export type CreateOrderBody = Static<typeof CreateOrderBodySchema>

export const CreateOrderResponseSchema = Type.Object({
  orderId: Type.String(),
  razorpayOrderId: Type.String(),
  keyId: Type.String({ description: 'public Razorpay key id for Checkout' }),
  amount: Type.Integer(),
  currency: Type.String(),
  receipt: Type.String(),
  status: Type.Literal('created'),
  sessionId: Type.Optional(Type.String()),
  reservationExpiresAt: Type.String({ format: 'date-time' })
}, { $id: 'CreateOrderResponse' })
export type CreateOrderResponse = Static<typeof CreateOrderResponseSchema>
