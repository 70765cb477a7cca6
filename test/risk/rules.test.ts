// The risk rules' scripts on a real redis-server and on the embedded store, against a fake clock: each rule admits
// up to its limit and refuses the next, its window slides, a retry of an admitted execution never counts again,
// and the lists refuse or exempt.
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { RiskRules, type RiskLimits, type OrderAttempt } from '../../src/risk/risk-rules.js'
import { RiskLists } from '../../src/risk/risk-lists.js'
import { SubjectHasher, type RiskSubjects } from '../../src/risk/subjects.js'
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js'
import { RedisStore } from '../../src/store/redis-store.js'
import type { Store } from '../../src/store/store.js'
import { startRedisServer } from '../support/redis-server.js'

const T0 = 1_800_000_000_000
const off: RiskLimits = {
  clientOrdersPerMinute: 0,
  customerOrdersPerMinute: 0,
  clientAmountPerHour: 0,
  customerAmountPerHour: 0,
  clientOpenReservations: 0,
  sessionOpenReservations: 0,
  sessionFailedPaymentsPerHour: 0,
  customerFailedPaymentsPerHour: 0,
  orderFailedPaymentsPerHour: 0,
  orderSignatureFailures: 0
}
const hasher = new SubjectHasher('a test key of sixteen characters or more')

type StoreFactory = (t: Test) => Promise<Store>
const stores: Record<string, StoreFactory> = {
  redis: async (t) => {
    const server = await startRedisServer()
    const client = new Redis(server.url)
    client.on('error', () => {})
    const store = new RedisStore(client)
    t.teardown(async () => {
      await store.close()
      await client.quit().catch(() => client.disconnect())
      await server.stop()
    })
    return store
  },
  embedded: async (t) => {
    const store = new EmbeddedStore()
    t.teardown(async () => await store.close())
    return store
  }
}

let executions = 0
function attempt (subjects: RiskSubjects, overrides: Partial<OrderAttempt> = {}): OrderAttempt {
  executions += 1
  return {
    subjects,
    executionId: `exec${executions}`,
    amount: 1000,
    reservationId: `res_${executions}`,
    reservationExpiresAt: T0 + 900_000,
    ...overrides
  }
}

/** Admits `count` orders, each at `now`, and says whether all were admitted. */
async function admitMany (rules: RiskRules, subjects: () => RiskSubjects, count: number, now: number,
  overrides: Partial<OrderAttempt> = {}): Promise<boolean> {
  for (let i = 0; i < count; i++) {
    if (!(await rules.admitOrder(attempt(subjects(), overrides), now)).admitted) return false
  }
  return true
}

for (const [kind, makeStore] of Object.entries(stores)) {
  t.test(`${kind}: orders per minute, per client and per customer, up to the limit and not past it`, async t => {
    const store = await makeStore(t)
    const rules = new RiskRules(store, { ...off, clientOrdersPerMinute: 5, customerOrdersPerMinute: 3 })
    const alice = () => hasher.subjects('shop', undefined, { id: 'alice' })
    t.ok(await admitMany(rules, alice, 3, T0), 'three orders of one customer pass')
    t.match(await rules.admitOrder(attempt(alice()), T0 + 1000), { admitted: false, rule: 'customer_order_velocity', count: '3', limit: '3' })
    const other = () => hasher.subjects('shop', undefined, { ip: '203.0.113.7' })
    t.ok(await admitMany(rules, other, 2, T0), 'another customer (known by address) still orders: 5 for the client')
    t.match(await rules.admitOrder(attempt(hasher.subjects('shop', undefined, undefined)), T0), { admitted: false, rule: 'client_order_velocity', count: '5' })
    t.ok((await rules.admitOrder(attempt(hasher.subjects('another-shop', undefined, { id: 'alice' })), T0)).admitted,
      'another client is counted apart, even for a customer of the same id')
    t.ok((await rules.admitOrder(attempt(alice()), T0 + 60_000)).admitted, 'a minute later the window has slid past them')
  })

  t.test(`${kind}: amount per hour, per client and per customer`, async t => {
    const store = await makeStore(t)
    const rules = new RiskRules(store, { ...off, clientAmountPerHour: 10_000, customerAmountPerHour: 3000 })
    const bob = () => hasher.subjects('shop', undefined, { id: 'bob' })
    t.ok(await admitMany(rules, bob, 3, T0), '3 x 1000 reaches the customer limit exactly')
    t.match(await rules.admitOrder(attempt(bob(), { amount: 100 }), T0), { admitted: false, rule: 'customer_amount_velocity', count: '3000', limit: '3000' })
    const anyone = () => hasher.subjects('shop', undefined, undefined)
    t.ok(await admitMany(rules, anyone, 7, T0 + 30 * 60_000), 'the client reaches 10000 in the same hour')
    t.match(await rules.admitOrder(attempt(anyone(), { amount: 1 }), T0 + 59 * 60_000), { admitted: false, rule: 'client_amount_velocity' })
    t.ok((await rules.admitOrder(attempt(bob()), T0 + 60 * 60_000)).admitted, 'an hour on, the first orders no longer count')
  })

  t.test(`${kind}: outstanding reservations per session and per client end when they expire or are released`, async t => {
    const store = await makeStore(t)
    const rules = new RiskRules(store, { ...off, sessionOpenReservations: 2, clientOpenReservations: 3 })
    const session = () => hasher.subjects('shop', 'sess-1', undefined)
    const held = attempt(session())
    t.ok((await rules.admitOrder(held, T0)).admitted)
    t.ok((await rules.admitOrder(attempt(session()), T0)).admitted)
    t.match(await rules.admitOrder(attempt(session()), T0), { admitted: false, rule: 'session_open_reservations', count: '2', limit: '2' })
    await rules.releaseHold(session(), held.reservationId)
    t.ok((await rules.admitOrder(attempt(session()), T0)).admitted, 'a paid or cancelled reservation frees its place')
    t.ok((await rules.admitOrder(attempt(hasher.subjects('shop', 'sess-2', undefined)), T0)).admitted, 'the third hold of the client')
    t.match(await rules.admitOrder(attempt(hasher.subjects('shop', 'sess-2', undefined)), T0), { admitted: false, rule: 'client_open_reservations', count: '3' })
    t.ok((await rules.admitOrder(attempt(hasher.subjects('shop', 'sess-2', undefined)), T0 + 900_001)).admitted,
      'expired reservations no longer count')
  })

  t.test(`${kind}: a retry of an admitted execution is admitted again and never counted twice`, async t => {
    const store = await makeStore(t)
    const rules = new RiskRules(store, { ...off, clientOrdersPerMinute: 2 })
    const subjects = hasher.subjects('shop', undefined, undefined)
    const first = attempt(subjects)
    t.same(await rules.admitOrder(first, T0), { admitted: true, again: false })
    for (let i = 0; i < 5; i++) t.same(await rules.admitOrder(first, T0), { admitted: true, again: true })
    t.ok((await rules.admitOrder(attempt(subjects), T0)).admitted, 'the second execution is only the second order')
    t.match(await rules.admitOrder(attempt(subjects), T0), { admitted: false, rule: 'client_order_velocity', count: '2' })
  })

  t.test(`${kind}: a withdrawn admission takes back its counts and its hold, once, and a refusal has nothing to take back`, async t => {
    const store = await makeStore(t)
    const rules = new RiskRules(store, { ...off, customerOrdersPerMinute: 2, clientAmountPerHour: 3000, sessionOpenReservations: 2 })
    const subjects = () => hasher.subjects('shop', 'sess-w', { id: 'walt' })
    const kept = attempt(subjects())
    t.ok((await rules.admitOrder(kept, T0)).admitted)
    const speculative = attempt(subjects())
    t.ok((await rules.admitOrder(speculative, T0 + 10)).admitted)
    t.equal(await rules.withdrawOrder(speculative, T0 + 10), true, 'withdrawn')
    t.equal(await rules.withdrawOrder(speculative, T0 + 10), false, 'and never twice')
    const refused = attempt(subjects(), { amount: 5000 })
    t.match(await rules.admitOrder(refused, T0 + 20), { admitted: false, rule: 'client_amount_velocity', count: '1000' })
    t.equal(await rules.withdrawOrder(refused, T0 + 20), false, 'a refusal counted nothing')
    t.ok((await rules.admitOrder(attempt(subjects(), { amount: 2000 }), T0 + 30)).admitted,
      'the withdrawn order counts in neither the customer\'s orders, the client\'s amount nor the session\'s holds')
    t.match(await rules.admitOrder(attempt(subjects()), T0 + 40), { admitted: false, rule: 'customer_order_velocity', count: '2' })
  })

  t.test(`${kind}: failed payments lock the order and refuse the session and the customer, once per payment`, async t => {
    const store = await makeStore(t)
    const rules = new RiskRules(store, { ...off, orderFailedPaymentsPerHour: 3, sessionFailedPaymentsPerHour: 4, customerFailedPaymentsPerHour: 5 })
    const subjects = { ...hasher.subjects('shop', 'sess-9', { id: 'carol' }), instrument: hasher.hash('shop', 'vpa', 'x@upi') }
    t.same(await rules.recordFailedPayment(subjects, 'order_A', 'pay_1', T0), { order: 1, instrument: 1 })
    t.equal(await rules.recordFailedPayment(subjects, 'order_A', 'pay_1', T0), undefined, 'the same payment reported again is not counted')
    await rules.recordFailedPayment(subjects, 'order_A', 'pay_2', T0)
    t.ok((await rules.admitPayment(subjects, 'order_A', T0)).admitted, 'two failures: the order is still open')
    t.same(await rules.recordFailedPayment(subjects, 'order_A', 'pay_3', T0), { order: 3, instrument: 3 })
    t.match(await rules.admitPayment(subjects, 'order_A', T0), { admitted: false, rule: 'order_failed_payments', count: '3', limit: '3' })
    t.ok((await rules.admitPayment(subjects, 'order_B', T0)).admitted, 'another order is not locked')
    t.ok((await rules.admitOrder(attempt(subjects), T0)).admitted, 'three failures in the session: it may still order')
    await rules.recordFailedPayment(subjects, 'order_B', 'pay_4', T0)
    t.match(await rules.admitOrder(attempt(subjects), T0), { admitted: false, rule: 'session_failed_payments', count: '4', limit: '4' })
    const sameCustomerNewSession = hasher.subjects('shop', 'sess-10', { id: 'carol' })
    t.ok((await rules.admitOrder(attempt(sameCustomerNewSession), T0)).admitted, 'the customer has four failures of five')
    await rules.recordFailedPayment(subjects, 'order_B', 'pay_5', T0)
    t.match(await rules.admitOrder(attempt(sameCustomerNewSession), T0), { admitted: false, rule: 'customer_failed_payments' })
    t.ok((await rules.admitPayment(subjects, 'order_A', T0 + 3_600_000)).admitted, 'an hour later the order is open again')
  })

  t.test(`${kind}: checkout-signature failures lock the order at the limit`, async t => {
    const store = await makeStore(t)
    const rules = new RiskRules(store, { ...off, orderSignatureFailures: 2 })
    const subjects = hasher.subjects('shop', undefined, undefined)
    t.equal(await rules.recordSignatureFailure(subjects, 'order_S'), 1)
    t.ok((await rules.admitPayment(subjects, 'order_S', T0)).admitted)
    t.equal(await rules.recordSignatureFailure(subjects, 'order_S'), 2)
    t.match(await rules.admitPayment(subjects, 'order_S', T0), { admitted: false, rule: 'order_signature_failures', count: '2' })
  })

  t.test(`${kind}: deny lists refuse, allow lists exempt, and a subject is on one list at a time`, async t => {
    const store = await makeStore(t)
    const lists = new RiskLists(store, hasher)
    const rules = new RiskRules(store, { ...off, customerOrdersPerMinute: 1 })
    const dave = () => hasher.subjects('shop', 'sess-d', { id: 'dave' })
    await lists.put('shop', 'session', 'sess-d', 'deny', 'chargebacks')
    t.match(await rules.admitOrder(attempt(dave()), T0), { admitted: false, rule: 'deny_list', count: 'session' })
    t.match(await rules.admitPayment(dave(), 'order_D', T0), { admitted: false, rule: 'deny_list' })
    t.ok((await rules.admitOrder(attempt(hasher.subjects('shop', 'sess-e', { id: 'dave' })), T0)).admitted, 'another session of the customer')
    await lists.put('shop', 'customer', 'dave', 'deny', '')
    t.match(await rules.admitOrder(attempt(hasher.subjects('shop', 'sess-f', { id: 'dave' })), T0), { admitted: false, rule: 'deny_list', count: 'customer' })
    await lists.put('shop', 'customer', 'dave', 'allow', 'verified buyer')
    t.equal(await lists.remove('shop', 'session', 'sess-d'), true)
    for (let i = 0; i < 3; i++) {
      t.ok((await rules.admitOrder(attempt(dave()), T0)).admitted, 'an allowed customer is not counted against its limit')
    }
    t.match(await lists.entries('shop'), [{ subject: 'customer', list: 'allow', reason: 'verified buyer' }])
    t.notMatch(JSON.stringify(await lists.entries('shop')), /dave|sess-d/, 'the lists keep hashes, never the ids')
    await lists.put('shop', 'client', undefined, 'deny', 'contract ended')
    t.match(await rules.admitOrder(attempt(dave()), T0), { admitted: false, rule: 'deny_list', count: 'client' })
    t.ok((await rules.admitOrder(attempt(hasher.subjects('other', undefined, undefined)), T0)).admitted, 'other clients are untouched')
  })
}
