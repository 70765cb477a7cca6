// Every command docs/OPERATIONS.md marks `local` works as written: run by bash against a real Redis (AOF on,
// noeviction, as the doc requires), the emulator and a listening service, with the variables the doc names.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import t from 'tap'
import { build } from './helper.js'
import { startRedisServer } from './support/redis-server.js'
import { emulator, emulatorEnv, listen } from './support/service.js'

const doc = readFileSync(new URL('../docs/OPERATIONS.md', import.meta.url), 'utf8')
const blocks = [...doc.matchAll(/```sh local\n([\s\S]*?)```/g)].map(match => match[1])

t.test('the doc has runnable blocks', async t => {
  t.ok(blocks.length >= 4, `${blocks.length} blocks marked local`)
})

t.test('every local command of OPERATIONS.md runs as written', async t => {
  const redis = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'])
  t.teardown(async () => await redis.stop())
  const rzp = await emulator(t)
  const tokens = { shop: 'ops-doc-shop-token', admin: 'ops-doc-admin-token' }
  const app = await build(t, {
    ...emulatorEnv(rzp), REDIS_URL: redis.url, API_KEYS: `shop:${tokens.shop}`, ADMIN_TOKEN: tokens.admin, METRICS_PORT: '0'
  })
  const serviceUrl = await listen(app)
  await app.operations.listen({ port: 0, host: '127.0.0.1' })
  const address = app.operations.server.address()
  const metricsUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  const created = await app.inject({
    method: 'POST',
    url: '/api/checkout/create-order',
    payload: { variantId: 'test', quantity: 1, amount: 1499 },
    headers: { authorization: `Bearer ${tokens.shop}`, 'idempotency-key': 'ops-doc-1' }
  })
  t.equal(created.statusCode, 201, 'the key the doc inspects exists')

  const env = {
    ...process.env, SERVICE_URL: serviceUrl, METRICS_URL: metricsUrl, REDIS_URL: redis.url, TOKEN: tokens.shop, ADMIN_TOKEN: tokens.admin
  }
  for (const block of blocks) {
    const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block], { env, timeout: 60_000 })
      .then(({ stdout }) => ({ ok: true, output: stdout }), (err: Error & { stdout?: string, stderr?: string }) =>
        ({ ok: false, output: `${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}` }))
    t.ok(run.ok, block.trim().split('\n')[0], { output: run.output })
    t.ok(run.output.trim().length > 0, 'and prints something', { block })
  }
})
