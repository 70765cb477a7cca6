// The service runs as a Redis ACL user allowed only the commands of src/store/redis-acl.ts: every money path works,
// and Redis' ACL LOG records no refused command (a command used but not listed would appear there).
import t from 'tap'
import { Redis } from 'ioredis'
import { aclRule } from '../src/store/redis-acl.js'
import { build, redisServer } from './helper.js'
import { admin, createOrderRequest, itemPrice, order, pay, setStock, shop, verifyRequest } from './support/money.js'
import { emulator, emulatorEnv, eventually, listen } from './support/service.js'

t.test('every money path as a Redis user limited to the listed commands', async t => {
  const redis = await redisServer(t)
  const root = new Redis(redis.url)
  t.teardown(async () => { await root.quit().catch(() => root.disconnect()) })
  await root.call('ACL', 'SETUSER', 'payments', ...aclRule('acl-test-password'))
  const rzp = await emulator(t)
  const app = await build(t, {
    ...emulatorEnv(rzp),
    REDIS_URL: redis.url.replace('redis://', 'redis://payments:acl-test-password@'),
    API_KEYS: 'shop:shop-token',
    ADMIN_TOKEN: 'admin-token-for-tests',
    RISK_SESSION_OPEN_RESERVATIONS: '5',
    // The shared limiter's scripts run as this user too.
    RATE_LIMIT_SHARED: 'true'
  })
  const url = await listen(app)
  rzp.setWebhookUrl(`${url}/api/webhooks/razorpay`)
  await setStock(app, 10)
  t.equal(await root.call('ACL', 'WHOAMI'), 'default')

  const first = createOrderRequest('acl-1')
  const created = await app.inject({ ...first, payload: { ...first.payload, sessionId: 'acl-session', customer: { id: 'c1' } } })
  t.equal(created.statusCode, 201, 'create-order')
  const replay = await app.inject({ ...first, payload: { ...first.payload, sessionId: 'acl-session', customer: { id: 'c1' } } })
  t.equal(replay.headers['idempotent-replayed'], 'true', 'its replay')
  const orderId = created.json().orderId
  const checkout = await pay(rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  const [verified, waited] = await Promise.all([
    app.inject(verifyRequest(checkout, 'acl-verify')),
    app.inject({ ...verifyRequest(checkout, 'acl-verify'), headers: { ...shop, 'idempotency-key': 'acl-verify', prefer: 'wait=5' } })
  ])
  t.equal(verified.statusCode, 200, 'verify-payment')
  t.equal(waited.statusCode, 200, 'a duplicate waiting for it (pub/sub)')
  // A second captured payment for the paid order is refunded through the webhook.
  await pay(rzp, orderId, { outcome: 'captured', allowPaidOrder: true })
  const failedOrder = (await app.inject(createOrderRequest('acl-2'))).json().orderId
  await pay(rzp, failedOrder, { outcome: 'failed' })
  await eventually(async () => (await order(app, failedOrder)).status === 'failed')
  const cancel = await app.inject({ method: 'POST', url: `/api/orders/${failedOrder}/cancel`, headers: { ...shop, 'idempotency-key': 'acl-cancel' } })
  t.equal(cancel.statusCode, 200, 'cancel')
  const listed = await app.inject({ method: 'PUT', url: '/api/admin/risk/lists', headers: admin, payload: { clientId: 'shop', subject: 'session', value: 's', list: 'deny' } })
  t.equal(listed.statusCode, 200, 'the risk lists')
  const stock = await app.inject({ method: 'GET', url: '/api/admin/variants/item', headers: admin })
  t.match(stock.json(), { sold: 1, reserved: 0, available: 9 }, `the catalog (${itemPrice} paise)`)
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200, 'readiness')
  await eventually(async () => Number(await root.call('ZCARD', 'refunds:pending')) === 0 &&
    (await root.call('KEYS', 'refund:*') as string[]).length === 1)

  t.ok((await root.call('KEYS', 'ratelimit:requests:*') as string[]).length > 0, 'the shared limiter counted in Redis')
  t.same(await root.call('ACL', 'LOG'), [], 'Redis refused no command')
})
