// What the payment flows and the reservation sweeper work on: the catalog, the orders, the audit trail, a logger.
import type { AuditLog } from './audit/audit-log.js'
import type { Catalog } from './catalog/catalog.js'
import type { OrderStore } from './orders/order-store.js'

export interface CommerceLogger {
  info (object: object, message: string): void
  warn (object: object, message: string): void
  error (object: object, message: string): void
}

export interface Commerce {
  catalog: Catalog
  orders: OrderStore
  audit: AuditLog
  log: CommerceLogger
}
