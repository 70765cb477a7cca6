// One error handler for the whole service: every error answers `{ statusCode, code, error, message }`,
// 4xx are logged at warn and 5xx at error through the request's logger, and 5xx internals stay hidden.
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { StoreUnavailableHttpError } from '../src/errors.js'
import { StoreUnavailableError } from '../src/store/store.js'

/** 5xx codes whose message was written for callers and is safe to show. */
const publicServerErrors = new Set([
  'STORE_UNAVAILABLE', 'PAYMENT_PROVIDER_ERROR', 'PAYMENT_PROVIDER_TIMEOUT', 'ORDER_RECOVERY_CONFLICT', 'WEBHOOKS_NOT_CONFIGURED'
])

/** Seconds a caller (or Razorpay's webhook delivery) should wait before retrying a 503. */
const unavailableRetryAfterSeconds = '1'

export function errorBody (statusCode: number, code: string, message: string): {
  statusCode: number, code: string, error: string, message: string
} {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}

/** Errors may carry headers to send (Retry-After on 409/429/503). */
type ServiceError = FastifyError & { headers?: Record<string, string> }

function handleError (thrown: ServiceError, request: FastifyRequest, reply: FastifyReply): void {
  // Whichever route met the outage, the caller learns it is temporary and when to come back.
  const err = thrown instanceof StoreUnavailableError ? storeUnavailable(thrown) : thrown
  const statusCode = err.validation !== undefined
    ? 400
    : (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500)
  let code = err.code ?? 'BAD_REQUEST'
  let message = err.message
  if (statusCode >= 500) {
    request.log.error({ err }, 'request failed')
    if (!publicServerErrors.has(code)) {
      code = 'INTERNAL_SERVER_ERROR'
      message = 'An internal error occurred'
    }
  } else {
    request.log.warn({ code, message }, 'request rejected')
  }
  if (err.headers !== undefined) reply.headers(err.headers)
  if (statusCode === 503 && reply.getHeader('retry-after') === undefined) reply.header('retry-after', unavailableRetryAfterSeconds)
  reply.code(statusCode).send(errorBody(statusCode, code, message))
}

function storeUnavailable (cause: StoreUnavailableError): ServiceError {
  return Object.assign(new StoreUnavailableHttpError(), { cause, headers: { 'retry-after': unavailableRetryAfterSeconds } })
}

async function errorHandlerPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.setErrorHandler(handleError)
  fastify.setNotFoundHandler((request, reply) => {
    request.log.warn({ url: request.url }, 'route not found')
    reply.code(404).send(errorBody(404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`))
  })
}

export default fp(errorHandlerPlugin, { name: 'error-handler' })
