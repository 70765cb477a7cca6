// The idempotency scopes this instance handled lately, oldest forgotten first: a hint that a request is probably a
// repeat, so that work a first request would start early is not started for it. Only a hint: the store decides.
export class RecentScopes {
  readonly #kept: number
  readonly #scopes = new Set<string>()

  constructor (kept: number) {
    this.#kept = kept
  }

  /** Remembers the scope; true when it was not remembered already. */
  add (scope: string): boolean {
    if (this.#scopes.has(scope)) return false
    this.#scopes.add(scope)
    if (this.#scopes.size > this.#kept) this.#scopes.delete(this.#scopes.values().next().value as string)
    return true
  }
}
