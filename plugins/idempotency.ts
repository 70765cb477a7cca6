// Exactly-once requests. A route opts in with `config: { idempotency: true }` (or options); its first request
// runs the handler under a lock, the response (status < 500) is stored, and every repeat replays it byte for byte.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import {
  IdempotencyInProgressError, IdempotencyKeyInvalidError, IdempotencyKeyMissingError, IdempotencyKeyReusedError,
  StoreUnavailableHttpError
} from '../src/errors.js'
import type { IdempotencyContext } from '../src/idempotency/context.js'
import { CompletedCache } from '../src/idempotency/completed-cache.js'
import { RecentScopes } from '../src/idempotency/recent-scopes.js'
import { requestFingerprint } from '../src/idempotency/fingerprint.js'
import { Execution, type ExecutionEvents } from '../src/idempotency/execution.js'
import { IdempotencyStore, lockValue, type AcquireResult, type Lease } from '../src/idempotency/idempotency-store.js'
import {
  derivedKey, idempotencyKeys, isValidIdempotencyKey, preferredWaitSeconds, scopeHash, scopeText, type IdempotencyKeys
} from '../src/idempotency/keys.js'
import type { StoredResponse } from '../src/idempotency/record.js'
import { waitForCompletion } from '../src/idempotency/wait.js'
import { StoreUnavailableError } from '../src/store/store.js'
import { labelledChildren } from './metrics.js'

export interface IdempotencyRouteOptions {
  /** Response headers replayed besides content-type and location. */
  replayHeaders?: string[]
  /**
   * Work a first request starts with, sent together with taking the lock rather than after it (one round trip less).
   * It is called with the execution id a first request gets, only for a key this instance has not seen lately, and
   * returns what takes the work back; that runs at once when the lock goes to anything else (a replay, a request
   * in progress, an earlier execution resumed, a failure), so the handler must use the work only for a first request
   * of that very execution id, and start it itself otherwise.
   */
  startWithLock?: (request: FastifyRequest, executionId: string) => () => void
}

declare module 'fastify' {
  interface FastifyContextConfig {
    idempotency?: boolean | IdempotencyRouteOptions
  }
  interface FastifyRequest {
    idempotency: IdempotencyContext | null
    /** The JSON body as it arrived, before parsing: a repeat with the same bytes replays before validation. */
    rawJsonBody: string | null
  }
}

/**
 * Raw bodies up to this length are kept with a cached record, to recognise a repeat with the same bytes by comparing
 * them (cheaper than hashing); a longer one (whitespace can pad a valid body up to the body limit) is not kept.
 */
const maxVerifiedRawBodyLength = 4096

const alwaysReplayed = ['content-type', 'location']
/** Keys remembered as seen by this instance (about 100 bytes each), whatever the local cache of records holds. */
const recentScopesKept = 10_000
const storeRetryAfterSeconds = '1'
const inProgressRetryAfterSeconds = '1'

function withRetryAfter<T extends Error> (error: T, seconds: string): T {
  return Object.assign(error, { headers: { 'retry-after': seconds } })
}

async function idempotencyPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  const store = new IdempotencyStore(fastify.store)
  const cache = new CompletedCache(config.IDEMPOTENCY_LOCAL_CACHE_ENTRIES)
  const recentScopes = new RecentScopes(recentScopesKept)
  const lockTtlMs = config.IDEMPOTENCY_LOCK_TTL_SECONDS * 1000
  const metrics = fastify.metrics

  fastify.decorateRequest('idempotency', null)
  fastify.decorateRequest('rawJsonBody', null)

  // Fastify's own JSON parser (same limits, same prototype-poisoning refusal), keeping the text it parsed.
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawJsonBody = body as string
    parseJson(request, body as string, done)
  })

  const outcomes = labelledChildren(metrics.idempotency)
  function count (request: FastifyRequest, outcome: string): void {
    const route = request.routeOptions.url ?? ''
    outcomes(`${route} ${outcome}`, { route, outcome }).inc()
  }

  function failure (request: FastifyRequest, reason: string): void {
    metrics.idempotencyStoreFailures.inc({ route: request.routeOptions.url ?? '', reason })
  }

  /** Requests whose lock loss was already counted: the renewal and the final store can both find the same loss. */
  const lockLossCounted = new WeakSet<FastifyRequest>()

  function lockLost (request: FastifyRequest): void {
    if (lockLossCounted.has(request)) return
    lockLossCounted.add(request)
    failure(request, 'lock_lost')
  }

  function executionEvents (request: FastifyRequest, key: string): ExecutionEvents {
    return {
      lockLost: () => {
        request.log.error({ key }, 'idempotency lock lost while the handler runs')
        lockLost(request)
      },
      renewalFailed: (err) => request.log.warn({ err, key }, 'idempotency lock renewal failed; retrying'),
      checkpointAfterLockLoss: (name) => request.log.warn({ key, checkpoint: name }, 'idempotency lock lost before a checkpoint')
    }
  }

  /** `outcome` is counted only for a real replay, so that a reused key is counted once (as key_reused). */
  function replay (request: FastifyRequest, reply: FastifyReply, response: StoredResponse,
    fingerprint: string, waitedSeconds: number | undefined, outcome: 'replayed' | 'cached_replay'): FastifyReply {
    if (response.fingerprint !== fingerprint) {
      count(request, 'key_reused')
      throw new IdempotencyKeyReusedError()
    }
    return send(request, reply, response, waitedSeconds, outcome)
  }

  function send (request: FastifyRequest, reply: FastifyReply, response: StoredResponse,
    waitedSeconds: number | undefined, outcome: 'replayed' | 'cached_replay'): FastifyReply {
    count(request, outcome)
    reply.code(response.statusCode).headers(response.headers).header('idempotent-replayed', 'true')
    if (waitedSeconds !== undefined) reply.header('preference-applied', `wait=${waitedSeconds}`)
    return reply.send(response.body)
  }

  async function acquire (request: FastifyRequest, keys: IdempotencyKeys, lease: Lease, fingerprint: string,
    waitSeconds: number, takeBack: (() => void) | undefined): Promise<AcquireResult> {
    try {
      let first: AcquireResult | undefined
      try {
        first = await store.acquire(keys, lease)
      } finally {
        // Work started with the lock stands only when the lock went to a first request of its execution id.
        if (takeBack !== undefined && !(first?.state === 'acquired' && first.executionId === lease.executionId)) takeBack()
      }
      if (first.state !== 'in-progress' || waitSeconds === 0 || first.fingerprint !== fingerprint) return first
      return await waitForCompletion(store, keys, lease, waitSeconds * 1000)
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err
      request.log.error({ err }, 'idempotency store unavailable: refusing to run the handler')
      count(request, 'store_unavailable')
      throw withRetryAfter(new StoreUnavailableHttpError(), storeRetryAfterSeconds)
    }
  }

  function validateKeyHeader (request: FastifyRequest): void {
    const header = request.headers['idempotency-key']
    if (header === undefined) {
      if (config.IDEMPOTENCY_REQUIRE_KEY) throw new IdempotencyKeyMissingError()
    } else if (typeof header !== 'string' || !isValidIdempotencyKey(header)) {
      throw new IdempotencyKeyInvalidError()
    }
  }

  /** Keeps a completed record in the local cache until just before it expires in the store, with the raw body it matched. */
  function remember (request: FastifyRequest, key: string, response: StoredResponse): void {
    cache.set(cacheKey(request, key), response, response.createdAt + response.ttlSeconds * 1000 - 1000, verifiable(request.rawJsonBody))
  }

  /** The scope unhashed: the local cache needs no bounded Redis key, and a replay from it no SHA-256. */
  function cacheKey (request: FastifyRequest, key: string): string {
    return scopeText(request.clientId, request.method, request.routeOptions.url ?? request.url, key)
  }

  /** The seconds a caller asked to wait (Prefer: wait=N), capped; undefined when it did not ask. */
  function waitedSeconds (request: FastifyRequest): number | undefined {
    const preferred = preferredWaitSeconds(request.headers.prefer)
    return preferred === undefined ? undefined : Math.min(preferred, config.IDEMPOTENCY_MAX_WAIT_SECONDS)
  }

  /**
   * A repeat whose body has the very bytes a completed request of this key already had is answered here, before its
   * body is validated or canonicalised: equal bytes give an equal fingerprint. Any other body goes the full way.
   */
  function replayVerifiedRepeat (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const header = request.headers['idempotency-key']
    const raw = request.rawJsonBody
    if (typeof header !== 'string' || raw === null || cache.size === 0) return done()
    const entry = cache.get(cacheKey(request, header))
    if (entry?.verifiedRawBody === undefined || entry.verifiedRawBody !== raw) return done()
    send(request, reply, entry.response, waitedSeconds(request), 'cached_replay')
  }

  async function begin (request: FastifyRequest, reply: FastifyReply,
    options: IdempotencyRouteOptions): Promise<FastifyReply | undefined> {
    const method = request.method
    const route = request.routeOptions.url ?? request.url
    const header = request.headers['idempotency-key'] as string | undefined
    const fingerprint = requestFingerprint(method, route, request.body)
    const key = header ?? derivedKey(fingerprint)
    // A caller that asked to wait is told the preference applied whenever it gets the first answer.
    const waited = waitedSeconds(request)
    const waitSeconds = waited ?? 0

    const cached = cache.get(cacheKey(request, key))
    if (cached !== undefined) {
      replay(request, reply, cached.response, fingerprint, waited, 'cached_replay')
      cached.verifiedRawBody = verifiable(request.rawJsonBody) ?? cached.verifiedRawBody
      return reply
    }

    const scope = scopeHash(request.clientId, method, route, key)
    const keys = idempotencyKeys(scope)

    const token = randomUUID()
    const lease: Lease = {
      lock: lockValue(token, fingerprint),
      lockTtlMs,
      ttlSeconds: header === undefined ? config.IDEMPOTENCY_FALLBACK_TTL_SECONDS : config.IDEMPOTENCY_TTL_SECONDS,
      fingerprint,
      executionId: token.replaceAll('-', '')
    }
    // A key this instance has not seen lately is most likely new: its first work need not wait for the lock's answer.
    const startWithLock = options.startWithLock
    const takeBack = startWithLock !== undefined && recentScopes.add(scope) ? startWithLock(request, lease.executionId) : undefined
    const result = await acquire(request, keys, lease, fingerprint, waitSeconds, takeBack)

    if (result.state === 'completed') {
      replay(request, reply, result.response, fingerprint, waited, 'replayed')
      remember(request, key, result.response)
      return reply
    }
    if (result.state === 'bound-elsewhere') {
      // An earlier request with another body used this key and left work behind (a 5xx, a crash, a lost lock).
      count(request, 'key_reused')
      throw new IdempotencyKeyReusedError()
    }
    if (result.state === 'in-progress') {
      if (result.fingerprint !== fingerprint) {
        count(request, 'key_reused')
        throw new IdempotencyKeyReusedError()
      }
      count(request, 'in_progress')
      throw withRetryAfter(new IdempotencyInProgressError(), inProgressRetryAfterSeconds)
    }

    const init = { key, scope, attempt: result.attempt, executionId: result.executionId, keys, lease, fingerprint, checkpoints: result.checkpoints }
    const execution = new Execution(init, store, executionEvents(request, key))
    request.idempotency = execution
    if (waited !== undefined) reply.header('preference-applied', `wait=${waited}`)
    execution.startRenewal()
    count(request, 'executed')
    return undefined
  }

  async function finish (request: FastifyRequest, reply: FastifyReply, payload: unknown,
    options: IdempotencyRouteOptions): Promise<void> {
    const execution = request.idempotency
    if (!(execution instanceof Execution) || !execution.end()) return
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined

    if (reply.statusCode >= 500 || body === undefined || Buffer.byteLength(body) > config.IDEMPOTENCY_MAX_RECORD_BYTES) {
      if (reply.statusCode < 500) {
        request.log.error({ key: execution.key, statusCode: reply.statusCode }, 'response not cacheable (stream or over IDEMPOTENCY_MAX_RECORD_BYTES): lock released')
        failure(request, 'not_cacheable')
      }
      await release(request, execution)
      return
    }

    const headers: Record<string, string> = {}
    for (const name of [...alwaysReplayed, ...(options.replayHeaders ?? [])]) {
      const value = reply.getHeader(name)
      if (value !== undefined) headers[name] = String(value)
    }
    const response: StoredResponse = {
      statusCode: reply.statusCode,
      headers,
      fingerprint: execution.fingerprint,
      createdAt: Date.now(),
      ttlSeconds: execution.lease.ttlSeconds,
      body
    }
    try {
      const outcome = await store.complete(execution.keys, execution.lease.lock, response)
      if (outcome === 'stored') {
        remember(request, execution.key, response)
      } else if (outcome === 'stored-after-expiry') {
        request.log.warn({ key: execution.key }, 'idempotency lock had expired unclaimed; response stored')
        failure(request, 'lock_expired')
      } else {
        request.log.error({ key: execution.key, outcome }, 'idempotency lock lost: another request owns this key; its record is kept')
        lockLost(request)
      }
    } catch (err) {
      // The handler ran: the response still goes out; the lock expires by itself.
      request.log.error({ err, key: execution.key }, 'could not store the idempotent response')
      failure(request, 'store_failed')
    }
  }

  async function release (request: FastifyRequest, execution: Execution): Promise<void> {
    execution.end()
    try {
      await store.release(execution.keys, execution.lease.lock)
    } catch (err) {
      request.log.error({ err, key: execution.key }, 'could not release the idempotency lock; it will expire')
      failure(request, 'release_failed')
    }
  }

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const setting = route.config?.idempotency
    if (setting === undefined || setting === false) return
    const options: IdempotencyRouteOptions = setting === true ? {} : setting
    if (route.schema?.response === undefined) {
      throw new Error(`${route.method} ${route.url} opts into idempotency but declares no response schema: ` +
        'only serialized JSON responses can be stored and replayed (streams cannot)')
    }
    // Synchronous wherever a replay passes: it never waits on a promise it does not need.
    route.onRequest = [...toArray(route.onRequest), (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      try {
        validateKeyHeader(request)
      } catch (err) {
        return done(err as Error)
      }
      done()
    }]
    route.preValidation = [replayVerifiedRepeat, ...toArray(route.preValidation)]
    route.preHandler = [...toArray(route.preHandler), async (request: FastifyRequest, reply: FastifyReply) => await begin(request, reply, options)]
    route.onSend = [...toArray(route.onSend), (request: FastifyRequest, reply: FastifyReply, payload: unknown,
      done: (err: Error | null, payload?: unknown) => void) => {
      if (!(request.idempotency instanceof Execution)) return done(null, payload)
      finish(request, reply, payload, options).then(() => done(null, payload), done)
    }]
    // A request that never reached onSend (its socket died first) must not keep the lock until it expires.
    route.onResponse = [...toArray(route.onResponse), (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const execution = request.idempotency
      if (!(execution instanceof Execution) || !execution.running) return done()
      release(request, execution).then(() => done(), done)
    }]
  })
}

function verifiable (raw: string | null): string | undefined {
  return raw === null || raw.length > maxVerifiedRawBodyLength ? undefined : raw
}

function toArray<T> (value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

export default fp(idempotencyPlugin, { name: 'idempotency', dependencies: ['config', 'store', 'metrics'] })
