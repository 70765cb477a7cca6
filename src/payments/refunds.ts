// Money that must not be kept goes back: a second captured payment on a paid order, a capture the stock cannot
// cover, a captured amount that differs from the order. Each payment is refunded once: the intent is recorded
// (and indexed for retry) before Razorpay is called, and Razorpay's X-Refund-Idempotency key, derived from the
// payment, makes a repeated call return the same refund. A refund Razorpay reports failed is tried again.
import { defineScript, type Store, type StoreReply } from '../store/store.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { CommerceLogger } from '../commerce.js'
import type { RazorpayGateway } from '../razorpay/gateway.js'

const scripts = {
  create: defineScript('refunds-create', new URL('../orders/create.lua', import.meta.url)),
  transition: defineScript('refunds-transition', new URL('../orders/transition.lua', import.meta.url))
}

export const RefundReasons = {
  duplicatePayment: 'duplicate_payment',
  amountMismatch: 'amount_mismatch',
  outOfStock: 'out_of_stock'
} as const
export type RefundReason = typeof RefundReasons[keyof typeof RefundReasons]

/** pending: to be sent; requested: Razorpay took it; processed; failed: Razorpay gave up, sent again under a new key. */
type RefundState = 'pending' | 'requested' | 'processed' | 'failed'
const allowedFrom: Record<RefundState, RefundState[]> = {
  pending: ['failed'],
  requested: ['pending'],
  processed: ['pending', 'requested', 'failed'],
  failed: ['pending', 'requested']
}

const pendingIndex = 'refunds:pending'
const recordTtlSeconds = 90 * 24 * 3600
const maxAttempts = 5
/** A refund call that failed is sent again this much later (the idempotency key makes repeating it safe). */
const retryDelayMs = 5000

export interface RefundablePayment { id: string, amount: number, currency: string }
export interface RefundRecord { paymentId: string, orderId: string, amount: number, reason: string, status: RefundState, attempt: number, refundId?: string }
export type RefundEvent = 'requested' | 'sent' | 'send_failed' | 'processed' | 'failed' | 'gave_up'

export function refundKey (paymentId: string): string {
  return `refund:{${paymentId}}`
}

export class Refunds {
  readonly #store: Store
  readonly #razorpay: RazorpayGateway
  readonly #audit: AuditLog
  readonly #log: CommerceLogger
  readonly #count: (reason: string, event: RefundEvent) => void

  constructor (store: Store, razorpay: RazorpayGateway, audit: AuditLog, log: CommerceLogger,
    count: (reason: string, event: RefundEvent) => void = () => {}) {
    this.#store = store
    this.#razorpay = razorpay
    this.#audit = audit
    this.#log = log
    this.#count = count
  }

  /** Returns the whole payment to the buyer; repeating it for the same payment does nothing more. */
  async refund (orderId: string, clientId: string, payment: RefundablePayment, reason: RefundReason): Promise<void> {
    const now = new Date().toISOString()
    const first = await this.#store.eval(scripts.create, [refundKey(payment.id)], [recordTtlSeconds,
      'paymentId', payment.id, 'orderId', orderId, 'amount', payment.amount, 'currency', payment.currency,
      'reason', reason, 'status', 'pending', 'attempt', 1, 'createdAt', now, 'updatedAt', now]) === 1
    if (first) {
      this.#log.warn({ orderId, paymentId: payment.id, amount: payment.amount, reason }, 'captured payment must go back: refunding')
      this.#count(reason, 'requested')
      await this.#audit.record({ type: 'refund_requested', orderId, clientId, paymentId: payment.id, amount: payment.amount, detail: reason })
    }
    // Indexed before Razorpay is called: a crash or an outage here leaves it for the reconciler to send.
    await this.#store.command('zadd', [pendingIndex, Date.now(), payment.id])
    await this.send(payment.id)
  }

  /** Sends a pending refund to Razorpay; on failure it stays indexed and is tried again later. */
  async send (paymentId: string): Promise<void> {
    const record = await this.get(paymentId)
    if (record === undefined || record.status !== 'pending') {
      await this.#store.command('zrem', [pendingIndex, paymentId])
      return
    }
    const key = record.attempt <= 1 ? `refund-${paymentId}` : `refund-${paymentId}-${record.attempt}`
    try {
      const refund = await this.#razorpay.refundPayment(paymentId, record.amount, key, { order_id: record.orderId, reason: record.reason })
      await this.#move(paymentId, 'requested', { refundId: refund.id })
      await this.#store.command('zrem', [pendingIndex, paymentId])
      this.#count(record.reason, 'sent')
    } catch (err) {
      this.#log.error({ err, paymentId, orderId: record.orderId }, 'refund not accepted by Razorpay yet; it will be sent again')
      this.#count(record.reason, 'send_failed')
      await this.#store.command('zadd', [pendingIndex, Date.now() + retryDelayMs, paymentId])
    }
  }

  /** Sends the refunds that are due (after a crash, an outage, or a refund Razorpay failed). */
  async sendDue (limit: number): Promise<number> {
    const due = await this.#store.command('zrangebyscore', [pendingIndex, '-inf', Date.now(), 'LIMIT', 0, limit]) as string[]
    for (const paymentId of due) await this.send(paymentId)
    return due.length
  }

  /** Razorpay processed a refund of this payment; the record (if the service asked for it) is returned. */
  async processed (paymentId: string, refundId: string): Promise<RefundRecord | undefined> {
    const moved = await this.#move(paymentId, 'processed', { refundId })
    if (moved) this.#count((await this.get(paymentId))?.reason ?? 'external', 'processed')
    return await this.get(paymentId)
  }

  /** Razorpay could not refund: try again under a new idempotency key, a bounded number of times. */
  async failed (paymentId: string, refundId: string): Promise<void> {
    if (!await this.#move(paymentId, 'failed', { refundId })) return
    const record = await this.get(paymentId)
    if (record === undefined) return
    this.#count(record.reason, 'failed')
    if (record.attempt >= maxAttempts) {
      this.#log.error({ paymentId, orderId: record.orderId, attempts: record.attempt }, 'refund failed every attempt: an operator must return this money')
      this.#count(record.reason, 'gave_up')
      return
    }
    await this.#move(paymentId, 'pending', { attempt: String(record.attempt + 1) })
    await this.#store.command('zadd', [pendingIndex, Date.now(), paymentId])
  }

  async get (paymentId: string): Promise<RefundRecord | undefined> {
    const flat = await this.#store.command('hgetall', [refundKey(paymentId)]) as string[]
    if (flat.length === 0) return undefined
    const fields = new Map<string, string>()
    for (let i = 0; i < flat.length; i += 2) fields.set(flat[i], flat[i + 1])
    return {
      paymentId,
      orderId: fields.get('orderId') ?? '',
      amount: Number(fields.get('amount')),
      reason: fields.get('reason') ?? '',
      status: fields.get('status') as RefundState,
      attempt: Number(fields.get('attempt') ?? 1),
      refundId: fields.get('refundId')
    }
  }

  async #move (paymentId: string, to: RefundState, fields: Record<string, string>): Promise<boolean> {
    const reply = await this.#store.eval(scripts.transition, [refundKey(paymentId)],
      [to, allowedFrom[to].join(','), new Date().toISOString(), ...Object.entries(fields).flat()]) as StoreReply[]
    return reply[0] === 1
  }
}
