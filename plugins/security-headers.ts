// Response headers every answer of the main port carries: helmet's security headers with a policy fit for a JSON API
// (a route may name another policy in `config.helmet`: the docs UI, the demo page), and `Cache-Control: no-store`, so
// that no proxy or browser keeps a payment answer (nor an error or a replay).
//
// helmet's headers depend on its options only, so each policy's headers are computed once, from helmet's own
// middleware, and set by one synchronous hook. @fastify/helmet builds helmet's middleware anew on every request, in
// two hooks, one of them async: that was a tenth of a cached replay's CPU (docs/PERFORMANCE.md).
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** helmet's options for this route, instead of the API policy. */
    helmet?: HelmetOptions
  }
}

/**
 * An API answer loads nothing and is framed by nobody (OWASP REST security cheat sheet: CSP, HSTS, nosniff,
 * X-Frame-Options, with no-store below). Headers that only mean something to a rendered document are left out: each
 * costs every answer a header line and protects nothing in a JSON body.
 */
const apiPolicy: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false
}

/**
 * The docs UI (swagger-ui) loads its own scripts, styles and images: helmet's default policy allows exactly that
 * ('self', inline styles). Without upgrade-insecure-requests, which would break /docs served over plain http.
 */
export const docsHeaders: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: true, directives: { upgradeInsecureRequests: null } },
  frameguard: { action: 'sameorigin' }
}

/** The headers helmet's middleware sets for `options`, captured once (it only ever calls setHeader and removeHeader). */
function headersOf (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader (name: string, value: string | number) { headers[name.toLowerCase()] = String(value) },
    removeHeader () {}
  }
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => { if (err !== undefined) throw err })
  return headers
}

function isApi (request: FastifyRequest): boolean {
  return (request.routeOptions.url ?? request.url).startsWith('/api/')
}

async function securityHeadersPlugin (fastify: FastifyInstance): Promise<void> {
  const computed = new WeakMap<HelmetOptions, Record<string, string>>()
  const headersFor = (policy: HelmetOptions): Record<string, string> => {
    let headers = computed.get(policy)
    if (headers === undefined) {
      headers = headersOf(policy)
      computed.set(policy, headers)
    }
    return headers
  }
  headersFor(apiPolicy)

  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(headersFor(request.routeOptions.config.helmet ?? apiPolicy))
    done()
  })
  // onSend runs for every answer: handlers, errors, 404s, and idempotent replays (sent from a preHandler).
  // Only a non-API route that chose its own caching keeps it (the docs' static assets).
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (isApi(request) || !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    done(null, payload)
  })
}

export default fp(securityHeadersPlugin, { name: 'security-headers' })
