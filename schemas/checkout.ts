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
}, {
  additionalProperties: false,
  $id: 'CreateOrderBody',
  description: 'What to buy and the amount the caller expects to pay: amount must equal the catalog price x quantity',
  examples: [{ variantId: 'test', quantity: 2, amount: 2998, currency: 'INR', sessionId: 'sess_4f2a9c' }]
})
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
  reservationExpiresAt: Type.String({ format: 'date-time', description: 'the reserved stock returns to the catalog then, unless paid' })
}, {
  $id: 'CreateOrderResponse',
  description: 'The order created: open Razorpay Checkout with keyId and razorpayOrderId. A replay returns the same bytes.',
  examples: [{
    orderId: 'order_Q1w2E3r4T5y6U7',
    razorpayOrderId: 'order_Q1w2E3r4T5y6U7',
    keyId: 'rzp_test_emulator',
    amount: 2998,
    currency: 'INR',
    receipt: 'rcpt_6f1e2d3c4b5a69788796a5b4c3d2e1f0',
    status: 'created',
    sessionId: 'sess_4f2a9c',
    reservationExpiresAt: '2026-01-15T10:45:00.000Z'
  }]
})
export type CreateOrderResponse = Static<typeof CreateOrderResponseSchema>
