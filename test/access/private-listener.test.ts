// The private listener (METRICS_PORT on METRICS_HOST): /metrics only there; /docs and /openapi.json there always and
// on the main port outside production or with DOCS_PUBLIC=true. Over real listeners on port 0, and through
// src/server.ts as a process.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { ConfigError, loadConfig } from '../../src/config.js'
import { build, redisServer, type TestContext } from '../helper.js'
import { freePort } from '../support/redis-server.js'
import { emulator, emulatorEnv } from '../support/service.js'
import { startServiceProcess } from '../support/service-process.js'

const longToken = 'shop-token-of-at-least-thirty-two-characters'

async function productionEnv (t: TestContext, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const redis = await redisServer(t)
  const rzp = await emulator(t)
  return { NODE_ENV: 'production', REDIS_URL: redis.url, ...emulatorEnv(rzp), API_KEYS: `shop:${longToken}`, ...extra }
}

interface Listening { main: string, operations: string }

async function listenBoth (app: FastifyInstance): Promise<Listening> {
  const main = await app.listen({ port: 0, host: '127.0.0.1' })
  const operations = await app.operations.listen({ port: 0, host: '127.0.0.1' })
  return { main, operations }
}

async function status (url: string): Promise<number> {
  const response = await request(url)
  await response.body.dump()
  return response.statusCode
}

const docsPaths = ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js', '/openapi.json', '/docs/json']

t.test('production: /metrics and the docs answer 404 on the main port and 200 on the private listener', async t => {
  const app = await build(t, await productionEnv(t))
  const { main, operations } = await listenBoth(app)
  t.equal(await status(`${main}/metrics`), 404, 'no /metrics on the main port')
  for (const path of docsPaths) t.equal(await status(`${main}${path}`), 404, `no ${path} on the main port`)
  const notFound = await request(`${main}/metrics`)
  t.equal((await notFound.body.json() as { code: string }).code, 'NOT_FOUND', 'the service\'s own 404 body')

  const metrics = await request(`${operations}/metrics`)
  t.equal(metrics.statusCode, 200)
  t.match(metrics.headers['content-type'], /^text\/plain/)
  t.match(await metrics.body.text(), /^http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} \d+$/m,
    'the main port\'s requests are counted in the registry the private listener serves')
  for (const path of ['/docs/', '/docs/static/swagger-ui-bundle.js', '/openapi.json']) {
    t.equal(await status(`${operations}${path}`), 200, `${path} on the private listener`)
  }
  const document = await (await request(`${operations}/openapi.json`)).body.json() as { paths: Record<string, unknown> }
  t.same(document, app.swagger(), 'the private listener serves the main app\'s document')
  t.ok(document.paths['/api/checkout/create-order'])
})

t.test('production with DOCS_PUBLIC=true: the docs on the main port too, /metrics still not', async t => {
  const app = await build(t, await productionEnv(t, { DOCS_PUBLIC: 'true' }))
  const { main, operations } = await listenBoth(app)
  for (const path of ['/docs/', '/docs/static/swagger-ui-bundle.js', '/openapi.json']) {
    t.equal(await status(`${main}${path}`), 200, `${path} on the main port`)
    t.equal(await status(`${operations}${path}`), 200, `${path} on the private listener`)
  }
  t.equal(await status(`${main}/metrics`), 404)
})

t.test('development: the docs on the main port without a token, /metrics only on the private listener', async t => {
  const rzp = await emulator(t)
  const app = await build(t, { NODE_ENV: 'development', ...emulatorEnv(rzp), API_KEYS: 'shop:dev-token' })
  const { main, operations } = await listenBoth(app)
  for (const path of ['/docs/', '/docs/static/swagger-ui-bundle.js', '/openapi.json']) t.equal(await status(`${main}${path}`), 200, path)
  t.equal(await status(`${main}/metrics`), 404)
  t.equal(await status(`${operations}/metrics`), 200)
})

t.test('the process listens on METRICS_PORT and serves /metrics there only', async t => {
  const metricsPort = await freePort()
  const service = await startServiceProcess({ METRICS_PORT: String(metricsPort) })
  t.teardown(async () => await service.kill('SIGKILL'))
  t.equal(await status(`http://127.0.0.1:${metricsPort}/metrics`), 200)
  t.equal(await status(`${service.url}/metrics`), 404)
  t.equal(await service.kill('SIGTERM'), 0, 'both listeners close on a graceful shutdown')
})

t.test('METRICS_PORT defaults to 9464 on 127.0.0.1 and must differ from PORT', async t => {
  const config = loadConfig({})
  t.equal(config.METRICS_PORT, 9464)
  t.equal(config.METRICS_HOST, '127.0.0.1')
  t.equal(config.DOCS_PUBLIC, false)
  t.throws(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' }), ConfigError)
  t.throws(() => loadConfig({ PORT: '4000', METRICS_PORT: '4000' }), /METRICS_PORT must differ from PORT/)
  t.doesNotThrow(() => loadConfig({ PORT: '0', METRICS_PORT: '0' }), 'two free ports are two ports')
})
