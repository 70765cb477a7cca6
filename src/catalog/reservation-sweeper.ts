// Returns the stock of reservations whose time has passed and marks their orders expired. Safe with many
// instances: each step is one atomic script that only one caller can win and that is a no-op when repeated, and
// nothing leaves the expiry index before its stock is back, so a crash mid-sweep loses nothing.
import type { Commerce } from '../commerce.js'
import { OrderStatuses } from '../orders/order-store.js'

const batchSize = 100

/** Ends one due reservation; true when this call returned its stock. */
async function expireReservation (deps: Commerce, variantId: string, reservationId: string): Promise<boolean> {
  const orderId = await deps.catalog.reservationOrder(variantId, reservationId)
  if (orderId === undefined) return false
  if (orderId !== '') {
    const transition = await deps.orders.transition(orderId, OrderStatuses.expired)
    if (!transition.moved && transition.current === OrderStatuses.paid) {
      // Paid, but the process that recorded the payment died before selling the stock: finish that instead.
      const order = await deps.orders.get(orderId)
      if (order !== undefined) await deps.catalog.sell(variantId, reservationId, order.quantity)
      return false
    }
  }
  const result = await deps.catalog.settle(variantId, reservationId, 'expire')
  if (!result.ended) return false
  deps.log.info({ variantId, reservationId, orderId: result.orderId, quantity: result.quantity }, 'reservation expired; stock returned')
  if (result.orderId !== undefined) await deps.audit.record({ type: 'order_expired', orderId: result.orderId, detail: `${result.quantity} x ${variantId} returned` })
  return true
}

export async function sweepExpiredReservations (deps: Commerce): Promise<number> {
  let expired = 0
  for (const variantId of await deps.catalog.listVariantIds()) {
    while (true) {
      const due = await deps.catalog.expiredReservations(variantId, batchSize)
      for (const reservationId of due) {
        if (await expireReservation(deps, variantId, reservationId)) expired++
      }
      if (due.length < batchSize) break
    }
  }
  return expired
}

/** Runs the sweep every `intervalMs` until stopped; one sweep at a time per instance. */
export function startReservationSweeper (deps: Commerce, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve()
  let stopped = false
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (!stopped) await sweepExpiredReservations(deps)
    }).catch((err: unknown) => deps.log.error({ err }, 'reservation sweep failed; retrying next interval'))
  }, intervalMs)
  timer.unref()
  return async () => {
    stopped = true
    clearInterval(timer)
    await running
  }
}
