// Inspecting an idempotency key (GET /api/admin/idempotency and `npm run inspect-key`): which key, and its state.
import Type, { type Static } from 'typebox'

/** The routes that opt into idempotency (a test keeps this list equal to the routes' `config.idempotency`). */
export const idempotentRoutes = [
  { method: 'POST', route: '/api/checkout/create-order' },
  { method: 'POST', route: '/api/checkout/verify-payment' },
  { method: 'POST', route: '/api/orders/:orderId/cancel' }
] as const

const printable = '^[\\x21-\\x7e]+$'

export const InspectKeyQuerySchema = Type.Object({
  clientId: Type.String({ minLength: 1, maxLength: 128, pattern: printable, description: 'the client id of API_KEYS (`anonymous` when API_KEYS is unset)' }),
  method: Type.Optional(Type.String({ minLength: 1, maxLength: 16, pattern: '^[A-Z]+$', description: 'the route\'s method (default POST)' })),
  route: Type.String({
    minLength: 1,
    maxLength: 256,
    pattern: '^/[\\x21-\\x7e]*$',
    description: 'the route pattern as the service registers it (`:orderId`, not an order id), one of: ' +
      idempotentRoutes.map(({ method, route }) => `${method} ${route}`).join(', '),
    examples: [idempotentRoutes[0].route]
  }),
  key: Type.String({ minLength: 1, maxLength: 255, pattern: printable, description: 'the Idempotency-Key the caller sent' }),
  body: Type.Optional(Type.Boolean({ description: 'true: include the stored response body (it can hold order data); default false' }))
}, { additionalProperties: false })
export type InspectKeyQuery = Static<typeof InspectKeyQuerySchema>

const ExecutionSchema = Type.Object({
  attempt: Type.Optional(Type.Integer({ description: 'how many times the lock was taken under this key' })),
  executionId: Type.Optional(Type.String({ description: 'the first request\'s execution id (receipt rcpt_<id>, reservation res_<id>)' })),
  fingerprint: Type.Optional(Type.String({ description: 'fingerprint of the request body the key is bound to' })),
  checkpoints: Type.Record(Type.String(), Type.String(), { description: 'what the handler saved so far (create-order: razorpay_order_id)' }),
  ttlSeconds: Type.Integer({ description: 'seconds until the checkpoints expire (-1: no expiry)' })
}, { description: 'What the running (or last) attempt left under the key' })

export const KeyInspectionSchema = Type.Object({
  state: Type.Union([Type.Literal('completed'), Type.Literal('in_progress'), Type.Literal('interrupted'), Type.Literal('unknown')], {
    description: 'completed: an answer is stored and replayed; in_progress: a request holds the lock; interrupted: no lock ' +
      'and no answer, but an earlier attempt bound the key to its body (it failed with a 5xx, crashed or lost its lock); ' +
      'unknown: nothing under this key (never used, or expired)'
  }),
  note: Type.String({ description: 'what a repeat of the request gets now' }),
  clientId: Type.String(),
  method: Type.String(),
  route: Type.String(),
  key: Type.String(),
  scope: Type.String({ description: 'sha256(clientId, method, route, key), first 32 hex characters' }),
  redisKeys: Type.Object({ record: Type.String(), lock: Type.String(), checkpoints: Type.String() }),
  record: Type.Optional(Type.Object({
    statusCode: Type.Integer(),
    contentType: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    ttlSeconds: Type.Integer({ description: 'seconds until Redis drops the record' }),
    sizeBytes: Type.Integer({ description: 'the whole record: metadata line and body' }),
    fingerprint: Type.String(),
    localCache: Type.Object({
      eligible: Type.Boolean(),
      reason: Type.String()
    }, { description: 'whether an instance may serve repeats of it from memory (each instance\'s cache is its own)' }),
    body: Type.Optional(Type.String({ description: 'the stored body, only when asked for' }))
  })),
  lock: Type.Optional(Type.Object({
    ttlMs: Type.Integer({ description: 'milliseconds until the lock expires unless its owner renews it' }),
    fingerprint: Type.String()
  })),
  execution: Type.Optional(ExecutionSchema)
}, { $id: 'KeyInspection', description: 'The state of one idempotency key; never the stored body unless asked for' })
export type KeyInspection = Static<typeof KeyInspectionSchema>
