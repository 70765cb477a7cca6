// What the control routes share: their error shape (the service's, not Razorpay's: a test reads it)
// and the options a test gives for the webhooks a control move emits.
import Type from 'typebox'

export const ControlErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String()
})

export const ControlErrors = { 400: ControlErrorSchema, 404: ControlErrorSchema }

// An entity goes out exactly as held, like on the /v1 routes: an empty schema is serialised as is.
export const EntitySchema = Type.Unknown()

export const DeliverySchema = Type.Object({
  duplicate: Type.Optional(Type.Boolean()),
  reverse: Type.Optional(Type.Boolean()),
  skip: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

export const CheckoutResultSchema = Type.Object({
  razorpay_order_id: Type.String(),
  razorpay_payment_id: Type.String(),
  razorpay_signature: Type.String()
})

export function controlError (statusCode: 400 | 403 | 404, code: string, message: string) {
  const error = statusCode === 400 ? 'Bad Request' : statusCode === 403 ? 'Forbidden' : 'Not Found'
  return { statusCode, code, error, message }
}
