// How an Idempotency-Key becomes Redis keys: scoped to client, method and route, hashed to bound its length,
// with one {hash tag} shared by the record, the lock and the checkpoints so they live in one Cluster slot.
import { hash } from 'node:crypto'

const validKey = /^[\x21-\x7e]{1,255}$/

export function isValidIdempotencyKey (key: string): boolean {
  return validKey.test(key)
}

export interface IdempotencyKeys {
  readonly record: string
  readonly lock: string
  readonly checkpoints: string
  readonly channel: string
}

/** Whose key it is, unhashed. Newlines cannot occur in any part (keys are printable ASCII, client ids and routes have none). */
export function scopeText (clientId: string, method: string, route: string, key: string): string {
  return `${clientId}\n${method}\n${route}\n${key}`
}

export function scopeHash (clientId: string, method: string, route: string, key: string): string {
  return hash('sha256', scopeText(clientId, method, route, key), 'hex').slice(0, 32)
}

export function idempotencyKeys (hash: string): IdempotencyKeys {
  return {
    record: `idempotency:{${hash}}`,
    lock: `idempotency:processing:{${hash}}`,
    checkpoints: `idempotency:checkpoint:{${hash}}`,
    channel: `idempotency:done:{${hash}}`
  }
}

/** The derived key of a request that sent no Idempotency-Key: same client, route and body, same key. */
export function derivedKey (fingerprint: string): string {
  return `derived:${fingerprint}`
}

/** RFC 7240 `Prefer: wait=N` (among other preferences); undefined when absent or malformed. */
export function preferredWaitSeconds (prefer: string | string[] | undefined): number | undefined {
  if (prefer === undefined) return undefined
  const header = Array.isArray(prefer) ? prefer.join(',') : prefer
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?\s*(?:[,;]|$)/i.exec(header)
  return match === null ? undefined : Number(match[1])
}
