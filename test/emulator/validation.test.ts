// The /v1 API rejects what Razorpay rejects, with Razorpay's envelope, and lists with its filters.
import t from 'tap'
import { request } from 'undici'
import { basicAuth, call, createOrder, emulatorFor } from './helpers.js'

function envelope (description: string, extra: Record<string, unknown> = {}) {
  return { error: { code: 'BAD_REQUEST_ERROR', description, source: String, step: String, reason: String, metadata: {}, ...extra } }
}

t.test('rejects invalid order bodies with Razorpay messages', async (t) => {
  const emulator = await emulatorFor(t)
  const notes16 = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']))
  const notes15 = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'v']))
  const cases: Array<[string, Record<string, unknown>, ReturnType<typeof envelope>]> = [
    ['a fractional amount', { amount: 100.5, currency: 'INR' }, envelope('The amount must be an integer.', { field: 'amount' })],
    ['a string amount', { amount: '1000', currency: 'INR' }, envelope('The amount must be an integer.', { field: 'amount' })],
    ['an amount below 100', { amount: 99, currency: 'INR' }, envelope('The amount must be at least INR 1.00', { field: 'amount' })],
    ['a missing amount', { currency: 'INR' }, envelope('The amount field is required.', { field: 'amount' })],
    ['an unsupported currency', { amount: 1000, currency: 'USD' }, envelope('Currency is not supported', { field: 'currency' })],
    ['a malformed currency', { amount: 1000, currency: 'RUPEE' }, envelope('The currency must be 3 characters.', { field: 'currency' })],
    ['a receipt over 40 characters', { amount: 1000, currency: 'INR', receipt: 'r'.repeat(41) }, envelope('The receipt may not be greater than 40 characters.', { field: 'receipt' })],
    ['16 notes', { amount: 1000, currency: 'INR', notes: notes16 }, envelope('Number of fields in notes should be less than or equal to 15', { field: 'notes' })],
    ['a note value over 256 characters', { amount: 1000, currency: 'INR', notes: { a: 'x'.repeat(257) } }, envelope('The notes.a may not be greater than 256 characters.', { field: 'notes' })],
    ['a non-boolean partial_payment', { amount: 1000, currency: 'INR', partial_payment: 'yes' }, envelope('The partial payment field must be true or false.')],
    ['an unknown field', { amount: 1000, currency: 'INR', customer: 'c1' }, envelope('customer is/are not required and should not be sent', { field: 'customer', reason: 'extra_field_sent' })]
  ]
  for (const [name, body, expected] of cases) {
    const result = await call(emulator, 'POST', '/v1/orders', { body })
    t.equal(result.status, 400, `${name}: 400`)
    t.match(result.json, expected, `${name}: envelope`)
  }
  const ok = await call(emulator, 'POST', '/v1/orders', {
    body: { amount: 100, currency: 'INR', receipt: 'r'.repeat(40), notes: { ...notes15, k0: 'x'.repeat(256) }, partial_payment: false }
  })
  t.equal(ok.status, 200, 'the limits themselves are accepted')
  const stats = await call(emulator, 'GET', '/_emulator/stats')
  t.equal(stats.json.ordersCreated, 1, 'no rejected body created an order')
})

t.test('rejects a reused receipt', async (t) => {
  const emulator = await emulatorFor(t)
  await createOrder(emulator, { receipt: 'dup' })
  const again = await call(emulator, 'POST', '/v1/orders', { body: { amount: 1000, currency: 'INR', receipt: 'dup' } })
  t.equal(again.status, 400)
  t.match(again.json, envelope('Order receipt should be unique.', { field: 'receipt' }))
})

t.test('answers an unknown id with 400 "The id provided does not exist"', async (t) => {
  const emulator = await emulatorFor(t)
  for (const path of ['/v1/orders/order_00000000000000', '/v1/orders/order_00000000000000/payments', '/v1/payments/pay_00000000000000']) {
    const result = await call(emulator, 'GET', path)
    t.equal(result.status, 400, path)
    t.match(result.json, envelope('The id provided does not exist'), path)
  }
})

t.test('requires the right Basic credentials on /v1', async (t) => {
  const emulator = await emulatorFor(t, { keyId: 'rzp_test_custom', keySecret: 'custom_secret' })
  const expected = { error: { code: 'BAD_REQUEST_ERROR', description: 'The api key provided is invalid', source: 'NA', step: 'NA', reason: 'NA', metadata: {} } }
  const wrongSecret = await call(emulator, 'GET', '/v1/orders', { auth: { keyId: 'rzp_test_custom', keySecret: 'nope' } })
  t.equal(wrongSecret.status, 401)
  t.same(wrongSecret.json, expected)
  const wrongId = await call(emulator, 'GET', '/v1/orders', { auth: { keyId: 'rzp_test_other', keySecret: 'custom_secret' } })
  t.equal(wrongId.status, 401)
  const missing = await call(emulator, 'GET', '/v1/orders', { auth: false })
  t.equal(missing.status, 401)
  t.same(missing.json, expected)
  const created = await call(emulator, 'POST', '/v1/orders', { auth: false, body: { amount: 1000, currency: 'INR' } })
  t.equal(created.status, 401)
  t.equal((await call(emulator, 'GET', '/_emulator/stats')).json.ordersCreated, 0, 'an unauthenticated create creates nothing')
  t.equal((await call(emulator, 'GET', '/v1/orders')).status, 200, 'the configured key works')
})

t.test('lists orders as a collection with count, skip, receipt, from and to', async (t) => {
  const emulator = await emulatorFor(t)
  const ids: string[] = []
  for (let i = 0; i < 15; i++) ids.push((await createOrder(emulator, { receipt: `list-${i}` })).id)
  const newestFirst = [...ids].reverse()

  const page = await call(emulator, 'GET', '/v1/orders')
  t.equal(page.json.entity, 'collection')
  t.equal(page.json.count, 10, 'count defaults to 10')
  t.same(page.json.items.map((o: any) => o.id), newestFirst.slice(0, 10))

  const skipped = await call(emulator, 'GET', '/v1/orders?count=3&skip=4')
  t.same(skipped.json.items.map((o: any) => o.id), newestFirst.slice(4, 7))
  t.equal(skipped.json.count, 3)

  const byReceipt = await call(emulator, 'GET', '/v1/orders?receipt=list-7')
  t.same(byReceipt.json.items.map((o: any) => o.id), [ids[7]])

  const createdAt = page.json.items[0].created_at as number
  const window = await call(emulator, 'GET', `/v1/orders?from=${createdAt - 60}&to=${createdAt + 60}&count=100`)
  t.equal(window.json.count, 15, 'from and to are inclusive unix seconds')
  t.equal((await call(emulator, 'GET', `/v1/orders?from=${createdAt + 61}`)).json.count, 0, 'nothing after from')
  t.equal((await call(emulator, 'GET', `/v1/orders?to=${createdAt - 61}`)).json.count, 0, 'nothing before to')

  t.equal((await call(emulator, 'GET', '/v1/orders?count=100')).json.count, 15)
  const tooMany = await call(emulator, 'GET', '/v1/orders?count=101')
  t.equal(tooMany.status, 400)
  t.match(tooMany.json, envelope('The count may not be greater than 100.', { field: 'count' }))
  t.equal((await call(emulator, 'GET', '/v1/orders?count=0')).status, 400)
  t.equal((await call(emulator, 'GET', '/v1/orders?skip=-1')).status, 400)
  t.equal((await call(emulator, 'GET', '/v1/orders?from=yesterday')).status, 400)
  const extra = await call(emulator, 'GET', '/v1/orders?status=paid')
  t.match(extra.json, envelope('status is/are not required and should not be sent', { field: 'status', reason: 'extra_field_sent' }))
})

t.test('filters orders on authorized payments', async (t) => {
  const emulator = await emulatorFor(t)
  const paid = await createOrder(emulator)
  const failed = await createOrder(emulator)
  const untouched = await createOrder(emulator)
  await call(emulator, 'POST', `/_emulator/orders/${paid.id}/pay`, { body: { outcome: 'captured' } })
  await call(emulator, 'POST', `/_emulator/orders/${failed.id}/pay`, { body: { outcome: 'failed' } })
  const authorized = await call(emulator, 'GET', '/v1/orders?authorized=1')
  t.same(authorized.json.items.map((o: any) => o.id), [paid.id])
  const notAuthorized = await call(emulator, 'GET', '/v1/orders?authorized=0')
  t.same(notAuthorized.json.items.map((o: any) => o.id), [untouched.id, failed.id])
})

t.test('accepts form-encoded bodies with notes[key] pairs', async (t) => {
  const emulator = await emulatorFor(t)
  const response = await request(`${emulator.url}/v1/orders`, {
    method: 'POST',
    headers: {
      authorization: basicAuth(emulator),
      'content-type': 'application/x-www-form-urlencoded'
    },
    body: 'amount=2500&currency=INR&receipt=form-1&notes[session_id]=s1&partial_payment=0'
  })
  t.equal(response.statusCode, 200)
  t.match(await response.body.json(), { amount: 2500, receipt: 'form-1', notes: { session_id: 's1' } })
})

t.test('answers unknown /v1 paths and malformed JSON with the Razorpay envelope', async (t) => {
  const emulator = await emulatorFor(t)
  const unknown = await call(emulator, 'GET', '/v1/refunds')
  t.equal(unknown.status, 400)
  t.match(unknown.json, envelope('The requested URL was not found on the server.'))
  const response = await request(`${emulator.url}/v1/orders`, {
    method: 'POST',
    headers: {
      authorization: basicAuth(emulator),
      'content-type': 'application/json'
    },
    body: '{"amount":'
  })
  t.equal(response.statusCode, 400)
  t.match(await response.body.json(), { error: { code: 'BAD_REQUEST_ERROR' } })
})
