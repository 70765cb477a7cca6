// Returns the stock of reservations whose time has passed and marks their orders expired. Safe with many
// instances: each reservation ends in one atomic script that only one caller can win, and nothing is removed
// from the expiry index before its stock is back, so a crash mid-sweep loses nothing.
import type { Catalog } from './catalog.js'
import { OrderStatuses, type OrderStore } from '../orders/order-store.js'

export interface SweepLogger {
  info (object: object, message: string): void
  error (object: object, message: string): void
}

const batchSize = 100

export async function sweepExpiredReservations (catalog: Catalog, orders: OrderStore, log: SweepLogger): Promise<number> {
  let expired = 0
  for (const variantId of await catalog.listVariantIds()) {
    while (true) {
      const due = await catalog.expiredReservations(variantId, batchSize)
      for (const reservationId of due) {
        const result = await catalog.settle(variantId, reservationId, 'expire')
        if (!result.ended) continue
        expired++
        if (result.orderId !== undefined) await orders.transition(result.orderId, OrderStatuses.expired)
        log.info({ variantId, reservationId, orderId: result.orderId, quantity: result.quantity }, 'reservation expired; stock returned')
      }
      if (due.length < batchSize) break
    }
  }
  return expired
}

/** Runs the sweep every `intervalMs` until stopped; one sweep at a time per instance. */
export function startReservationSweeper (catalog: Catalog, orders: OrderStore, log: SweepLogger,
  intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve()
  let stopped = false
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (!stopped) await sweepExpiredReservations(catalog, orders, log)
    }).catch((err: unknown) => log.error({ err }, 'reservation sweep failed; retrying next interval'))
  }, intervalMs)
  timer.unref()
  return async () => {
    stopped = true
    clearInterval(timer)
    await running
  }
}
