// Cancelling an unpaid order returns its stock now instead of at expiry (a buyer who starts over). The Razorpay
// order itself stays payable, so a payment that still arrives is handled like any late payment: sold from what is
// left, or refunded. Cancelling again, or cancelling an order that already expired, changes nothing.
import type { Commerce } from '../commerce.js'
import { OrderNotCancellableError } from '../errors.js'
import { OrderStatuses, type OrderRecord } from './order-store.js'

export async function cancelOrder (deps: Commerce, order: OrderRecord): Promise<OrderRecord> {
  const transition = await deps.orders.transition(order.orderId, OrderStatuses.cancelled)
  if (!transition.moved) {
    const current = transition.current ?? order.status
    if (current === OrderStatuses.cancelled || current === OrderStatuses.expired) return await deps.orders.get(order.orderId) ?? order
    throw new OrderNotCancellableError(order.orderId, current)
  }
  const released = await deps.catalog.settle(order.variantId, order.reservationId, 'release')
  await deps.audit.record({
    type: 'order_cancelled',
    orderId: order.orderId,
    clientId: order.clientId,
    detail: released.ended ? `${released.quantity} x ${order.variantId} returned` : 'no reservation held'
  })
  return await deps.orders.get(order.orderId) ?? order
}
