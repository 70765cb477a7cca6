// Cancelling an unpaid order returns its stock now instead of at expiry (a buyer who starts over). Razorpay is asked
// first: a payment it already captured (or authorized) pays the order instead, and the cancel is refused with 409.
// The Razorpay order itself stays payable, so a payment that arrives later is handled like any late payment: sold
// from what is left, or refunded. Cancelling again, or cancelling an order that already expired, changes nothing.
import type { PaymentFlows } from '../commerce.js'
import { OrderNotCancellableError } from '../errors.js'
import { settlePayment, type PaymentEntity } from '../payments/payment-outcomes.js'
import { OrderStatuses, payableStatuses, type OrderRecord } from './order-store.js'

export async function cancelOrder (deps: PaymentFlows, order: OrderRecord): Promise<OrderRecord> {
  if (payableStatuses.includes(order.status)) {
    const payments = await deps.razorpay.fetchOrderPayments(order.orderId) as unknown as PaymentEntity[]
    for (const payment of payments.filter(p => p.status === 'captured' || p.status === 'authorized')) {
      await settlePayment(deps, order, payment, 'cancel')
    }
  }
  const transition = await deps.orders.transition(order.orderId, OrderStatuses.cancelled)
  if (!transition.moved) {
    const current = transition.current ?? order.status
    if (current === OrderStatuses.cancelled || current === OrderStatuses.expired) return await deps.orders.get(order.orderId) ?? order
    throw new OrderNotCancellableError(order.orderId, current)
  }
  const [released] = await Promise.all([
    deps.catalog.settle(order.variantId, order.reservationId, 'release'),
    deps.risk.releaseHold(order)
  ])
  await deps.audit.record({
    type: 'order_cancelled',
    orderId: order.orderId,
    clientId: order.clientId,
    detail: released.ended ? `${released.quantity} x ${order.variantId} returned` : 'no reservation held'
  })
  return await deps.orders.get(order.orderId) ?? order
}
