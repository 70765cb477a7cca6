// What Razorpay's refund and dispute news does to an order. The order's own payment refunded in full, or a dispute
// lost, makes it `refunded`; an open dispute makes it `disputed` until it is won. A refund of any other payment
// (one the service returned) leaves the order as it is. Each refund and dispute phase is one fulfilment event.
import type { PaymentFlows } from '../commerce.js'
import { OrderEventTypes } from '../orders/order-events.js'
import { OrderStatuses, type OrderRecord } from '../orders/order-store.js'

export interface RefundEntity { id: string, payment_id: string, amount: number, status?: string }
export interface RefundedPayment { id: string, amount: number, amount_refunded?: number, status?: string }
export interface DisputeEntity { id: string, payment_id?: string, amount?: number, status?: string }

export type DisputePhase = 'created' | 'under_review' | 'action_required' | 'won' | 'lost' | 'closed'

export async function applyRefundProcessed (deps: PaymentFlows, order: OrderRecord, refund: RefundEntity,
  payment: RefundedPayment): Promise<void> {
  const record = await deps.refunds.processed(refund.payment_id, refund.id)
  const ownPayment = order.paymentId === refund.payment_id
  const whole = (payment.amount_refunded ?? refund.amount) >= payment.amount || payment.status === 'refunded'
  if (ownPayment && whole) {
    const transition = await deps.orders.transition(order.orderId, OrderStatuses.refunded)
    if (transition.moved) await deps.audit.record({ type: 'order_refunded', orderId: order.orderId, clientId: order.clientId, paymentId: refund.payment_id, amount: refund.amount })
  }
  const type = ownPayment ? OrderEventTypes.refunded : OrderEventTypes.paymentRefunded
  const reason = record?.reason ?? (ownPayment ? 'refunded at Razorpay' : 'external')
  if (await deps.events.emit(type, order, { paymentId: refund.payment_id, refundId: refund.id, amount: refund.amount, reason }, refund.id)) {
    await deps.audit.record({ type: 'refund_processed', orderId: order.orderId, clientId: order.clientId, paymentId: refund.payment_id, amount: refund.amount, detail: `${refund.id}: ${reason}` })
  }
}

export async function applyRefundFailed (deps: PaymentFlows, order: OrderRecord, refund: RefundEntity): Promise<void> {
  await deps.audit.record({ type: 'refund_failed', orderId: order.orderId, clientId: order.clientId, paymentId: refund.payment_id, amount: refund.amount, detail: refund.id })
  await deps.refunds.failed(refund.payment_id, refund.id)
}

/** False when the dispute is about a payment this order did not keep (one already refunded): nothing to move. */
export async function applyDispute (deps: PaymentFlows, order: OrderRecord, paymentId: string, dispute: DisputeEntity,
  phase: DisputePhase): Promise<boolean> {
  if (order.paymentId !== paymentId) {
    deps.log.warn({ orderId: order.orderId, paymentId, disputeId: dispute.id, phase }, 'dispute on a payment the order did not keep')
    return false
  }
  const detail = { paymentId, disputeId: dispute.id, amount: dispute.amount, reason: phase }
  if (phase === 'won' || phase === 'closed') {
    await deps.orders.transition(order.orderId, OrderStatuses.paid)
    if (await deps.events.emit(OrderEventTypes.disputeWon, order, detail, dispute.id)) {
      await deps.audit.record({ type: 'dispute_won', orderId: order.orderId, clientId: order.clientId, paymentId, detail: `${dispute.id} ${phase}` })
    }
  } else if (phase === 'lost') {
    await deps.orders.transition(order.orderId, OrderStatuses.refunded)
    if (await deps.events.emit(OrderEventTypes.disputeLost, order, detail, dispute.id)) {
      await deps.audit.record({ type: 'dispute_lost', orderId: order.orderId, clientId: order.clientId, paymentId, amount: dispute.amount, detail: dispute.id })
    }
  } else {
    // Razorpay's delivery order is not guaranteed: an opening phase redelivered after the outcome changes nothing.
    const ended = await deps.events.emitted(OrderEventTypes.disputeWon, order.orderId, dispute.id) ||
      await deps.events.emitted(OrderEventTypes.disputeLost, order.orderId, dispute.id)
    if (ended) return true
    await deps.orders.transition(order.orderId, OrderStatuses.disputed)
    if (await deps.events.emit(OrderEventTypes.disputed, order, detail, dispute.id)) {
      await deps.audit.record({ type: 'dispute_opened', orderId: order.orderId, clientId: order.clientId, paymentId, amount: dispute.amount, detail: `${dispute.id} ${phase}` })
    }
  }
  return true
}
