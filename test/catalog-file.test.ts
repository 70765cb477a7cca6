// CATALOG_FILE: seeds only variants the store does not know, refuses a malformed file with a clear message;
// production loads no built-in catalog.
import t from 'tap'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, redisServer } from './helper.js'

async function catalogFile (content: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'catalog-')), 'catalog.json')
  await writeFile(path, content)
  return path
}

const admin = { authorization: 'Bearer admin-token-for-tests' }
/** Production refuses tokens shorter than 32 characters. */
const productionAdminToken = 'admin-token-for-production-tests-0123456789'

t.test('seeds new variants only: a restart never resets live stock', async t => {
  const redis = await redisServer(t)
  const file = await catalogFile(JSON.stringify({ hat: { price: 2000, currency: 'INR', stock: 5 } }))
  const env = { REDIS_URL: redis.url, CATALOG_FILE: file, ADMIN_TOKEN: 'admin-token-for-tests' }
  const first = await build(t, env)
  t.match((await first.inject({ method: 'GET', url: '/api/admin/variants/hat', headers: admin })).json(), { price: 2000, available: 5 })
  t.equal((await first.inject({ method: 'GET', url: '/api/admin/variants/test', headers: admin })).statusCode, 404,
    'a CATALOG_FILE replaces the built-in development catalog')
  await first.inject({ method: 'PUT', url: '/api/admin/variants/hat', payload: { price: 2500, currency: 'INR', stock: 9 }, headers: admin })
  const restarted = await build(t, env)
  t.match((await restarted.inject({ method: 'GET', url: '/api/admin/variants/hat', headers: admin })).json(), { price: 2500, available: 9 })
})

t.test('a malformed catalog stops the start naming the file and the problem', async t => {
  for (const [content, problem] of [['{ not json', /cannot be read as JSON/], [JSON.stringify({ hat: { price: -1, currency: 'INR', stock: 1 } }), /invalid at \/hat\/price/]] as const) {
    const file = await catalogFile(content)
    await t.rejects(build(t, { CATALOG_FILE: file }), problem)
  }
})

t.test('production seeds no built-in catalog', async t => {
  const redis = await redisServer(t)
  const app = await build(t, {
    NODE_ENV: 'production',
    REDIS_URL: redis.url,
    RAZORPAY_KEY_ID: 'rzp_test_x',
    RAZORPAY_KEY_SECRET: 'secret',
    RAZORPAY_WEBHOOK_SECRET: 'whsec',
    API_KEYS: 'shop:shop-token-for-production-tests-0123456789',
    ADMIN_TOKEN: productionAdminToken
  })
  t.equal((await app.inject({ method: 'GET', url: '/api/admin/variants/test', headers: { authorization: `Bearer ${productionAdminToken}` } })).statusCode, 404)
})
