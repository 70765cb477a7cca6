// What is stored under one caller's Idempotency-Key, for an operator: keys are scoped and hashed, so they cannot be
// found by hand. One function serves the admin route and `npm run inspect-key`, so both say the same thing.
import { idempotentRoutes, type KeyInspection } from '../../schemas/idempotency-inspection.js'
import { defineScript, type Store, type StoreReply } from '../store/store.js'
import { idempotencyKeys, scopeHash } from './keys.js'

const inspectScript = defineScript('idempotency-inspect', new URL('./inspect.lua', import.meta.url))

export interface InspectTarget {
  clientId: string
  method: string
  /** The route pattern as registered: `/api/orders/:orderId/cancel`. */
  route: string
  key: string
}

export interface InspectOptions {
  /** Return the stored body too (it can hold order data); false unless an operator asks. */
  includeBody?: boolean
  /** IDEMPOTENCY_LOCAL_CACHE_ENTRIES of the instances: 0 means no instance keeps completed records in memory. */
  localCacheEntries: number
  now?: () => number
}

export function isIdempotentRoute (method: string, route: string): boolean {
  return idempotentRoutes.some(known => known.method === method && known.route === route)
}

interface RecordMeta { status: number, headers?: Record<string, string>, fingerprint: string, createdAt: number, ttl: number }

/** Seconds from a PTTL reply: -1 (no expiry) and -2 (no key) stay as they are. */
function seconds (pttl: number): number {
  return pttl < 0 ? pttl : Math.ceil(pttl / 1000)
}

function localCache (createdAt: number, ttlSeconds: number, entries: number, now: number): { eligible: boolean, reason: string } {
  if (entries <= 0) return { eligible: false, reason: 'IDEMPOTENCY_LOCAL_CACHE_ENTRIES is 0: every repeat reads Redis' }
  // The plugin keeps an entry until a second before its record expires.
  const until = createdAt + ttlSeconds * 1000 - 1000
  if (until <= now) return { eligible: false, reason: 'the record expires within a second: repeats read Redis' }
  return {
    eligible: true,
    reason: `an instance that stored or replayed it may answer repeats from memory until ${new Date(until).toISOString()} ` +
      `(one of at most ${entries} recent records per instance)`
  }
}

/** The state of one key: completed, in_progress, interrupted or unknown. Reads only. */
export async function inspectIdempotencyKey (store: Store, target: InspectTarget, options: InspectOptions): Promise<KeyInspection> {
  const now = (options.now ?? Date.now)()
  const scope = scopeHash(target.clientId, target.method, target.route, target.key)
  const keys = idempotencyKeys(scope)
  const base = {
    clientId: target.clientId,
    method: target.method,
    route: target.route,
    key: target.key,
    scope,
    redisKeys: { record: keys.record, lock: keys.lock, checkpoints: keys.checkpoints }
  }
  const reply = await store.eval(inspectScript, [keys.record, keys.lock, keys.checkpoints], [options.includeBody === true ? '1' : '0']) as StoreReply[]

  if (reply[0] === 1) {
    const meta = JSON.parse(String(reply[1])) as RecordMeta
    return {
      state: 'completed',
      note: 'a repeat with the same body gets this answer back (Idempotent-Replayed: true); another body gets 422 IDEMPOTENCY_KEY_REUSED',
      ...base,
      record: {
        statusCode: meta.status,
        contentType: meta.headers?.['content-type'],
        createdAt: new Date(meta.createdAt).toISOString(),
        expiresAt: new Date(meta.createdAt + meta.ttl * 1000).toISOString(),
        ttlSeconds: seconds(Number(reply[3])),
        sizeBytes: Number(reply[2]),
        fingerprint: meta.fingerprint,
        localCache: localCache(meta.createdAt, meta.ttl, options.localCacheEntries, now),
        ...(options.includeBody === true ? { body: String(reply[4]) } : {})
      }
    }
  }

  const lockValue = String(reply[1])
  const lockTtlMs = Number(reply[2])
  const fields = new Map<string, string>()
  for (let i = 4; i < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]))
  const attempt = fields.get('_attempts')
  const execution = {
    attempt: attempt === undefined ? undefined : Number(attempt),
    executionId: fields.get('_execution'),
    fingerprint: fields.get('_fingerprint'),
    checkpoints: Object.fromEntries([...fields].filter(([name]) => !name.startsWith('_'))),
    ttlSeconds: seconds(Number(reply[3]))
  }
  if (lockValue !== '') {
    return {
      state: 'in_progress',
      note: `a repeat gets 409 IDEMPOTENCY_REQUEST_IN_PROGRESS (or waits with Prefer: wait=N) until the owner finishes, or its lock expires in ${lockTtlMs} ms`,
      ...base,
      // The lock's owner token stays out: it is what completes or releases the lock.
      lock: { ttlMs: lockTtlMs, fingerprint: lockValue.slice(lockValue.indexOf(' ') + 1) },
      ...(fields.size > 0 ? { execution } : {})
    }
  }
  if (fields.size > 0) {
    return {
      state: 'interrupted',
      note: 'no answer was stored (the last attempt failed with a 5xx, crashed or lost its lock): a repeat with the same ' +
        'body runs again and finishes what the checkpoints name; another body gets 422 IDEMPOTENCY_KEY_REUSED',
      ...base,
      execution
    }
  }
  return { state: 'unknown', note: 'nothing is stored under this key: a request with it runs as a first request', ...base }
}
