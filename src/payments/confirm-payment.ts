// verify-payment's decision. Checkout's signature only says the browser saw a payment; the order is paid only on
// Razorpay's word: the payment fetched from Razorpay must belong to the order, have its amount and currency, and be
// captured (an authorized one is captured here). Anything else changes nothing and says why.
import type { PaymentFlows } from '../commerce.js'
import { InsufficientStockError, PaymentMismatchError, PaymentNotCapturedError } from '../errors.js'
import { OrderEventTypes } from '../orders/order-events.js'
import type { OrderRecord } from '../orders/order-store.js'
import { RefundReasons } from './refunds.js'
import { settlePayment, type PaymentEntity } from './payment-outcomes.js'

/** Resolves to the order as it is now; a provider failure (502/504) leaves everything as it was, for a retry. */
export async function confirmPayment (deps: PaymentFlows, order: OrderRecord, paymentId: string): Promise<OrderRecord> {
  if (order.paymentId === paymentId) {
    // Already recorded on Razorpay's word; the event is repeated in case the step that recorded it died before it.
    if (order.status === 'paid') await deps.events.emit(OrderEventTypes.paid, order, { paymentId })
    return order
  }
  const payment = await deps.razorpay.fetchPayment(paymentId) as unknown as PaymentEntity
  if (payment.order_id !== order.orderId) {
    await deps.audit.record({ type: 'payment_not_captured', orderId: order.orderId, clientId: order.clientId, paymentId, detail: `payment belongs to ${payment.order_id}` })
    throw new PaymentMismatchError(paymentId, 'order')
  }
  const result = await settlePayment(deps, order, payment, 'verify')
  if (result.outcome === 'paid') return result.order
  if (result.outcome === 'not_captured') {
    await deps.audit.record({ type: 'payment_not_captured', orderId: order.orderId, clientId: order.clientId, paymentId, detail: `status ${result.status}` })
    if (payment.amount !== order.amount || payment.currency !== order.currency) throw new PaymentMismatchError(paymentId, 'amount or currency')
    throw new PaymentNotCapturedError(paymentId, result.status)
  }
  switch (result.reason) {
    case RefundReasons.amountMismatch: throw new PaymentMismatchError(paymentId, 'amount or currency')
    case RefundReasons.outOfStock: throw new InsufficientStockError(order.variantId, order.quantity)
    // The order is paid by another payment, which it keeps; this one goes back.
    case RefundReasons.duplicatePayment: return result.order
  }
}
