// Orders as the service records them, keyed by the Razorpay order id, and their state machine (docs/PAYMENTS.md):
// created/failed -> paid | failed | expired | cancelled; expired/cancelled -> paid (a late payment with stock left);
// paid -> disputed -> paid (won) | refunded (lost); paid -> refunded. A paid order keeps its payment forever.
import { defineScript, type Store, type StoreReply } from '../store/store.js'

const scripts = {
  create: defineScript('orders-create', new URL('./create.lua', import.meta.url)),
  transition: defineScript('orders-transition', new URL('./transition.lua', import.meta.url)),
  markPaid: defineScript('orders-mark-paid', new URL('./mark-paid.lua', import.meta.url))
}

export const OrderStatuses = {
  created: 'created',
  paid: 'paid',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
  refunded: 'refunded',
  disputed: 'disputed'
} as const
export type OrderStatus = typeof OrderStatuses[keyof typeof OrderStatuses]

/** Statuses a captured payment can still pay: the stock is sold from the reservation or, if it ended, from what is left. */
export const payableStatuses: OrderStatus[] = ['created', 'failed', 'expired', 'cancelled']
/** Statuses of an order that was paid: its payment is kept and any other payment is returned. */
export const settledStatuses: OrderStatus[] = ['paid', 'refunded', 'disputed']

/** Which statuses each status may be reached from by `transition` (payments use `markPaid`). */
export const allowedTransitions: Record<OrderStatus, OrderStatus[]> = {
  created: [],
  paid: ['disputed'],
  failed: ['created', 'failed'],
  expired: ['created', 'failed'],
  cancelled: ['created', 'failed'],
  refunded: ['paid', 'disputed'],
  disputed: ['paid']
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
  /** The end customer's keyed hash (src/risk/subjects.ts), so failed payments count against the same customer. */
  customerRef?: string
  /** The captured payment that paid the order; set once. */
  paymentId?: string
  paidAt?: string
  lastFailedPaymentId?: string
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

export type MarkPaidResult =
  | { outcome: 'paid', previous: OrderStatus }
  | { outcome: 'already', current: OrderStatus }
  | { outcome: 'other_payment', current: OrderStatus, keptPaymentId: string }
  | { outcome: 'not_payable', current: OrderStatus }
  | { outcome: 'missing' }

/** Orders whose payments are re-checked at Razorpay, scored by when they are due (one key: a Cluster-safe index). */
const reconcileIndex = 'orders:reconcile'

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

  async markPaid (orderId: string, paymentId: string): Promise<MarkPaidResult> {
    const reply = await this.#store.eval(scripts.markPaid, [orderKey(orderId)],
      [paymentId, payableStatuses.join(','), new Date().toISOString()]) as StoreReply[]
    switch (reply[0]) {
      case 1: return { outcome: 'paid', previous: reply[1] as OrderStatus }
      case 2: return { outcome: 'already', current: reply[1] as OrderStatus }
      case 3: return { outcome: 'other_payment', current: reply[1] as OrderStatus, keptPaymentId: String(reply[2]) }
      case 0: return { outcome: 'not_payable', current: reply[1] as OrderStatus }
      default: return { outcome: 'missing' }
    }
  }

  /** Puts the order (back) in the reconciler's index, due at `at` (ms). */
  async scheduleReconcile (orderId: string, at: number): Promise<void> {
    await this.#store.command('zadd', [reconcileIndex, at, orderId])
  }

  async dueForReconcile (now: number, limit: number): Promise<string[]> {
    return await this.#store.command('zrangebyscore', [reconcileIndex, '-inf', now, 'LIMIT', 0, limit]) as string[]
  }

  async stopReconciling (orderId: string): Promise<void> {
    await this.#store.command('zrem', [reconcileIndex, orderId])
  }
}
