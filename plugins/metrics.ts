// Prometheus metrics: one registry per app instance (tests build many), HTTP timings, and the counters
// other plugins increment. Served at GET /metrics on the private listener only (plugins/operations-listener.ts).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

function createMetrics (registry: Registry) {
  return {
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry]
    }),
    idempotency: new Counter({
      name: 'idempotency_requests_total',
      help: 'Idempotent requests by outcome (executed, replayed, cached_replay, in_progress, key_reused, store_unavailable)',
      labelNames: ['route', 'outcome'] as const,
      registers: [registry]
    }),
    idempotencyStoreFailures: new Counter({
      name: 'idempotency_store_failures_total',
      help: 'Failures to store or release after the handler ran, and locks found lost',
      labelNames: ['route', 'reason'] as const,
      registers: [registry]
    }),
    webhooks: new Counter({
      name: 'webhooks_total',
      help: 'Razorpay webhooks by event and outcome (processed, duplicate, ignored, unknown_order, signature_invalid, failed)',
      labelNames: ['event', 'outcome'] as const,
      registers: [registry]
    }),
    refunds: new Counter({
      name: 'refunds_total',
      help: 'Refunds by reason and event (requested, sent, send_failed, processed, failed, gave_up)',
      labelNames: ['reason', 'event'] as const,
      registers: [registry]
    }),
    reconciled: new Counter({
      name: 'reconciler_orders_total',
      help: 'Orders the reconciler checked at Razorpay, by outcome (paid, refunded, not_captured, unchanged, done, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry]
    }),
    riskRejections: new Counter({
      name: 'risk_rejections_total',
      help: 'Requests refused with 403 RISK_REJECTED, by rule',
      labelNames: ['rule'] as const,
      registers: [registry]
    }),
    cardTesting: new Counter({
      name: 'risk_card_testing_suspected_total',
      help: 'Failed payments of an instrument that had reached RISK_INSTRUMENT_FAILED_PAYMENTS_PER_HOUR',
      registers: [registry]
    }),
    authFailures: new Counter({
      name: 'auth_failures_total',
      help: 'Requests refused by authentication, by outcome (missing_token, invalid_token, throttled: the address had too many failures)',
      labelNames: ['outcome'] as const,
      registers: [registry]
    }),
    razorpayRequests: new Histogram({
      name: 'razorpay_request_duration_seconds',
      help: 'Razorpay API calls by operation and outcome',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry]
    })
  }
}

export type Metrics = ReturnType<typeof createMetrics>

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
    /** The registry every metric of this instance is in. */
    metricsRegistry: Registry
  }
}

async function metricsPlugin (fastify: FastifyInstance): Promise<void> {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  fastify.decorate('metricsRegistry', registry)
  fastify.decorate('metrics', createMetrics(registry))

  fastify.addHook('onResponse', async (request, reply) => {
    fastify.metrics.httpDuration.observe({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode)
    }, reply.elapsedTime / 1000)
  })
}

export default fp(metricsPlugin, { name: 'metrics' })
