// The service on a Redis Cluster: every script's keys share a slot, replays and reservations work across nodes.
import t from 'tap'
import { build } from './helper.js'
import { startRedisCluster } from './support/redis-server.js'
import { control, emulator, emulatorEnv, emulatorStats, listen, post } from './support/service.js'

t.test('create-order, replay, concurrent duplicates, admin and expiry on a three-node Redis Cluster', async t => {
  const cluster = await startRedisCluster()
  t.teardown(async () => await cluster.stop())
  const rzp = await emulator(t)
  const env = { ...emulatorEnv(rzp), REDIS_CLUSTER_NODES: cluster.nodes.join(','), ADMIN_TOKEN: 'cluster-admin-token', RESERVATION_TTL_SECONDS: '1' }
  const app = await build(t, env)
  const admin = { authorization: 'Bearer cluster-admin-token' }
  const put = await app.inject({ method: 'PUT', url: '/api/admin/variants/cluster-item', payload: { price: 1000, currency: 'INR', stock: 20 }, headers: admin })
  t.equal(put.statusCode, 200)

  const body = { variantId: 'cluster-item', quantity: 2, amount: 2000 }
  const first = await app.inject({ method: 'POST', url: '/api/checkout/create-order', payload: body, headers: { 'idempotency-key': 'cluster-1' } })
  t.equal(first.statusCode, 201)
  const replay = await app.inject({ method: 'POST', url: '/api/checkout/create-order', payload: body, headers: { 'idempotency-key': 'cluster-1' } })
  t.equal(replay.body, first.body)
  t.equal(replay.headers['idempotent-replayed'], 'true')

  const urls = [await listen(app), await listen(await build(t, env))]
  const burst = await Promise.all(Array.from({ length: 20 }, async (_, i) =>
    await post(urls[i % 2], '/api/checkout/create-order', body, { 'idempotency-key': 'cluster-burst', prefer: 'wait=5' })))
  t.same(burst.map(a => a.status), Array(20).fill(201))
  t.equal(new Set(burst.map(a => a.body)).size, 1)
  t.equal((await emulatorStats(rzp)).ordersCreated, 2)

  const order = await app.inject({ method: 'GET', url: `/api/orders/${first.json().orderId}` })
  t.equal(order.json().status, 'created')
  const deadline = Date.now() + 5000
  let variant = (await app.inject({ method: 'GET', url: '/api/admin/variants/cluster-item', headers: admin })).json()
  while (variant.reserved > 0 && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 100))
    variant = (await app.inject({ method: 'GET', url: '/api/admin/variants/cluster-item', headers: admin })).json()
  }
  t.match(variant, { available: 20, reserved: 0, sold: 0 }, 'reservations expired back into stock')
})

t.test('the risk rules on a Redis Cluster: every script of a client stays in one slot', async t => {
  const cluster = await startRedisCluster()
  t.teardown(async () => await cluster.stop())
  const rzp = await emulator(t)
  const app = await build(t, {
    ...emulatorEnv(rzp), REDIS_CLUSTER_NODES: cluster.nodes.join(','), ADMIN_TOKEN: 'cluster-admin-token', RISK_SESSION_OPEN_RESERVATIONS: '2', RISK_ORDER_SIGNATURE_FAILURES: '2'
  })
  const admin = { authorization: 'Bearer cluster-admin-token' }
  await app.inject({ method: 'PUT', url: '/api/admin/variants/cluster-item', payload: { price: 1000, currency: 'INR', stock: 20 }, headers: admin })
  const order = async (key: string, extra: Record<string, unknown>) => await app.inject({
    method: 'POST', url: '/api/checkout/create-order', payload: { variantId: 'cluster-item', quantity: 1, amount: 1000, ...extra }, headers: { 'idempotency-key': key }
  })
  const shopper = { sessionId: 'cluster-session', customer: { id: 'cluster-customer', ip: '192.0.2.1' } }
  const paid = (await order('risk-1', shopper)).json().orderId
  t.equal((await order('risk-2', shopper)).statusCode, 201)
  t.match((await order('risk-3', shopper)).json(), { code: 'RISK_REJECTED', message: /session_open_reservations/ })

  const checkout = await control(rzp, 'POST', `/_emulator/orders/${paid}/pay`, { outcome: 'captured', webhooks: { skip: true } }) as Record<string, string>
  const verify = async (key: string, body: Record<string, string>) =>
    await app.inject({ method: 'POST', url: '/api/checkout/verify-payment', payload: body, headers: { 'idempotency-key': key } })
  t.equal((await verify('risk-verify-1', { ...checkout, razorpay_signature: 'a'.repeat(64) })).statusCode, 400)
  t.equal((await verify('risk-verify-2', checkout)).statusCode, 200, 'one signature failure of two: still confirmed')
  t.equal((await order('risk-4', shopper)).statusCode, 201, 'the paid order freed its place in the session')

  const denied = await app.inject({ method: 'PUT', url: '/api/admin/risk/lists', headers: admin, payload: { clientId: 'anonymous', subject: 'customer', value: 'cluster-customer', list: 'deny' } })
  t.equal(denied.statusCode, 200)
  t.match((await order('risk-5', { customer: { id: 'cluster-customer' } })).json(), { code: 'RISK_REJECTED', message: /deny_list/ })
})
