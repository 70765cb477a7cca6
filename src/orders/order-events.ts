// The fulfilment queue: a Redis Stream (`orders:events`) with one entry per state change worth acting on, read by
// fulfilment services with consumer groups (docs/PAYMENTS.md). Each event has a key (`paid` of an order, a refund
// id, a dispute phase); the stream takes each key once, so every path that sees a change may report it, and a
// crash between the change and its event is repaired by the next report (a redelivered webhook, the reconciler).
import { defineScript, type Store } from '../store/store.js'
import type { OrderRecord } from './order-store.js'

const emitScript = defineScript('orders-emit-event', new URL('./emit-event.lua', import.meta.url))

export const orderEventStream = 'orders:events'
/** Longer than any redelivery or reconciliation of the same change can arrive. */
const markerTtlSeconds = 90 * 24 * 3600

export const OrderEventTypes = {
  paid: 'paid',
  refunded: 'refunded',
  paymentRefunded: 'payment_refunded',
  disputed: 'disputed',
  disputeWon: 'dispute_won',
  disputeLost: 'dispute_lost'
} as const
export type OrderEventType = typeof OrderEventTypes[keyof typeof OrderEventTypes]

export interface OrderEventDetail {
  paymentId?: string
  refundId?: string
  disputeId?: string
  /** For refunds: the amount returned, which may differ from the order's. */
  amount?: number
  reason?: string
}

function markerKey (type: OrderEventType, orderId: string, dedupe: string): string {
  return `{${orderEventStream}}:emitted:${type}:${orderId}${dedupe === '' ? '' : `:${dedupe}`}`
}

export class OrderEvents {
  readonly #store: Store

  constructor (store: Store) {
    this.#store = store
  }

  /**
   * Appends the event unless one with the same key was appended before; true when this call appended it.
   * `dedupe` names what makes the event unique beyond its order and type (a refund id, a dispute phase).
   */
  async emit (type: OrderEventType, order: OrderRecord, detail: OrderEventDetail = {}, dedupe = ''): Promise<boolean> {
    const fields: Array<string | number> = [
      'orderId', order.orderId,
      'type', type,
      'amount', detail.amount ?? order.amount,
      'currency', order.currency,
      'variantId', order.variantId,
      'quantity', order.quantity,
      'clientId', order.clientId,
      'at', new Date().toISOString()
    ]
    for (const name of ['paymentId', 'refundId', 'disputeId', 'reason'] as const) {
      const value = detail[name]
      if (value !== undefined) fields.push(name, value)
    }
    return await this.#store.eval(emitScript, [orderEventStream, markerKey(type, order.orderId, dedupe)], [markerTtlSeconds, ...fields]) !== 0
  }

  /** Whether the event was appended already (a dispute's outcome, say, that a late delivery must not undo). */
  async emitted (type: OrderEventType, orderId: string, dedupe = ''): Promise<boolean> {
    return await this.#store.command('exists', [markerKey(type, orderId, dedupe)]) === 1
  }
}
