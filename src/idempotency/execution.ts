// One request running under an idempotency lock: what it knows of earlier attempts, its checkpoints, and the
// renewal that keeps its lock alive while the handler runs longer than a third of the lock's lifetime.
import type { IdempotencyContext } from './context.js'
import type { IdempotencyStore, Lease } from './idempotency-store.js'
import type { IdempotencyKeys } from './keys.js'

export interface ExecutionEvents {
  /** The lock now belongs to someone else (it expired and another request took it). */
  lockLost (): void
  renewalFailed (err: unknown): void
  checkpointAfterLockLoss (name: string): void
}

export interface ExecutionInit {
  key: string
  scope: string
  attempt: number
  executionId: string
  keys: IdempotencyKeys
  lease: Lease
  fingerprint: string
  checkpoints: Map<string, string>
}

export class Execution implements IdempotencyContext {
  readonly key: string
  readonly scope: string
  readonly attempt: number
  readonly executionId: string
  readonly keys: IdempotencyKeys
  readonly lease: Lease
  readonly fingerprint: string
  readonly #checkpoints: Map<string, string>
  readonly #store: IdempotencyStore
  readonly #events: ExecutionEvents
  #running = true
  #renewal: NodeJS.Timeout | undefined

  constructor (init: ExecutionInit, store: IdempotencyStore, events: ExecutionEvents) {
    this.key = init.key
    this.scope = init.scope
    this.attempt = init.attempt
    this.executionId = init.executionId
    this.keys = init.keys
    this.lease = init.lease
    this.fingerprint = init.fingerprint
    this.#checkpoints = init.checkpoints
    this.#store = store
    this.#events = events
  }

  get running (): boolean {
    return this.#running
  }

  async checkpoint (name: string, value: string): Promise<void> {
    this.#checkpoints.set(name, value)
    const owner = await this.#store.checkpoint(this.keys, this.lease.lock, name, value, this.lease.ttlSeconds)
    if (!owner) this.#events.checkpointAfterLockLoss(name)
  }

  recover (name: string): string | undefined {
    return this.#checkpoints.get(name)
  }

  startRenewal (): void {
    this.#renewal = setTimeout(() => { this.#renew().catch(() => {}) }, Math.max(Math.floor(this.lease.lockTtlMs / 3), 10))
    this.#renewal.unref()
  }

  /** Ends the execution (stops renewing); false when it had already ended. */
  end (): boolean {
    if (!this.#running) return false
    this.#running = false
    clearTimeout(this.#renewal)
    return true
  }

  async #renew (): Promise<void> {
    let owned: boolean
    try {
      owned = await this.#store.renew(this.keys, this.lease.lock, this.lease.lockTtlMs)
    } catch (err) {
      this.#events.renewalFailed(err)
      if (this.#running) this.startRenewal()
      return
    }
    if (!this.#running) return
    if (owned) this.startRenewal()
    else this.#events.lockLost()
  }
}
