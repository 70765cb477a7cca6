// Liveness (the process answers) and readiness (this instance can take traffic) for orchestrators.
//
// Readiness fails (503) only for what this instance cannot serve correctly without: its store answering; its memory
// under the load-shedding limits (a process over them sheds every request until it is restarted, typically a leak of
// its own); with REDIS_CHECKS=strict, a Redis that breaks the service's promises (no AOF, an evicting policy); with
// RAZORPAY_CHECKS=strict, Razorpay unreachable from here for RAZORPAY_UNREACHABLE_SECONDS. Everything else is reported
// in the body and left to metrics and alerts, because failing readiness on a cause every instance shares takes the
// whole service out at once: Razorpay down for everyone still leaves order reads, cancels, webhooks and replays
// working, and a lagging event loop (load) is already shed request by request (plugins/load-shedding.ts). Strict
// Razorpay readiness is for deployments whose instances reach Razorpay by different paths (egress per zone), where
// one cut off should step out.
//
// Not built on under-pressure's status route: its 503 answers only an error code (not which dependency failed), and
// a `healthCheck` that fails makes under-pressure shed every request, not just readiness. The health routes are
// exempt from load shedding: a liveness probe refused under load would make the orchestrator restart a busy instance.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import Type from 'typebox'
import { notShed } from '../../plugins/load-shedding.js'

const CheckState = Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('unknown')])

const LiveSchema = Type.Object({ status: Type.Literal('ok') })

const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  store: Type.String({ description: 'redis, cluster or embedded; unreachable when it does not answer' }),
  razorpay: Type.Union([Type.Literal('reachable'), Type.Literal('unreachable'), Type.Literal('unknown')], {
    description: 'what this instance\'s last Razorpay call (or probe) said; unknown before the first'
  }),
  load: Type.Union([Type.Literal('ok'), Type.Literal('eventLoopDelay'), Type.Literal('heapUsedBytes'), Type.Literal('rssBytes')], {
    description: 'ok, or why requests are being shed (503 SERVICE_OVERLOADED); heapUsedBytes and rssBytes also fail readiness'
  }),
  redisChecks: Type.Optional(Type.Object({ persistence: CheckState, eviction: CheckState, memory: CheckState }, {
    description: 'the Redis checks (absent with the embedded store)'
  }))
})

const readinessTimeoutMs = 1000

async function storeAnswers (fastify: FastifyInstance, log: FastifyBaseLogger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      fastify.store.ping(),
      new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('ping timed out')), readinessTimeoutMs) })
    ])
    return true
  } catch (err) {
    log.warn({ err }, 'readiness check: store unreachable')
    return false
  } finally {
    clearTimeout(timer)
  }
}

export default async function healthRoutes (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  const razorpayLimitMs = config.RAZORPAY_UNREACHABLE_SECONDS * 1000

  // Public: orchestrators probe without a token.
  fastify.get('/health/live', {
    config: { auth: 'public', ...notShed },
    schema: { tags: ['health'], response: { 200: LiveSchema } }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/health/ready', {
    config: { auth: 'public', ...notShed },
    schema: { tags: ['health'], response: { 200: ReadySchema, 503: ReadySchema } }
  }, async (request, reply) => {
    const storeUp = await storeAnswers(fastify, request.log)
    const reachability = fastify.razorpayReachability
    const redisStates = fastify.redisChecks.states
    const razorpayDown = config.RAZORPAY_CHECKS === 'strict' && reachability.unreachableForMs > razorpayLimitMs
    const shedding = fastify.sheddingReason()
    const outOfMemory = shedding === 'heapUsedBytes' || shedding === 'rssBytes'
    const ready = storeUp && !outOfMemory && !fastify.redisChecks.blockReadiness && !razorpayDown
    return await reply.code(ready ? 200 : 503).send({
      status: ready ? 'ok' as const : 'unavailable' as const,
      store: storeUp ? fastify.store.kind : 'unreachable',
      razorpay: reachability.status,
      load: shedding ?? 'ok' as const,
      ...(redisStates === undefined ? {} : { redisChecks: redisStates })
    })
  })
}
