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

/** The part of the Web Storage API the key store uses (window.sessionStorage, or a stand-in in tests). */
export interface WebStorage {
  getItem (key: string): string | null
  setItem (key: string, value: string): void
  removeItem (key: string): void
}

/**
 * Keys in the tab's session storage: a reload of the tab (or a crash of its page) finds the key of an operation
 * still under way, so paying again sends the same key and gets the same order back. Another tab has its own keys.
 */
export class SessionStorageKeyStore implements KeyStore {
  readonly #storage: WebStorage

  constructor (storage?: WebStorage, readonly prefix = 'payment-client:') {
    // Reading sessionStorage itself throws where storage is disabled: the error says so instead of a TypeError later.
    const found = storage ?? (globalThis as { sessionStorage?: WebStorage }).sessionStorage
    if (found === undefined) throw new Error('SessionStorageKeyStore needs window.sessionStorage (or a storage passed in)')
    this.#storage = found
  }

  get (operationId: string): string | undefined {
    return this.#storage.getItem(this.prefix + operationId) ?? undefined
  }

  set (operationId: string, key: string): void {
    this.#storage.setItem(this.prefix + operationId, key)
  }

  delete (operationId: string): void {
    this.#storage.removeItem(this.prefix + operationId)
  }
}
