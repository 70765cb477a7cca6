// Caller authentication: `Authorization: Bearer <token>` against API_KEYS (client routes) or ADMIN_TOKEN (admin
// routes). Default deny: a route is `client` unless it declares `config: { auth: 'public' }` (or 'admin'), so a
// route that forgets to say so is protected (test/access/default-deny.test.ts walks every route to prove it).
import { hash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { parseAdminTokens, parseApiKeys } from '../src/config.js'
import { RateLimitedError, UnauthorizedError } from '../src/errors.js'

export type AuthMode = 'client' | 'admin' | 'public'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; `client` when unset. */
    auth?: AuthMode
  }
  interface FastifyRequest {
    /** The authenticated client (`anonymous` when API_KEYS is unset in development). */
    clientId: string
  }
}

const digest = (token: string): Buffer => hash('sha256', token, 'buffer')
const hexDigest = (token: string): string => hash('sha256', token, 'hex')

function bearerToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  const match = header === undefined ? null : /^Bearer +([\x21-\x7e]+) *$/i.exec(header)
  return match?.[1]
}

function unauthorized (): Error {
  return Object.assign(new UnauthorizedError(), { headers: { 'www-authenticate': 'Bearer' } })
}

async function authPlugin (fastify: FastifyInstance): Promise<void> {
  const { API_KEYS, ADMIN_TOKEN } = fastify.config
  const metrics = fastify.metrics.authFailures
  // Looking tokens up by their hash keeps the comparison free of timing hints about the token itself.
  const clientsByDigest = new Map<string, string>()
  for (const [token, clientId] of parseApiKeys(API_KEYS)) clientsByDigest.set(hexDigest(token), clientId)
  const adminDigests = parseAdminTokens(ADMIN_TOKEN).map(digest)
  if (API_KEYS === undefined) {
    fastify.log.warn('API_KEYS is unset: every caller is client "anonymous". Development only.')
  }

  /** Compared with every admin token, never stopping at the first match: the time says nothing about which. */
  function isAdmin (token: string | undefined): boolean {
    if (token === undefined) return false
    const presented = digest(token)
    let matched = false
    for (const expected of adminDigests) matched = timingSafeEqual(presented, expected) || matched
    return matched
  }

  /** The client id the request authenticates as, or undefined when it does not. */
  function authenticate (request: FastifyRequest, mode: 'client' | 'admin'): string | undefined {
    const token = bearerToken(request)
    if (mode === 'admin') return isAdmin(token) ? 'admin' : undefined
    return token === undefined ? undefined : clientsByDigest.get(hexDigest(token))
  }

  fastify.decorateRequest('clientId', 'anonymous')

  fastify.addHook('onRequest', async (request) => {
    // An unknown URL answers 404 with or without a token: the route list is no secret (openapi.yaml is in the
    // repository), and a 401 there would also hide the 404 the main port must give for /metrics and private /docs.
    if (request.is404) return
    const mode = request.routeOptions.config.auth ?? 'client'
    if (mode === 'public' || (mode === 'client' && clientsByDigest.size === 0)) return
    // Asked before the token is looked at: once an address is blocked, a right guess looks like a wrong one.
    const retryAfter = await fastify.authFailures.blockedFor(request)
    if (retryAfter !== undefined) {
      metrics.inc({ outcome: 'throttled' })
      throw Object.assign(new RateLimitedError(retryAfter), { headers: { 'retry-after': String(retryAfter) } })
    }
    const clientId = authenticate(request, mode)
    if (clientId === undefined) {
      metrics.inc({ outcome: bearerToken(request) === undefined ? 'missing_token' : 'invalid_token' })
      await fastify.authFailures.record(request)
      throw unauthorized()
    }
    request.clientId = clientId
  })
}

export default fp(authPlugin, { name: 'auth', dependencies: ['config', 'metrics', 'rate-limit'] })
