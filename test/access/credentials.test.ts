// Credentials: production refuses short tokens; a client and the admin may hold two tokens during a rotation; failed
// authentications are limited per source address (429 before the token is even looked at); TRUST_PROXY decides
// which address that is.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, configRefusal } from '../helper.js'

const tokenA = 'shop-token-a-0123456789abcdef0123456789'
const tokenB = 'shop-token-b-0123456789abcdef0123456789'
const adminOld = 'admin-token-old-0123456789abcdef01234567'
const adminNew = 'admin-token-new-0123456789abcdef01234567'

const production = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://127.0.0.1:6380',
  RAZORPAY_KEY_ID: 'rzp_live_x',
  RAZORPAY_KEY_SECRET: 'secret',
  RAZORPAY_WEBHOOK_SECRET: 'whsec'
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

async function orderLookup (app: FastifyInstance, headers: Record<string, string>): Promise<{ status: number, code: string, retryAfter: unknown }> {
  const answer = await app.inject({ method: 'GET', url: '/api/orders/order_none', headers })
  return { status: answer.statusCode, code: answer.json().code, retryAfter: answer.headers['retry-after'] }
}

t.test('production refuses a token shorter than 32 characters, naming the variable and the client, never the token', async t => {
  const shortClient = configRefusal({ ...production, API_KEYS: `shop:${tokenA},billing:short-billing-token` })
  t.ok(shortClient, 'refused')
  t.match(shortClient?.message, /API_KEYS/)
  t.match(shortClient?.message, /"billing"/)
  t.notMatch(shortClient?.message, 'short-billing-token')

  const shortAdmin = configRefusal({ ...production, API_KEYS: `shop:${tokenA}`, ADMIN_TOKEN: `${adminOld},short-admin-token` })
  t.ok(shortAdmin, 'refused')
  t.match(shortAdmin?.message, /ADMIN_TOKEN/)
  t.notMatch(shortAdmin?.message, 'short-admin-token')

  t.equal(configRefusal({ ...production, API_KEYS: `shop:${tokenA},shop:${tokenB}`, ADMIN_TOKEN: `${adminOld},${adminNew}` }), undefined,
    'tokens of 32 characters and more start')
  t.equal(configRefusal({ API_KEYS: 'shop:short', ADMIN_TOKEN: 'short' }), undefined, 'outside production short tokens are allowed')
})

t.test('ADMIN_TOKEN holds at most two tokens', async t => {
  t.match(configRefusal({ ADMIN_TOKEN: 'one,two,three' })?.message, /ADMIN_TOKEN must be one token, or two/)
  t.ok(configRefusal({ ADMIN_TOKEN: 'one,' }), 'an empty second token is refused')
})

t.test('a client holding two tokens during a rotation is the same client with either', async t => {
  const app = await build(t, { API_KEYS: `shop:${tokenA},shop:${tokenB},other:other-token` })
  const created = await app.inject({
    method: 'POST',
    url: '/api/checkout/create-order',
    payload: { variantId: 'test', quantity: 1, amount: 1499 },
    headers: { ...bearer(tokenA), 'idempotency-key': 'rotation-1' }
  })
  t.equal(created.statusCode, 201)
  const orderId: string = created.json().orderId
  const read = async (token: string): Promise<number> =>
    (await app.inject({ method: 'GET', url: `/api/orders/${orderId}`, headers: bearer(token) })).statusCode
  t.equal(await read(tokenA), 200)
  t.equal(await read(tokenB), 200, 'the other token of the same client sees the order')
  t.equal(await read('other-token'), 404, 'another client does not')
})

t.test('the admin holding two tokens during a rotation: either works, nothing else does', async t => {
  const app = await build(t, { ADMIN_TOKEN: `${adminOld},${adminNew}` })
  const read = async (headers: Record<string, string>): Promise<number> =>
    (await app.inject({ method: 'GET', url: '/api/admin/variants/test', headers })).statusCode
  t.equal(await read(bearer(adminOld)), 200)
  t.equal(await read(bearer(adminNew)), 200)
  t.equal(await read(bearer(`${adminOld},${adminNew}`)), 401, 'the whole variable is not a token')
  t.equal(await read(bearer(adminOld.slice(0, -1))), 401)
  t.equal(await read({}), 401)
})

t.test('repeated bad tokens from one address get 429 with Retry-After, even with the right token, until the window passes', async t => {
  const app = await build(t, { API_KEYS: `shop:${tokenA}`, AUTH_FAILURES_MAX: '3', AUTH_FAILURES_WINDOW_SECONDS: '1' })
  for (let i = 0; i < 3; i++) t.match(await orderLookup(app, bearer(`guess-${i}`)), { status: 401, code: 'UNAUTHORIZED' }, `guess ${i} is refused`)
  const blocked = await orderLookup(app, bearer('guess-3'))
  t.match(blocked, { status: 429, code: 'RATE_LIMITED' })
  t.match(blocked.retryAfter, /^[1-9]\d*$/, 'Retry-After in whole seconds')
  t.match(await orderLookup(app, bearer(tokenA)), { status: 429 }, 'a right guess looks like a wrong one while blocked')
  t.match(await orderLookup(app, {}), { status: 429 }, 'no token: blocked too')
  const health = await app.inject({ method: 'GET', url: '/health/live' })
  t.equal(health.statusCode, 200, 'public routes stay open')

  await new Promise(resolve => setTimeout(resolve, 1100))
  t.match(await orderLookup(app, bearer(tokenA)), { status: 404, code: 'ORDER_NOT_FOUND' }, 'the window passed: the right token works')
})

t.test('a successful authentication does not reset the count of failures', async t => {
  const app = await build(t, { API_KEYS: `shop:${tokenA}`, AUTH_FAILURES_MAX: '3' })
  t.equal((await orderLookup(app, bearer('guess-1'))).status, 401)
  t.equal((await orderLookup(app, bearer('guess-2'))).status, 401)
  t.equal((await orderLookup(app, bearer(tokenA))).status, 404, 'the right token in between')
  t.equal((await orderLookup(app, bearer('guess-3'))).status, 401, 'the third failure')
  t.equal((await orderLookup(app, bearer(tokenA))).status, 429, 'three failures in the window: blocked')
})

t.test('a token verified before the failures began is blocked like any other once the address is', async t => {
  const app = await build(t, { API_KEYS: `shop:${tokenA}`, AUTH_FAILURES_MAX: '2' })
  // Served from the verified-token map and the no-failure fast path: neither may outlive a block.
  t.equal((await orderLookup(app, bearer(tokenA))).status, 404)
  t.equal((await orderLookup(app, bearer(tokenA))).status, 404)
  t.equal((await orderLookup(app, bearer('guess-1'))).status, 401)
  t.equal((await orderLookup(app, bearer('guess-2'))).status, 401)
  t.equal((await orderLookup(app, bearer(tokenA))).status, 429, 'the verified token is refused while the address is blocked')
  t.equal((await orderLookup(app, { authorization: `Bearer ${tokenA.slice(0, -1)}X` })).status, 429, 'and so is a near miss')
})

t.test('failed admin authentications count too', async t => {
  const app = await build(t, { API_KEYS: `shop:${tokenA}`, ADMIN_TOKEN: adminOld, AUTH_FAILURES_MAX: '2' })
  for (let i = 0; i < 2; i++) {
    t.equal((await app.inject({ method: 'GET', url: '/api/admin/variants/test', headers: bearer(tokenA) })).statusCode, 401)
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/admin/variants/test', headers: bearer(adminOld) })).statusCode, 429)
  t.equal((await orderLookup(app, bearer(tokenA))).status, 429, 'the address is blocked on client routes as well')
})

const forwardedFrom = (address: string, token: string): Record<string, string> => ({ ...bearer(token), 'x-forwarded-for': address })

t.test('with TRUST_PROXY the X-Forwarded-For address is the one limited', async t => {
  for (const trustProxy of ['true', '127.0.0.1', '127.0.0.0/8,10.0.0.0/8', '1']) {
    const app = await build(t, { API_KEYS: `shop:${tokenA}`, AUTH_FAILURES_MAX: '2', TRUST_PROXY: trustProxy })
    for (let i = 0; i < 2; i++) t.equal((await orderLookup(app, forwardedFrom('203.0.113.7', `guess-${i}`))).status, 401)
    t.equal((await orderLookup(app, forwardedFrom('203.0.113.7', tokenA))).status, 429, `TRUST_PROXY=${trustProxy}: that caller is blocked`)
    t.equal((await orderLookup(app, forwardedFrom('203.0.113.8', tokenA))).status, 404, `TRUST_PROXY=${trustProxy}: another caller behind the same proxy is not`)
  }
})

t.test('without TRUST_PROXY the socket address is the one limited, whatever X-Forwarded-For says', async t => {
  const app = await build(t, { API_KEYS: `shop:${tokenA}`, AUTH_FAILURES_MAX: '2' })
  t.equal((await orderLookup(app, forwardedFrom('203.0.113.7', 'guess-1'))).status, 401)
  t.equal((await orderLookup(app, forwardedFrom('203.0.113.8', 'guess-2'))).status, 401)
  t.equal((await orderLookup(app, forwardedFrom('203.0.113.9', tokenA))).status, 429, 'a forged header does not escape the limit')
})

t.test('TRUST_PROXY: an invalid address or range stops the start', async t => {
  for (const value of ['10.0.0.0/99', '10.0.0.256', 'proxy.internal', 'yes']) {
    t.match(configRefusal({ TRUST_PROXY: value })?.message, /TRUST_PROXY/, value)
  }
  t.equal(configRefusal({ TRUST_PROXY: 'loopback,10.1.2.3,fd00::/8' }), undefined, 'names, addresses and IPv6 ranges')
})
