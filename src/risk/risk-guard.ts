// What the money paths ask of the risk rules: admit an order or a payment confirmation (or refuse it with
// 403 RISK_REJECTED, audited and counted), and tell the rules about failures and reservations that ended.
import type { AuditLog } from '../audit/audit-log.js'
import type { CommerceLogger } from '../commerce.js'
import { RiskRejectedError } from '../errors.js'
import type { OrderRecord } from '../orders/order-store.js'
import type { OrderAttempt, RiskDecision, RiskRule, RiskRules } from './risk-rules.js'
import type { EndCustomer, RiskSubjects, SubjectHasher } from './subjects.js'

/** The parts of a Razorpay payment that identify how the shopper paid; only their hash is kept. */
export interface PaymentInstrument {
  id: string
  card_id?: string | null
  vpa?: string | null
  email?: string | null
  contact?: string | null
}

/** An order's admission by the risk rules, under way. */
export interface OrderAdmission {
  readonly executionId: string
  readonly amount: number
  readonly reservationId: string
  readonly reservationExpiresAt: number
  /** True once `withdraw` was called: the admission no longer stands. */
  readonly withdrawn: boolean
  /** Resolves when admitted; throws 403 RISK_REJECTED (audited and counted) when refused, or the store's error. */
  admitted (): Promise<void>
  /** Takes back what the admission counted: the request was not the first of its execution. Never throws. */
  withdraw (): Promise<void>
}

export interface RiskGuardOptions {
  rules: RiskRules
  hasher: SubjectHasher
  audit: AuditLog
  log: CommerceLogger
  /** Failed payments of one instrument in an hour at which card testing is reported; 0: never. */
  instrumentFailureLimit: number
  onRejected: (rule: RiskRule) => void
  onCardTesting: () => void
  now?: () => number
}

export class RiskGuard {
  readonly #options: RiskGuardOptions
  readonly #now: () => number

  constructor (options: RiskGuardOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** The customer reference an order keeps, so later failures count against the same customer. */
  customerRef (clientId: string, customer: EndCustomer | undefined): string | undefined {
    return this.#options.hasher.customerRef(clientId, customer)
  }

  /**
   * Starts admitting a create-order request as the first of its execution, counting it when admitted (a retry of the
   * same execution is admitted without counting again). It may be sent before the request is known to be a first
   * one: `withdraw` then takes back what it counted.
   */
  startOrderAdmission (clientId: string, sessionId: string | undefined, customer: EndCustomer | undefined,
    attempt: { executionId: string, amount: number, reservationId: string, reservationExpiresAt: number }): OrderAdmission {
    const order: OrderAttempt = { subjects: this.#options.hasher.subjects(clientId, sessionId, customer), ...attempt }
    const now = this.#now()
    // Settled at once: an admission nobody awaits yet (the lock is still being taken) must not fail unhandled.
    const outcome: Promise<{ decision: RiskDecision } | { err: unknown }> = this.#options.rules.admitOrder(order, now)
      .then(decision => ({ decision }), (err: unknown) => ({ err }))
    let withdrawn = false
    return {
      ...attempt,
      get withdrawn () { return withdrawn },
      admitted: async () => {
        const settled = await outcome
        if ('err' in settled) throw settled.err
        await this.#enforce(settled.decision, order.subjects, undefined)
      },
      withdraw: async () => {
        withdrawn = true
        const settled = await outcome
        // A refusal or a repeat counted nothing; a failed call may have counted, and taking back is idempotent.
        if ('decision' in settled && !(settled.decision.admitted && !settled.decision.again)) return
        try {
          await this.#options.rules.withdrawOrder(order, now)
        } catch (err) {
          this.#options.log.warn({ err, reservationId: attempt.reservationId }, 'could not withdraw an order admission from the risk rules; its counts end with their windows')
        }
      }
    }
  }

  /** Admits a caller's payment confirmation for an order: deny lists and the order's card-testing locks. */
  async admitPayment (order: OrderRecord): Promise<void> {
    const subjects = this.#orderSubjects(order)
    await this.#enforce(await this.#options.rules.admitPayment(subjects, order.orderId, this.#now()), subjects, order.orderId)
  }

  /** Never fails the flow that reports it: a failure not counted is logged. */
  async recordFailedPayment (order: OrderRecord, payment: PaymentInstrument): Promise<void> {
    const subjects = { ...this.#orderSubjects(order), instrument: this.#instrument(order.clientId, payment) }
    try {
      const counts = await this.#options.rules.recordFailedPayment(subjects, order.orderId, payment.id, this.#now())
      const limit = this.#options.instrumentFailureLimit
      if (counts === undefined || limit === 0 || counts.instrument < limit) return
      this.#options.onCardTesting()
      this.#options.log.warn({ orderId: order.orderId, clientId: order.clientId, instrument: subjects.instrument, failures: counts.instrument }, 'suspected card testing: one instrument keeps failing')
      await this.#options.audit.record({ type: 'card_testing_suspected', orderId: order.orderId, clientId: order.clientId, paymentId: payment.id, detail: `instrument ${subjects.instrument ?? ''}: ${counts.instrument} failed payments in an hour` })
    } catch (err) {
      this.#options.log.error({ err, orderId: order.orderId, paymentId: payment.id }, 'could not count a failed payment for the risk rules')
    }
  }

  async recordSignatureFailure (order: OrderRecord): Promise<void> {
    try {
      await this.#options.rules.recordSignatureFailure(this.#orderSubjects(order), order.orderId)
    } catch (err) {
      this.#options.log.error({ err, orderId: order.orderId }, 'could not count a signature failure for the risk rules')
    }
  }

  /** The order's reservation no longer holds stock. Best effort: a hold left behind stops counting when it expires. */
  async releaseHold (order: Pick<OrderRecord, 'clientId' | 'sessionId' | 'reservationId'>): Promise<void> {
    const subjects = this.#options.hasher.subjects(order.clientId, order.sessionId, undefined)
    try {
      await this.#options.rules.releaseHold(subjects, order.reservationId)
    } catch (err) {
      this.#options.log.warn({ err, reservationId: order.reservationId }, 'could not release a hold from the risk rules; it ends with the reservation')
    }
  }

  #orderSubjects (order: OrderRecord): RiskSubjects {
    return { ...this.#options.hasher.subjects(order.clientId, order.sessionId, undefined), customer: order.customerRef }
  }

  #instrument (clientId: string, payment: PaymentInstrument): string | undefined {
    const [kind, value] = payment.card_id != null
      ? ['card', payment.card_id]
      : payment.vpa != null ? ['vpa', payment.vpa] : payment.email != null ? ['email', payment.email] : ['contact', payment.contact]
    return value == null || value === '' ? undefined : this.#options.hasher.hash(clientId, kind, value)
  }

  async #enforce (decision: RiskDecision, subjects: RiskSubjects, orderId: string | undefined): Promise<void> {
    if (decision.admitted) return
    this.#options.onRejected(decision.rule)
    const counted = decision.rule === 'deny_list' ? `${decision.count} on the deny list` : `${decision.count} of ${decision.limit}`
    const who = [subjects.session === undefined ? '' : `session ${subjects.session}`,
      subjects.customer === undefined ? '' : `customer ${subjects.customer}`].filter(Boolean).join(', ')
    await this.#options.audit.record({ type: 'risk_rejected', orderId, clientId: subjects.clientId, detail: `${decision.rule}: ${counted}${who === '' ? '' : ` (${who})`}` })
    throw new RiskRejectedError(decision.rule)
  }
}
