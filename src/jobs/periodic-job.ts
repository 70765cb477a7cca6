// Background work that runs on every instance but is done by one at a time: each tick, the instance that takes a
// short lease in the store runs one bounded batch. Ticks never queue (the next is scheduled when one ends), and
// stopping waits for the batch under way for a bounded time only: shutdown never hangs on background work.
import { randomUUID } from 'node:crypto'
import { defineScript, type Store } from '../store/store.js'

/** Compare-and-extend: the idempotency lock's renewal does exactly what a lease needs. */
const renewScript = defineScript('job-lease-renew', new URL('../idempotency/renew.lua', import.meta.url))

export interface PeriodicJobOptions {
  name: string
  intervalMs: number
  store: Store
  /** One bounded batch; `signal` aborts between items when the job stops. */
  run: (signal: AbortSignal) => Promise<unknown>
  onError: (err: unknown) => void
}

/** The longest a stop waits for the batch under way; what it did not finish, the next start does. */
const stopGraceMs = 1000

/** Starts the job; the returned function stops it. */
export function startPeriodicJob (options: PeriodicJobOptions): () => Promise<void> {
  const stopping = new AbortController()
  const owner = randomUUID()
  const lease = `job:{${options.name}}:lease`
  let running: Promise<void> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined

  async function tick (): Promise<void> {
    // Held for one interval: whoever takes it runs this tick's batch; the others skip it. A batch that runs longer
    // keeps extending it, so a slow batch never overlaps another instance's.
    const taken = await options.store.command('set', [lease, owner, 'NX', 'PX', options.intervalMs])
    if (taken === null || stopping.signal.aborted) return
    const renewal = setInterval(() => {
      options.store.eval(renewScript, [lease], [owner, options.intervalMs]).catch(() => {})
    }, Math.max(1, Math.floor(options.intervalMs / 3)))
    renewal.unref()
    try {
      await options.run(stopping.signal)
    } finally {
      clearInterval(renewal)
    }
  }

  function schedule (): void {
    if (stopping.signal.aborted) return
    timer = setTimeout(() => {
      running = tick().catch(options.onError).finally(schedule)
    }, options.intervalMs)
    timer.unref()
  }

  schedule()
  return async () => {
    stopping.abort()
    clearTimeout(timer)
    let grace: NodeJS.Timeout | undefined
    await Promise.race([running, new Promise<void>(resolve => { grace = setTimeout(resolve, stopGraceMs) })])
    clearTimeout(grace)
  }
}
