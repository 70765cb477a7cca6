// The audit trail of payment attempts: one entry per order created, payment verified or rejected, webhook applied,
// reservation expired, in a capped Redis stream (`XRANGE audit:payments - +` reads it).
import type { Store } from '../store/store.js'

export const auditStream = 'audit:payments'
/** About this many entries are kept; older ones are trimmed (the stream is a recent trail, not the ledger). */
const auditMaxEntries = 1_000_000

export interface AuditEvent {
  type: 'order_created' | 'order_failed' | 'payment_verified' | 'payment_signature_invalid' | 'payment_captured' |
  'payment_failed' | 'payment_amount_mismatch' | 'payment_not_captured' | 'payment_duplicate' | 'order_expired' |
  'order_cancelled' | 'order_recovery_conflict' | 'sale_oversold' | 'refund_requested' | 'refund_processed' |
  'refund_failed' | 'order_refunded' | 'dispute_opened' | 'dispute_won' | 'dispute_lost' | 'risk_rejected' |
  'card_testing_suspected' | 'risk_list_changed' | 'variant_updated'
  orderId?: string
  clientId?: string
  paymentId?: string
  amount?: number
  detail?: string
}

export interface AuditLogger {
  error (object: object, message: string): void
}

export class AuditLog {
  readonly #store: Store
  readonly #log: AuditLogger

  constructor (store: Store, log: AuditLogger) {
    this.#store = store
    this.#log = log
  }

  /** Never fails the payment it describes: a lost entry is logged with its content instead. */
  async record (event: AuditEvent): Promise<void> {
    const fields: Array<string | number> = ['at', new Date().toISOString()]
    for (const [name, value] of Object.entries(event)) {
      if (value !== undefined) fields.push(name, value as string | number)
    }
    try {
      await this.#store.command('xadd', [auditStream, 'MAXLEN', '~', auditMaxEntries, '*', ...fields])
    } catch (err) {
      this.#log.error({ err, audit: event }, 'could not write the audit entry')
    }
  }
}
