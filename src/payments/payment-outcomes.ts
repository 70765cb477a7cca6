// What a payment does to its order, whichever way the news arrives (verify-payment, a webhook, the reconciler), in
// any order and any number of times. Only Razorpay's word counts: a captured payment of the order's amount and
// currency pays it once and sells its stock once; an authorized one is captured first; any other captured payment
// (a second one, one the stock cannot cover, one of another amount) is refunded. Failures keep the order payable.
import type { PaymentFlows } from '../commerce.js'
import { OrderEventTypes } from '../orders/order-events.js'
import { OrderStatuses, type OrderRecord } from '../orders/order-store.js'
import { RefundReasons, type RefundReason } from './refunds.js'

/** The fields of Razorpay's payment entity the service relies on. */
export interface PaymentEntity {
  id: string
  order_id: string
  amount: number
  currency: string
  status: string
  error_code?: string | null
  error_description?: string | null
  card_id?: string | null
  vpa?: string | null
  email?: string | null
  contact?: string | null
}

export type Source = 'verify' | 'webhook' | 'reconciler' | 'cancel'

export type PaymentResult =
  | { outcome: 'paid', order: OrderRecord }
  | { outcome: 'refunded', reason: RefundReason, order: OrderRecord }
  | { outcome: 'not_captured', status: string, order: OrderRecord }

/** Applies a payment as Razorpay reports it: captures an authorized one, records a failed one. */
export async function settlePayment (deps: PaymentFlows, order: OrderRecord, payment: PaymentEntity,
  source: Source): Promise<PaymentResult> {
  if (payment.status === 'authorized') {
    const kept = (await deps.orders.get(order.orderId))?.paymentId
    if (kept !== undefined && kept !== payment.id) {
      // Another payment already paid the order: leave this one uncaptured, and Razorpay releases it.
      return { outcome: 'not_captured', status: payment.status, order }
    }
    if (!matchesOrder(order, payment)) {
      // Never capture money that does not match the order; Razorpay releases an uncaptured authorization itself.
      await deps.audit.record({ type: 'payment_amount_mismatch', orderId: order.orderId, clientId: order.clientId, paymentId: payment.id, amount: payment.amount, detail: `authorized, not captured; expected ${order.amount} ${order.currency}` })
      return { outcome: 'not_captured', status: payment.status, order }
    }
    payment = await capture(deps, order, payment)
  }
  if (payment.status === 'captured') return await applyCapturedPayment(deps, order, payment, source)
  if (payment.status === 'refunded') return await alreadyRefunded(deps, order, payment)
  if (payment.status === 'failed') {
    // A caller's claim changes no order state, but a failed attempt still counts for the card-testing rules.
    if (source === 'verify') await deps.risk.recordFailedPayment(order, payment)
    else await recordFailure(deps, order, payment)
  }
  return { outcome: 'not_captured', status: payment.status, order: await deps.orders.get(order.orderId) ?? order }
}

/** Captures for exactly the order's amount; a capture that already happened (a race, a retry) is read back. */
async function capture (deps: PaymentFlows, order: OrderRecord, payment: PaymentEntity): Promise<PaymentEntity> {
  try {
    return await deps.razorpay.capturePayment(payment.id, order.amount, order.currency) as PaymentEntity
  } catch (err) {
    const current = await deps.razorpay.fetchPayment(payment.id).catch(() => undefined) as PaymentEntity | undefined
    if (current?.status === 'captured') return current
    throw err
  }
}

export async function applyCapturedPayment (deps: PaymentFlows, order: OrderRecord, payment: PaymentEntity,
  source: Source): Promise<PaymentResult> {
  if (!matchesOrder(order, payment)) {
    deps.log.error({ orderId: order.orderId, paymentId: payment.id, paid: payment.amount, expected: order.amount }, 'captured amount differs from the order: refunding')
    await deps.audit.record({ type: 'payment_amount_mismatch', orderId: order.orderId, clientId: order.clientId, paymentId: payment.id, amount: payment.amount, detail: `expected ${order.amount} ${order.currency}` })
    return await refund(deps, order, payment, RefundReasons.amountMismatch)
  }
  const known = await deps.orders.get(order.orderId) ?? order
  if (known.paymentId !== undefined && known.paymentId !== payment.id) {
    return await refundDuplicate(deps, known, payment)
  }
  // The sale comes first: a crash before the order is marked leaves it payable, and the next report finishes it.
  const sale = await deps.catalog.sell(order.variantId, order.reservationId, order.quantity)
  if (sale.outcome === 'oversold' && known.paymentId !== payment.id) {
    if (sale.first) {
      deps.log.error({ orderId: order.orderId, variantId: order.variantId, quantity: order.quantity }, 'paid after its reservation ended and no stock is left: refunding')
      await deps.audit.record({ type: 'sale_oversold', orderId: order.orderId, clientId: order.clientId, paymentId: payment.id })
    }
    return await refund(deps, order, payment, RefundReasons.outOfStock)
  }
  const marked = await deps.orders.markPaid(order.orderId, payment.id)
  if (marked.outcome === 'other_payment') return await refundDuplicate(deps, known, payment)
  if (marked.outcome === 'not_payable' || marked.outcome === 'missing') {
    throw new Error(`order ${order.orderId} cannot be paid (${marked.outcome})`)
  }
  const paid = await deps.orders.get(order.orderId) ?? order
  // Also when it was already paid: a crash between the two steps must not lose the event.
  await deps.events.emit(OrderEventTypes.paid, paid, { paymentId: payment.id })
  if (marked.outcome === 'paid') {
    await Promise.all([deps.risk.releaseHold(order), deps.audit.record({
      type: source === 'verify' ? 'payment_verified' : 'payment_captured',
      orderId: order.orderId,
      clientId: order.clientId,
      paymentId: payment.id,
      amount: payment.amount,
      detail: `from ${marked.previous} via ${source}; stock ${sale.outcome}`
    })])
  }
  return { outcome: 'paid', order: paid }
}

/** A failed attempt is recorded; the reservation stays, because Checkout lets the buyer pay the order again. */
export async function recordFailure (deps: PaymentFlows, order: OrderRecord, payment: PaymentEntity): Promise<void> {
  const reason = [payment.error_code, payment.error_description].filter(Boolean).join(': ') || 'payment failed'
  // Counted once per payment whatever reports it, also when the order has moved on: card testing is about attempts.
  const [transition] = await Promise.all([
    deps.orders.transition(order.orderId, OrderStatuses.failed, { lastFailedPaymentId: payment.id, failureReason: reason }),
    deps.risk.recordFailedPayment(order, payment)
  ])
  if (!transition.moved) return
  await deps.audit.record({ type: 'payment_failed', orderId: order.orderId, clientId: order.clientId, paymentId: payment.id, amount: order.amount, detail: reason })
}

/** A payment already refunded: the service's own refund reports why; the order's kept payment shows the order. */
async function alreadyRefunded (deps: PaymentFlows, order: OrderRecord, payment: PaymentEntity): Promise<PaymentResult> {
  const current = await deps.orders.get(order.orderId) ?? order
  const refund = await deps.refunds.get(payment.id)
  if (refund !== undefined && current.paymentId !== payment.id) {
    return { outcome: 'refunded', reason: refund.reason as RefundReason, order: current }
  }
  if (current.paymentId === payment.id) return { outcome: 'paid', order: current }
  return { outcome: 'not_captured', status: payment.status, order: current }
}

function matchesOrder (order: OrderRecord, payment: PaymentEntity): boolean {
  return payment.amount === order.amount && payment.currency === order.currency
}

async function refundDuplicate (deps: PaymentFlows, order: OrderRecord, payment: PaymentEntity): Promise<PaymentResult> {
  deps.log.warn({ orderId: order.orderId, paymentId: payment.id, kept: order.paymentId }, 'a second captured payment for a paid order: refunding')
  await deps.audit.record({ type: 'payment_duplicate', orderId: order.orderId, clientId: order.clientId, paymentId: payment.id, amount: payment.amount, detail: `kept ${order.paymentId ?? ''}` })
  return await refund(deps, order, payment, RefundReasons.duplicatePayment)
}

async function refund (deps: PaymentFlows, order: OrderRecord, payment: PaymentEntity,
  reason: RefundReason): Promise<PaymentResult> {
  await deps.refunds.refund(order.orderId, order.clientId, payment, reason)
  return { outcome: 'refunded', reason, order: await deps.orders.get(order.orderId) ?? order }
}
