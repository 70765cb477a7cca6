// The reservation sweeper on a real Redis: entries it cannot settle neither stall a sweep nor hang shutdown nor
// starve good reservations, a hold left under an id that was already sold gives its stock back, and however many
// instances run the sweeper, each reservation is expired once.
import t from 'tap'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { auditStream } from '../../src/audit/audit-log.js'
import { buildApp } from '../../src/build-app.js'
import { variantKeys } from '../../src/catalog/catalog.js'
import { sweepExpiredReservations } from '../../src/catalog/reservation-sweeper.js'
import type { Commerce, CommerceLogger } from '../../src/commerce.js'
import { loadConfig } from '../../src/config.js'
import { startPeriodicJob } from '../../src/jobs/periodic-job.js'
import { build, redisServer, testEnv, type TestContext } from '../helper.js'
import { createOrder, moneySetup, order, setStock, stockHolds, variant } from '../support/money.js'
import { emulator, emulatorEnv, eventually } from '../support/service.js'

const keys = variantKeys('item')
/** The app's sweeper job takes this lease each tick (src/jobs/periodic-job.ts); whoever holds it sweeps. */
const sweeperLease = 'job:{reservation-sweeper}:lease'
/** One unit held, but settle.lua cannot parse the amount, so settling it throws inside the script. */
const malformedHold = '1|x|shop|'
const couldNotSettle = 'could not settle an expired reservation; trying again later'
const expiredMessage = 'reservation expired; stock returned'

interface LogCall { level: 'info' | 'warn' | 'error', object: Record<string, unknown>, message: string }

function recordingLog (): { log: CommerceLogger, calls: LogCall[] } {
  const calls: LogCall[] = []
  const record = (level: LogCall['level']) => (object: object, message: string) => {
    calls.push({ level, object: object as Record<string, unknown>, message })
  }
  return { log: { info: record('info'), warn: record('warn'), error: record('error') }, calls }
}

function sweepDeps (app: FastifyInstance, log: CommerceLogger): Commerce {
  return { catalog: app.catalog, orders: app.orders, events: app.orderEvents, audit: app.audit, log }
}

/** Keeps every instance's sweeper job out: it skips each tick while someone else holds the lease. */
async function holdSweeperLease (app: FastifyInstance): Promise<void> {
  await app.store.command('set', [sweeperLease, 'the-test', 'PX', 600_000])
}

/** `count` due expiry entries (score 0) whose holds settle.lua cannot parse, each holding one unit of stock. */
async function seedMalformed (app: FastifyInstance, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}_${String(i).padStart(3, '0')}`)
  await app.store.command('hset', [keys.reservations, ...ids.flatMap(id => [id, malformedHold])])
  await app.store.command('zadd', [keys.expiries, ...ids.flatMap(id => [0, id])])
  await app.store.command('hincrby', [keys.variant, 'available', -count])
  await app.store.command('hincrby', [keys.variant, 'reserved', count])
  return ids
}

/** The units the reservations hash holds, which `reserved` must always equal. */
async function heldUnits (app: FastifyInstance): Promise<number> {
  const flat = await app.store.command('hgetall', [keys.reservations]) as string[]
  let units = 0
  for (let i = 1; i < flat.length; i += 2) units += Number(/^\d+/.exec(flat[i])?.[0] ?? 0)
  return units
}

async function scores (app: FastifyInstance, ids: string[]): Promise<Array<string | null>> {
  return await app.store.command('zmscore', [keys.expiries, ...ids]) as Array<string | null>
}

async function holds (app: FastifyInstance, ids: string[]): Promise<Array<string | null>> {
  return await app.store.command('hmget', [keys.reservations, ...ids]) as Array<string | null>
}

async function dueCount (app: FastifyInstance): Promise<number> {
  return await app.store.command('zcount', [keys.expiries, '-inf', Date.now()]) as number
}

async function expiredAudit (app: FastifyInstance): Promise<string[]> {
  const entries = await app.store.command('xrange', [auditStream, '-', '+']) as Array<[string, string[]]>
  return entries
    .filter(([, fields]) => fields[fields.indexOf('type') + 1] === 'order_expired')
    .map(([, fields]) => fields[fields.indexOf('orderId') + 1])
}

/** An instance on `redisUrl` whose log lines (JSON) are collected, closed in teardown. */
async function loggedInstance (t: TestContext, env: Record<string, string>, lines: Array<Record<string, unknown>>): Promise<FastifyInstance> {
  const stream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    }
  })
  const config = loadConfig({ ...testEnv, API_KEYS: 'shop:shop-token', ADMIN_TOKEN: 'admin-token-for-tests', ...env })
  const app = await buildApp({ config, logger: { level: 'info', stream } })
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

const byMessage = (lines: Array<Record<string, unknown>>, message: string) => lines.filter(line => line.msg === message)

t.test('150 unsettleable expiry entries neither stall the sweeper nor keep 120 holds of already-sold reservations from giving their stock back', async t => {
  const stock = 450
  const { app } = await moneySetup(t, {}, stock)
  await holdSweeperLease(app) // only the sweeps this test runs touch the index

  // The old bug: a hold re-created under a reservation id whose sale was already recorded, its order paid.
  const sold: Array<{ orderId: string, reservationId: string }> = []
  for (let i = 0; i < 120; i++) {
    const orderId = await createOrder(app, `sold-${i}`)
    const record = await app.orders.get(orderId)
    if (record === undefined) throw new Error(`order ${orderId} was not recorded`)
    sold.push({ orderId, reservationId: record.reservationId })
  }
  const paid: string[] = []
  for (const [i, { orderId, reservationId }] of sold.entries()) {
    paid.push((await app.orders.markPaid(orderId, `pay_sold${i}`)).outcome)
    await app.store.command('set', [`variant:{item}:sale:${reservationId}`, 'committed', 'EX', 3600])
    await app.store.command('zadd', [keys.expiries, 'XX', 0, reservationId])
  }
  t.same([...new Set(paid)], ['paid'], 'the 120 orders are paid')
  // Their earlier sale took its units from available, as sell.lua does: 120 sold, and 120 held again by mistake.
  await app.store.command('hincrby', [keys.variant, 'available', -120])
  await app.store.command('hincrby', [keys.variant, 'sold', 120])
  const malformed = await seedMalformed(app, 'malformed', 150)
  t.match(await variant(app), { available: 60, reserved: 270, sold: 120 }, 'seeded: 450 = 60 + (120 + 150) + 120')
  t.equal(await dueCount(app), 270)

  const { log, calls } = recordingLog()
  const deps = sweepDeps(app, log)
  t.equal(await sweepExpiredReservations(deps), 0, 'the first sweep returns; none of these is an order to expire')
  // A sweep takes a bounded batch; the next ones take the rest. Each must make progress, or the index stalls.
  let sweeps = 1
  while (await dueCount(app) > 0 && sweeps < 10) {
    t.equal(await sweepExpiredReservations(deps), 0, `sweep ${++sweeps} returns`)
  }
  t.equal(await dueCount(app), 0, 'nothing is left due: no entry is looked at again and again')
  t.ok(sweeps <= 3, `the 270 entries took ${sweeps} sweeps of at most 100 each`)

  const errors = calls.filter(call => call.level === 'error')
  t.equal(errors.length, 150, 'each malformed entry is logged at error, once')
  t.ok(errors.every(call => call.message === couldNotSettle && call.object.variantId === 'item' && call.object.err instanceof Error))
  t.same(errors.map(call => call.object.reservationId).sort(), malformed, 'the logged entries are the malformed ones')

  const soldIds = sold.map(s => s.reservationId)
  t.ok((await scores(app, soldIds)).every(score => score === null), 'the already-sold holds left the expiry index')
  t.ok((await holds(app, soldIds)).every(hold => hold === null), 'and the reservations hash')
  t.match(await variant(app), { available: 180, reserved: 150, sold: 120 }, 'their held units went back to available; the sales stand')
  t.ok(await stockHolds(app, stock), 'available + reserved + sold = 450')
  t.same([...new Set(await Promise.all(sold.map(async s => (await app.orders.get(s.orderId))?.status)))], ['paid'], 'the orders stay paid')
  t.same(await expiredAudit(app), [], 'no order was expired')
  t.notOk(calls.some(call => call.message === expiredMessage))

  // What an entry the sweeper cannot settle must become (the sweeper's contract): still held, looked at later.
  const later = Date.now()
  const postponed = await scores(app, malformed)
  t.equal(postponed.filter(score => score !== null && Number(score) > later).length, 150,
    'every malformed entry is still in the expiry index, postponed to a later time')
  t.equal(await heldUnits(app), (await variant(app)).reserved,
    'reserved (150) equals the units still held: no hold left without its stock coming back')

  t.equal(await sweepExpiredReservations(deps), 0, 'a sweep over the postponed entries returns')
  t.equal(calls.filter(call => call.level === 'error').length, 150, 'and does not look at them again before their time')
})

t.test('with the app\'s own sweeper running, unsettleable entries do not starve good reservations nor hang close', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const lines: Array<Record<string, unknown>> = []
  // A 1 s reservation TTL makes the sweeper run every 250 ms.
  const app = await loggedInstance(t, { ...emulatorEnv(rzp), REDIS_URL: redis.url, RESERVATION_TTL_SECONDS: '1' }, lines)
  await setStock(app, 310)

  const malformed = await seedMalformed(app, 'malformed', 150)
  const good = [await createOrder(app, 'good-1'), await createOrder(app, 'good-2', 2), await createOrder(app, 'good-3', 3)]
  await eventually(async () => {
    for (const orderId of good) if ((await order(app, orderId)).status !== 'expired') return false
    return true
  }, 15_000, 50)
  t.pass('the reservations made after the malformed entries expired')
  t.match(await variant(app), { available: 160, reserved: 150, sold: 0 }, 'their 6 units are back; the malformed 150 stay reserved')
  t.equal(byMessage(lines, expiredMessage).length, 3, 'three reservations expired, each once')
  const looked = byMessage(lines, couldNotSettle).map(line => line.reservationId)
  t.same([...new Set(looked)].sort(), malformed, 'the sweeper did get to every malformed entry, and logged it at error')
  t.ok(byMessage(lines, couldNotSettle).every(line => line.level === 50 && line.component === 'reservation-sweeper'))

  // Shut down with a fresh load of unsettleable entries due: close must not wait on them.
  await seedMalformed(app, 'again', 150)
  await app.close()
  t.pass('close resolved')
})

t.test('two instances share the sweep: while one holds the lease the other does not sweep, and each reservation expires once', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const env = { ...emulatorEnv(rzp), REDIS_URL: redis.url, RESERVATION_TTL_SECONDS: '1' }
  const linesA: Array<Record<string, unknown>> = []
  const linesB: Array<Record<string, unknown>> = []
  const a = await loggedInstance(t, env, linesA)
  const b = await loggedInstance(t, env, linesB)
  await setStock(a, 20)

  await holdSweeperLease(a)
  const orders: string[] = []
  for (let i = 0; i < 5; i++) {
    orders.push(await createOrder(a, `a-${i}`), await createOrder(b, `b-${i}`))
  }
  // Both instances tick every 250 ms; past the 1 s TTL, they would have swept by now if the lease did not stop them.
  await new Promise(resolve => setTimeout(resolve, 2000))
  t.equal(await dueCount(a), 10, 'ten reservations are due')
  t.match(await variant(a), { available: 10, reserved: 10 }, 'and still held: no instance swept while the lease was held elsewhere')
  t.same(await expiredAudit(a), [])

  await a.store.command('del', [sweeperLease])
  await eventually(async () => (await variant(a)).reserved === 0, 10_000, 50)
  await eventually(async () => (await expiredAudit(a)).length >= 10, 5000, 25)
  const expired = await expiredAudit(a)
  t.equal(expired.length, 10, 'exactly one order_expired audit entry per reservation')
  t.same([...expired].sort(), [...orders].sort(), 'one for each order')
  const logged = [...byMessage(linesA, expiredMessage), ...byMessage(linesB, expiredMessage)]
  t.equal(logged.length, 10, 'and one "stock returned" log line per reservation across both instances')
  t.equal(new Set(logged.map(line => line.reservationId)).size, 10)
  t.match(await variant(a), { available: 20, reserved: 0, sold: 0 })
  for (const orderId of orders) t.equal((await order(a, orderId)).status, 'expired')
})

t.test('a periodic job never runs a batch while its previous one is still running, and one lease holder runs each tick', async t => {
  const redis = await redisServer(t)
  const app = await build(t, { REDIS_URL: redis.url })
  const intervalMs = 40
  let running = 0
  let most = 0
  const runs: string[] = []
  const batch = (instance: string, ms: number) => async () => {
    runs.push(instance)
    most = Math.max(most, ++running)
    await new Promise(resolve => setTimeout(resolve, ms))
    running--
  }

  // One instance, a batch three intervals long: the next tick waits for it.
  const stopSlow = startPeriodicJob({ name: 'test-slow', intervalMs, store: app.store, run: batch('slow', intervalMs * 3), onError: () => {} })
  t.teardown(stopSlow)
  await eventually(() => runs.length >= 3, 5000, 10)
  await stopSlow()
  t.equal(most, 1, 'never two batches at once on one instance')

  // Two instances of the same job, batches shorter than the interval: at any time at most one runs.
  runs.length = 0
  most = 0
  const stops = ['one', 'two'].map(instance =>
    startPeriodicJob({ name: 'test-shared', intervalMs: 100, store: app.store, run: batch(instance, 10), onError: () => {} }))
  t.teardown(async () => { for (const stop of stops) await stop() })
  const started = Date.now()
  await eventually(() => runs.length >= 6, 5000, 10)
  const elapsed = Date.now() - started
  for (const stop of stops) await stop()
  t.equal(most, 1, 'the two instances never ran a batch at the same time')
  t.ok(runs.length <= Math.ceil(elapsed / 100) + 2, `${runs.length} batches in ${elapsed} ms: about one per interval in all, not one per instance`)
})
