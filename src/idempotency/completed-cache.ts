// A small bounded cache of completed records. A record never changes until it expires, so an instance may
// serve repeats from memory with no round trip; each entry expires with its record.
import type { StoredResponse } from './record.js'

interface Entry { response: StoredResponse, expiresAt: number }

export class CompletedCache {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor (maxEntries: number, now: () => number = Date.now) {
    this.#maxEntries = maxEntries
    this.#now = now
  }

  get (key: string): StoredResponse | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    if (entry.expiresAt <= this.#now()) return undefined
    this.#entries.set(key, entry) // most recently used goes last
    return entry.response
  }

  set (key: string, response: StoredResponse, expiresAt: number): void {
    if (this.#maxEntries <= 0 || expiresAt <= this.#now()) return
    this.#entries.delete(key)
    this.#entries.set(key, { response, expiresAt })
    if (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string)
    }
  }

  get size (): number {
    return this.#entries.size
  }
}
