// The process: start on embedded defaults, refuse production defaults, shut down gracefully (src/server.ts).
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'undici'
import { answerGate } from './support/answer-gate.js'
import { freePort, startRedisServer } from './support/redis-server.js'
import { emulator, emulatorEnv, eventually } from './support/service.js'
import { startServiceProcess } from './support/service-process.js'

interface Started { child: ChildProcess, output: () => string, exited: Promise<number | null> }

function startServer (env: Record<string, string>): Started {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !/^(REDIS_|RAZORPAY_|API_KEYS|ADMIN_TOKEN|IDEMPOTENCY_|CATALOG_FILE|NODE_ENV|PORT|HOST|LOG_LEVEL|METRICS_)/.test(name)))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...clean, METRICS_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  return { child, output: () => output, exited }
}

async function live (target: number | string): Promise<boolean> {
  try {
    const response = await request(`${typeof target === 'number' ? `http://127.0.0.1:${target}` : target}/health/live`)
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
  // The request stays in flight, inside Razorpay, for as long as the gate holds its answer: SIGTERM surely lands
  // while it runs, and the answer is let go only once the server has stopped taking new connections.
  const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
  const server = await startServiceProcess({ REDIS_URL: redis.url, ...emulatorEnv(rzp), RAZORPAY_API_URL: gate.url, LOG_LEVEL: 'info' })
  t.teardown(async () => await server.kill('SIGKILL'))
  const inFlight = request(`${server.url}/api/checkout/create-order`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'shutdown-1' },
    body: JSON.stringify({ variantId: 'test', quantity: 1, amount: 1499 })
  })
  await gate.whenHeld(1)
  const exit = server.kill('SIGTERM') // resolves once the process is gone, which it cannot be while the gate holds
  await eventually(async () => !(await live(server.url)), 30_000, 50)
  gate.release()
  const response = await inFlight
  t.equal(response.statusCode, 201, 'the in-flight request finished')
  t.match(await response.body.json(), { status: 'created' })
  t.equal(await exit, 0, server.output())
  t.match(server.output(), /shutting down gracefully/)
  t.notOk(await live(server.url), 'no longer accepting')
})
