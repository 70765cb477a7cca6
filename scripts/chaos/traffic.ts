// The load of a chaos scenario: buyers going through checkout with the project's typed client (retrying, each
// attempt sent to a live instance chosen at random), with sequential and concurrent duplicates, keys reused with
// another body, requests without a key, payments that fail, are retried, captured twice or only authorized, webhooks
// duplicated, reordered or lost, verify-payment racing them, cancels and reads. Every answer is recorded for the
// invariant checker.
import { randomUUID } from 'node:crypto'
import { request } from 'undici'
import { PaymentApiError, PaymentClient } from '../../client/index.js'
import type { ChaosEnvironment } from './environment.js'
import { chaosToken } from './environment.js'

export interface Variant { id: string, price: number }

export interface TrafficRecord {
  requests: number
  duplicates: number
  statuses: Map<number, number>
  /** 2xx bodies per create-order key (explicit keys only), every attempt and duplicate included. */
  createAnswers: Map<string, string[]>
  /** 2xx bodies per verify-payment or cancel key. */
  otherAnswers: Map<string, string[]>
  /** A 5xx outside 502/503/504, or a 2xx where the contract requires a refusal. */
  violations: string[]
  orderIds: Set<string>
  gaveUp: number
}

export function newRecord (): TrafficRecord {
  return { requests: 0, duplicates: 0, statuses: new Map(), createAnswers: new Map(), otherAnswers: new Map(), violations: [], orderIds: new Set(), gaveUp: 0 }
}

/** A small seeded generator, so a failing run can be replayed with its seed. */
export function random (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface TrafficOptions {
  env: ChaosEnvironment
  variants: Variant[]
  requests: number
  concurrency: number
  seed: number
  record: TrafficRecord
  /** Stops the buyers before the request budget is spent (the soak runs for a time, not a count). */
  stopped?: () => boolean
}

export async function runTraffic (options: TrafficOptions): Promise<void> {
  const { env, record } = options
  const rand = random(options.seed)
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)] as T

  // Each attempt goes to a live instance: the clients retry their keys against the survivors of a kill.
  const fetchAny = async (url: string, init: { method: string, headers: Record<string, string>, body?: string, signal: AbortSignal }) => {
    const live = env.liveUrls()
    const target = live.length === 0 ? url : url.replace(/^http:\/\/[^/]+/, pick(live))
    record.requests++
    const answer = await request(target, { method: init.method as 'POST', headers: init.headers, body: init.body, signal: init.signal })
    const text = await answer.body.text()
    note(record, init, answer.statusCode, text)
    return { status: answer.statusCode, headers: { get: (name: string) => header(answer.headers[name]) }, text: async () => text }
  }
  const client = new PaymentClient({ baseUrl: 'http://placeholder', token: chaosToken, timeoutMs: 4000, maxAttempts: 12, fetch: fetchAny })

  async function createOrder (variant: Variant, quantity: number, key: string) {
    return await client.createOrder({ variantId: variant.id, quantity, amount: variant.price * quantity }, { idempotencyKey: key })
  }

  async function pay (orderId: string, body: Record<string, unknown>): Promise<any> {
    const answer = await request(`${env.emulator.url}/_emulator/orders/${orderId}/pay`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
    })
    const text = await answer.body.text()
    return answer.statusCode === 200 ? JSON.parse(text) : undefined
  }

  const webhookOptions = () => ({ duplicate: rand() < 0.3, reverse: rand() < 0.3, skip: rand() < 0.1 })

  async function checkout (): Promise<void> {
    const variant = pick(options.variants)
    const quantity = 1 + Math.floor(rand() * 3)
    const key = `chaos-${randomUUID()}`
    const duplicates = rand() < 0.3 ? 1 + Math.floor(rand() * 3) : 0
    record.duplicates += duplicates
    const attempts = [createOrder(variant, quantity, key), ...Array.from({ length: duplicates }, async () => await createOrder(variant, quantity, key))]
    const [created] = await Promise.all(attempts)
    record.orderIds.add(created.orderId)
    if (rand() < 0.3) {
      record.duplicates++
      await createOrder(variant, quantity, key)
    }
    if (rand() < 0.1) {
      // The same key with another body must be refused, whatever happened to the first.
      try {
        await createOrder(variant, quantity + 1, key)
        record.violations.push(`key ${key} reused with another body answered 2xx`)
      } catch (err) {
        if (!(err instanceof PaymentApiError) || err.code !== 'IDEMPOTENCY_KEY_REUSED') throw err
      }
    }
    const roll = rand()
    if (roll < 0.1) {
      await client.cancelOrder(created.orderId).catch(expected)
      return
    }
    if (roll < 0.2) return // abandoned: the reservation expires
    const outcome = roll < 0.35 ? 'failed' : roll < 0.5 ? 'authorized' : 'captured'
    let checkoutResult = await pay(created.orderId, { outcome, webhooks: webhookOptions() })
    if (outcome === 'failed' && rand() < 0.6) checkoutResult = await pay(created.orderId, { outcome: 'captured', webhooks: webhookOptions() })
    if (rand() < 0.05) await pay(created.orderId, { outcome: 'captured', allowPaidOrder: true, webhooks: webhookOptions() })
    if (checkoutResult === undefined || checkoutResult.razorpay_signature === '') return
    const verifies = rand() < 0.2 ? 2 : rand() < 0.8 ? 1 : 0
    record.duplicates += Math.max(0, verifies - 1)
    await Promise.all(Array.from({ length: verifies }, async () => await client.verifyPayment(checkoutResult).catch(expected)))
    if (rand() < 0.2) await client.getOrder(created.orderId).catch(expected)
  }

  async function withoutKey (): Promise<void> {
    const variant = pick(options.variants)
    const body = JSON.stringify({ variantId: variant.id, quantity: 1, amount: variant.price })
    for (let i = 0; i < 2; i++) {
      const live = env.liveUrls()
      if (live.length === 0) return
      record.requests++
      if (i > 0) record.duplicates++
      try {
        const answer = await request(`${pick(live)}/api/checkout/create-order`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${chaosToken}` }, body, headersTimeout: 5000, bodyTimeout: 5000
        })
        const text = await answer.body.text()
        note(record, { method: 'POST', headers: {} }, answer.statusCode, text)
        if (answer.statusCode === 201) record.orderIds.add(JSON.parse(text).orderId)
      } catch {}
    }
  }

  function expected (err: unknown): void {
    if (err instanceof PaymentApiError) {
      if (err.statusCode >= 500 || err.statusCode === 0) record.gaveUp++
      return
    }
    throw err
  }

  async function buyer (): Promise<void> {
    while (record.requests < options.requests && options.stopped?.() !== true) {
      try {
        if (rand() < 0.1) await withoutKey()
        else await checkout()
      } catch (err) {
        if (err instanceof PaymentApiError) {
          // Out of stock, or still failing after every retry (an outage longer than the client waits): allowed.
          if (err.statusCode >= 500 || err.statusCode === 0) record.gaveUp++
          continue
        }
        record.violations.push(`buyer failed: ${(err as Error).stack ?? String(err)}`)
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, buyer))
  await client.close()
}

function header (value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
}

function note (record: TrafficRecord, init: { method: string, headers: Record<string, string> }, status: number, text: string): void {
  record.statuses.set(status, (record.statuses.get(status) ?? 0) + 1)
  if (status >= 500 && ![502, 503, 504].includes(status)) record.violations.push(`HTTP ${status} outside the contract: ${text.slice(0, 300)}`)
  const key = init.headers['idempotency-key']
  if (key === undefined || status < 200 || status >= 300) return
  const answers = key.startsWith('chaos-') && text.includes('"razorpayOrderId"') && text.includes('"keyId"') ? record.createAnswers : record.otherAnswers
  const list = answers.get(key)
  if (list === undefined) answers.set(key, [text])
  else list.push(text)
}
