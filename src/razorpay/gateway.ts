// A small typed gateway over the official Razorpay SDK. Every SDK failure shape (JSON error, HTML 5xx,
// timeout, refused or reset connection) leaves it as PaymentProviderError (502) or PaymentProviderTimeoutError (504).
import { createHmac, timingSafeEqual } from 'node:crypto'
import Razorpay from 'razorpay'
import type { Orders } from 'razorpay/dist/types/orders.js'
import type { Payments } from 'razorpay/dist/types/payments.js'
import type { Refunds } from 'razorpay/dist/types/refunds.js'
import { PaymentProviderError, PaymentProviderTimeoutError } from '../errors.js'

export type RazorpayOrder = Orders.RazorpayOrder
export type RazorpayPayment = Payments.RazorpayPayment
export type RazorpayRefund = Refunds.RazorpayRefund

export interface GatewayOptions {
  keyId: string
  keySecret: string
  webhookSecret: string
  apiUrl: string
  timeoutMs: number
  /** Told the outcome and duration of every call (metrics, and the reachability readiness reports). */
  onCall?: (call: GatewayCall) => void
}

/** How a call ended: an answer (ok, or a 4xx: Razorpay was reached) or a failure to reach it (5xx, network, timeout). */
export type CallOutcome = 'ok' | 'client_error' | 'server_error' | 'network_error' | 'timeout'

export interface GatewayCall { operation: string, outcome: CallOutcome, seconds: number }

export interface CreateOrderInput {
  amount: number
  currency: string
  receipt: string
  notes: Record<string, string>
}

/** What the provider said when it failed, kept on the thrown error for logs and for callers that branch on it. */
export interface ProviderFailure {
  operation: string
  statusCode: number
  code?: string
  reason?: string
  description?: string
}

interface AxiosLikeError { code?: string, message?: string, response?: unknown }
interface AxiosLike {
  post (url: string, data: unknown, config: { headers: Record<string, string> }): Promise<{ data: unknown }>
  defaults: { baseURL?: string, timeout?: number, proxy?: unknown }
  interceptors: { response: { use (onOk: (v: unknown) => unknown, onError: (e: AxiosLikeError) => unknown): void } }
}

const timeoutCodes = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED'])

export class RazorpayGateway {
  readonly keyId: string
  readonly #keySecret: string
  readonly #webhookSecret: string
  readonly #sdk: Razorpay
  readonly #http: AxiosLike
  readonly #onCall: (call: GatewayCall) => void
  /** False when no webhook secret is configured: then no webhook can be verified, whatever its signature. */
  readonly webhooksEnabled: boolean

  constructor (options: GatewayOptions) {
    this.keyId = options.keyId
    this.#keySecret = options.keySecret
    this.#webhookSecret = options.webhookSecret
    this.webhooksEnabled = options.webhookSecret !== ''
    this.#onCall = options.onCall ?? (() => {})
    this.#sdk = new Razorpay({ key_id: options.keyId, key_secret: options.keySecret })
    // The SDK hardcodes its base URL, has no timeout and honours HTTP_PROXY; its axios client is the way in.
    const http = (this.#sdk as unknown as { api: { rq: AxiosLike } }).api.rq
    this.#http = http
    http.defaults.baseURL = options.apiUrl.replace(/\/+$/, '')
    http.defaults.timeout = options.timeoutMs
    http.defaults.proxy = false
    // The SDK reads `err.response.status` and loses everything else when there is no response: give it one.
    http.interceptors.response.use(value => value, (err: AxiosLikeError) => {
      if (err.response === undefined) {
        err.response = { status: 0, data: { error: { code: 'NETWORK_ERROR', reason: err.code, description: err.message } } }
      }
      return Promise.reject(err)
    })
  }

  async createOrder (input: CreateOrderInput): Promise<RazorpayOrder> {
    return await this.#call('create order', async () => await this.#sdk.orders.create({
      amount: input.amount, currency: input.currency, receipt: input.receipt, notes: input.notes
    }))
  }

  async fetchOrder (orderId: string): Promise<RazorpayOrder> {
    return await this.#call('fetch order', async () => await this.#sdk.orders.fetch(orderId))
  }

  async findOrdersByReceipt (receipt: string): Promise<RazorpayOrder[]> {
    const page = await this.#call('find orders by receipt', async () =>
      await this.#sdk.orders.all({ receipt, count: 100 }))
    return page.items.filter(order => order.receipt === receipt)
  }

  async fetchOrderPayments (orderId: string): Promise<RazorpayPayment[]> {
    const page = await this.#call('fetch order payments', async () =>
      await this.#sdk.orders.fetchPayments(orderId) as unknown as { items: RazorpayPayment[] })
    return page.items
  }

  async fetchPayment (paymentId: string): Promise<RazorpayPayment> {
    return await this.#call('fetch payment', async () => await this.#sdk.payments.fetch(paymentId))
  }

  /** Captures an authorized payment for exactly the order's amount and currency. */
  async capturePayment (paymentId: string, amount: number, currency: string): Promise<RazorpayPayment> {
    return await this.#call('capture payment', async () => await this.#sdk.payments.capture(paymentId, amount, currency))
  }

  /**
   * Refunds a captured payment. `idempotencyKey` goes in Razorpay's X-Refund-Idempotency header, which the SDK would
   * drop, so the request goes through its HTTP client directly: the same key never refunds twice.
   */
  async refundPayment (paymentId: string, amount: number, idempotencyKey: string,
    notes: Record<string, string>): Promise<RazorpayRefund> {
    return await this.#call('refund payment', async () => {
      try {
        const response = await this.#http.post(`/v1/payments/${encodeURIComponent(paymentId)}/refund`,
          { amount, notes }, { headers: { 'X-Refund-Idempotency': idempotencyKey } })
        return response.data as RazorpayRefund
      } catch (err) {
        // The SDK's own shape for HTTP errors, so that toProviderError reads it like any other call's.
        const response = (err as { response?: { status?: number, data?: { error?: unknown } } }).response
        throw { statusCode: response?.status ?? 0, error: response?.data?.error } // eslint-disable-line no-throw-literal
      }
    })
  }

  /** The cheapest authenticated call (one order of the list): does Razorpay answer this instance? */
  async probe (): Promise<void> {
    await this.#call('probe', async () => await this.#sdk.orders.all({ count: 1 }))
  }

  /** Checkout's signature: hex HMAC-SHA256(key_secret, order_id + '|' + payment_id), compared in constant time. */
  isPaymentSignatureValid (orderId: string, paymentId: string, signature: string): boolean {
    return hmacMatches(this.#keySecret, `${orderId}|${paymentId}`, signature)
  }

  /** Webhook signature over the raw body bytes, compared in constant time. */
  isWebhookSignatureValid (rawBody: Buffer | string, signature: string): boolean {
    if (!this.webhooksEnabled) return false
    return hmacMatches(this.#webhookSecret, rawBody, signature)
  }

  async #call<T> (operation: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now()
    const told = (outcome: CallOutcome): void => this.#onCall({
      operation: operation.replaceAll(' ', '_'), outcome, seconds: (performance.now() - started) / 1000
    })
    try {
      const result = await run()
      told('ok')
      return result
    } catch (err) {
      const error = toProviderError(operation, err)
      told(callOutcome(error))
      throw error
    }
  }
}

function hmacMatches (secret: string, payload: Buffer | string, signature: string): boolean {
  // Exactly 64 hex digits, as Razorpay compares the strings: Buffer.from(hex) would drop an odd trailing digit.
  if (!/^[0-9a-f]{64}$/i.test(signature)) return false
  const expected = createHmac('sha256', secret).update(payload).digest()
  return timingSafeEqual(Buffer.from(signature, 'hex'), expected)
}

/** Converts whatever the SDK threw (a plain object, a TypeError, an Error) into one of our two coded errors. */
export function toProviderError (operation: string, thrown: unknown): Error {
  const shape = thrown as { statusCode?: number, error?: { code?: string, reason?: string, description?: string } }
  const failure: ProviderFailure = {
    operation,
    statusCode: typeof shape?.statusCode === 'number' ? shape.statusCode : 0,
    code: shape?.error?.code,
    reason: shape?.error?.reason ?? undefined,
    description: shape?.error?.description
  }
  const timedOut = failure.code === 'NETWORK_ERROR' && timeoutCodes.has(failure.reason ?? '')
  if (failure.statusCode === 0 && failure.code === undefined) {
    failure.description = thrown instanceof Error ? thrown.message : String(thrown)
  }
  const summary = failure.statusCode === 0
    ? `${operation}: ${failure.reason ?? 'network error'}`
    : `${operation}: HTTP ${failure.statusCode}${failure.code !== undefined ? ` ${failure.code}` : ' (no JSON error body)'}`
  const error = timedOut ? new PaymentProviderTimeoutError() : new PaymentProviderError()
  return Object.assign(error, { provider: failure, summary, cause: thrown })
}

function callOutcome (error: Error): CallOutcome {
  if (error instanceof PaymentProviderTimeoutError) return 'timeout'
  const statusCode = providerFailureOf(error)?.statusCode ?? 0
  if (statusCode === 0) return 'network_error'
  return statusCode >= 500 ? 'server_error' : 'client_error'
}

export function providerFailureOf (err: unknown): ProviderFailure | undefined {
  return (err as { provider?: ProviderFailure })?.provider
}
