// verify-payment's body (what Razorpay Checkout hands the browser) and the webhook's answer.
import Type, { type Static } from 'typebox'

export const VerifyPaymentBodySchema = Type.Object({
  razorpay_order_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^order_[A-Za-z0-9]+$' }),
  razorpay_payment_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^pay_[A-Za-z0-9]+$' }),
  razorpay_signature: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9]+$' })
}, {
  additionalProperties: false,
  $id: 'VerifyPaymentBody',
  description: 'The three values Razorpay Checkout hands the browser on success, unchanged'
})
export type VerifyPaymentBody = Static<typeof VerifyPaymentBodySchema>

export const WebhookResultSchema = Type.Object({
  status: Type.Union([Type.Literal('processed'), Type.Literal('duplicate'), Type.Literal('ignored')])
}, {
  description: 'processed: applied; duplicate: this x-razorpay-event-id was received before; ignored: nothing to apply ' +
    '(an event of no interest, or an order this service does not know)'
})
