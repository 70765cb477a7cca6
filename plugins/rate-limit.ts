// Per-client rate limiting of /api/* with @fastify/rate-limit. Counted in each instance's memory: a shared count in
// Redis would cost every request a round trip, doubling the cost of a replay; the effective limit is therefore
// RATE_LIMIT_MAX per instance. Runs after authentication, so the client id is known.
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { RateLimitedError } from '../src/errors.js'

async function rateLimitPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  await fastify.register(rateLimit, {
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
    cache: 50_000,
    // Razorpay's webhook bursts are not a client's traffic, and a 429 would only delay their redelivery.
    // The matched route, not the raw URL: `/%61pi/…` and absolute-form request lines reach the same handlers.
    allowList: (request) => {
      const route = request.routeOptions.url ?? ''
      return !route.startsWith('/api/') || route.startsWith('/api/webhooks/')
    },
    keyGenerator: (request) => `${request.clientId}:${request.clientId === 'anonymous' ? request.ip : ''}`,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new RateLimitedError(Math.ceil(context.ttl / 1000)), { statusCode: 429 })
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['config', 'auth'] })
