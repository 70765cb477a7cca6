// Disputes (chargebacks) raised against captured payments, one per payment, and the status each
// phase of Razorpay's dispute webhooks leaves them in.
import type { DisputeEntity, DisputePhase, DisputeStatus, PaymentEntity } from './entities.js'
import { unixSeconds, unusedId } from './ids.js'

const STATUS_OF_PHASE: Record<DisputePhase, DisputeStatus> = {
  created: 'open',
  action_required: 'open',
  under_review: 'under_review',
  won: 'won',
  lost: 'lost',
  closed: 'closed'
}

const FINAL_STATUSES = new Set<DisputeStatus>(['won', 'lost', 'closed'])

// Razorpay gives a merchant a few days to submit evidence; the emulator picks seven.
const RESPOND_WITHIN_SECONDS = 7 * 24 * 60 * 60

export function isFinal (dispute: DisputeEntity): boolean {
  return FINAL_STATUSES.has(dispute.status)
}

export class DisputeBook {
  private readonly byPayment = new Map<string, DisputeEntity>()
  private readonly ids = new Set<string>()

  ofPayment (paymentId: string): DisputeEntity | undefined {
    return this.byPayment.get(paymentId)
  }

  open (payment: PaymentEntity): DisputeEntity {
    const createdAt = unixSeconds()
    const dispute: DisputeEntity = {
      id: unusedId('disp', this.ids),
      entity: 'dispute',
      payment_id: payment.id,
      amount: payment.amount,
      currency: payment.currency,
      amount_deducted: 0,
      reason_code: 'chargeback',
      respond_by: createdAt + RESPOND_WITHIN_SECONDS,
      status: STATUS_OF_PHASE.created,
      phase: 'chargeback',
      created_at: createdAt
    }
    this.ids.add(dispute.id)
    this.byPayment.set(payment.id, dispute)
    return dispute
  }

  /** Only a lost dispute is deducted from the merchant's settlement. */
  move (dispute: DisputeEntity, phase: Exclude<DisputePhase, 'created'>): void {
    dispute.status = STATUS_OF_PHASE[phase]
    if (phase === 'lost') dispute.amount_deducted = dispute.amount
  }

  forgetPayment (paymentId: string): void {
    const dispute = this.byPayment.get(paymentId)
    if (dispute !== undefined) this.ids.delete(dispute.id)
    this.byPayment.delete(paymentId)
  }

  reset (): void {
    this.byPayment.clear()
    this.ids.clear()
  }
}
