// Decorates `fastify.risk` (the guard the money paths ask before money moves) and `fastify.riskLists` (the admin
// API's allow and deny lists). Thresholds come from the RISK_* variables; the hashes' key from RISK_HASH_SECRET.
import { hkdfSync } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../schemas/config.js'
import { RiskGuard } from '../src/risk/risk-guard.js'
import { RiskLists } from '../src/risk/risk-lists.js'
import { RiskRules, type RiskLimits } from '../src/risk/risk-rules.js'
import { SubjectHasher } from '../src/risk/subjects.js'

declare module 'fastify' {
  interface FastifyInstance {
    risk: RiskGuard
    riskLists: RiskLists
  }
}

export function riskLimits (config: Config): RiskLimits {
  return {
    clientOrdersPerMinute: config.RISK_CLIENT_ORDERS_PER_MINUTE,
    customerOrdersPerMinute: config.RISK_CUSTOMER_ORDERS_PER_MINUTE,
    clientAmountPerHour: config.RISK_CLIENT_AMOUNT_PER_HOUR,
    customerAmountPerHour: config.RISK_CUSTOMER_AMOUNT_PER_HOUR,
    clientOpenReservations: config.RISK_CLIENT_OPEN_RESERVATIONS,
    sessionOpenReservations: config.RISK_SESSION_OPEN_RESERVATIONS,
    sessionFailedPaymentsPerHour: config.RISK_SESSION_FAILED_PAYMENTS_PER_HOUR,
    customerFailedPaymentsPerHour: config.RISK_CUSTOMER_FAILED_PAYMENTS_PER_HOUR,
    orderFailedPaymentsPerHour: config.RISK_ORDER_FAILED_PAYMENTS_PER_HOUR,
    orderSignatureFailures: config.RISK_ORDER_SIGNATURE_FAILURES
  }
}

/**
 * Every instance must hash a subject alike, so the key is configuration: RISK_HASH_SECRET, or one derived from the
 * Razorpay key secret (rotating that secret then resets the counters and the session and customer list entries).
 */
function hashSecret (fastify: FastifyInstance): string {
  const { RISK_HASH_SECRET, RAZORPAY_KEY_SECRET, NODE_ENV } = fastify.config
  if (RISK_HASH_SECRET !== undefined) return RISK_HASH_SECRET
  if (NODE_ENV === 'production') {
    fastify.log.warn('RISK_HASH_SECRET is unset: risk subjects are hashed with a key derived from RAZORPAY_KEY_SECRET; rotating it resets risk counters and session and customer list entries')
  }
  const material = RAZORPAY_KEY_SECRET ?? 'development only: no Razorpay key secret'
  return Buffer.from(hkdfSync('sha256', material, 'payment-service', 'risk subject hashes', 32)).toString('hex')
}

async function riskPlugin (fastify: FastifyInstance): Promise<void> {
  const hasher = new SubjectHasher(hashSecret(fastify))
  const metrics = fastify.metrics
  fastify.decorate('riskLists', new RiskLists(fastify.store, hasher))
  fastify.decorate('risk', new RiskGuard({
    rules: new RiskRules(fastify.store, riskLimits(fastify.config)),
    hasher,
    audit: fastify.audit,
    log: fastify.log.child({ component: 'risk' }),
    instrumentFailureLimit: fastify.config.RISK_INSTRUMENT_FAILED_PAYMENTS_PER_HOUR,
    onRejected: (rule) => metrics.riskRejections.inc({ rule }),
    onCardTesting: () => metrics.cardTesting.inc()
  }))
}

export default fp(riskPlugin, { name: 'risk', dependencies: ['config', 'store', 'audit', 'metrics'] })
