// What the payment flows, the reservation sweeper and the reconciler work on: the catalog, the orders and their
// fulfilment events, the audit trail, a logger; the payment flows also reach Razorpay and the refunds.
import type { AuditLog } from './audit/audit-log.js'
import type { Catalog } from './catalog/catalog.js'
import type { OrderEvents } from './orders/order-events.js'
import type { OrderStore } from './orders/order-store.js'
import type { Refunds } from './payments/refunds.js'
import type { RazorpayGateway } from './razorpay/gateway.js'
import type { RiskGuard } from './risk/risk-guard.js'

export interface CommerceLogger {
  info (object: object, message: string): void
  warn (object: object, message: string): void
  error (object: object, message: string): void
}

export interface Commerce {
  catalog: Catalog
  orders: OrderStore
  events: OrderEvents
  audit: AuditLog
  log: CommerceLogger
}

export interface PaymentFlows extends Commerce {
  razorpay: RazorpayGateway
  refunds: Refunds
  risk: RiskGuard
}
