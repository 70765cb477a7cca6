// What a handler running under an idempotency lock can do with its key.
export interface IdempotencyContext {
  /** The caller's Idempotency-Key, or the key derived from the request when it sent none. */
  readonly key: string
  /** Unique per client, method, route and key (32 hex characters); stable across retries. */
  readonly scope: string
  /**
   * 32 hex characters, unique to the first request under this key and shared by its retries (stable across a 5xx,
   * a crash or a lost lock); a key used again after its records expired gets a new one. Ids derived from it
   * (receipt, reservation) therefore never collide with an earlier, unrelated use of the same key.
   */
  readonly executionId: string
  /** 1 on the first attempt with this key; higher when an earlier attempt died or failed with a 5xx. */
  readonly attempt: number
  /** Saves an intermediate result so a retry after a crash or a lost lock can finish the same work. */
  checkpoint (name: string, value: string): Promise<void>
  /** A result an earlier attempt with this key saved, if any. */
  recover (name: string): string | undefined
}
