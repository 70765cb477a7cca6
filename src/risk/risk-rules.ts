// The risk rules: velocity, stock hoarding and card testing, counted in Redis under one hash tag per client so that
// every rule of a request is checked and counted by one script in one round trip, Cluster included. Session ids,
// customer ids, addresses and payment instruments are replaced by keyed hashes (subjects.ts) before they reach Redis.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { StoreReply, Store, StoreScript } from '../store/store.js'
import { riskKeys, type RiskSubjects } from './subjects.js'

/** A script with the functions of shared.lua in front of it (Redis scripts cannot include files). */
function defineRiskScript (name: string): StoreScript {
  const read = (file: string): string => readFileSync(new URL(file, import.meta.url), 'utf8')
  const source = `${read('./shared.lua')}\n${read(`./${name}.lua`)}`
  return { name: `risk-${name}`, source, sha: createHash('sha1').update(source).digest('hex') }
}

/** Exported for the bench, which names the scripts it sees by their hash. */
export const riskScripts = {
  admitOrder: defineRiskScript('admit-order'),
  withdrawOrder: defineRiskScript('withdraw-order'),
  admitPayment: defineRiskScript('admit-payment'),
  recordFailure: defineRiskScript('record-failure'),
  countSignatureFailure: defineRiskScript('count-signature-failure'),
  releaseHold: defineRiskScript('release-hold')
}

export const RiskRuleNames = [
  'deny_list', 'client_order_velocity', 'customer_order_velocity', 'client_amount_velocity', 'customer_amount_velocity',
  'client_open_reservations', 'session_open_reservations', 'session_failed_payments', 'customer_failed_payments',
  'order_failed_payments', 'order_signature_failures'
] as const
export type RiskRule = typeof RiskRuleNames[number]

/** Limits of each rule; 0 turns a rule off. */
export interface RiskLimits {
  clientOrdersPerMinute: number
  customerOrdersPerMinute: number
  clientAmountPerHour: number
  customerAmountPerHour: number
  clientOpenReservations: number
  sessionOpenReservations: number
  sessionFailedPaymentsPerHour: number
  customerFailedPaymentsPerHour: number
  orderFailedPaymentsPerHour: number
  orderSignatureFailures: number
}

export type RiskDecision =
  | { admitted: true, again: boolean }
  | { admitted: false, rule: RiskRule, count: string, limit: string }

/** How long an admitted execution is remembered, so that its retries are never counted again (a day: a key's life). */
const admittedTtlSeconds = 86_400
/** How long a failed payment or a signature failure is remembered. */
const failureTtlSeconds = 86_400

function decision (reply: StoreReply): RiskDecision {
  const [outcome, rule, count, limit] = reply as [number, string?, string?, string?]
  if (outcome !== 0) return { admitted: true, again: outcome === 2 }
  return { admitted: false, rule: rule as RiskRule, count: String(count), limit: String(limit) }
}

export interface OrderAttempt {
  subjects: RiskSubjects
  executionId: string
  amount: number
  reservationId: string
  reservationExpiresAt: number
}

export class RiskRules {
  readonly #store: Store
  readonly #limits: RiskLimits
  /** The order rules' limits as admit-order.lua takes them: one argument, built once. */
  readonly #orderLimits: string

  constructor (store: Store, limits: RiskLimits) {
    this.#store = store
    this.#limits = limits
    this.#orderLimits = [
      limits.clientOrdersPerMinute, limits.customerOrdersPerMinute, limits.clientAmountPerHour,
      limits.customerAmountPerHour, limits.clientOpenReservations, limits.sessionOpenReservations,
      limits.sessionFailedPaymentsPerHour, limits.customerFailedPaymentsPerHour
    ].join(',')
  }

  /** Checks every order rule and, when all pass, counts the order and its reservation: one round trip. */
  async admitOrder (attempt: OrderAttempt, now: number): Promise<RiskDecision> {
    const keys = riskKeys(attempt.subjects)
    return decision(await this.#store.eval(riskScripts.admitOrder, [
      keys.admitted(attempt.executionId), keys.lists, keys.clientOrders, keys.customerOrders, keys.clientAmount,
      keys.customerAmount, keys.clientHolds, keys.sessionHolds, keys.sessionFailures, keys.customerFailures
    ], [
      now, attempt.amount, attempt.reservationId, attempt.reservationExpiresAt, keys.sessionListField,
      keys.customerListField, flag(attempt.subjects.session), flag(attempt.subjects.customer),
      this.#orderLimits, admittedTtlSeconds
    ]))
  }

  /**
   * Takes back the counts and hold of an admitted execution that was not a first request after all (`now` is the
   * admission's). True when there was something to take back; a refused or already withdrawn execution has nothing.
   */
  async withdrawOrder (attempt: OrderAttempt, now: number): Promise<boolean> {
    const keys = riskKeys(attempt.subjects)
    return await this.#store.eval(riskScripts.withdrawOrder, [
      keys.admitted(attempt.executionId), keys.clientOrders, keys.customerOrders, keys.clientAmount, keys.customerAmount,
      keys.clientHolds, keys.sessionHolds
    ], [now, attempt.amount, attempt.reservationId, flag(attempt.subjects.customer)]) === 1
  }

  /** Deny lists and the order's locks, before a caller's payment confirmation is looked at. */
  async admitPayment (subjects: RiskSubjects, orderId: string, now: number): Promise<RiskDecision> {
    const keys = riskKeys(subjects)
    return decision(await this.#store.eval(riskScripts.admitPayment,
      [keys.lists, keys.orderFailures(orderId), keys.orderSignatureFailures(orderId)],
      [now, keys.sessionListField, keys.customerListField, this.#limits.orderFailedPaymentsPerHour,
        this.#limits.orderSignatureFailures]))
  }

  /**
   * Counts a failed payment against its order, session, customer and instrument, once per payment.
   * Resolves to the failures of the order and of the instrument in the last hour, or undefined if counted before.
   */
  async recordFailedPayment (subjects: RiskSubjects, orderId: string, paymentId: string,
    now: number): Promise<{ order: number, instrument: number } | undefined> {
    const keys = riskKeys(subjects)
    const [order, instrument] = await this.#store.eval(riskScripts.recordFailure, [
      keys.failedPayment(paymentId), keys.orderFailures(orderId), keys.sessionFailures, keys.customerFailures,
      keys.instrumentFailures
    ], [now, flag(subjects.session), flag(subjects.customer), flag(subjects.instrument), failureTtlSeconds]) as number[]
    return order < 0 ? undefined : { order, instrument }
  }

  async recordSignatureFailure (subjects: RiskSubjects, orderId: string): Promise<number> {
    return await this.#store.eval(riskScripts.countSignatureFailure, [riskKeys(subjects).orderSignatureFailures(orderId)],
      [failureTtlSeconds]) as number
  }

  /** The reservation no longer holds stock (paid, cancelled, released): it stops counting as outstanding. */
  async releaseHold (subjects: RiskSubjects, reservationId: string): Promise<void> {
    const keys = riskKeys(subjects)
    await this.#store.eval(riskScripts.releaseHold, [keys.clientHolds, keys.sessionHolds], [reservationId])
  }
}

const flag = (value: string | undefined): string => value === undefined ? '0' : '1'
