// Caller authentication: `Authorization: Bearer <token>` against API_KEYS (client routes) or ADMIN_TOKEN
// (admin routes). Routes choose with `config: { auth: 'client' | 'admin' }`; the default is public.
import { hash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { parseApiKeys } from '../src/config.js'
import { UnauthorizedError } from '../src/errors.js'

export type AuthMode = 'client' | 'admin' | 'public'

declare module 'fastify' {
  interface FastifyContextConfig {
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
  // Looking tokens up by their hash keeps the comparison free of timing hints about the token itself.
  const clientsByDigest = new Map<string, string>()
  for (const [token, clientId] of parseApiKeys(API_KEYS)) clientsByDigest.set(hexDigest(token), clientId)
  const adminDigest = ADMIN_TOKEN === undefined ? undefined : digest(ADMIN_TOKEN)
  if (API_KEYS === undefined) {
    fastify.log.warn('API_KEYS is unset: every caller is client "anonymous". Development only.')
  }

  fastify.decorateRequest('clientId', 'anonymous')

  fastify.addHook('onRequest', async (request) => {
    const mode = request.routeOptions.config.auth ?? 'public'
    if (mode === 'public') return
    const token = bearerToken(request)
    if (mode === 'admin') {
      if (adminDigest === undefined || token === undefined || !timingSafeEqual(digest(token), adminDigest)) throw unauthorized()
      request.clientId = 'admin'
      return
    }
    if (clientsByDigest.size === 0) return
    const clientId = token === undefined ? undefined : clientsByDigest.get(hexDigest(token))
    if (clientId === undefined) throw unauthorized()
    request.clientId = clientId
  })
}

export default fp(authPlugin, { name: 'auth', dependencies: ['config'] })
