// The Refunds API (create, idempotent under X-Refund-Idempotency; fetch; list a payment's) and the
// control route that makes a processed refund fail, with the refund.* webhooks Razorpay sends.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ContextOptions } from './context.js'
import { ControlErrors, EntitySchema, controlError } from './control-common.js'
import { collection } from './entities.js'
import { unknownIdError } from './errors.js'
import { refundFingerprint } from './refund-book.js'
import { parseIdempotencyKey, parseRefund, parseRefundList } from './validation.js'

interface PaymentParams { id: string }

// Like the order and payment routes, no response schema: the entity goes out exactly as held.
export async function refundRoutes (app: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const { store, webhooks } = ctx
  const { refunds } = store

  app.post<{ Params: PaymentParams }>('/payments/:id/refund', async (request) => {
    const input = parseRefund(request.body)
    const key = parseIdempotencyKey(request.headers['x-refund-idempotency'])
    const payment = store.getPayment(request.params.id)
    if (payment === undefined) throw unknownIdError()
    const idempotency = key === undefined ? undefined : { key, fingerprint: refundFingerprint(payment.id, input) }
    const earlier = idempotency === undefined ? undefined : refunds.replay(idempotency)
    if (earlier !== undefined) return earlier
    const refund = refunds.create(payment, input, idempotency)
    try {
      // Awaited, like capture, so that tests observe the webhooks before the answer.
      await webhooks.deliver([
        webhooks.createEvent('refund.created', { refund, payment }),
        webhooks.createEvent('refund.processed', { refund, payment })
      ])
    } finally {
      if (key !== undefined) refunds.settle(key)
    }
    return refund
  })

  app.get<{ Params: PaymentParams }>('/payments/:id/refunds', async (request) => {
    const payment = store.getPayment(request.params.id)
    if (payment === undefined) throw unknownIdError()
    return collection(refunds.list(payment.id, parseRefundList(request.query)))
  })

  app.get<{ Params: PaymentParams & { refundId: string } }>('/payments/:id/refunds/:refundId', async (request) => {
    const refund = refunds.get(request.params.refundId)
    if (refund === undefined || refund.payment_id !== request.params.id) throw unknownIdError()
    return refund
  })

  app.get<{ Params: PaymentParams }>('/refunds/:id', async (request) => {
    const refund = refunds.get(request.params.id)
    if (refund === undefined) throw unknownIdError()
    return refund
  })
}

/** The bank rejecting a refund after Razorpay processed it: the amount goes back to the payment. */
export async function refundControlRoutes (fastify: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { store, webhooks } = ctx

  app.post('/refunds/:refundId/fail', {
    schema: { params: Type.Object({ refundId: Type.String() }), response: { 200: EntitySchema, ...ControlErrors } }
  }, async (request, reply) => {
    const { refundId } = request.params
    const refund = store.refunds.get(refundId)
    const payment = refund === undefined ? undefined : store.getPayment(refund.payment_id)
    if (refund === undefined || payment === undefined) {
      return reply.code(404).send(controlError(404, 'REFUND_NOT_FOUND', `no refund ${refundId}`))
    }
    if (refund.status !== 'processed') {
      return reply.code(400).send(controlError(400, 'REFUND_NOT_PROCESSED', `refund ${refundId} is ${refund.status}`))
    }
    store.refunds.fail(refund, payment)
    await webhooks.deliver([webhooks.createEvent('refund.failed', { refund, payment })])
    return refund
  })
}
