// Webhooks can be lost: the reconciler asks Razorpay instead of waiting for them. An order still unpaid some
// minutes after it was created (created, failed, and also expired or cancelled, since a late authorization can
// still capture) has its payments fetched and applied through the same steps as verify-payment and webhooks, until
// Razorpay's late-authorization window closes. Authorized payments are captured before Razorpay would release them.
// A paid order is looked at once more, a delay after its payment, so that a second payment made around it (a buyer
// paying from two tabs) is refunded even if its webhooks were lost. Refunds not sent yet are sent here too.
import type { PaymentFlows } from '../commerce.js'
import { OrderEventTypes } from '../orders/order-events.js'
import { OrderStatuses, settledStatuses, type OrderRecord } from '../orders/order-store.js'
import { settlePayment, type PaymentEntity } from './payment-outcomes.js'

export interface ReconcilerSettings {
  /** How long after creation (and at least between checks) an order waits before it is checked. */
  delayMs: number
  /** After this long since creation, no payment can arrive any more: the order leaves the index. */
  windowMs: number
  batchSize: number
  /** Orders checked at Razorpay at the same time. */
  concurrency: number
  /** A tick takes batch after batch while orders are due, for up to this long: a backlog drains instead of growing. */
  budgetMs: number
}

export type ReconcileOutcome = 'paid' | 'refunded' | 'not_captured' | 'unchanged' | 'done'

/** One bounded batch of due orders and refunds; the count callback sees each order's outcome. */
export async function reconcileOrders (deps: PaymentFlows, settings: ReconcilerSettings,
  count: (outcome: ReconcileOutcome | 'failed') => void = () => {}, signal?: AbortSignal): Promise<number> {
  await deps.refunds.sendDue(settings.batchSize)
  const started = Date.now()
  let total = 0
  while (signal?.aborted !== true) {
    const now = Date.now()
    const due = await deps.orders.dueForReconcile(now, settings.batchSize)
    let next = 0
    await Promise.all(Array.from({ length: settings.concurrency }, async () => {
      while (next < due.length && signal?.aborted !== true) await reconcileOne(deps, due[next++] as string, settings, now, count)
    }))
    total += due.length
    if (due.length < settings.batchSize || Date.now() - started >= settings.budgetMs) break
  }
  return total
}

async function reconcileOne (deps: PaymentFlows, orderId: string, settings: ReconcilerSettings, now: number,
  count: (outcome: ReconcileOutcome | 'failed') => void): Promise<void> {
  try {
    const { outcome, next } = await reconcileOrder(deps, orderId, settings, now)
    count(outcome)
    if (next === undefined) await deps.orders.stopReconciling(orderId)
    else await deps.orders.scheduleReconcile(orderId, next)
  } catch (err) {
    count('failed')
    deps.log.warn({ err, orderId }, 'could not reconcile the order with Razorpay; trying again later')
    await deps.orders.scheduleReconcile(orderId, now + settings.delayMs).catch(() => {})
  }
}

/** What the order's payments did, and when to look again (undefined: never). */
async function reconcileOrder (deps: PaymentFlows, orderId: string, settings: ReconcilerSettings,
  now: number): Promise<{ outcome: ReconcileOutcome, next?: number }> {
  const order = await deps.orders.get(orderId)
  if (order === undefined) return { outcome: 'done' }
  if (settledStatuses.includes(order.status)) {
    // A step that marked it paid may have died before the event: the stream takes it once whoever reports it.
    if (order.status === OrderStatuses.paid) await deps.events.emit(OrderEventTypes.paid, order, { paymentId: order.paymentId })
    const lookAt = Date.parse(order.paidAt ?? order.updatedAt) + settings.delayMs
    if (now < lookAt) return { outcome: 'unchanged', next: lookAt }
    await applyPayments(deps, order)
    return { outcome: 'done' }
  }
  const outcome = await applyPayments(deps, order)
  const createdAt = Date.parse(order.createdAt)
  if (outcome === 'paid') return { outcome, next: now + settings.delayMs }
  if (now - createdAt >= settings.windowMs) return { outcome: 'done' }
  // Checks thin out as the order ages: about a dozen over the whole window instead of one every delay.
  const next = now + Math.max(settings.delayMs, (now - createdAt) / 2)
  return { outcome, next: Math.min(next, createdAt + settings.windowMs) }
}

async function applyPayments (deps: PaymentFlows, order: OrderRecord): Promise<ReconcileOutcome> {
  const payments = await deps.razorpay.fetchOrderPayments(order.orderId) as unknown as PaymentEntity[]
  let outcome: ReconcileOutcome = 'unchanged'
  // Captured payments first, so that an authorized one is not captured for an order another payment already paid.
  const rank = (payment: PaymentEntity): number => payment.status === 'captured' ? 0 : payment.status === 'authorized' ? 1 : 2
  for (const payment of [...payments].sort((a, b) => rank(a) - rank(b))) {
    const result = await settlePayment(deps, order, payment, 'reconciler')
    if (result.outcome === 'paid') outcome = 'paid'
    else if (outcome === 'unchanged') outcome = result.outcome
  }
  return outcome
}
