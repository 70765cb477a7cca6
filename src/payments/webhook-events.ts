// Applies one verified Razorpay webhook event to the order it concerns. Plain TypeScript: the route verifies the
// signature and claims the event id; this decides what the event means. Unknown events and orders are ignored.
import type { PaymentFlows } from '../commerce.js'
import { settlePayment, type PaymentEntity } from './payment-outcomes.js'
import {
  applyDispute, applyRefundFailed, applyRefundProcessed,
  type DisputeEntity, type DisputePhase, type RefundedPayment, type RefundEntity
} from './refund-and-dispute-outcomes.js'

export interface WebhookEvent {
  event?: string
  payload?: {
    payment?: { entity?: PaymentEntity & RefundedPayment }
    order?: { entity?: { id?: string } }
    refund?: { entity?: RefundEntity }
    dispute?: { entity?: DisputeEntity }
  }
}

export type WebhookOutcome = 'processed' | 'ignored' | 'unknown_order'

const paymentEvents = new Set(['payment.authorized', 'payment.captured', 'order.paid', 'payment.failed'])
const disputePrefix = 'payment.dispute.'

/** The order an event is about; undefined unless the payload names it with a string. */
export function orderIdOf (event: WebhookEvent): string | undefined {
  const id: unknown = event.payload?.payment?.entity?.order_id ?? event.payload?.order?.entity?.id
  return typeof id === 'string' ? id : undefined
}

export async function applyWebhookEvent (deps: PaymentFlows, event: WebhookEvent): Promise<WebhookOutcome> {
  // A signed body is Razorpay's, but its shape is still checked: a field of the wrong type is ignored, not a 500.
  const name = typeof event.event === 'string' ? event.event : ''
  const payment = event.payload?.payment?.entity
  const orderId = orderIdOf(event)
  if (payment === undefined || !isPaymentEntity(payment) || orderId === undefined) return 'ignored'
  const order = await deps.orders.get(orderId)
  if (order === undefined) return 'unknown_order'

  if (paymentEvents.has(name)) {
    await settlePayment(deps, order, payment, 'webhook')
    return 'processed'
  }
  const refund = event.payload?.refund?.entity
  if (refund !== undefined && (typeof refund.id !== 'string' || typeof refund.payment_id !== 'string' || typeof refund.amount !== 'number')) return 'ignored'
  if (name === 'refund.processed' && refund !== undefined) {
    await applyRefundProcessed(deps, order, refund, payment)
    return 'processed'
  }
  if (name === 'refund.failed' && refund !== undefined) {
    await applyRefundFailed(deps, order, refund)
    return 'processed'
  }
  const dispute = event.payload?.dispute?.entity
  if (name.startsWith(disputePrefix) && dispute !== undefined && typeof dispute.id === 'string') {
    const phase = name.slice(disputePrefix.length) as DisputePhase
    if (!['created', 'under_review', 'action_required', 'won', 'lost', 'closed'].includes(phase)) return 'ignored'
    return await applyDispute(deps, order, payment.id, dispute, phase) ? 'processed' : 'ignored'
  }
  return 'ignored'
}

function isPaymentEntity (payment: PaymentEntity): boolean {
  return typeof payment.id === 'string' && typeof payment.amount === 'number' && Number.isSafeInteger(payment.amount) &&
    typeof payment.currency === 'string' && typeof payment.status === 'string'
}
