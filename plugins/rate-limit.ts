// Per-client rate limiting of /api/* with @fastify/rate-limit, counted in Redis when there is one so the limit
// holds across instances. Runs after authentication, so the client id is known.
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { RateLimitedError } from '../src/errors.js'

async function rateLimitPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  await fastify.register(rateLimit, {
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
    redis: fastify.hasDecorator('redis') ? fastify.redis : undefined,
    nameSpace: 'ratelimit:',
    // A store outage must not turn into 500s here: the idempotent routes fail closed on their own.
    skipOnError: true,
    // Razorpay's webhook bursts are not a client's traffic, and a 429 would only delay their redelivery.
    allowList: (request) => !request.url.startsWith('/api/') || request.url.startsWith('/api/webhooks/'),
    keyGenerator: (request) => `${request.clientId}:${request.clientId === 'anonymous' ? request.ip : ''}`,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new RateLimitedError(Math.ceil(context.ttl / 1000)), { statusCode: 429 })
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['config', 'store', 'auth'] })
