// Response headers every answer of the main port carries: @fastify/helmet's security headers with a policy fit for a
// JSON API, and `Cache-Control: no-store`, so that no proxy or browser keeps a payment answer (nor an error or a replay).
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

type RouteHeaders = Omit<FastifyHelmetOptions, 'global'>

declare module 'fastify' {
  interface FastifyContextConfig {
    /** @fastify/helmet's per-route settings, as its onRequest hook reads them (set by an onRoute hook). */
    helmet?: RouteHeaders
  }
}

/** An API answer loads nothing and is framed by nobody (OWASP REST security cheat sheet). */
const apiHeaders: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' }
}

/**
 * The docs UI (swagger-ui) loads its own scripts, styles and images: helmet's default policy allows exactly that
 * ('self', inline styles). Without upgrade-insecure-requests, which would break /docs served over plain http.
 */
export const docsHeaders: RouteHeaders = {
  contentSecurityPolicy: { useDefaults: true, directives: { upgradeInsecureRequests: null } },
  frameguard: { action: 'sameorigin' }
}

function isApi (request: FastifyRequest): boolean {
  return (request.routeOptions.url ?? request.url).startsWith('/api/')
}

async function securityHeadersPlugin (fastify: FastifyInstance): Promise<void> {
  await fastify.register(helmet, apiHeaders)
  // onSend runs for every answer: handlers, errors, 404s, and idempotent replays (sent from a preHandler).
  // Only a non-API route that chose its own caching keeps it (the docs' static assets).
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (isApi(request) || !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })
}

export default fp(securityHeadersPlugin, { name: 'security-headers' })
