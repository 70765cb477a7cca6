// Decorates `fastify.refunds` and `fastify.paymentFlows(log)`, what the payment routes hand the payment domain, and
// runs the reconciler that fetches unpaid orders' payments from Razorpay and sends refunds still due.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { PaymentFlows } from '../src/commerce.js'
import { startPeriodicJob } from '../src/jobs/periodic-job.js'
import { reconcileOrders } from '../src/payments/reconciler.js'
import { Refunds } from '../src/payments/refunds.js'

declare module 'fastify' {
  interface FastifyInstance {
    refunds: Refunds
    paymentFlows: (log: FastifyBaseLogger) => PaymentFlows
  }
}

export interface PaymentsPluginOptions {
  /** How often the reconciler looks for due orders; default: a quarter of RECONCILE_DELAY_SECONDS, 250 ms to 30 s. */
  reconcileIntervalMs?: number
}

async function paymentsPlugin (fastify: FastifyInstance, options: PaymentsPluginOptions): Promise<void> {
  const config = fastify.config
  const metrics = fastify.metrics
  fastify.decorate('refunds', new Refunds(fastify.store, fastify.razorpay, fastify.audit, fastify.log.child({ component: 'refunds' }),
    (reason, event) => metrics.refunds.inc({ reason, event })))
  fastify.decorate('paymentFlows', (log: FastifyBaseLogger): PaymentFlows => ({
    catalog: fastify.catalog,
    orders: fastify.orders,
    events: fastify.orderEvents,
    audit: fastify.audit,
    razorpay: fastify.razorpay,
    refunds: fastify.refunds,
    risk: fastify.risk,
    log
  }))

  const log = fastify.log.child({ component: 'reconciler' })
  const settings = {
    delayMs: config.RECONCILE_DELAY_SECONDS * 1000,
    windowMs: config.RECONCILE_WINDOW_SECONDS * 1000,
    // Batches of 200, 8 Razorpay calls at a time, for up to 10 s a tick while orders are due.
    batchSize: 200,
    concurrency: 8,
    budgetMs: 10_000
  }
  const stop = startPeriodicJob({
    name: 'reconciler',
    intervalMs: options.reconcileIntervalMs ?? Math.min(30_000, Math.max(250, settings.delayMs / 4)),
    store: fastify.store,
    run: async (signal) => await reconcileOrders(fastify.paymentFlows(log), settings,
      (outcome) => metrics.reconciled.inc({ outcome }), signal),
    onError: (err) => log.error({ err }, 'reconciliation failed; retrying next interval')
  })
  fastify.addHook('onClose', async () => await stop())
}

export default fp(paymentsPlugin, { name: 'payments', dependencies: ['config', 'store', 'razorpay', 'audit', 'catalog', 'metrics', 'risk'] })
