// POST /api/webhooks/razorpay: signed Razorpay events, each applied once. The signature is checked on the raw
// bytes; an event is marked done only after it was applied, and applying is idempotent, so a crash in between
// only means Razorpay's redelivery applies it again harmlessly.
import createError from '@fastify/error'
import type { FastifyInstance } from 'fastify'
import { ErrorResponses } from '../../schemas/common.js'
import { WebhookResultSchema } from '../../schemas/payment.js'
import { WebhookSignatureInvalidError } from '../errors.js'
import { recordFailure, recordPayment } from '../payments/payment-outcomes.js'

const WebhookPayloadInvalidError = createError('WEBHOOK_PAYLOAD_INVALID', 'The webhook body is not a JSON event', 400)

/** Razorpay redelivers for 24 hours; a processed event id is remembered well past that. */
const processedEventTtlSeconds = 7 * 24 * 3600

interface WebhookEvent {
  event?: string
  payload?: {
    payment?: { entity?: { id?: string, order_id?: string, amount?: number, error_code?: string, error_description?: string } }
    order?: { entity?: { id?: string } }
  }
}

export default async function webhookRoutes (fastify: FastifyInstance): Promise<void> {
  // Only this route needs the raw bytes, so the parser stays inside its plugin.
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
    (_request, body, done) => done(null, body))

  fastify.post('/api/webhooks/razorpay', {
    schema: {
      tags: ['webhooks'],
      summary: 'Razorpay webhooks: payment.captured, order.paid, payment.failed (X-Razorpay-Signature)',
      response: { 200: WebhookResultSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const raw = request.body as Buffer
    const signature = request.headers['x-razorpay-signature']
    if (typeof signature !== 'string' || !Buffer.isBuffer(raw) || !fastify.razorpay.isWebhookSignatureValid(raw, signature)) {
      throw new WebhookSignatureInvalidError()
    }
    const eventId = request.headers['x-razorpay-event-id']
    const marker = typeof eventId === 'string' && eventId !== '' ? `webhook:event:{${eventId}}` : undefined
    if (marker !== undefined && await fastify.store.command('exists', [marker]) === 1) return { status: 'duplicate' as const }

    const event = parseEvent(raw)
    const payment = event.payload?.payment?.entity
    const orderId = payment?.order_id ?? event.payload?.order?.entity?.id
    const order = orderId === undefined ? undefined : await fastify.orders.get(orderId)
    const log = request.log.child({ webhookEvent: event.event, eventId, orderId })
    const commerce = { catalog: fastify.catalog, orders: fastify.orders, audit: fastify.audit, log }
    let status: 'processed' | 'ignored' = 'ignored'
    if (order === undefined || payment?.id === undefined) {
      log.info('webhook for an order this service does not know: ignored')
    } else if ((event.event === 'payment.captured' || event.event === 'order.paid') && payment.amount !== order.amount) {
      // Never sell for less than the order's price: an operator must look at this one.
      log.error({ paid: payment.amount, expected: order.amount }, 'captured amount differs from the order: not marked paid')
      await fastify.audit.record({ type: 'payment_amount_mismatch', orderId: order.orderId, clientId: order.clientId, paymentId: payment.id, amount: payment.amount, detail: `expected ${order.amount}` })
    } else if (event.event === 'payment.captured' || event.event === 'order.paid') {
      await recordPayment(commerce, order, payment.id, 'webhook')
      status = 'processed'
    } else if (event.event === 'payment.failed') {
      const reason = [payment.error_code, payment.error_description].filter(Boolean).join(': ') || 'payment failed'
      await recordFailure(commerce, order, payment.id, reason)
      status = 'processed'
    }
    if (marker !== undefined) await fastify.store.command('set', [marker, status, 'EX', processedEventTtlSeconds])
    return { status }
  })
}

function parseEvent (raw: Buffer): WebhookEvent {
  try {
    const event = JSON.parse(raw.toString('utf8')) as unknown
    if (event !== null && typeof event === 'object' && !Array.isArray(event)) return event as WebhookEvent
  } catch {}
  throw new WebhookPayloadInvalidError()
}
