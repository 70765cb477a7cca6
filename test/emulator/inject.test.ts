// buildEmulator() gives a Fastify instance that answers through inject() without listening; its store stays cheap
// to query however many orders it holds.
import t from 'tap'
import type { OrderEntity } from '../../src/emulator/entities.js'
import { buildEmulator } from '../../src/emulator/index.js'
import { EmulatorStore } from '../../src/emulator/store.js'

t.test('serves the API and the control surface through inject()', async (t) => {
  const app = buildEmulator({ keyId: 'rzp_test_inject', keySecret: 'inject_secret' })
  t.teardown(() => app.close())
  await app.ready()
  const authorization = 'Basic ' + Buffer.from('rzp_test_inject:inject_secret').toString('base64')
  const created = await app.inject({ method: 'POST', url: '/v1/orders', headers: { authorization }, payload: { amount: 1000, currency: 'INR' } })
  t.equal(created.statusCode, 200)
  const order = created.json()
  const paid = await app.inject({ method: 'POST', url: `/_emulator/orders/${order.id}/pay`, payload: { outcome: 'captured' } })
  t.equal(paid.statusCode, 200)
  const fetched = await app.inject({ method: 'GET', url: `/v1/orders/${order.id}`, headers: { authorization } })
  t.match(fetched.json(), { id: order.id, status: 'paid' })
  const stats = await app.inject({ method: 'GET', url: '/_emulator/stats' })
  t.same(stats.json(), { ordersCreated: 1, paymentsCreated: 1, refundsCreated: 0, requests: 2, webhooksDelivered: 0 })
})

/**
 * How many orders `run` makes the store read: elements of its age index and entries of its maps it iterates. The
 * cost of a lookup counted in reads instead of timed, so a loaded machine cannot make the test fail.
 */
function ordersRead (store: EmulatorStore, run: () => void): number {
  const internals = store as unknown as { byAge: OrderEntity[], orders: Map<string, OrderEntity>, receipts: Map<string, OrderEntity> }
  let reads = 0
  const byAge = internals.byAge
  internals.byAge = new Proxy(byAge, {
    get (target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads++
      return Reflect.get(target, property, receiver)
    }
  })
  const maps = [internals.orders, internals.receipts]
  for (const map of maps) {
    const counted = <T>(iterator: IterableIterator<T>): IterableIterator<T> => {
      const next = iterator.next.bind(iterator)
      iterator.next = () => { reads++; return next() }
      return iterator
    }
    const proto = Map.prototype
    Object.assign(map, {
      values: () => counted(proto.values.call(map)),
      keys: () => counted(proto.keys.call(map)),
      entries: () => counted(proto.entries.call(map)),
      [Symbol.iterator]: () => counted(proto.entries.call(map)),
      forEach: (callback: (value: OrderEntity, key: string, m: Map<string, OrderEntity>) => void) => proto.forEach.call(map, (value, key, m) => { reads++; callback(value, key, m) })
    })
  }
  try {
    run()
  } finally {
    internals.byAge = byAge
    for (const map of maps) for (const name of ['values', 'keys', 'entries', 'forEach']) delete (map as unknown as Record<string, unknown>)[name]
    for (const map of maps) delete (map as unknown as Record<symbol, unknown>)[Symbol.iterator]
  }
  return reads
}

t.test('receipt lookups and listing pages read a bounded number of orders, however many exist', async (t) => {
  const store = new EmulatorStore()
  const orders = 20_000
  for (let i = 0; i < orders; i++) store.createOrder({ amount: 1000, currency: 'INR', receipt: `bulk-${i}`, notes: {}, partialPayment: false })
  const lookups = 200
  let wrong = 0
  const reads = ordersRead(store, () => {
    for (let i = 0; i < lookups; i++) {
      const [found] = store.listOrders({ count: 10, skip: 0, receipt: `bulk-${i * 10}` })
      if (found?.receipt !== `bulk-${i * 10}`) wrong++
      const page = store.listOrders({ count: 100, skip: 100 })
      if (page.length !== 100 || page[0]?.receipt !== `bulk-${orders - 101}`) wrong++
    }
  })
  t.equal(wrong, 0, 'every lookup and page found the right orders')
  // A page reads what it skips and what it returns (200 here); a receipt lookup reads none. A lookup that scanned
  // the orders would read 20,000 each time: 200 lookups, 4,000,000 reads.
  t.ok(reads <= lookups * 200, `${lookups} receipt lookups and ${lookups} pages read ${reads} orders`)
})
