// The promises of the service as invariants, checked against what Redis and Razorpay (the emulator) hold after a
// scenario and against every answer the clients received. Each violation is one line naming what broke.
import { Redis } from 'ioredis'
import { request } from 'undici'
import type { RunningEmulator } from '../../src/emulator/index.js'
import type { TrafficRecord, Variant } from './traffic.js'

interface RazorpayPayment { id: string, order_id: string, amount: number, status: string, amount_refunded: number }
interface RazorpayOrder { id: string, amount: number, notes: Record<string, string> | [] }

export interface Findings { violations: string[], orders: number, paid: number, refunds: number }

async function razorpay (emulator: RunningEmulator, path: string): Promise<any> {
  const auth = 'Basic ' + Buffer.from(`${emulator.keyId}:${emulator.keySecret}`).toString('base64')
  const answer = await request(`${emulator.url}${path}`, { headers: { authorization: auth } })
  return await answer.body.json()
}

async function allOrders (emulator: RunningEmulator): Promise<RazorpayOrder[]> {
  const orders: RazorpayOrder[] = []
  for (let skip = 0; ; skip += 100) {
    const page = await razorpay(emulator, `/v1/orders?count=100&skip=${skip}`) as { items: RazorpayOrder[] }
    orders.push(...page.items)
    if (page.items.length < 100) return orders
  }
}

/** Runs `work` over `items` with a bounded number in flight. */
async function eachLimited<T> (items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++] as T)
  }))
}

export async function checkInvariants (redisUrl: string, emulator: RunningEmulator, record: TrafficRecord,
  variants: Array<Variant & { stock: number }>): Promise<Findings> {
  const violations = [...record.violations]
  const redis = new Redis(redisUrl)
  try {
    // Per idempotency key: one Razorpay order, identical 2xx answers, amounts that match Razorpay's order.
    const orders = await allOrders(emulator)
    const byId = new Map(orders.map(o => [o.id, o]))
    const perKey = new Map<string, number>()
    for (const order of orders) {
      const key = Array.isArray(order.notes) ? undefined : order.notes.idempotency_key
      if (key !== undefined && !key.startsWith('derived:')) perKey.set(key, (perKey.get(key) ?? 0) + 1)
    }
    for (const [key, count] of perKey) if (count > 1) violations.push(`key ${key}: ${count} Razorpay orders`)
    for (const [key, answers] of [...record.createAnswers, ...record.otherAnswers]) {
      if (new Set(answers).size > 1) violations.push(`key ${key}: ${new Set(answers).size} different 2xx answers`)
    }
    for (const [key, answers] of record.createAnswers) {
      const body = JSON.parse(answers[0] as string) as { orderId: string, amount: number }
      const order = byId.get(body.orderId)
      if (order === undefined) violations.push(`key ${key}: answered order ${body.orderId} that Razorpay does not have`)
      else if (order.amount !== body.amount) violations.push(`key ${key}: answered ${body.amount}, Razorpay order is ${order.amount}`)
    }

    // Per order: its state agrees with Razorpay's payments; one paid event per paid order; extra captures refunded once.
    const events = await redis.xrange('orders:events', '-', '+')
    const paidEvents = new Map<string, number>()
    for (const [, fields] of events) {
      const entry = Object.fromEntries(fields.reduce<string[][]>((pairs, v, i) => i % 2 === 0 ? [...pairs, [v]] : (pairs[pairs.length - 1]?.push(v), pairs), []))
      if (entry.type === 'paid') paidEvents.set(entry.orderId, (paidEvents.get(entry.orderId) ?? 0) + 1)
    }
    let paid = 0
    let refunds = 0
    const oversoldUnits = new Map<string, number>()
    await eachLimited(orders, 16, async (rzpOrder) => {
      const order = await redis.hgetall(`order:{${rzpOrder.id}}`)
      const payments = ((await razorpay(emulator, `/v1/orders/${rzpOrder.id}/payments`)) as { items: RazorpayPayment[] }).items
      const captured = payments.filter(p => p.status === 'captured' || p.status === 'refunded' || p.amount_refunded > 0)
      if (order.status === undefined) {
        if (captured.length > 0) violations.push(`order ${rzpOrder.id}: captured at Razorpay but unknown to the service`)
        return
      }
      const kept = order.paymentId
      const isPaid = ['paid', 'refunded', 'disputed'].includes(order.status)
      if (isPaid) {
        paid++
        if (kept === undefined || !captured.some(p => p.id === kept)) violations.push(`order ${rzpOrder.id}: ${order.status} without its captured payment at Razorpay`)
        if (paidEvents.get(rzpOrder.id) !== 1) violations.push(`order ${rzpOrder.id}: ${paidEvents.get(rzpOrder.id) ?? 0} paid events`)
      } else if (paidEvents.has(rzpOrder.id)) {
        violations.push(`order ${rzpOrder.id}: a paid event but status ${order.status}`)
      }
      const sale = await redis.get(`variant:{${order.variantId}}:sale:${order.reservationId}`)
      if (sale === 'oversold') oversoldUnits.set(order.variantId, (oversoldUnits.get(order.variantId) ?? 0) + Number(order.quantity))
      for (const payment of captured) {
        const refundList = ((await razorpay(emulator, `/v1/payments/${payment.id}/refunds`)) as { items: unknown[] }).items
        refunds += refundList.length
        if (payment.id === kept) {
          if (refundList.length > 0 && order.status !== 'refunded') violations.push(`order ${rzpOrder.id}: its kept payment was refunded but it is ${order.status}`)
        } else if (refundList.length !== 1) {
          violations.push(`order ${rzpOrder.id}: payment ${payment.id} not kept, refunded ${refundList.length} times`)
        }
      }
    })

    // Per variant: the stock adds up, nothing negative, oversold only where the money went back.
    for (const variant of variants) {
      const v = await redis.hgetall(`variant:{${variant.id}}`)
      const [available, reserved, sold, oversold] = [v.available, v.reserved, v.sold, v.oversold ?? '0'].map(Number) as [number, number, number, number]
      if (available + reserved + sold !== variant.stock) violations.push(`variant ${variant.id}: ${available} + ${reserved} + ${sold} != ${variant.stock}`)
      if (available < 0 || reserved < 0 || sold < 0) violations.push(`variant ${variant.id}: negative stock ${JSON.stringify(v)}`)
      if (oversold !== (oversoldUnits.get(variant.id) ?? 0)) violations.push(`variant ${variant.id}: oversold ${oversold} but ${oversoldUnits.get(variant.id) ?? 0} units of refunded sales`)
      // No reservation without an expiry, nor one whose order is already settled.
      const held = await redis.hgetall(`variant:{${variant.id}}:reservations`)
      for (const reservationId of Object.keys(held)) {
        if (await redis.zscore(`variant:{${variant.id}}:expiries`, reservationId) === null) violations.push(`reservation ${reservationId}: no expiry`)
      }
    }

    // No lock left behind.
    const [, locks] = await redis.scan('0', 'MATCH', 'idempotency:processing:*', 'COUNT', 100000)
    if (locks.length > 0) violations.push(`${locks.length} idempotency locks still held`)
    return { violations, orders: orders.length, paid, refunds }
  } finally {
    redis.disconnect()
  }
}
