// The service on a Redis Cluster: every script's keys share a slot, replays and reservations work across nodes.
import t from 'tap'
import { build } from './helper.js'
import { startRedisCluster } from './support/redis-server.js'
import { emulator, emulatorEnv, emulatorStats, listen, post } from './support/service.js'

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
