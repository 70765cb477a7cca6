// Checks the Redis the service was given, at start and every REDIS_CHECK_INTERVAL_SECONDS: samples INFO into the
// redis_* gauges and judges persistence, eviction policy and memory (src/store/redis-health.ts). A check that starts
// failing is logged at error once (and once more when it passes again); with REDIS_CHECKS=strict, readiness fails
// while persistence or the eviction policy is wrong or unknown. Decorates `fastify.redisChecks`.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import {
  checkSamples, redisCheckNames, redisCheckRisks, sampleRedis, type RedisCheckName, type RedisNodeSample
} from '../src/store/redis-health.js'
import { RedisStore } from '../src/store/redis-store.js'

export type RedisCheckState = 'ok' | 'failed' | 'unknown'

export interface RedisChecks {
  /** Samples and checks now (the timer does this too); never throws. */
  run (): Promise<void>
  /** Each check's last result; undefined with the embedded store, which is not a Redis to check. */
  readonly states: Record<RedisCheckName, RedisCheckState> | undefined
  /** True when readiness must fail: REDIS_CHECKS=strict and persistence or the eviction policy is not known good. */
  readonly blockReadiness: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    redisChecks: RedisChecks
  }
}

/**
 * The checks strict mode holds readiness on: how the Redis is configured. Memory near its limit is logged, measured and
 * alerted on, but does not fail readiness: it is the same Redis for every instance, so failing it would take the
 * whole service out at once, while replays and reads still work and writes fail on their own if memory runs out.
 */
const readinessChecks: RedisCheckName[] = ['persistence', 'eviction']

async function redisChecksPlugin (fastify: FastifyInstance): Promise<void> {
  const store = fastify.store
  if (!(store instanceof RedisStore)) {
    // The embedded store keeps nothing across restarts by design and has no INFO: the redis_* series stay absent
    // (no Redis, nothing to report) rather than a permanent false alarm; the start already warns about it loudly.
    fastify.decorate('redisChecks', { run: async () => {}, states: undefined, blockReadiness: false })
    return
  }
  const client = store.client
  const metrics = fastify.metrics
  const log = fastify.log.child({ component: 'redis-checks' })
  const strict = fastify.config.REDIS_CHECKS === 'strict'
  const states: Record<RedisCheckName, RedisCheckState> = { persistence: 'unknown', eviction: 'unknown', memory: 'unknown' }
  let sampling = true

  function publish (samples: RedisNodeSample[]): void {
    // Reset first: a Cluster node that left must not keep its last values.
    const gauges = [metrics.redisUsedMemory, metrics.redisMaxmemory, metrics.redisKeys, metrics.redisAofEnabled, metrics.redisLastSample]
    for (const gauge of gauges) gauge.reset()
    const now = Date.now() / 1000
    for (const sample of samples) {
      const labels = { node: sample.node }
      metrics.redisUsedMemory.set(labels, sample.usedMemory)
      metrics.redisMaxmemory.set(labels, sample.maxmemory)
      metrics.redisKeys.set(labels, sample.keys)
      metrics.redisAofEnabled.set(labels, sample.aofEnabled ? 1 : 0)
      metrics.redisLastSample.set(labels, now)
    }
  }

  async function run (): Promise<void> {
    let samples: RedisNodeSample[]
    try {
      samples = await sampleRedis(client)
    } catch (err) {
      metrics.redisSampleFailures.inc()
      // The checks keep their last result: an unreachable Redis is readiness' store check, not a configuration change.
      if (sampling) log.warn({ err }, 'could not read Redis INFO; the Redis checks keep their last result')
      sampling = false
      return
    }
    if (!sampling) log.info('Redis INFO readable again')
    sampling = true
    publish(samples)
    const results = checkSamples(samples)
    for (const check of redisCheckNames) {
      const problems = results[check]
      const state: RedisCheckState = problems.length > 0 ? 'failed' : 'ok'
      metrics.redisCheckFailed.set({ check }, state === 'failed' ? 1 : 0)
      if (state === 'failed' && states[check] !== 'failed') {
        log.error({ check, problems, mode: fastify.config.REDIS_CHECKS }, `Redis check failed: ${check}. ${redisCheckRisks[check]}`)
      } else if (state === 'ok' && states[check] === 'failed') {
        log.info({ check }, `Redis check passes again: ${check}`)
      }
      states[check] = state
    }
  }

  fastify.decorate('redisChecks', {
    run,
    get states () { return { ...states } },
    get blockReadiness () { return strict && readinessChecks.some(check => states[check] !== 'ok') }
  })

  await run()
  const intervalMs = fastify.config.REDIS_CHECK_INTERVAL_SECONDS * 1000
  let timer: NodeJS.Timeout | undefined
  let closing = false
  const schedule = (): void => {
    timer = setTimeout(() => { run().finally(() => { if (!closing) schedule() }) }, intervalMs)
    timer.unref()
  }
  schedule()
  fastify.addHook('onClose', async () => {
    closing = true
    clearTimeout(timer)
  })
}

export default fp(redisChecksPlugin, { name: 'redis-checks', dependencies: ['config', 'store', 'metrics'] })
