// Prometheus metrics: one registry per app instance (tests build many), HTTP timings, and the counters
// other plugins increment. Served at GET /metrics on the private listener only (plugins/operations-listener.ts).
// Every metric docs/OPERATIONS.md and deploy/'s alert rules use is defined here, with its labels in its help text.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type GaugeConfiguration } from 'prom-client'

/**
 * A gauge set only by the instance that did the work this time (the sweeper runs on whichever instance takes its
 * lease): once its value is older than `freshForMs` it reads 0, so an instance that stopped measuring never keeps
 * reporting an old value that `max()` across instances would pick up. (A gauge without labels cannot be absent.)
 */
export class FreshGauge {
  readonly gauge: Gauge
  #setAt = 0
  #freshForMs = 0

  constructor (configuration: GaugeConfiguration<string>) {
    const fresh = (): boolean => Date.now() - this.#setAt <= this.#freshForMs
    this.gauge = new Gauge({ ...configuration, collect () { if (!fresh()) this.set(0) } })
  }

  set (value: number, freshForMs: number): void {
    this.#setAt = Date.now()
    this.#freshForMs = freshForMs
    this.gauge.set(value)
  }
}

function createMetrics (registry: Registry) {
  return {
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry]
    }),
    // Hit rate (a response served from a stored record, not run again), one expression:
    //   sum(rate(idempotency_requests_total{outcome=~"replayed|cached_replay"}[5m]))
    //     / sum(rate(idempotency_requests_total{outcome!="store_unavailable"}[5m]))
    idempotency: new Counter({
      name: 'idempotency_requests_total',
      help: 'Idempotent requests by route and outcome: executed (no stored response: the handler ran), replayed (stored ' +
        'response from the store), cached_replay (from this instance\'s cache of completed records), in_progress (409), ' +
        'key_reused (422), store_unavailable (503); a request is counted once',
      labelNames: ['route', 'outcome'] as const,
      registers: [registry]
    }),
    idempotencyStoreFailures: new Counter({
      name: 'idempotency_store_failures_total',
      help: 'Idempotency failures by route and reason: lock_lost (the processing lock expired and another request took ' +
        'it while the handler ran), lock_expired (it expired unclaimed; the response was still stored), store_failed, ' +
        'release_failed, not_cacheable; a request is counted at most once per reason',
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
      help: 'Razorpay API calls by operation (create_order, fetch_order, capture_payment, refund_payment, probe, ...) ' +
        'and outcome (ok, client_error: a 4xx, server_error: a 5xx, network_error, timeout)',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry]
    }),
    ...catalogMetrics(registry),
    ...redisMetrics(registry),
    loadShed: new Counter({
      name: 'load_shed_requests_total',
      help: 'Requests answered 503 SERVICE_OVERLOADED by load shedding, by reason (eventLoopDelay, heapUsedBytes, rssBytes)',
      labelNames: ['reason'] as const,
      registers: [registry]
    })
  }
}

function catalogMetrics (registry: Registry) {
  return {
    reservations: new Counter({
      name: 'reservations_total',
      help: 'Stock reservations by outcome: made (stock held for a new order), sold (a held reservation was paid), ' +
        'released (given back: Razorpay failed at create-order, or the order was cancelled), expired (unpaid past its time)',
      labelNames: ['outcome'] as const,
      registers: [registry]
    }),
    lateSales: new Counter({
      name: 'late_sales_total',
      help: 'Payments for orders whose reservation had already ended, by outcome: late (sold from available stock), ' +
        'oversold (no stock left: the payment is refunded)',
      labelNames: ['outcome'] as const,
      registers: [registry]
    }),
    sweeperLag: new FreshGauge({
      name: 'reservation_sweeper_lag_seconds',
      help: 'At this instance\'s last sweep: how long past its expiry the oldest due reservation was (about the sweep ' +
        'interval at most while the sweeper keeps up); 0 when this instance has not swept in the last minute',
      registers: [registry]
    }),
    sweeperLastRun: new Gauge({
      name: 'reservation_sweeper_last_run_timestamp_seconds',
      help: 'Unix time at which this instance last completed a reservation sweep, 0 before its first (instances take ' +
        'turns: use max())',
      registers: [registry]
    })
  }
}

/** Sampled from Redis INFO on a timer (plugins/redis-checks.ts); absent with the embedded store, which has no Redis. */
function redisMetrics (registry: Registry) {
  const perNode = (name: string, help: string) => new Gauge({ name, help, labelNames: ['node'] as const, registers: [registry] })
  return {
    redisUsedMemory: perNode('redis_used_memory_bytes', 'Redis used_memory, per node (host:port; each master of a Cluster)'),
    redisMaxmemory: perNode('redis_maxmemory_bytes', 'Redis maxmemory, per node (0: no limit)'),
    redisKeys: perNode('redis_keys', 'Keys in Redis summed over its databases, per node'),
    redisAofEnabled: perNode('redis_aof_enabled', 'Redis aof_enabled, per node (1: append-only file on, 0: off)'),
    redisCheckFailed: new Gauge({
      name: 'redis_check_failed',
      help: 'A Redis check failing on any node, by check: persistence (AOF off, or its last write failed), eviction ' +
        '(maxmemory-policy is not noeviction), memory (used_memory at 90% or more of maxmemory); 1 failing, 0 passing',
      labelNames: ['check'] as const,
      registers: [registry]
    }),
    redisLastSample: perNode('redis_last_sample_timestamp_seconds', 'Unix time of the last successful Redis INFO sample, per node'),
    redisSampleFailures: new Counter({
      name: 'redis_sample_failures_total',
      help: 'Redis INFO samples that failed (Redis unreachable, or INFO refused); stays 0 with the embedded store',
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

  // Synchronous, so the response never waits on a promise for its metrics.
  const durations = labelledChildren(fastify.metrics.httpDuration)
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    durations(`${request.method} ${route} ${reply.statusCode}`, { method: request.method, route, status: String(reply.statusCode) })
      .observe(reply.elapsedTime / 1000)
    done()
  })
}

/**
 * A metric's children found by one string key naming their labels: prom-client's own lookup by label object sorts
 * and hashes the labels on every call. The key must be a function of the labels.
 */
export function labelledChildren<Labels, Child> (metric: { labels (labels: Labels): Child }): (key: string, labels: Labels) => Child {
  const children = new Map<string, Child>()
  return (key, labels) => {
    let child = children.get(key)
    if (child === undefined) {
      child = metric.labels(labels)
      children.set(key, child)
    }
    return child
  }
}

export default fp(metricsPlugin, { name: 'metrics' })
