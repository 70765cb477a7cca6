// The emulator's in-memory store: bounded, and its listing honours time windows on sorted data.
import t from 'tap'
import { EmulatorStore } from '../../src/emulator/store.js'

const input = (receipt: string) => ({ amount: 1000, currency: 'INR', receipt, notes: [] as [], partialPayment: false })

t.test('forgets the oldest orders, their receipts and payments past its bound', async (t) => {
  const store = new EmulatorStore(10)
  const first = store.createOrder(input('r0'))
  const payment = store.createPayment(first, 'captured')
  for (let i = 1; i <= 10; i++) store.createOrder(input(`r${i}`))
  t.equal(store.getOrder(first.id), undefined, 'the oldest order is gone')
  t.equal(store.getPayment(payment.id), undefined, 'with its payments')
  t.notOk(store.hasReceipt('r0'), 'and its receipt')
  t.ok(store.hasReceipt('r10'))
  t.equal(store.listOrders({ count: 100, skip: 0 }).length, 10)
  t.equal(store.stats.ordersCreated, 11, 'the counter still counts every order')
})

t.test('forgets the refunds and disputes of evicted payments, and their idempotency keys', async (t) => {
  const store = new EmulatorStore(10)
  const order = store.createOrder(input('evicted'))
  const payment = store.createPayment(order, 'captured')
  const idempotency = { key: 'evicted-key-1', fingerprint: 'f' }
  const refund = store.refunds.create(payment, { amount: 100, notes: [], receipt: null }, idempotency)
  store.refunds.settle(idempotency.key)
  t.equal(store.refunds.replay(idempotency), refund)
  const dispute = store.disputes.open(payment)
  t.equal(store.disputes.ofPayment(payment.id), dispute)
  for (let i = 1; i <= 10; i++) store.createOrder(input(`e${i}`))
  t.equal(store.refunds.get(refund.id), undefined)
  t.equal(store.refunds.replay(idempotency), undefined, 'the key is free again')
  t.equal(store.disputes.ofPayment(payment.id), undefined)
  t.equal(store.stats.refundsCreated, 1)
})

t.test('lists within from/to by created_at, newest first', async (t) => {
  const store = new EmulatorStore()
  const orders = [100, 200, 200, 300].map((createdAt, i) => {
    const order = store.createOrder(input(`t${i}`))
    order.created_at = createdAt
    return order
  })
  const ids = (list: { id: string }[]) => list.map((order) => order.id)
  t.same(ids(store.listOrders({ count: 10, skip: 0, from: 200, to: 200 })), [orders[2]?.id, orders[1]?.id])
  t.same(ids(store.listOrders({ count: 10, skip: 0, to: 199 })), [orders[0]?.id])
  t.same(ids(store.listOrders({ count: 10, skip: 0, from: 301 })), [])
  t.same(ids(store.listOrders({ count: 1, skip: 1, from: 100 })), [orders[2]?.id])
})
