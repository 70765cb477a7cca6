// Load shedding with @fastify/under-pressure: while the event loop lags, or heap or resident memory is over its limit
// (LOAD_SHED_*), a request is answered at once with 503 SERVICE_OVERLOADED and Retry-After, before it costs a Redis
// round trip or a Razorpay call, so that the process sheds load instead of falling over. The health routes are exempt
// (`config: notShed`): readiness reports the load instead, and fails on memory (src/routes/health.ts).
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { getHeapStatistics } from 'node:v8'
import { errorBody } from './error-handler.js'

export type SheddingReason = 'eventLoopDelay' | 'heapUsedBytes' | 'rssBytes'

type PressureHandler = (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => Promise<void> | void

declare module 'fastify' {
  interface FastifyInstance {
    /** Why requests are shed right now (the reason label of load_shed_requests_total), or undefined while they are not. */
    sheddingReason (): SheddingReason | undefined
  }
  interface FastifyContextConfig {
    /** under-pressure's per-route handler: it wins over the plugin's (a handler that returns nothing lets the request through). */
    pressureHandler?: PressureHandler
  }
}

/** Route config of a route that must answer whatever the load: its request goes through. */
export const notShed = { pressureHandler: () => {} }

/**
 * Short enough that a checkout retries within the shopper's patience, long enough that a pile of clients does not
 * come back before the next load sample (LOAD_SHED_SAMPLE_INTERVAL_MS, a second by default) can see relief.
 */
const retryAfterSeconds = 5
/** One log line per overload episode at most this often: logging every shed request would add to the load. */
const logEveryMs = 10_000

/** The default heap limit: 90% of what V8 may use, leaving the collector room before the process dies of OOM. */
export function defaultMaxHeapUsedBytes (): number {
  return Math.floor(getHeapStatistics().heap_size_limit * 0.9)
}

async function loadSheddingPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  const shed = fastify.metrics.loadShed
  let loggedAt = 0
  // The start itself blocks the loop (compiling schemas, loading scripts), and a sample that covers it would shed the
  // first requests of an idle process: the delay counts once a sample after ready has seen the loop at ease.
  const maxDelay = config.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS
  let calm = maxDelay === 0
  let watch: NodeJS.Timeout | undefined
  fastify.addHook('onReady', async () => {
    if (calm) return
    watch = setInterval(() => {
      if (fastify.memoryUsage().eventLoopDelay > maxDelay) return
      calm = true
      clearInterval(watch)
    }, config.LOAD_SHED_SAMPLE_INTERVAL_MS)
    watch.unref()
  })
  fastify.addHook('onClose', async () => clearInterval(watch))

  const pressureHandler: PressureHandler = async (request, reply, type, value) => {
    if (type === underPressure.TYPE_EVENT_LOOP_DELAY && !calm) return
    shed.inc({ reason: type })
    if (Date.now() - loggedAt >= logEveryMs) {
      loggedAt = Date.now()
      request.log.warn({ reason: type, value }, 'overloaded: shedding requests with 503 SERVICE_OVERLOADED')
    }
    // Sent here, not thrown: the error handler would log each at error and hide the code as an internal error.
    // under-pressure goes on with the request once this resolves; by then the reply is sent, so Fastify stops there.
    await reply.code(503).header('retry-after', String(retryAfterSeconds))
      .send(errorBody(503, 'SERVICE_OVERLOADED', 'The service is overloaded; retry after the Retry-After delay'))
  }

  const maxHeap = config.LOAD_SHED_MAX_HEAP_USED_BYTES ?? defaultMaxHeapUsedBytes()
  const maxRss = config.LOAD_SHED_MAX_RSS_BYTES
  await fastify.register(underPressure, {
    maxEventLoopDelay: maxDelay,
    maxHeapUsedBytes: maxHeap,
    maxRssBytes: maxRss,
    sampleInterval: config.LOAD_SHED_SAMPLE_INTERVAL_MS,
    pressureHandler
  })
  fastify.decorate('sheddingReason', (): SheddingReason | undefined => {
    const usage = fastify.memoryUsage()
    if (maxDelay > 0 && calm && usage.eventLoopDelay > maxDelay) return 'eventLoopDelay'
    if (maxHeap > 0 && usage.heapUsed > maxHeap) return 'heapUsedBytes'
    if (maxRss > 0 && usage.rssBytes > maxRss) return 'rssBytes'
    return undefined
  })
}

export default fp(loadSheddingPlugin, { name: 'load-shedding', dependencies: ['config', 'metrics'] })
