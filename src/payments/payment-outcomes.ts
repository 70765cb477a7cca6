// What happens when a payment succeeds or fails, whichever way the news arrives (verify-payment or a webhook,
// in any order, any number of times): the order moves through its state machine and the stock is sold or
// returned exactly once.
import type { Commerce } from '../commerce.js'
import { OrderStatuses, type OrderRecord } from '../orders/order-store.js'

/** Marks the order paid and sells its stock; safe to repeat. Returns the order as it is now. */
export async function recordPayment (deps: Commerce, order: OrderRecord, paymentId: string,
  source: 'verify' | 'webhook'): Promise<OrderRecord> {
  const transition = await deps.orders.transition(order.orderId, OrderStatuses.paid, { paymentId })
  if (!transition.moved && transition.current !== OrderStatuses.paid) {
    throw new Error(`order ${order.orderId} cannot become paid from ${String(transition.current)}`)
  }
  if (!transition.moved && order.paymentId !== undefined && order.paymentId !== paymentId) {
    deps.log.warn({ orderId: order.orderId, paymentId, recorded: order.paymentId }, 'a second payment for a paid order: refund it')
  }
  // Also when the order was already paid: a crash between the two steps must not leave the stock reserved.
  const sale = await deps.catalog.sell(order.variantId, order.reservationId, order.quantity)
  if (sale === 'oversold') {
    deps.log.error({ orderId: order.orderId, variantId: order.variantId, quantity: order.quantity },
      'paid after its reservation ended and no stock is left: oversold')
    await deps.audit.record({ type: 'sale_oversold', orderId: order.orderId, clientId: order.clientId, paymentId })
  }
  if (transition.moved) {
    await deps.audit.record({
      type: source === 'verify' ? 'payment_verified' : 'payment_captured',
      orderId: order.orderId,
      clientId: order.clientId,
      paymentId,
      amount: order.amount,
      detail: `from ${transition.previous}; stock ${sale}`
    })
  }
  return await deps.orders.get(order.orderId) ?? order
}

/** Marks a created order failed and returns its stock; a later success (a retried UPI payment) still wins. */
export async function recordFailure (deps: Commerce, order: OrderRecord, paymentId: string,
  reason: string): Promise<void> {
  const transition = await deps.orders.transition(order.orderId, OrderStatuses.failed, { paymentId, failureReason: reason })
  if (!transition.moved) return
  await deps.catalog.settle(order.variantId, order.reservationId, 'release')
  await deps.audit.record({ type: 'payment_failed', orderId: order.orderId, clientId: order.clientId, paymentId, amount: order.amount, detail: reason })
}
