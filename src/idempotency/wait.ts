// `Prefer: wait=N`: a duplicate waits for the first request to finish instead of answering 409. It is woken by
// the finishing request's pub/sub message; a bounded poll covers a missed message.
import type { AcquireResult, IdempotencyStore, Lease } from './idempotency-store.js'
import type { IdempotencyKeys } from './keys.js'

const pollIntervalMs = 500

export async function waitForCompletion (store: IdempotencyStore, keys: IdempotencyKeys, lease: Lease,
  maxWaitMs: number): Promise<AcquireResult> {
  const deadline = Date.now() + maxWaitMs
  let wake: () => void = () => {}
  const unsubscribe = await store.subscribe(keys, () => wake())
  try {
    while (true) {
      // The signal exists before the look-up, so a message arriving during it is not lost.
      const woken = new Promise<void>(resolve => { wake = resolve })
      const result = await store.acquire(keys, lease)
      const remaining = deadline - Date.now()
      if (result.state !== 'in-progress' || remaining <= 0) return result
      let timer: NodeJS.Timeout | undefined
      await Promise.race([woken, new Promise<void>(resolve => { timer = setTimeout(resolve, Math.min(remaining, pollIntervalMs)) })])
      clearTimeout(timer)
    }
  } finally {
    await unsubscribe()
  }
}
