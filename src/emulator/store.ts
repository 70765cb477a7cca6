// In-memory state of the emulator: orders, payments and counters, with O(1) lookups by id and receipt
// so that a benchmark creating ~100k orders stays fast. Bounded: the oldest orders are forgotten first.
import { DisputeBook } from './dispute-book.js'
import type { OrderEntity, PaymentEntity, PaymentStatus } from './entities.js'
import type { OrderInput, OrderListQuery } from './validation.js'
import { unixSeconds, unusedId } from './ids.js'
import { RefundBook } from './refund-book.js'

export interface EmulatorStats {
  ordersCreated: number
  paymentsCreated: number
  /** A refund replayed for an idempotency key is not counted again. */
  refundsCreated: number
  requests: number
  webhooksDelivered: number
}

const MAX_ORDERS = 1_000_000

export class EmulatorStore {
  readonly stats: EmulatorStats = { ordersCreated: 0, paymentsCreated: 0, refundsCreated: 0, requests: 0, webhooksDelivered: 0 }
  readonly refunds = new RefundBook(this.stats)
  readonly disputes = new DisputeBook()
  private readonly orders = new Map<string, OrderEntity>()
  // Creation order is also created_at order, which the listing and its time filters rely on.
  private byAge: OrderEntity[] = []
  private readonly receipts = new Map<string, OrderEntity>()
  private readonly payments = new Map<string, PaymentEntity>()
  private readonly paymentsByOrder = new Map<string, PaymentEntity[]>()

  constructor (private readonly maxOrders = MAX_ORDERS) {}

  hasReceipt (receipt: string): boolean {
    return this.receipts.has(receipt)
  }

  createOrder (input: OrderInput): OrderEntity {
    const id = unusedId('order', this.orders)
    const order: OrderEntity = {
      id,
      entity: 'order',
      amount: input.amount,
      amount_paid: 0,
      amount_due: input.amount,
      currency: input.currency,
      receipt: input.receipt,
      offer_id: null,
      status: 'created',
      attempts: 0,
      notes: input.notes,
      created_at: unixSeconds()
    }
    this.orders.set(id, order)
    this.byAge.push(order)
    if (order.receipt !== null) this.receipts.set(order.receipt, order)
    this.stats.ordersCreated++
    if (this.byAge.length > this.maxOrders) this.evictOldest()
    return order
  }

  getOrder (id: string): OrderEntity | undefined {
    return this.orders.get(id)
  }

  listOrders (query: OrderListQuery): OrderEntity[] {
    const matches = (order: OrderEntity): boolean =>
      (query.from === undefined || order.created_at >= query.from) &&
      (query.to === undefined || order.created_at <= query.to) &&
      (query.authorized === undefined || this.isAuthorized(order) === query.authorized)
    const items: OrderEntity[] = []
    if (query.receipt !== undefined) {
      const order = this.receipts.get(query.receipt)
      if (order !== undefined && matches(order) && query.skip === 0) items.push(order)
      return items
    }
    let skipped = 0
    for (let i = this.lastIndexAtOrBefore(query.to); i >= 0 && items.length < query.count; i--) {
      const order = this.byAge[i] as OrderEntity
      if (query.from !== undefined && order.created_at < query.from) break
      if (!matches(order)) continue
      if (skipped < query.skip) skipped++
      else items.push(order)
    }
    return items
  }

  createPayment (order: OrderEntity, status: PaymentStatus, amount = order.amount_due): PaymentEntity {
    const id = unusedId('pay', this.payments)
    const payment: PaymentEntity = {
      id,
      entity: 'payment',
      amount,
      currency: order.currency,
      status,
      order_id: order.id,
      invoice_id: null,
      international: false,
      method: 'upi',
      amount_refunded: 0,
      refund_status: null,
      captured: false,
      description: null,
      card_id: null,
      bank: null,
      wallet: null,
      vpa: 'success@razorpay',
      email: 'void@razorpay.com',
      contact: '+919999999999',
      notes: [],
      fee: null,
      tax: null,
      error_code: null,
      error_description: null,
      error_source: null,
      error_step: null,
      error_reason: null,
      acquirer_data: {},
      created_at: unixSeconds()
    }
    this.payments.set(id, payment)
    const ofOrder = this.paymentsByOrder.get(order.id)
    if (ofOrder === undefined) this.paymentsByOrder.set(order.id, [payment])
    else ofOrder.push(payment)
    order.attempts++
    this.stats.paymentsCreated++
    return payment
  }

  getPayment (id: string): PaymentEntity | undefined {
    return this.payments.get(id)
  }

  /** Newest first, as Razorpay lists them. */
  paymentsOf (orderId: string): PaymentEntity[] {
    return [...(this.paymentsByOrder.get(orderId) ?? [])].reverse()
  }

  reset (): void {
    this.orders.clear()
    this.byAge = []
    this.receipts.clear()
    this.payments.clear()
    this.paymentsByOrder.clear()
    this.refunds.reset()
    this.disputes.reset()
    this.stats.ordersCreated = 0
    this.stats.paymentsCreated = 0
    this.stats.refundsCreated = 0
    this.stats.requests = 0
    this.stats.webhooksDelivered = 0
  }

  private isAuthorized (order: OrderEntity): boolean {
    const payments = this.paymentsByOrder.get(order.id) ?? []
    return payments.some((payment) => payment.status === 'authorized' || payment.status === 'captured')
  }

  /** Binary search: the newest order created at or before `to` (all of them when `to` is unset). */
  private lastIndexAtOrBefore (to: number | undefined): number {
    if (to === undefined) return this.byAge.length - 1
    let low = 0
    let high = this.byAge.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((this.byAge[mid] as OrderEntity).created_at <= to) low = mid + 1
      else high = mid
    }
    return low - 1
  }

  // Drops a tenth at once so that eviction stays amortised O(1) per created order.
  private evictOldest (): void {
    const evicted = this.byAge.splice(0, Math.ceil(this.maxOrders / 10))
    for (const order of evicted) {
      this.orders.delete(order.id)
      if (order.receipt !== null && this.receipts.get(order.receipt) === order) this.receipts.delete(order.receipt)
      for (const payment of this.paymentsByOrder.get(order.id) ?? []) {
        this.payments.delete(payment.id)
        this.refunds.forgetPayment(payment.id)
        this.disputes.forgetPayment(payment.id)
      }
      this.paymentsByOrder.delete(order.id)
    }
  }
}
