// What callers and logs may learn: Razorpay's failure details reach the logs, not the caller; INSUFFICIENT_STOCK does
// not reveal the stock; an end customer's id and address reach neither logs nor Redis in the clear.
import t, { type Test } from 'tap'
import { Writable } from 'node:stream'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/build-app.js'
import { redactedPaths } from '../src/logger.js'
import { redisServer } from './helper.js'
import { admin, shop } from './support/money.js'
import { addFault, emulator, emulatorEnv } from './support/service.js'

async function appWithLogs (t: Test, env: Record<string, string> = {}) {
  const rzp = await emulator(t)
  const logs = { text: '' }
  const stream = new Writable({ write (chunk, _encoding, done) { logs.text += chunk.toString(); done() } })
  const config = loadConfig({ NODE_ENV: 'test', ...emulatorEnv(rzp), API_KEYS: 'shop:shop-token', ADMIN_TOKEN: 'admin-token-for-tests', ...env })
  const app = await buildApp({ config, logger: { level: 'trace', stream, redact: { paths: redactedPaths, censor: '[redacted]' } } })
  t.teardown(async () => await app.close())
  return { rzp, app, logs }
}

const order = (key: string, payload: Record<string, unknown>) => ({
  method: 'POST' as const, url: '/api/checkout/create-order', payload, headers: { ...shop, 'idempotency-key': key }
})

t.test('a Razorpay failure answers a fixed message; what Razorpay said is in the logs', async t => {
  const { rzp, app, logs } = await appWithLogs(t)
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'status', status: 400, count: 1 })
  const answer = await app.inject(order('disclose-1', { variantId: 'test', quantity: 1, amount: 1499 }))
  t.equal(answer.statusCode, 502)
  t.same(answer.json(), {
    statusCode: 502, code: 'PAYMENT_PROVIDER_ERROR', error: 'Bad Gateway', message: 'The payment provider could not complete the request; retry later'
  })
  t.match(logs.text, /create order: HTTP 400/, 'the operation and Razorpay\'s status are logged')
})

t.test('INSUFFICIENT_STOCK says the stock falls short, not how much is left', async t => {
  const { app } = await appWithLogs(t)
  const put = await app.inject({ method: 'PUT', url: '/api/admin/variants/rare', headers: admin, payload: { price: 1000, currency: 'INR', stock: 7 } })
  t.equal(put.statusCode, 200)
  const answer = await app.inject(order('disclose-2', { variantId: 'rare', quantity: 9, amount: 9000 }))
  t.equal(answer.statusCode, 422)
  t.equal(answer.json().code, 'INSUFFICIENT_STOCK')
  t.notMatch(answer.json().message, /7/, 'the 7 left are not revealed')
  t.match(answer.json().message, /rare/)
})

// The session id is part of the order callers read back (CONTRACT.md), so it is stored; the customer is not.
t.test('an end customer\'s id and address reach neither the logs nor the store in the clear', async t => {
  const redis = await redisServer(t)
  const { app, logs } = await appWithLogs(t, { REDIS_URL: redis.url })
  const answer = await app.inject(order('disclose-3', {
    variantId: 'test', quantity: 1, amount: 1499, sessionId: 'session-in-clear', customer: { id: 'customer-in-clear', ip: '203.0.113.99' }
  }))
  t.equal(answer.statusCode, 201)
  t.notMatch(logs.text, /customer-in-clear|203\.0\.113\.99/)
  const keys = await app.store.command('keys', ['*']) as string[]
  const values: string[] = []
  for (const key of keys) {
    const type = await app.store.command('type', [key])
    if (type === 'hash') values.push(...await app.store.command('hgetall', [key]) as string[])
    if (type === 'string') values.push(String(await app.store.command('get', [key])))
    if (type === 'zset') values.push(...await app.store.command('zrange', [key, 0, -1]) as string[])
  }
  t.notMatch([...keys, ...values].join(' '), /customer-in-clear|203\.0\.113\.99/, 'only hashes of them are stored')
})
