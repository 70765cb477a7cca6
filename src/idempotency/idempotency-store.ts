// The idempotency operations on the store, one atomic script each. Plain TypeScript, no Fastify.
import { defineScript, type Store, type StoreReply } from '../store/store.js'
import type { IdempotencyKeys } from './keys.js'
import { decodeRecord, encodeRecord, type StoredResponse } from './record.js'

const scripts = {
  acquire: defineScript('idempotency-acquire', new URL('./acquire.lua', import.meta.url)),
  complete: defineScript('idempotency-complete', new URL('./complete.lua', import.meta.url)),
  release: defineScript('idempotency-release', new URL('./release.lua', import.meta.url)),
  renew: defineScript('idempotency-renew', new URL('./renew.lua', import.meta.url)),
  checkpoint: defineScript('idempotency-checkpoint', new URL('./checkpoint.lua', import.meta.url))
}

export type AcquireResult =
  | { state: 'completed', response: StoredResponse }
  | { state: 'in-progress', retryAfterMs: number, fingerprint: string }
  | { state: 'bound-elsewhere' }
  | { state: 'acquired', attempt: number, executionId: string, checkpoints: Map<string, string> }

/**
 * What taking the lock needs: the lock's value, its lifetime, how long checkpoints are kept, the request's
 * fingerprint and the execution id a first request binds to the key.
 */
export interface Lease { lock: string, lockTtlMs: number, ttlSeconds: number, fingerprint: string, executionId: string }

export type CompleteResult = 'stored' | 'stored-after-expiry' | 'record-exists' | 'lock-taken'

const completeResults: Record<number, CompleteResult> = {
  1: 'stored', 2: 'stored-after-expiry', 0: 'record-exists', [-1]: 'lock-taken'
}

/** The lock's value: the owner's random token and the fingerprint of the request it runs. */
export function lockValue (token: string, fingerprint: string): string {
  return `${token} ${fingerprint}`
}

export class IdempotencyStore {
  readonly #store: Store

  constructor (store: Store) {
    this.#store = store
  }

  async acquire (keys: IdempotencyKeys, lease: Lease): Promise<AcquireResult> {
    const reply = await this.#store.eval(scripts.acquire, [keys.record, keys.lock, keys.checkpoints],
      [lease.lock, lease.lockTtlMs, lease.ttlSeconds, lease.fingerprint, lease.executionId]) as StoreReply[]
    if (reply[0] === 1) return { state: 'completed', response: decodeRecord(reply[1] as string) }
    if (reply[0] === 2) {
      const holder = String(reply[2] ?? '')
      return { state: 'in-progress', retryAfterMs: Number(reply[1]), fingerprint: holder.slice(holder.indexOf(' ') + 1) }
    }
    if (reply[0] === 3) return { state: 'bound-elsewhere' }
    const checkpoints = new Map<string, string>()
    for (let i = 3; i < reply.length; i += 2) checkpoints.set(String(reply[i]), String(reply[i + 1]))
    return { state: 'acquired', attempt: Number(reply[1]), executionId: String(reply[2]), checkpoints }
  }

  async complete (keys: IdempotencyKeys, lock: string, response: StoredResponse): Promise<CompleteResult> {
    const reply = await this.#store.eval(scripts.complete, [keys.record, keys.lock, keys.checkpoints],
      [lock, encodeRecord(response), response.ttlSeconds, keys.channel])
    return completeResults[Number(reply)]
  }

  /** True when this request still owned the lock. */
  async release (keys: IdempotencyKeys, lock: string): Promise<boolean> {
    return await this.#store.eval(scripts.release, [keys.lock], [lock, keys.channel]) === 1
  }

  async renew (keys: IdempotencyKeys, lock: string, lockTtlMs: number): Promise<boolean> {
    return await this.#store.eval(scripts.renew, [keys.lock], [lock, lockTtlMs]) === 1
  }

  async checkpoint (keys: IdempotencyKeys, lock: string, name: string, value: string, ttlSeconds: number): Promise<boolean> {
    return await this.#store.eval(scripts.checkpoint, [keys.checkpoints, keys.lock], [name, value, ttlSeconds, lock]) === 1
  }

  async subscribe (keys: IdempotencyKeys, listener: () => void): Promise<() => Promise<void>> {
    return await this.#store.subscribe(keys.channel, listener)
  }
}
