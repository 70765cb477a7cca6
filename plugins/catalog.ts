// Decorates `fastify.catalog` (variants, stock, reservations) and `fastify.orders`, seeds the catalog at start
// and runs the reservation sweeper.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Catalog } from '../src/catalog/catalog.js'
import { seedCatalog } from '../src/catalog/load-catalog.js'
import { startReservationSweeper } from '../src/catalog/reservation-sweeper.js'
import { OrderStore } from '../src/orders/order-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    catalog: Catalog
    orders: OrderStore
  }
}

export interface CatalogPluginOptions {
  /** How often expired reservations are swept; default: a quarter of the reservation TTL, at most 5 s. */
  sweepIntervalMs?: number
}

async function catalogPlugin (fastify: FastifyInstance, options: CatalogPluginOptions): Promise<void> {
  const config = fastify.config
  fastify.decorate('catalog', new Catalog(fastify.store))
  fastify.decorate('orders', new OrderStore(fastify.store))

  const added = await seedCatalog(fastify.catalog, config.CATALOG_FILE, config.NODE_ENV !== 'production')
  if (added.length > 0) fastify.log.info({ variants: added }, 'catalog seeded')

  const intervalMs = options.sweepIntervalMs ?? Math.min(5000, Math.max(100, config.RESERVATION_TTL_SECONDS * 250))
  const log = fastify.log.child({ component: 'reservation-sweeper' })
  const stop = startReservationSweeper({ catalog: fastify.catalog, orders: fastify.orders, audit: fastify.audit, log }, intervalMs)
  fastify.addHook('onClose', async () => await stop())
}

export default fp(catalogPlugin, { name: 'catalog', dependencies: ['config', 'store', 'audit'] })
