// Decorates `fastify.catalog` (variants, stock, reservations), `fastify.orders` and `fastify.orderEvents` (the
// fulfilment stream), seeds the catalog at start and runs the reservation sweeper; counts stock changes and sweeps.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Catalog } from '../src/catalog/catalog.js'
import { seedCatalog } from '../src/catalog/load-catalog.js'
import { sweepExpiredReservations } from '../src/catalog/reservation-sweeper.js'
import { startPeriodicJob } from '../src/jobs/periodic-job.js'
import { OrderEvents } from '../src/orders/order-events.js'
import { OrderStore } from '../src/orders/order-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    catalog: Catalog
    orders: OrderStore
    orderEvents: OrderEvents
  }
}

export interface CatalogPluginOptions {
  /** How often expired reservations are swept; default: a quarter of the reservation TTL, at most 5 s. */
  sweepIntervalMs?: number
}

async function catalogPlugin (fastify: FastifyInstance, options: CatalogPluginOptions): Promise<void> {
  const config = fastify.config
  const metrics = fastify.metrics
  fastify.decorate('catalog', new Catalog(fastify.store, {
    onStockEvent: (event) => {
      if (event === 'late' || event === 'oversold') metrics.lateSales.inc({ outcome: event })
      else metrics.reservations.inc({ outcome: event })
    }
  }))
  fastify.decorate('orders', new OrderStore(fastify.store))
  fastify.decorate('orderEvents', new OrderEvents(fastify.store))

  const added = await seedCatalog(fastify.catalog, config.CATALOG_FILE, config.NODE_ENV !== 'production')
  if (added.length > 0) fastify.log.info({ variants: added }, 'catalog seeded')

  const log = fastify.log.child({ component: 'reservation-sweeper' })
  const deps = { catalog: fastify.catalog, orders: fastify.orders, events: fastify.orderEvents, audit: fastify.audit, log }
  const intervalMs = options.sweepIntervalMs ?? Math.min(5000, Math.max(100, config.RESERVATION_TTL_SECONDS * 250))
  // Instances take turns at the sweep: a lag measured here is shown for three intervals, and at least a minute so that
  // a scrape every 15 to 60 s sees it, then dropped (another instance measures now).
  const onLag = (seconds: number): void => metrics.sweeperLag.set(seconds, Math.max(3 * intervalMs, 60_000))
  const stop = startPeriodicJob({
    name: 'reservation-sweeper',
    intervalMs,
    store: fastify.store,
    run: async (signal) => {
      await sweepExpiredReservations(deps, signal, onLag)
      metrics.sweeperLastRun.set(Date.now() / 1000)
    },
    onError: (err) => log.error({ err }, 'reservation sweep failed; retrying next interval')
  })
  fastify.addHook('onClose', async () => await stop())
}

export default fp(catalogPlugin, { name: 'catalog', dependencies: ['config', 'store', 'audit', 'metrics'] })
