// What one paid order leaves in Redis, by kind of key and how long each kind lives, and the memory that makes at a
// steady 10k, 1M and 10M orders a day (docs/OPERATIONS.md's sizing table). Each order goes the whole way: create-order,
// a payment at the emulator, verify-payment, and the signed payment.captured webhook Razorpay would also send.
import { createHmac } from 'node:crypto'
import { request } from 'undici'
import { benchRazorpay, createOrder, requestHeaders, resetStore, type Fixture } from './fixture.js'
import { usedMemory } from './redis-stats.js'
import type { ScenarioContext } from './rounds.js'

const day = 86_400

/** Key families by prefix, with how long an order's share of each lives at the service's defaults. */
const families: Array<{ name: string, match: (key: string) => boolean, lives: string, days: number }> = [
  { name: 'idempotency records (create + verify)', match: key => key.startsWith('idempotency:'), lives: 'IDEMPOTENCY_TTL_SECONDS (1 day)', days: 1 },
  { name: 'order hash', match: key => key.startsWith('order:'), lives: '90 days', days: 90 },
  { name: 'webhook event ids', match: key => key.startsWith('webhook:event:'), lives: '7 days', days: 7 },
  // Never trimmed by age, capped at about 1,000,000 entries: once full it stays full (see auditCapBytes).
  { name: 'audit stream', match: key => key === 'audit:payments', lives: 'capped at ~1,000,000 entries, whatever their age', days: 0 },
  { name: 'orders:events stream', match: key => key === 'orders:events', lives: 'not capped: as long as its consumers keep it (counted here for 7 days)', days: 7 },
  { name: 'paid-event markers', match: key => key.startsWith('{orders:events}:'), lives: 'as the order (90 days)', days: 90 },
  { name: 'risk counters and markers', match: key => key.startsWith('{risk:'), lives: 'at most 1 day', days: 1 },
  { name: 'catalog (variants, reservations, sale markers)', match: () => true, lives: 'reservations until paid or expired; sale markers as the order', days: 90 }
]

export interface FootprintResult {
  description: string
  orders: number
  usedMemoryPerOrderBytes: number
  perOrder: Array<{ family: string, bytes: number, lives: string }>
  auditEntriesPerOrder: number
  /** The audit stream once it holds its ~1,000,000 entries, at any volume that fills it. */
  auditCapBytes: number
  sizing: Array<{ ordersPerDay: number, bytes: number }>
}

async function control (fixture: Fixture, path: string, body: unknown): Promise<any> {
  const response = await request(`${fixture.emulator.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  return await response.body.json()
}

async function post (fixture: Fixture, path: string, body: string, headers: Record<string, string>): Promise<number> {
  const response = await request(`${fixture.service.url}${path}`, { method: 'POST', headers, body })
  await response.body.dump()
  return response.statusCode
}

async function payOrder (fixture: Fixture, i: number): Promise<void> {
  const created = await createOrder(fixture.service, `footprint-${i}`)
  if (created.status !== 201) throw new Error(`create-order answered ${created.status}: ${created.body}`)
  const orderId = JSON.parse(created.body).orderId as string
  const checkout = await control(fixture, `/_emulator/orders/${orderId}/pay`, { outcome: 'captured' })
  const verified = await post(fixture, '/api/checkout/verify-payment', JSON.stringify(checkout), { ...requestHeaders, 'idempotency-key': `footprint-verify-${i}` })
  if (verified !== 200) throw new Error(`verify-payment answered ${verified}`)
  const event = JSON.stringify({
    event: 'payment.captured',
    payload: { payment: { entity: { id: checkout.razorpay_payment_id, order_id: orderId, amount: 1499, currency: 'INR', status: 'captured' } } },
    created_at: Math.floor(Date.now() / 1000)
  })
  const signature = createHmac('sha256', benchRazorpay.webhookSecret).update(event).digest('hex')
  const delivered = await post(fixture, '/api/webhooks/razorpay', event, { 'content-type': 'application/json', 'x-razorpay-signature': signature, 'x-razorpay-event-id': `evt_footprint_${i}` })
  if (delivered !== 200) throw new Error(`the webhook answered ${delivered}`)
}

async function bytesByFamily (fixture: Fixture): Promise<number[]> {
  const totals = families.map(() => 0)
  let cursor = '0'
  do {
    const [next, keys] = await fixture.redis.scan(cursor, 'COUNT', 1000)
    cursor = next
    for (const key of keys) {
      const family = families.findIndex(f => f.match(key))
      totals[family] += Number(await fixture.redis.memory('USAGE', key, 'SAMPLES', 0) ?? 0)
    }
  } while (cursor !== '0')
  return totals
}

export async function footprintScenario (ctx: ScenarioContext): Promise<FootprintResult> {
  const { fixture, options, log } = ctx
  await resetStore(fixture)
  await payOrder(fixture, -1) // scripts loaded, streams and per-client keys created: the sample sees the steady state
  const orders = options.quick ? 20 : 2000
  const beforeFamilies = await bytesByFamily(fixture)
  const before = await usedMemory(fixture.redis)
  const auditBefore = await fixture.redis.xlen('audit:payments')
  for (let i = 0; i < orders; i++) await payOrder(fixture, i)
  const usedPerOrder = (await usedMemory(fixture.redis) - before) / orders
  const auditEntries = await fixture.redis.xlen('audit:payments') - auditBefore
  const afterFamilies = await bytesByFamily(fixture)
  const perOrder = families.map((family, i) => ({
    family: family.name,
    bytes: Math.round((afterFamilies[i] - beforeFamilies[i]) / orders),
    lives: family.lives
  }))
  const auditIndex = families.findIndex(family => family.name === 'audit stream')
  const auditCapBytes = Math.round(1_000_000 * (afterFamilies[auditIndex] - beforeFamilies[auditIndex]) / auditEntries)
  const sizing = [10_000, 1_000_000, 10_000_000].map(ordersPerDay => ({
    ordersPerDay,
    bytes: auditCapBytes + Math.round(families.reduce((sum, family, i) => sum + perOrder[i].bytes * ordersPerDay * family.days, 0))
  }))
  log(`footprint: ${Math.round(usedPerOrder)} B of used_memory per paid order; ${perOrder.map(p => `${p.family} ${p.bytes} B`).join(', ')}`)
  return {
    description: `${orders} paid orders (create-order, verify-payment, payment.captured webhook): MEMORY USAGE by key family per order, ` +
      `and the steady-state memory at each daily volume given how long each family lives (${day} s a day)`,
    orders,
    usedMemoryPerOrderBytes: Math.round(usedPerOrder),
    perOrder,
    auditEntriesPerOrder: Math.round(auditEntries / orders * 10) / 10,
    auditCapBytes,
    sizing
  }
}
