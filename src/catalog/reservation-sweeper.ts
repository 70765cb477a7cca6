// Returns the stock of reservations whose time has passed and marks their orders expired. Each step is one atomic
// script that only one caller can win and that is a no-op when repeated, and nothing leaves the expiry index before
// its stock is back, so a crash mid-sweep loses nothing. A tick handles a bounded number of entries, and an entry
// it cannot settle is moved to a later time, so no entry can make the sweep loop or stall.
import type { Commerce } from '../commerce.js'
import { OrderStatuses } from '../orders/order-store.js'

const batchSize = 100
const maxEntriesPerTick = 1000
/** When an entry could not be settled, it is looked at again this much later (and logged each time). */
const retryDelayMs = 60_000

/** Ends one due reservation; true when this call returned its stock. */
async function expireReservation (deps: Commerce, variantId: string, reservationId: string): Promise<boolean> {
  const orderId = await deps.catalog.reservationOrder(variantId, reservationId)
  if (orderId !== undefined && orderId !== '') {
    const transition = await deps.orders.transition(orderId, OrderStatuses.expired)
    if (!transition.moved && transition.current === OrderStatuses.paid) {
      // Paid, but the sale was not recorded yet (a crash between the steps): finish it instead of expiring.
      const order = await deps.orders.get(orderId)
      if (order !== undefined) await deps.catalog.sell(variantId, reservationId, order.quantity)
      return false
    }
  }
  // Also when the reservation is gone: this removes its stale expiry entry.
  const result = await deps.catalog.settle(variantId, reservationId, 'expire')
  if (!result.ended) return false
  deps.log.info({ variantId, reservationId, orderId: result.orderId, quantity: result.quantity }, 'reservation expired; stock returned')
  if (result.orderId !== undefined) await deps.audit.record({ type: 'order_expired', orderId: result.orderId, detail: `${result.quantity} x ${variantId} returned` })
  return true
}

/**
 * One bounded sweep; returns how many reservations it expired. `onLag` is told, in seconds, how long past its expiry
 * the oldest due reservation was when the sweep found it (0 when none was due): about the sweep interval while the
 * sweeper keeps up, growing when it falls behind. Variants a tick had no budget left for are looked at (one read
 * each) only then, so that a backlog is measured too.
 */
export async function sweepExpiredReservations (deps: Commerce, signal?: AbortSignal,
  onLag?: (seconds: number) => void): Promise<number> {
  let expired = 0
  let budget = maxEntriesPerTick
  let lagMs = 0
  const stopped = (): boolean => signal?.aborted === true
  const variantIds = await deps.catalog.listVariantIds()
  let visited = 0
  for (const variantId of variantIds) {
    if (budget <= 0 || stopped()) break
    visited++
    // Every entry read leaves the due range (settled, or postponed), so reading again makes progress; the budget
    // bounds the tick however large the backlog.
    while (budget > 0 && !stopped()) {
      const due = await deps.catalog.expiredReservations(variantId, Math.min(batchSize, budget))
      budget -= due.length
      if (due.length > 0) lagMs = Math.max(lagMs, Date.now() - due[0].expiresAt)
      for (const { reservationId } of due) {
        if (stopped()) break
        try {
          if (await expireReservation(deps, variantId, reservationId)) {
            expired++
            continue
          }
        } catch (err) {
          deps.log.error({ err, variantId, reservationId }, 'could not settle an expired reservation; trying again later')
        }
        // An expired entry left the index; anything else still there could not be settled: look at it again later
        // rather than every tick (a no-op for an entry that did leave).
        await deps.catalog.postponeExpiry(variantId, reservationId, Date.now() + retryDelayMs)
      }
      if (due.length < batchSize) break
    }
  }
  if (onLag !== undefined && !stopped()) {
    for (const variantId of variantIds.slice(visited)) {
      const [oldest] = await deps.catalog.expiredReservations(variantId, 1)
      if (oldest !== undefined) lagMs = Math.max(lagMs, Date.now() - oldest.expiresAt)
    }
    onLag(Math.max(0, lagMs) / 1000)
  }
  return expired
}
