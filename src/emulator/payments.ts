// The Payments API: fetch a payment and capture an authorized one.
import type { FastifyInstance } from 'fastify'
import type { ContextOptions } from './context.js'
import { unknownIdError, validationError } from './errors.js'
import { markCaptured } from './lifecycle.js'
import { parseCapture } from './validation.js'

interface PaymentParams { id: string }

// Like the order routes, no response schema: the entity goes out exactly as held.
export async function paymentRoutes (app: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const { store, webhooks } = ctx

  app.get<{ Params: PaymentParams }>('/payments/:id', async (request) => {
    const payment = store.getPayment(request.params.id)
    if (payment === undefined) throw unknownIdError()
    return payment
  })

  app.post<{ Params: PaymentParams }>('/payments/:id/capture', async (request) => {
    const payment = store.getPayment(request.params.id)
    if (payment === undefined) throw unknownIdError()
    const { amount, currency } = parseCapture(request.body)
    if (payment.status === 'captured') throw validationError('This payment has already been captured')
    if (payment.status !== 'authorized') {
      throw validationError('Only payments which have been authorized and not yet captured can be captured')
    }
    if (amount !== payment.amount) {
      throw validationError('Capture amount must be equal to the amount authorized', 'amount')
    }
    if (currency !== payment.currency) throw validationError('Currency should be same as payment currency', 'currency')
    const order = store.getOrder(payment.order_id)
    if (order === undefined) throw unknownIdError()
    const events = markCaptured(order, payment, webhooks)
    // Awaited, like the control surface's pay, so that tests observe the webhooks deterministically.
    await webhooks.deliver(events)
    return payment
  })
}
