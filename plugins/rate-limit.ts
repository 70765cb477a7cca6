// Rate limits with @fastify/rate-limit: requests per client on every authenticated route, and failed
// authentications per source address (plugins/auth.ts asks before it looks at a token). Counted in each instance's
// memory by default: no Redis round trip, and the effective limits are per instance. RATE_LIMIT_SHARED=true counts
// both in Redis through the library's own Redis store, so that they hold across instances (one round trip each).
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { RateLimitedError } from '../src/errors.js'

export interface AuthFailures {
  /**
   * Whether any address may be blocked now: false while this instance's own count (not shared) has recorded no failure
   * within the window, so that an authenticated request skips the look-up. Always true when the count is shared.
   */
  mayBlock (): boolean
  /** Seconds until this source address may authenticate again; undefined while it may. Counts nothing. */
  blockedFor (request: FastifyRequest): Promise<number | undefined>
  /** Counts one failed authentication of this source address. */
  record (request: FastifyRequest): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    authFailures: AuthFailures
  }
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

function storeOptions (fastify: FastifyInstance): RateLimitPluginOptions {
  if (!fastify.config.RATE_LIMIT_SHARED) return { cache: 50_000 }
  if (!fastify.hasDecorator('redis')) throw new Error('RATE_LIMIT_SHARED=true needs REDIS_URL or REDIS_CLUSTER_NODES')
  // While Redis is away the limiter steps aside (skipOnError) instead of failing the request with a bare 500: every
  // authenticated route needs that same Redis and answers 503 STORE_UNAVAILABLE on its own, so nothing runs unlimited.
  return { redis: fastify.redis, skipOnError: true }
}

async function rateLimitPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  const store = storeOptions(fastify)

  // A registration of its own (namespace, limit, window), made in a scope of its own so that its `createRateLimit`
  // decorator stays there and the request limiter below gets its own. The default key is the source address
  // (request.ip, correct behind a load balancer with TRUST_PROXY; IPv6 by /64).
  let authFailures: Limiter | undefined
  await fastify.register(async (scope) => {
    await scope.register(rateLimit, {
      ...store,
      global: false,
      nameSpace: 'ratelimit:auth-failures:',
      max: config.AUTH_FAILURES_MAX,
      timeWindow: config.AUTH_FAILURES_WINDOW_SECONDS * 1000
    })
    authFailures = scope.createRateLimit()
  })
  const check = authFailures as Limiter
  const windowMs = config.AUTH_FAILURES_WINDOW_SECONDS * 1000
  let lastFailureAt = Number.NEGATIVE_INFINITY
  fastify.decorate('authFailures', {
    mayBlock () {
      return config.RATE_LIMIT_SHARED || Date.now() - lastFailureAt <= windowMs
    },
    async blockedFor (request: FastifyRequest) {
      const state = await check(request, { increment: false })
      // `remaining` is the limit minus the failures in the window: none left refuses the next try.
      if (state.isAllowed || state.remaining > 0 || state.ttl <= 0) return undefined
      return Math.max(1, state.ttlInSeconds)
    },
    async record (request: FastifyRequest) {
      lastFailureAt = Date.now()
      await check(request)
    }
  })

  await fastify.register(rateLimit, {
    ...store,
    nameSpace: 'ratelimit:requests:',
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
    // Public routes (health, docs, Razorpay's webhooks, whose bursts are not a client's traffic) are not limited.
    allowList: (request) => request.routeOptions.config.auth === 'public',
    // Runs after authentication (a route hook, after the auth plugin's onRequest hook), so the client id is known.
    keyGenerator: (request) => `${request.clientId}:${request.clientId === 'anonymous' ? request.ip : ''}`,
    // The X-RateLimit-* headers go on a 429 only (with Retry-After): on every other answer they would cost three
    // header lines for a count no caller of this internal API reads.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) =>
      Object.assign(new RateLimitedError(Math.ceil(context.ttl / 1000)), { statusCode: 429 })
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['config', 'store'] })
