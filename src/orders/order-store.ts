// Orders as the service records them, keyed by the Razorpay order id, and their state machine:
// created -> paid | failed | expired; failed -> paid (a retried UPI payment); expired -> paid (a late payment).
import { defineScript, type Store, type StoreReply } from '../store/store.js'

const scripts = {
  create: defineScript('orders-create', new URL('./create.lua', import.meta.url)),
  transition: defineScript('orders-transition', new URL('./transition.lua', import.meta.url))
}

export const OrderStatuses = { created: 'created', paid: 'paid', failed: 'failed', expired: 'expired' } as const
export type OrderStatus = typeof OrderStatuses[keyof typeof OrderStatuses]

/** Which statuses each status may be reached from. */
export const allowedTransitions: Record<OrderStatus, OrderStatus[]> = {
  created: [],
  paid: ['created', 'failed', 'expired'],
  failed: ['created'],
  expired: ['created', 'failed']
}

export interface OrderRecord {
  orderId: string
  clientId: string
  status: OrderStatus
  amount: number
  currency: string
  variantId: string
  quantity: number
  sessionId?: string
  paymentId?: string
  failureReason?: string
  reservationId: string
  receipt: string
  idempotencyKey: string
  createdAt: string
  updatedAt: string
  reservationExpiresAt: string
}

const numericFields = new Set(['amount', 'quantity'])
/** Orders are kept this long in the store; Razorpay and the audit stream remain the long-term record. */
export const orderTtlSeconds = 90 * 24 * 3600

export function orderKey (orderId: string): string {
  return `order:{${orderId}}`
}

export type TransitionResult = { moved: true, previous: OrderStatus } | { moved: false, current?: OrderStatus }

export class OrderStore {
  readonly #store: Store

  constructor (store: Store) {
    this.#store = store
  }

  /** True when created, false when a record for this order already existed. */
  async create (order: OrderRecord): Promise<boolean> {
    const pairs: Array<string | number> = []
    for (const [field, value] of Object.entries(order)) {
      if (value !== undefined) pairs.push(field, value as string | number)
    }
    return await this.#store.eval(scripts.create, [orderKey(order.orderId)], [orderTtlSeconds, ...pairs]) === 1
  }

  async get (orderId: string): Promise<OrderRecord | undefined> {
    const flat = await this.#store.command('hgetall', [orderKey(orderId)]) as string[]
    if (flat.length === 0) return undefined
    const record: Record<string, string | number> = {}
    for (let i = 0; i < flat.length; i += 2) {
      record[flat[i]] = numericFields.has(flat[i]) ? Number(flat[i + 1]) : flat[i + 1]
    }
    return record as unknown as OrderRecord
  }

  async transition (orderId: string, to: OrderStatus, fields: Record<string, string> = {}): Promise<TransitionResult> {
    const pairs = Object.entries(fields).flat()
    const reply = await this.#store.eval(scripts.transition, [orderKey(orderId)],
      [to, allowedTransitions[to].join(','), new Date().toISOString(), ...pairs]) as StoreReply[]
    if (reply[0] === 1) return { moved: true, previous: reply[1] as OrderStatus }
    return { moved: false, current: reply[0] === 0 ? reply[1] as OrderStatus : undefined }
  }
}
