// Where the client keeps the idempotency key of each operation between its attempts.
export interface KeyStore {
  get (operationId: string): Promise<string | undefined> | string | undefined
  set (operationId: string, key: string): Promise<void> | void
  delete (operationId: string): Promise<void> | void
}

/** Keys for the life of the process, bounded so a long-running caller cannot grow it without end. */
export class MemoryKeyStore implements KeyStore {
  readonly #keys = new Map<string, string>()
  constructor (readonly maxEntries = 10_000) {}

  get (operationId: string): string | undefined {
    return this.#keys.get(operationId)
  }

  set (operationId: string, key: string): void {
    this.#keys.delete(operationId)
    this.#keys.set(operationId, key)
    if (this.#keys.size > this.maxEntries) this.#keys.delete(this.#keys.keys().next().value as string)
  }

  delete (operationId: string): void {
    this.#keys.delete(operationId)
  }
}
