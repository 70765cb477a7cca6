// The refunds the emulator has made and the X-Refund-Idempotency keys behind them, and how a refund
// moves its payment's amount_refunded, refund_status and status. Refunds are processed at once.
import type { PaymentEntity, RefundEntity } from './entities.js'
import { plainError, validationError } from './errors.js'
import { unixSeconds, unusedId } from './ids.js'
import type { EmulatorStats } from './store.js'
import type { PageQuery, RefundInput } from './validation.js'

interface KeyUse {
  fingerprint: string
  refund: RefundEntity
  /** True until the request that made the refund has answered (its webhooks are still going out). */
  inFlight: boolean
}

export interface IdempotentRequest {
  key: string
  fingerprint: string
}

/** What makes two refund requests "the same payload": the payment and the fields as sent. */
export function refundFingerprint (paymentId: string, input: RefundInput): string {
  const notes = Object.entries(input.notes).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
  return JSON.stringify([paymentId, input.amount ?? null, input.speed ?? null, notes, input.receipt])
}

function addRefunded (payment: PaymentEntity, delta: number): void {
  payment.amount_refunded += delta
  const full = payment.amount_refunded >= payment.amount
  payment.refund_status = payment.amount_refunded === 0 ? null : full ? 'full' : 'partial'
  payment.status = full ? 'refunded' : 'captured'
}

export class RefundBook {
  private readonly refunds = new Map<string, RefundEntity>()
  private readonly byPayment = new Map<string, RefundEntity[]>()
  private readonly keys = new Map<string, KeyUse>()
  private readonly keyOfRefund = new Map<string, string>()

  constructor (private readonly stats: EmulatorStats) {}

  /**
   * The refund an earlier request with the same key and payload made, or undefined for an unused key.
   * Throws for the key reused with another payload, and for a replay racing the original request.
   */
  replay ({ key, fingerprint }: IdempotentRequest): RefundEntity | undefined {
    const use = this.keys.get(key)
    if (use === undefined) return undefined
    if (use.fingerprint !== fingerprint) {
      throw validationError('Idempotency key is already used with a different payload')
    }
    if (use.inFlight) throw plainError(409, 'A refund request with this idempotency key is still being processed')
    return use.refund
  }

  create (payment: PaymentEntity, input: RefundInput, idempotency?: IdempotentRequest): RefundEntity {
    // A partly refunded payment stays `captured`; a fully refunded one is `refunded`.
    if (payment.status !== 'captured') {
      throw validationError('The payment status should be captured for action to be taken')
    }
    const remaining = payment.amount - payment.amount_refunded
    const amount = input.amount ?? remaining
    if (amount > remaining) {
      throw validationError('The refund amount provided is greater than amount captured', 'amount')
    }
    const refund: RefundEntity = {
      id: unusedId('rfnd', this.refunds),
      entity: 'refund',
      amount,
      currency: payment.currency,
      payment_id: payment.id,
      notes: input.notes,
      receipt: input.receipt,
      acquirer_data: { arn: null },
      created_at: unixSeconds(),
      batch_id: null,
      status: 'processed',
      speed_processed: 'normal',
      speed_requested: input.speed ?? 'normal'
    }
    this.refunds.set(refund.id, refund)
    const ofPayment = this.byPayment.get(payment.id)
    if (ofPayment === undefined) this.byPayment.set(payment.id, [refund])
    else ofPayment.push(refund)
    if (idempotency !== undefined) {
      this.keys.set(idempotency.key, { fingerprint: idempotency.fingerprint, refund, inFlight: true })
      this.keyOfRefund.set(refund.id, idempotency.key)
    }
    addRefunded(payment, amount)
    this.stats.refundsCreated++
    return refund
  }

  /** The request that made this refund has answered: its key now replays instead of conflicting. */
  settle (key: string): void {
    const use = this.keys.get(key)
    if (use !== undefined) use.inFlight = false
  }

  /** The bank rejected the refund: the amount goes back to the payment. */
  fail (refund: RefundEntity, payment: PaymentEntity): void {
    refund.status = 'failed'
    addRefunded(payment, -refund.amount)
  }

  get (id: string): RefundEntity | undefined {
    return this.refunds.get(id)
  }

  /** Newest first, as Razorpay lists them. */
  list (paymentId: string, page: PageQuery): RefundEntity[] {
    const matching = [...(this.byPayment.get(paymentId) ?? [])].reverse().filter((refund) =>
      (page.from === undefined || refund.created_at >= page.from) &&
      (page.to === undefined || refund.created_at <= page.to))
    return matching.slice(page.skip, page.skip + page.count)
  }

  /** Called when the store evicts a payment, so that refunds stay bounded with it. */
  forgetPayment (paymentId: string): void {
    for (const refund of this.byPayment.get(paymentId) ?? []) {
      this.refunds.delete(refund.id)
      const key = this.keyOfRefund.get(refund.id)
      if (key !== undefined) this.keys.delete(key)
      this.keyOfRefund.delete(refund.id)
    }
    this.byPayment.delete(paymentId)
  }

  reset (): void {
    this.refunds.clear()
    this.byPayment.clear()
    this.keys.clear()
    this.keyOfRefund.clear()
  }
}
