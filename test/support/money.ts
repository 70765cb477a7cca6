// Fixtures of the money-integrity tests: a service on a real Redis of the test's own with the emulator's webhooks
// pointed at it, and readers for what the checks look at (orders, stock, the fulfilment stream, the emulator's
// payments and refunds).
import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { auditStream } from '../../src/audit/audit-log.js'
import { orderEventStream } from '../../src/orders/order-events.js'
import { basicAuth } from '../emulator/helpers.js'
import { build, redisServer, type TestContext } from '../helper.js'
import type { RedisServer } from './redis-server.js'
import { control, emulator, emulatorEnv, eventually, listen, post, type HttpAnswer } from './service.js'

export const admin = { authorization: 'Bearer admin-token-for-tests' }
export const shop = { authorization: 'Bearer shop-token' }
export const itemPrice = 1000

export interface MoneySetup { rzp: RunningEmulator, app: FastifyInstance, url: string, redis: RedisServer }

/** A listening service with webhooks delivered to it, and variant `item` at 1000 paise with `stock` units. */
export async function moneySetup (t: TestContext, extra: Record<string, string> = {}, stock = 10): Promise<MoneySetup> {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const app = await build(t, {
    ...emulatorEnv(rzp), REDIS_URL: redis.url, API_KEYS: 'shop:shop-token,other:other-token', ADMIN_TOKEN: 'admin-token-for-tests', ...extra
  })
  const url = await listen(app)
  rzp.setWebhookUrl(`${url}/api/webhooks/razorpay`)
  await setStock(app, stock)
  return { rzp, app, url, redis }
}

export async function setStock (app: FastifyInstance, stock: number): Promise<void> {
  const answer = await app.inject({ method: 'PUT', url: '/api/admin/variants/item', payload: { price: itemPrice, currency: 'INR', stock }, headers: admin })
  if (answer.statusCode !== 200) throw new Error(answer.body)
}

export function createOrderRequest (key: string | undefined, quantity = 1, token = shop) {
  return {
    method: 'POST' as const,
    url: '/api/checkout/create-order',
    payload: { variantId: 'item', quantity, amount: itemPrice * quantity },
    headers: { ...token, ...(key === undefined ? {} : { 'idempotency-key': key }) }
  }
}

export async function createOrder (app: FastifyInstance, key: string, quantity = 1): Promise<string> {
  const answer = await app.inject(createOrderRequest(key, quantity))
  if (answer.statusCode !== 201) throw new Error(answer.body)
  return answer.json().orderId
}

export interface Checkout { razorpay_order_id: string, razorpay_payment_id: string, razorpay_signature: string }

/** Pays at the emulator as Checkout would; see the emulator's control surface for the options. */
export async function pay (rzp: RunningEmulator, orderId: string, body: Record<string, unknown>): Promise<Checkout> {
  return await control(rzp, 'POST', `/_emulator/orders/${orderId}/pay`, body)
}

export function verifyRequest (checkout: Checkout, key: string) {
  return { method: 'POST' as const, url: '/api/checkout/verify-payment', payload: checkout, headers: { ...shop, 'idempotency-key': key } }
}

export async function order (app: FastifyInstance, orderId: string): Promise<any> {
  return (await app.inject({ method: 'GET', url: `/api/orders/${orderId}`, headers: shop })).json()
}

export async function variant (app: FastifyInstance): Promise<any> {
  return (await app.inject({ method: 'GET', url: '/api/admin/variants/item', headers: admin })).json()
}

/** The order ids of the `order_expired` audit entries, one per expiry the sweepers (or create-order) performed. */
export async function expiredInAudit (app: FastifyInstance): Promise<string[]> {
  const entries = await app.store.command('xrange', [auditStream, '-', '+']) as Array<[string, string[]]>
  const expired: string[] = []
  for (const [, fields] of entries) {
    const entry = new Map<string, string>()
    for (let i = 0; i < fields.length; i += 2) entry.set(fields[i], fields[i + 1])
    if (entry.get('type') === 'order_expired') expired.push(entry.get('orderId') ?? '')
  }
  return expired
}

/**
 * Waits until an order's expiry is complete. The sweeper marks the order expired, then returns the stock, then
 * audits; the status alone can be read between those steps.
 */
export async function expiredAndSwept (app: FastifyInstance, orderId: string, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => (await order(app, orderId)).status === 'expired' && (await expiredInAudit(app)).includes(orderId), timeoutMs, 50)
}

/** available + reserved + sold = stock, and nothing negative. */
export async function stockHolds (app: FastifyInstance, stock: number): Promise<boolean> {
  const v = await variant(app)
  return v.available + v.reserved + v.sold === stock && v.available >= 0 && v.reserved >= 0 && v.sold >= 0
}

/** The fulfilment stream's entries as field objects, oldest first. */
export async function orderEvents (app: FastifyInstance): Promise<Array<Record<string, string>>> {
  const entries = await app.store.command('xrange', [orderEventStream, '-', '+']) as Array<[string, string[]]>
  return entries.map(([, fields]) => {
    const entry: Record<string, string> = {}
    for (let i = 0; i < fields.length; i += 2) entry[fields[i]] = fields[i + 1]
    return entry
  })
}

async function razorpayGet (rzp: RunningEmulator, path: string): Promise<any> {
  const answer = await request(`${rzp.url}${path}`, { headers: { authorization: basicAuth(rzp) } })
  return await answer.body.json()
}

export async function emulatorPayments (rzp: RunningEmulator, orderId: string): Promise<any[]> {
  return (await razorpayGet(rzp, `/v1/orders/${orderId}/payments`)).items
}

export async function emulatorRefunds (rzp: RunningEmulator, paymentId: string): Promise<any[]> {
  return (await razorpayGet(rzp, `/v1/payments/${paymentId}/refunds`)).items
}

export async function emulatorPayment (rzp: RunningEmulator, paymentId: string): Promise<any> {
  return await razorpayGet(rzp, `/v1/payments/${paymentId}`)
}

/** Posts a webhook signed with the emulator's secret, as Razorpay would deliver it. */
export async function sendWebhook (url: string, rzp: RunningEmulator, event: unknown, eventId: string): Promise<HttpAnswer> {
  const body = JSON.stringify(event)
  return await post(url, '/api/webhooks/razorpay', body, {
    'x-razorpay-signature': createHmac('sha256', rzp.webhookSecret).update(body).digest('hex'),
    'x-razorpay-event-id': eventId
  })
}
