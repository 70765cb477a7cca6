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

/**
 * Authorization headers already verified, with their client: the hot path then skips the regex and the SHA-256.
 * Safe to keep: only a header that matched a configured token enters it, so attacker input never grows it (and the
 * cap bounds the spellings of valid tokens); a lookup hashes the whole presented header with V8's per-process seeded
 * string hash before comparing anything, so its time does not depend on how much of a valid token a guess shares; the
 * tokens are fixed for the life of the process, so no entry can outlive its token.
 */
const maxVerifiedHeaders = 1000

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

  const verifiedHeaders = new Map<string, string>()

  /** The client id the request authenticates as, or undefined when it does not. */
  function authenticate (request: FastifyRequest, mode: 'client' | 'admin'): string | undefined {
    if (mode === 'admin') return isAdmin(bearerToken(request)) ? 'admin' : undefined
    const header = request.headers.authorization
    if (header === undefined) return undefined
    const known = verifiedHeaders.get(header)
    if (known !== undefined) return known
    const token = bearerToken(request)
    const clientId = token === undefined ? undefined : clientsByDigest.get(hexDigest(token))
    if (clientId !== undefined && verifiedHeaders.size < maxVerifiedHeaders) verifiedHeaders.set(header, clientId)
    return clientId
  }

  fastify.decorateRequest('clientId', 'anonymous')

  // Synchronous on the common path (a known token, no address that could be blocked): no promise, no await.
  fastify.addHook('onRequest', (request, _reply, done) => {
    // An unknown URL answers 404 with or without a token: the route list is no secret (openapi.yaml is in the
    // repository), and a 401 there would also hide the 404 the main port must give for /metrics and private /docs.
    if (request.is404) return done()
    const mode = request.routeOptions.config.auth ?? 'client'
    if (mode === 'public' || (mode === 'client' && clientsByDigest.size === 0)) return done()
    if (!fastify.authFailures.mayBlock()) {
      const clientId = authenticate(request, mode)
      if (clientId !== undefined) {
        request.clientId = clientId
        return done()
      }
    }
    checkBlockedThenAuthenticate(request, mode).then(() => done(), done)
  })

  async function checkBlockedThenAuthenticate (request: FastifyRequest, mode: 'client' | 'admin'): Promise<void> {
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
  }
}

export default fp(authPlugin, { name: 'auth', dependencies: ['config', 'metrics', 'rate-limit'] })
