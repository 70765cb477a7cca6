// buildEmulator() gives a Fastify instance that answers through inject() without listening.
import t from 'tap'
import { buildEmulator } from '../../src/emulator/index.js'

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

t.test('keeps receipt lookups and listing fast with many orders', async (t) => {
  const app = buildEmulator()
  t.teardown(() => app.close())
  await app.ready()
  const authorization = 'Basic ' + Buffer.from('rzp_test_emulator:emulator_secret').toString('base64')
  const started = Date.now()
  for (let i = 0; i < 20_000; i++) {
    const response = await app.inject({ method: 'POST', url: '/v1/orders', headers: { authorization }, payload: { amount: 1000, currency: 'INR', receipt: `bulk-${i}` } })
    if (response.statusCode !== 200) t.fail(response.body)
  }
  t.comment(`20k orders through inject in ${Date.now() - started} ms`)
  const lookup = Date.now()
  for (let i = 0; i < 200; i++) {
    await app.inject({ method: 'GET', url: `/v1/orders?receipt=bulk-${i * 10}`, headers: { authorization } })
    await app.inject({ method: 'GET', url: '/v1/orders?count=100&skip=100', headers: { authorization } })
  }
  t.ok(Date.now() - lookup < 3000, `400 lookups and pages took ${Date.now() - lookup} ms`)
})
