// Whether this instance reaches Razorpay, learnt from the calls it makes anyway (and from an occasional probe while
// it makes none), so that readiness can say so without calling Razorpay per probe.
import type { CallOutcome } from './gateway.js'

export type RazorpayStatus = 'reachable' | 'unreachable' | 'unknown'

/** Outcomes that prove Razorpay answered: a 4xx is its answer too (a bad request, a wrong key), not an outage. */
const answered = new Set<CallOutcome>(['ok', 'client_error'])

export class RazorpayReachability {
  readonly #now: () => number
  #lastAnsweredAt: number | undefined
  /** When the failures since the last answer began; undefined while the last call was answered. */
  #failingSince: number | undefined

  constructor (now: () => number = Date.now) {
    this.#now = now
  }

  record (outcome: CallOutcome): void {
    if (answered.has(outcome)) {
      this.#lastAnsweredAt = this.#now()
      this.#failingSince = undefined
    } else {
      this.#failingSince ??= this.#now()
    }
  }

  /** 'unknown' until the first call ends; then whether the last one reached Razorpay. */
  get status (): RazorpayStatus {
    if (this.#failingSince !== undefined) return 'unreachable'
    return this.#lastAnsweredAt === undefined ? 'unknown' : 'reachable'
  }

  /** How long every call has failed (0 while the last one was answered). */
  get unreachableForMs (): number {
    return this.#failingSince === undefined ? 0 : this.#now() - this.#failingSince
  }

  /** True when some call was answered within the last `ms`: then a probe would tell nothing new. */
  answeredWithin (ms: number): boolean {
    return this.#lastAnsweredAt !== undefined && this.#now() - this.#lastAnsweredAt < ms
  }
}
