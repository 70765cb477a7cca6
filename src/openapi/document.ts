// What the OpenAPI document says beyond the routes' TypeBox schemas, derived from each route's config so that it
// cannot drift from what the route does: security, the idempotency headers, and every error code an operation
// answers with its status. `documentRoute` runs per route (@fastify/swagger's `transform`), `finishDocument` on the
// whole document (`transformObject`); neither touches the schemas Fastify validates and serializes with.
import { STATUS_CODES } from 'node:http'
import type { SwaggerTransformObject } from '@fastify/swagger'
import type { FastifySchema, RouteOptions } from 'fastify'
import { ErrorSchema } from '../../schemas/common.js'
import { anyRouteClientErrors, commonErrorCodes, errorCatalog, notStoredCodes, type ErrorCode } from './error-codes.js'

type Json = Record<string, any>

const idempotencyHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'Idempotency-Key: unique per operation (a UUID is fine), 1 to 255 printable ASCII characters. A repeat ' +
        'with the same body replays the first answer (Idempotent-Replayed: true); another body answers 422 ' +
        'IDEMPOTENCY_KEY_REUSED. Without it a key is derived from the body for IDEMPOTENCY_FALLBACK_TTL_SECONDS ' +
        '(or 400 IDEMPOTENCY_KEY_MISSING when IDEMPOTENCY_REQUIRE_KEY=true).',
      examples: ['3f1c9a52-7d4e-4b8a-9c61-0e2f5d7a8b90']
    },
    prefer: {
      type: 'string',
      description: 'RFC 7240 `wait=N`: while a request with the same key runs, wait up to N seconds (at most ' +
        'IDEMPOTENCY_MAX_WAIT_SECONDS) for its answer instead of getting 409 at once.',
      examples: ['wait=5']
    }
  }
}

/** Route paths as the document writes them: `/api/orders/:orderId` becomes `getApiOrdersOrderId`. */
function derivedOperationId (method: string, url: string): string {
  const words = url.split(/[/:{}_-]+/).filter(word => word !== '')
  return method.toLowerCase() + words.map(word => word[0].toUpperCase() + word.slice(1)).join('')
}

/** @fastify/swagger's per-route transform. */
export function documentRoute ({ schema, url, route }: { schema: FastifySchema, url: string, route: RouteOptions }): { schema: FastifySchema, url: string } {
  const config = (route.config ?? {}) as { auth?: 'client' | 'admin' | 'public', idempotency?: unknown, pressureHandler?: unknown }
  const auth = config.auth ?? 'client'
  const idempotent = config.idempotency !== undefined && config.idempotency !== false
  const method = Array.isArray(route.method) ? route.method[0] : route.method
  const { errorCodes = [], ...documented } = (schema ?? {}) as FastifySchema & { errorCodes?: readonly string[] }
  const validated = documented.body !== undefined || documented.params !== undefined || documented.querystring !== undefined
  const codes = [...new Set([...commonErrorCodes({ auth, idempotent, validated, shed: config.pressureHandler === undefined }), ...errorCodes])]

  // The error answers are written by finishDocument, one per status with its codes.
  const response = documented.response === undefined
    ? undefined
    : Object.fromEntries(Object.entries(documented.response as Json).filter(([, answer]) => answer !== ErrorSchema))
  const transformed: Json = {
    ...documented,
    operationId: documented.operationId ?? derivedOperationId(method, url),
    summary: documented.summary ?? documented.description ?? `${method} ${url}`,
    // Public routes say so explicitly (an empty requirement); a route may name its own scheme (the webhook's signature).
    security: documented.security ?? (auth === 'public' ? [] : [{ bearer: [] }]),
    ...(response === undefined ? {} : { response }),
    'x-error-codes': codes
  }
  if (idempotent) {
    transformed.headers = idempotencyHeaders
    transformed['x-idempotent'] = true
  }
  return { schema: transformed as FastifySchema, url }
}

const errorRef = { $ref: '#/components/schemas/Error' }
const header = (name: string): Json => ({ $ref: `#/components/headers/${name}` })

function errorExample (entry: ErrorCode): Json {
  return {
    summary: entry.description,
    value: { statusCode: entry.status, code: entry.code, error: STATUS_CODES[entry.status] ?? 'Error', message: entry.description }
  }
}

/** The Error schema, with every code of the service listed (in the description and as `x-error-codes` on `code`). */
function errorComponent (catalog: ErrorCode[]): Json {
  const { $id: _id, ...schema } = structuredClone(ErrorSchema) as Json
  const table = catalog.map(entry => `| ${entry.status} | \`${entry.code}\` | ${entry.description} |`).join('\n')
  return {
    ...schema,
    title: 'Error',
    description: 'Every error answer of the service: `{ statusCode, code, error, message }`. Branch on `code`, never on ' +
      '`message`. Among the 4xx only `409 IDEMPOTENCY_REQUEST_IN_PROGRESS` is worth retrying; every other 4xx is ' +
      'final (an idempotent route stores it and replays it). The codes:\n\n| status | code | meaning |\n|---|---|---|\n' + table,
    properties: {
      statusCode: { type: 'integer', description: 'The HTTP status, repeated', examples: [422] },
      code: {
        type: 'string',
        description: 'Stable, machine-readable; the full list is in `x-error-codes` and in the description of Error',
        examples: ['IDEMPOTENCY_KEY_REUSED'],
        'x-error-codes': Object.fromEntries(catalog.map(entry => [entry.code, { status: entry.status, description: entry.description }]))
      },
      error: { type: 'string', description: 'The status\'s reason phrase', examples: ['Unprocessable Entity'] },
      message: { type: 'string', description: 'For people; may change without notice', examples: ['This Idempotency-Key was already used with a different request body'] }
    }
  }
}

const sharedHeaders = {
  RetryAfter: {
    description: 'Seconds to wait before retrying (409 IDEMPOTENCY_REQUEST_IN_PROGRESS, 429 RATE_LIMITED, 503 STORE_UNAVAILABLE or SERVICE_OVERLOADED)',
    schema: { type: 'integer', minimum: 0 },
    example: 1
  },
  IdempotentReplayed: {
    description: '`true` when this is the stored answer of an earlier request with the same Idempotency-Key and body ' +
      '(same status, same body bytes); absent on the request that ran',
    schema: { type: 'string', enum: ['true'] }
  },
  PreferenceApplied: {
    description: 'Sent when the request asked `Prefer: wait=N`: `wait=<seconds actually allowed>`',
    schema: { type: 'string', pattern: '^wait=\\d+$' },
    example: 'wait=5'
  },
  WwwAuthenticate: {
    description: 'The scheme to authenticate with',
    schema: { type: 'string', enum: ['Bearer'] }
  }
}

function errorResponse (status: number, entries: ErrorCode[], idempotent: boolean): Json {
  const headers: Json = {}
  if (status === 409 || status === 429 || status === 503) headers['Retry-After'] = header('RetryAfter')
  if (status === 401) headers['WWW-Authenticate'] = header('WwwAuthenticate')
  // A 4xx the handler answered is stored and replayed like a success.
  if (idempotent && status < 500 && entries.some(entry => !notStoredCodes.has(entry.code))) {
    headers['Idempotent-Replayed'] = header('IdempotentReplayed')
    headers['Preference-Applied'] = header('PreferenceApplied')
  }
  return {
    description: entries.map(entry => `\`${entry.code}\`: ${entry.description}`).join('; '),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: {
      'application/json': {
        schema: errorRef,
        examples: Object.fromEntries(entries.map(entry => [entry.code, { $ref: `#/components/examples/${entry.code}` }]))
      }
    }
  }
}

/** @fastify/swagger's transformObject: shared components, and each operation's error answers and headers. */
export const finishDocument: SwaggerTransformObject = (document) => {
  if (!('openapiObject' in document)) return document.swaggerObject
  const openapiObject = document.openapiObject as Json
  const catalog = errorCatalog()
  const byCode = new Map(catalog.map(entry => [entry.code, entry]))
  openapiObject.components = {
    ...openapiObject.components,
    schemas: { ...openapiObject.components?.schemas, Error: errorComponent(catalog) },
    headers: sharedHeaders
  }
  const others = anyRouteClientErrors.map(code => byCode.get(code) as ErrorCode)
  // One example body per code the document uses (an unused component would be noise, and a linter warning).
  const used = new Set<ErrorCode>(others)
  for (const [path, item] of Object.entries(openapiObject.paths as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item)) {
      const codes = operation['x-error-codes'] as string[] | undefined
      if (codes === undefined) continue
      const idempotent = operation['x-idempotent'] === true
      const byStatus = new Map<number, ErrorCode[]>()
      for (const code of codes) {
        const entry = byCode.get(code)
        if (entry === undefined) throw new Error(`${method.toUpperCase()} ${path} lists error code ${code}, which src/openapi/error-codes.ts does not know`)
        byStatus.set(entry.status, [...(byStatus.get(entry.status) ?? []), entry])
        used.add(entry)
      }
      const responses: Json = operation.responses
      for (const [status, answer] of Object.entries(responses)) {
        if (idempotent && /^2/.test(status)) {
          answer.headers = { ...answer.headers, 'Idempotent-Replayed': header('IdempotentReplayed'), 'Preference-Applied': header('PreferenceApplied') }
        }
      }
      for (const status of [...byStatus.keys()].sort()) {
        // A status the route answers with a body of its own (readiness' 503) keeps it.
        responses[status] ??= errorResponse(status, byStatus.get(status) as ErrorCode[], idempotent)
      }
      if (responses['4XX'] === undefined) {
        const answer = errorResponse(400, others, false)
        responses['4XX'] = { ...answer, description: `Other client errors any route may answer: ${answer.description as string}` }
      }
      operation['x-error-codes'] = [...byStatus.values()].flat().sort((a, b) => a.status - b.status || a.code.localeCompare(b.code)).map(entry => entry.code)
    }
  }
  openapiObject.components.examples = Object.fromEntries([...used]
    .sort((a, b) => a.status - b.status || a.code.localeCompare(b.code))
    .map(entry => [entry.code, errorExample(entry)]))
  return openapiObject
}
