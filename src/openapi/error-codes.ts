// Every error code the service answers, with its status and meaning, for the OpenAPI document (the Error schema lists
// them all; each operation lists those it can answer). Built from src/errors.ts, so a new coded error reaches the
// document without anyone remembering to add it here.
import * as serviceErrors from '../errors.js'

export interface ErrorCode {
  readonly code: string
  readonly status: number
  readonly description: string
}

/** Codes raised outside src/errors.ts: the error handler, the HTTP parser, Fastify itself, one route's own. */
const otherCodes: ErrorCode[] = [
  { code: 'BAD_REQUEST', status: 400, description: 'The HTTP request is malformed (an HTTP/1.1 request without Host, or one Node\'s parser refused)' },
  { code: 'FST_ERR_CTP_INVALID_JSON_BODY', status: 400, description: 'The body is not valid JSON' },
  { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', status: 400, description: 'The body is empty but content-type says JSON' },
  { code: 'FST_ERR_BAD_URL', status: 400, description: 'The URL is not valid (a malformed percent-encoding)' },
  { code: 'NOT_FOUND', status: 404, description: 'No route has this method and path' },
  { code: 'FST_ERR_CTP_BODY_TOO_LARGE', status: 413, description: 'The body is larger than the route accepts (64 KiB; 1 MiB for webhooks)' },
  { code: 'FST_ERR_MAX_PARAM_LENGTH', status: 414, description: 'A path parameter is too long' },
  { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', status: 415, description: 'The content-type is not one the route parses (send application/json)' },
  { code: 'REQUEST_HEADERS_TOO_LARGE', status: 431, description: 'The request headers are too large' },
  { code: 'STOCK_BELOW_COMMITTED', status: 422, description: 'Admin: the new stock is below the units already reserved or sold' },
  { code: 'SERVICE_OVERLOADED', status: 503, description: 'The instance is shedding load (event-loop delay, heap or RSS over its limit); nothing ran. Retry after Retry-After' },
  { code: 'INTERNAL_SERVER_ERROR', status: 500, description: 'An unexpected failure; the details stay in the logs (never stored for replay: a retry runs again)' }
]

/** Where the message template of src/errors.ts says less than a caller needs. */
const descriptions: Record<string, string> = {
  FST_ERR_VALIDATION: 'The request does not match the route\'s schema (body, path, query); the message names the field',
  FORBIDDEN: 'The caller may not use this endpoint (reserved by the contract: today a wrong token on any route answers 401)',
  RATE_LIMITED: 'Too many requests from this client, or too many failed authentications from this address; see Retry-After',
  RISK_REJECTED: 'A risk rule refused the request; the message names the rule, never its thresholds',
  STORE_UNAVAILABLE: 'The store (Redis) is unreachable; nothing ran. Retry after Retry-After with the same Idempotency-Key',
  IDEMPOTENCY_REQUEST_IN_PROGRESS: 'A request with this Idempotency-Key is still running. The only 4xx worth retrying: after Retry-After, or with Prefer: wait=N',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key is bound to another request body (also after that request failed or crashed)'
}

/** Answered before the handler runs (or by a 5xx): never stored, so never replayed with Idempotent-Replayed. */
export const notStoredCodes = new Set([
  'BAD_REQUEST', 'FST_ERR_VALIDATION', 'FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY', 'FST_ERR_BAD_URL',
  'FST_ERR_CTP_BODY_TOO_LARGE', 'FST_ERR_MAX_PARAM_LENGTH', 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'REQUEST_HEADERS_TOO_LARGE',
  'NOT_FOUND', 'UNAUTHORIZED', 'RATE_LIMITED', 'IDEMPOTENCY_KEY_INVALID', 'IDEMPOTENCY_KEY_MISSING',
  'IDEMPOTENCY_REQUEST_IN_PROGRESS', 'IDEMPOTENCY_KEY_REUSED', 'STORE_UNAVAILABLE', 'SERVICE_OVERLOADED'
])

/** The codes of src/errors.ts: each constructor made once to read its code, status and message template. */
export function serviceErrorCodes (): ErrorCode[] {
  const codes = new Map<string, ErrorCode>()
  for (const ErrorType of Object.values(serviceErrors)) {
    const sample = new ErrorType() as Error & { code: string, statusCode: number }
    // Several constructors may share a code (FST_ERR_VALIDATION): the first describes it.
    if (codes.has(sample.code)) continue
    codes.set(sample.code, { code: sample.code, status: sample.statusCode, description: sample.message.replaceAll('%s', '…') })
  }
  return [...codes.values()]
}

/** Every code, sorted by status then code. */
export function errorCatalog (): ErrorCode[] {
  return [...serviceErrorCodes(), ...otherCodes]
    .map(entry => ({ ...entry, description: descriptions[entry.code] ?? entry.description }))
    .sort((a, b) => a.status - b.status || a.code.localeCompare(b.code))
}

/** Codes every route may answer without listing them one by one (the document's `4XX` of each operation). */
export const anyRouteClientErrors = [
  'FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY', 'FST_ERR_BAD_URL', 'FST_ERR_CTP_BODY_TOO_LARGE',
  'FST_ERR_MAX_PARAM_LENGTH', 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'REQUEST_HEADERS_TOO_LARGE'
]

export interface RouteKind {
  auth: 'client' | 'admin' | 'public'
  idempotent: boolean
  /** The route declares a body, params or querystring schema. */
  validated: boolean
  /** Load shedding (plugins/load-shedding.ts) may refuse the route's requests; the health routes are exempt. */
  shed: boolean
}

/** The codes a route answers because of what it is (authenticated, idempotent, validated), before its own. */
export function commonErrorCodes (kind: RouteKind): string[] {
  const codes = ['BAD_REQUEST', 'INTERNAL_SERVER_ERROR']
  if (kind.validated) codes.push('FST_ERR_VALIDATION')
  if (kind.shed) codes.push('SERVICE_OVERLOADED')
  if (kind.auth !== 'public') codes.push('UNAUTHORIZED', 'RATE_LIMITED', 'STORE_UNAVAILABLE')
  if (kind.idempotent) {
    codes.push('IDEMPOTENCY_KEY_INVALID', 'IDEMPOTENCY_KEY_MISSING', 'IDEMPOTENCY_REQUEST_IN_PROGRESS',
      'IDEMPOTENCY_KEY_REUSED', 'STORE_UNAVAILABLE')
  }
  return codes
}
