// The control route that walks a captured payment through a dispute (chargeback), phase by phase,
// delivering the payment.dispute.* webhook of each phase.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ContextOptions } from './context.js'
import { ControlErrors, DeliverySchema, EntitySchema, controlError } from './control-common.js'
import { isFinal } from './dispute-book.js'

const DisputeBodySchema = Type.Object({
  phase: Type.Union([
    Type.Literal('created'),
    Type.Literal('under_review'),
    Type.Literal('action_required'),
    Type.Literal('won'),
    Type.Literal('lost'),
    Type.Literal('closed')
  ]),
  webhooks: Type.Optional(DeliverySchema)
}, { additionalProperties: false })

export async function disputeControlRoutes (fastify: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { store, webhooks } = ctx

  app.post('/payments/:paymentId/dispute', {
    schema: { params: Type.Object({ paymentId: Type.String() }), body: DisputeBodySchema, response: { 200: EntitySchema, ...ControlErrors } }
  }, async (request, reply) => {
    const { paymentId } = request.params
    const { phase } = request.body
    const invalid = (message: string) => reply.code(400).send(controlError(400, 'DISPUTE_INVALID', message))
    const payment = store.getPayment(paymentId)
    if (payment === undefined) {
      return reply.code(404).send(controlError(404, 'PAYMENT_NOT_FOUND', `no payment ${paymentId}`))
    }
    let dispute = store.disputes.ofPayment(paymentId)
    if (phase === 'created') {
      if (dispute !== undefined) return invalid(`payment ${paymentId} already has dispute ${dispute.id}`)
      // Only money that moved can be charged back; a partly refunded payment is still `captured`.
      if (payment.status !== 'captured') return invalid(`payment ${paymentId} is ${payment.status}, not captured`)
      dispute = store.disputes.open(payment)
    } else {
      if (dispute === undefined) return invalid(`payment ${paymentId} has no dispute: create one first`)
      if (isFinal(dispute)) return invalid(`dispute ${dispute.id} is already ${dispute.status}`)
      store.disputes.move(dispute, phase)
    }
    await webhooks.deliver([webhooks.createEvent(`payment.dispute.${phase}`, { payment, dispute })], request.body.webhooks)
    return dispute
  })
}
