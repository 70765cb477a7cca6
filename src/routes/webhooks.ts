// POST /api/webhooks/razorpay: signed Razorpay events, each applied once. The signature is checked on the raw
// bytes; the event id is claimed atomically before the event is applied, so a concurrent duplicate is
// acknowledged without applying it; a failure while applying releases the claim, so Razorpay's redelivery
// applies it. Applying is idempotent too, so a claim that expires after a crash costs nothing.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { ErrorResponses } from '../../schemas/common.js'
import { WebhookResultSchema } from '../../schemas/payment.js'
import { WebhookPayloadInvalidError, WebhookSignatureInvalidError, WebhooksNotConfiguredError } from '../errors.js'
import { applyWebhookEvent, orderIdOf, type WebhookEvent } from '../payments/webhook-events.js'

/** Razorpay redelivers for 24 hours; a processed event id is remembered well past that. */
const processedEventTtlSeconds = 7 * 24 * 3600
/** Longer than applying one event can take; a claim left by a crashed instance frees itself. */
const claimTtlSeconds = 60
const validEventId = /^[\x21-\x7e]{1,128}$/

export default async function webhookRoutes (fastify: FastifyInstance): Promise<void> {
  // Only this route needs the raw bytes, so the parser stays inside its plugin (replacing the app's JSON parser here).
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
    (_request, body, done) => done(null, body))
  const metrics = fastify.metrics.webhooks

  // Public to bearer tokens: Razorpay authenticates each event with X-Razorpay-Signature, checked in the handler.
  fastify.post('/api/webhooks/razorpay', {
    config: { auth: 'public' },
    schema: {
      tags: ['webhooks'],
      operationId: 'receiveRazorpayWebhook',
      summary: 'Razorpay webhooks: payments, refunds and disputes (X-Razorpay-Signature)',
      description: 'Each event is applied once: duplicates (same x-razorpay-event-id) are acknowledged with ' +
        '`duplicate`. A 5xx makes Razorpay redeliver.',
      security: [{ razorpaySignature: [] }],
      errorCodes: ['WEBHOOK_SIGNATURE_INVALID', 'WEBHOOK_PAYLOAD_INVALID', 'WEBHOOKS_NOT_CONFIGURED', 'STORE_UNAVAILABLE',
        'PAYMENT_PROVIDER_ERROR', 'PAYMENT_PROVIDER_TIMEOUT'],
      response: { 200: WebhookResultSchema, ...ErrorResponses }
    }
  }, async (request) => {
    // Without a secret nothing can be verified: 503 makes Razorpay redeliver once the secret is configured.
    if (!fastify.razorpay.webhooksEnabled) throw new WebhooksNotConfiguredError()
    const raw = request.body as Buffer
    const signature = request.headers['x-razorpay-signature']
    if (typeof signature !== 'string' || !Buffer.isBuffer(raw) || !fastify.razorpay.isWebhookSignatureValid(raw, signature)) {
      metrics.inc({ event: 'unknown', outcome: 'signature_invalid' })
      throw new WebhookSignatureInvalidError()
    }
    const eventId = request.headers['x-razorpay-event-id']
    if (eventId !== undefined && (typeof eventId !== 'string' || !validEventId.test(eventId))) {
      throw new WebhookPayloadInvalidError('x-razorpay-event-id must be 1 to 128 printable ASCII characters')
    }
    const event = parseEvent(raw)
    const name = typeof event.event === 'string' ? event.event : 'unknown'
    const log = request.log.child({ webhookEvent: name, eventId, orderId: orderIdOf(event) })

    const claim = eventId === undefined ? undefined : `webhook:event:{${eventId}}`
    const token = randomUUID()
    if (claim !== undefined && await fastify.store.command('set', [claim, `processing ${token}`, 'NX', 'EX', claimTtlSeconds]) === null) {
      metrics.inc({ event: name, outcome: 'duplicate' })
      return { status: 'duplicate' as const }
    }
    let outcome
    try {
      outcome = await applyWebhookEvent(fastify.paymentFlows(log), event)
    } catch (err) {
      metrics.inc({ event: name, outcome: 'failed' })
      if (claim !== undefined && await fastify.store.command('get', [claim]).catch(() => null) === `processing ${token}`) {
        await fastify.store.command('del', [claim]).catch(() => {})
      }
      throw err
    }
    if (claim !== undefined) await fastify.store.command('set', [claim, outcome, 'EX', processedEventTtlSeconds])
    metrics.inc({ event: name, outcome })
    if (outcome === 'unknown_order') log.warn('webhook for an order this service does not know: acknowledged, not applied')
    return { status: outcome === 'processed' ? 'processed' as const : 'ignored' as const }
  })
}

function parseEvent (raw: Buffer): WebhookEvent {
  try {
    const event = JSON.parse(raw.toString('utf8')) as unknown
    if (event !== null && typeof event === 'object' && !Array.isArray(event)) return event as WebhookEvent
  } catch {}
  throw new WebhookPayloadInvalidError('the body is not a JSON event')
}
