// Razorpay's error envelope, `{ error: { code, description, source, step, reason, metadata, field? } }`,
// thrown from handlers as RazorpayError and rendered by the emulator's error handler.
import { STATUS_CODES } from 'node:http'

export interface RazorpayErrorBody {
  code: 'BAD_REQUEST_ERROR' | 'GATEWAY_ERROR' | 'SERVER_ERROR'
  description: string
  source: string
  step: string
  reason: string
  metadata: Record<string, unknown>
  field?: string
}

export class RazorpayError extends Error {
  readonly statusCode: number
  readonly body: RazorpayErrorBody

  constructor (statusCode: number, body: RazorpayErrorBody) {
    super(body.description)
    this.name = 'RazorpayError'
    this.statusCode = statusCode
    this.body = body
  }

  toJSON (): { error: RazorpayErrorBody } {
    return { error: this.body }
  }
}

/** A 400 for input the API rejects; Razorpay tags these business / payment_initiation. */
export function validationError (description: string, field?: string, reason = 'input_validation_failed'): RazorpayError {
  const body: RazorpayErrorBody = {
    code: 'BAD_REQUEST_ERROR',
    description,
    source: 'business',
    step: 'payment_initiation',
    reason,
    metadata: {}
  }
  if (field !== undefined) body.field = field
  return new RazorpayError(400, body)
}

export function extraFieldError (field: string): RazorpayError {
  return validationError(`${field} is/are not required and should not be sent`, field, 'extra_field_sent')
}

/** What Razorpay answers for an id it does not know: a 400, not a 404. */
export function unknownIdError (): RazorpayError {
  return validationError('The id provided does not exist', 'id')
}

/** A 4xx/5xx without business context (auth, rate limit, injected faults). */
export function plainError (statusCode: number, description: string): RazorpayError {
  return new RazorpayError(statusCode, {
    code: statusCode >= 500 ? 'SERVER_ERROR' : 'BAD_REQUEST_ERROR',
    description,
    source: 'NA',
    step: 'NA',
    reason: 'NA',
    metadata: {}
  })
}

export function invalidKeyError (): RazorpayError {
  return plainError(401, 'The api key provided is invalid')
}

export function faultStatusError (statusCode: number): RazorpayError {
  if (statusCode === 401) return invalidKeyError()
  if (statusCode === 429) return plainError(429, 'Too many requests')
  return plainError(statusCode, STATUS_CODES[statusCode] ?? 'Bad request')
}

/** The HTML page a gateway in front of Razorpay answers 5xx with; the SDK cannot parse it. */
export function gatewayHtml (statusCode: number): string {
  return `<html><body><h1>${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}</h1></body></html>`
}
