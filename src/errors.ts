// The coded errors of CONTRACT.md. Each becomes `{ statusCode, code, error, message }` in the error handler.
import createError from '@fastify/error'

export const IdempotencyKeyInvalidError = createError('IDEMPOTENCY_KEY_INVALID',
  'Idempotency-Key must be 1 to 255 printable ASCII characters (0x21-0x7E)', 400)
export const IdempotencyKeyMissingError = createError('IDEMPOTENCY_KEY_MISSING',
  'This endpoint requires an Idempotency-Key header', 400)
export const IdempotencyKeyReusedError = createError('IDEMPOTENCY_KEY_REUSED',
  'This Idempotency-Key was already used with a different request body', 422)
export const IdempotencyInProgressError = createError('IDEMPOTENCY_REQUEST_IN_PROGRESS',
  'A request with this Idempotency-Key is still being processed; retry after the Retry-After delay', 409)
export const StoreUnavailableHttpError = createError('STORE_UNAVAILABLE',
  'The store is unavailable; retry after the Retry-After delay', 503)

export const UnauthorizedError = createError('UNAUTHORIZED', 'A valid bearer token is required', 401)
export const ForbiddenError = createError('FORBIDDEN', 'This caller may not use this endpoint', 403)
export const RateLimitedError = createError('RATE_LIMITED', 'Too many requests; retry after %s seconds', 429)

export const VariantNotFoundError = createError('VARIANT_NOT_FOUND', 'Variant %s does not exist', 404)
export const AmountMismatchError = createError('AMOUNT_MISMATCH',
  'amount %s does not equal price %s x quantity %s', 422)
/** Says that the stock falls short, never by how much: the exact count would tell a competitor or a hoarder too much. */
export const InsufficientStockError = createError('INSUFFICIENT_STOCK',
  'Variant %s does not have %s units available', 422)
export const PaymentSignatureInvalidError = createError('PAYMENT_SIGNATURE_INVALID',
  'The payment signature does not match this order and payment', 400)
export const OrderNotFoundError = createError('ORDER_NOT_FOUND', 'Order %s does not exist', 404)
export const WebhookSignatureInvalidError = createError('WEBHOOK_SIGNATURE_INVALID',
  'The webhook signature is missing or does not match the body', 401)
/** What Razorpay said stays in the logs (the error's `provider` field); callers learn only that it failed. */
export const PaymentProviderError = createError('PAYMENT_PROVIDER_ERROR',
  'The payment provider could not complete the request; retry later', 502)
export const PaymentProviderTimeoutError = createError('PAYMENT_PROVIDER_TIMEOUT',
  'The payment provider did not answer in time', 504)
export const RiskRejectedError = createError('RISK_REJECTED', 'The request was refused by risk rule %s', 403)
export const PaymentNotCapturedError = createError('PAYMENT_NOT_CAPTURED',
  'Razorpay reports payment %s as %s, not captured; nothing was changed', 422)
export const PaymentMismatchError = createError('PAYMENT_MISMATCH',
  'Razorpay reports payment %s with a different %s than this order; it is refunded if it was captured', 422)
export const OrderNotCancellableError = createError('ORDER_NOT_CANCELLABLE',
  'Order %s is %s and can no longer be cancelled', 409)
export const OrderRecoveryConflictError = createError('ORDER_RECOVERY_CONFLICT',
  'An earlier attempt under this Idempotency-Key left work that does not match this request; nothing was recorded', 500)
export const WebhooksNotConfiguredError = createError('WEBHOOKS_NOT_CONFIGURED',
  'RAZORPAY_WEBHOOK_SECRET is not set: webhooks cannot be verified', 503)
export const WebhookPayloadInvalidError = createError('WEBHOOK_PAYLOAD_INVALID', 'The webhook is malformed: %s', 400)
/** Fastify's validation code: a body no schema could accept. */
export const BodyTooDeepError = createError('FST_ERR_VALIDATION', 'body is nested deeper than %s levels', 400)
