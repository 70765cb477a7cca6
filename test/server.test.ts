// The process: start on embedded defaults, refuse production defaults, shut down gracefully (src/server.ts).
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'undici'
import { freePort, startRedisServer } from './support/redis-server.js'
import { addFault, emulator, emulatorEnv, eventually } from './support/service.js'

interface Started { child: ChildProcess, output: () => string, exited: Promise<number | null> }

function startServer (env: Record<string, string>): Started {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !/^(REDIS_|RAZORPAY_|API_KEYS|ADMIN_TOKEN|IDEMPOTENCY_|CATALOG_FILE|NODE_ENV|PORT|HOST|LOG_LEVEL)/.test(name)))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  return { child, output: () => output, exited }
}

async function live (port: number): Promise<boolean> {
  try {
    const response = await request(`http://127.0.0.1:${port}/health/live`)
    await response.body.dump()
    return response.statusCode === 200
  } catch {
    return false
  }
}

t.test('starts on embedded defaults, serves /health/live and warns about both embedded defaults', async t => {
  const port = await freePort()
  const server = startServer({ PORT: String(port) })
  t.teardown(() => server.child.kill('SIGKILL'))
  await eventually(async () => await live(port), 20_000, 100)
  const output = server.output()
  t.match(output, /embedded in-process store/)
  t.match(output, /Razorpay emulator/)
  t.notMatch(output, /emulator_secret/, 'no secret in the logs')
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
})

t.test('production with nothing configured exits 1 naming every missing variable', async t => {
  const server = startServer({ NODE_ENV: 'production' })
  t.equal(await server.exited, 1)
  for (const name of ['REDIS_URL', 'RAZORPAY_KEY_ID', 'RAZORPAY_KEY_SECRET', 'RAZORPAY_WEBHOOK_SECRET', 'API_KEYS']) {
    t.match(server.output(), name)
  }
})

t.test('an invalid variable stops the start with one line naming it', async t => {
  const server = startServer({ IDEMPOTENCY_TTL_SECONDS: 'soon' })
  t.equal(await server.exited, 1)
  t.equal(server.output().trim().split('\n').length, 1)
  t.match(server.output(), 'IDEMPOTENCY_TTL_SECONDS')
})

t.test('SIGTERM lets an in-flight request finish, then exits 0', async t => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const rzp = await emulator(t)
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'latency', latencyMs: 1000 })
  const port = await freePort()
  const server = startServer({ PORT: String(port), REDIS_URL: redis.url, ...emulatorEnv(rzp) })
  t.teardown(() => server.child.kill('SIGKILL'))
  await eventually(async () => await live(port), 20_000, 100)
  const inFlight = request(`http://127.0.0.1:${port}/api/checkout/create-order`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'shutdown-1' },
    body: JSON.stringify({ variantId: 'test', quantity: 1, amount: 1499 })
  })
  await new Promise(resolve => setTimeout(resolve, 300))
  server.child.kill('SIGTERM')
  const response = await inFlight
  t.equal(response.statusCode, 201, 'the in-flight request finished')
  t.match(await response.body.json(), { status: 'created' })
  t.equal(await server.exited, 0, server.output())
  t.notOk(await live(port), 'no longer accepting')
})
