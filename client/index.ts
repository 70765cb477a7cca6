// A typed client of the payment service that retries safely: every attempt of one operation carries the same
// Idempotency-Key, so a retry can never create a second order; only 409 (in progress), 5xx and network failures
// are retried, with backoff and Retry-After honoured. It runs in Node and in browsers alike: it uses only the
// platform's fetch, crypto and AbortSignal, so the demo page loads this very module.
import type { CreateOrderBody, CreateOrderResponse } from '../schemas/checkout.js'
import type { Order } from '../schemas/order.js'
import type { VerifyPaymentBody } from '../schemas/payment.js'
import type { CatalogVariant } from '../schemas/variant.js'
import { MemoryKeyStore, SessionStorageKeyStore, type KeyStore, type WebStorage } from './key-store.js'

export { MemoryKeyStore, SessionStorageKeyStore, type KeyStore, type WebStorage }
export type { CatalogVariant, CreateOrderBody, CreateOrderResponse, Order, VerifyPaymentBody }

type Fetch = (url: string, init: { method: string, headers: Record<string, string>, body?: string, signal: AbortSignal }) =>
Promise<{ status: number, headers: { get (name: string): string | null }, text (): Promise<string> }>

export interface PaymentClientOptions {
  baseUrl: string
  token?: string
  /** Per attempt. */
  timeoutMs?: number
  maxAttempts?: number
  /** Where operation ids keep their idempotency keys (default: in memory); make it durable to survive restarts. */
  keyStore?: KeyStore
  /** Defaults to the platform's fetch (Node's built-in undici, or the browser's). */
  fetch?: Fetch
}

export interface CallResult { replayed: boolean, idempotencyKey: string }
export type CreateOrderResult = CreateOrderResponse & CallResult
export type OrderResult = Order & CallResult

export class PaymentApiError extends Error {
  constructor (message: string, readonly statusCode: number, readonly code: string,
    readonly idempotencyKey: string, readonly attempts: number) {
    super(message)
    this.name = 'PaymentApiError'
  }
}

const backoffBaseMs = 100
const backoffCapMs = 5000

export class PaymentClient {
  readonly #baseUrl: string
  readonly #token: string | undefined
  readonly #timeoutMs: number
  readonly #maxAttempts: number
  readonly #keyStore: KeyStore
  readonly #fetch: Fetch
  #closed = false

  constructor (options: PaymentClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#token = options.token
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5)
    this.#keyStore = options.keyStore ?? new MemoryKeyStore()
    // Called through globalThis: a browser's fetch detached from window throws "Illegal invocation".
    this.#fetch = options.fetch ?? (async (url, init) => await globalThis.fetch(url, init))
  }

  /** With an `operationId`, retries of the same operation (even after a restart, with a durable key store) reuse its key. */
  async createOrder (body: CreateOrderBody, options: { idempotencyKey?: string, operationId?: string, signal?: AbortSignal } = {}): Promise<CreateOrderResult> {
    let key = options.idempotencyKey
    if (key === undefined && options.operationId !== undefined) {
      key = await this.#keyStore.get(options.operationId)
      if (key === undefined) {
        key = newIdempotencyKey()
        await this.#keyStore.set(options.operationId, key)
      }
    }
    const created = await this.#call<CreateOrderResponse>('POST', '/api/checkout/create-order', body, key ?? newIdempotencyKey(), options.signal)
    // Remembered so that handlePaymentFailure can cancel this order when the buyer starts over.
    if (options.operationId !== undefined) await this.#keyStore.set(orderOf(options.operationId), created.orderId)
    return created
  }

  async verifyPayment (body: VerifyPaymentBody, options: { idempotencyKey?: string, signal?: AbortSignal } = {}): Promise<OrderResult> {
    return await this.#call<Order>('POST', '/api/checkout/verify-payment', body, options.idempotencyKey ?? newIdempotencyKey(), options.signal)
  }

  async getOrder (orderId: string, options: { signal?: AbortSignal } = {}): Promise<OrderResult> {
    return await this.#call<Order>('GET', `/api/orders/${encodeURIComponent(orderId)}`, undefined, '', options.signal)
  }

  /** A variant's price, currency and whether it is in stock: what the amount of createOrder is computed from. */
  async getVariant (variantId: string, options: { signal?: AbortSignal } = {}): Promise<CatalogVariant & CallResult> {
    return await this.#call<CatalogVariant>('GET', `/api/variants/${encodeURIComponent(variantId)}`, undefined, '', options.signal)
  }

  /**
   * Cancels an unpaid order and returns its stock. Cancelling is the same request whatever process sends it, so the
   * default key is derived from the order. A paid order rejects with 409 ORDER_NOT_CANCELLABLE (not retried).
   */
  async cancelOrder (orderId: string, options: { idempotencyKey?: string, signal?: AbortSignal } = {}): Promise<OrderResult> {
    return await this.#call<Order>('POST', `/api/orders/${encodeURIComponent(orderId)}/cancel`, undefined,
      options.idempotencyKey ?? `cancel:${orderId}`, options.signal)
  }

  /** The operation succeeded: its key is no longer needed. */
  async confirmPaymentSuccess (operationId: string): Promise<void> {
    await this.#keyStore.delete(operationId)
    await this.#keyStore.delete(orderOf(operationId))
  }

  /**
   * The payment failed and the buyer starts over: the next attempt of this operation gets a new key, hence a new
   * order. With `cancelOrder`, the old order is cancelled first so its stock is not held until it expires; should it
   * have been paid meanwhile, the 409 ORDER_NOT_CANCELLABLE rejects this call and the operation keeps its key.
   */
  async handlePaymentFailure (operationId: string, options: { cancelOrder?: boolean, signal?: AbortSignal } = {}): Promise<void> {
    const orderId = await this.#keyStore.get(orderOf(operationId))
    if (options.cancelOrder === true && orderId !== undefined) await this.cancelOrder(orderId, { signal: options.signal })
    await this.#keyStore.delete(operationId)
    await this.#keyStore.delete(orderOf(operationId))
  }

  /** Refuses new calls; a call under way makes no further attempt (it rejects with its last error). */
  async close (): Promise<void> {
    this.#closed = true
  }

  async #call<T> (method: 'GET' | 'POST', path: string, body: unknown, key: string, signal: AbortSignal | undefined): Promise<T & CallResult> {
    if (this.#closed) throw new Error('the payment client is closed')
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`
    if (method === 'POST') {
      if (payload !== undefined) headers['content-type'] = 'application/json'
      headers['idempotency-key'] = key
      // A duplicate still running is waited for on the server instead of answering 409.
      const waitSeconds = Math.floor(this.#timeoutMs / 1000) - 1
      if (waitSeconds > 0) headers.prefer = `wait=${waitSeconds}`
    }
    let last: PaymentApiError | undefined
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      if (attempt > 1) {
        if (this.#closed) break
        await sleep(this.#delay(attempt, last), signal)
      }
      const timeout = AbortSignal.timeout(this.#timeoutMs)
      const attemptSignal = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
      let status: number
      let text: string
      let replayed: boolean
      let retryAfter: string | null
      try {
        const response = await this.#fetch(`${this.#baseUrl}${path}`, { method, headers, body: payload, signal: attemptSignal })
        status = response.status
        replayed = response.headers.get('idempotent-replayed') === 'true'
        retryAfter = response.headers.get('retry-after')
        text = await response.text()
      } catch (err) {
        if (signal?.aborted === true) throw err
        const timedOut = timeout.aborted
        last = new PaymentApiError(timedOut ? `no answer within ${this.#timeoutMs} ms` : `network error: ${(err as Error).message}`,
          0, timedOut ? 'CLIENT_TIMEOUT' : 'NETWORK_ERROR', key, attempt)
        continue
      }
      if (status < 400) return { ...(JSON.parse(text) as T), replayed, idempotencyKey: key }
      const error = parseError(text)
      last = Object.assign(new PaymentApiError(error.message, status, error.code, key, attempt), { retryAfter })
      // Only "in progress" is worth waiting for; 409 ORDER_NOT_CANCELLABLE is final.
      if (status < 500 && error.code !== 'IDEMPOTENCY_REQUEST_IN_PROGRESS') throw last
    }
    if (last === undefined) throw new Error('no attempt was made')
    throw last
  }

  /** Retry-After when the server gave one; otherwise exponential backoff with full jitter. */
  #delay (attempt: number, last: PaymentApiError | undefined): number {
    const retryAfter = Number((last as { retryAfter?: string | null } | undefined)?.retryAfter)
    if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, backoffCapMs)
    return Math.random() * Math.min(backoffCapMs, backoffBaseMs * 2 ** (attempt - 1))
  }
}

/**
 * A random UUID v4. crypto.randomUUID exists only in secure contexts (https, localhost): a page opened over plain
 * http on another host (a phone on the LAN) has only getRandomValues, which is enough for the same 122 random bits.
 */
export function newIdempotencyKey (): string {
  const webCrypto = globalThis.crypto
  if (typeof webCrypto.randomUUID === 'function') return webCrypto.randomUUID()
  const bytes = webCrypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function orderOf (operationId: string): string {
  return `${operationId}#order`
}

function parseError (text: string): { code: string, message: string } {
  try {
    const body = JSON.parse(text) as { code?: string, message?: string }
    return { code: body.code ?? 'UNKNOWN', message: body.message ?? text }
  } catch {
    return { code: 'UNKNOWN', message: text.slice(0, 200) }
  }
}

async function sleep (ms: number, signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
