// Child processes for the deployment tests: the service and the emulator started as a container would start them
// (a chosen working directory, an environment of their own), and the checkout a laptop stack must be able to serve.
import { spawn, type ChildProcess } from 'node:child_process'
import type { Test } from 'tap'
import { request } from 'undici'

export interface ChildService {
  readonly pid: number
  /** Everything the process wrote so far: put it in failure messages. */
  output (): string
  /** SIGTERM (or `signal`); resolves with the exit code (null: ended by a signal). */
  stop (signal?: NodeJS.Signals): Promise<number | null>
}

interface Teardown { teardown (fn: () => unknown): void }

export interface StartOptions {
  /** What runs, e.g. ['node', 'dist/src/server.js']; `node` becomes this Node binary. */
  argv: string[]
  cwd: string
  /** The whole environment: nothing of the test's own (NODE_OPTIONS, the developer's REDIS_URL) leaks in (`exactly`). */
  env: Record<string, string>
  /** Resolves true once the process is ready; polled. */
  ready: (output: string) => Promise<boolean> | boolean
  timeoutMs?: number
}

/**
 * `env -i NAME=value… command…`: the child gets exactly `env`. Spawning node directly would not do: tap's process-info
 * hook adds its own --import to NODE_OPTIONS of every child the test spawns (a dev dependency loaded into the service,
 * and files written under .tap/).
 */
export function exactly (env: Record<string, string>, argv: string[]): [string, string[]] {
  const [command, ...args] = argv
  return ['env', ['-i', ...Object.entries(env).map(([name, value]) => `${name}=${value}`), command === 'node' ? process.execPath : command, ...args]]
}

const running = new Set<ChildProcess>()
process.once('exit', () => { for (const child of running) child.kill('SIGKILL') })

export async function startChild (t: Teardown, options: StartOptions): Promise<ChildService> {
  const [command, args] = exactly(options.env, options.argv)
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>(resolve => {
    child.once('exit', code => { running.delete(child); resolve(code) })
    child.once('error', err => { output += `${err.message}\n`; running.delete(child); resolve(null) })
  })
  let hasExited = false
  exited.then(() => { hasExited = true }, () => {})
  const service: ChildService = {
    pid: child.pid ?? -1,
    output: () => output,
    async stop (signal = 'SIGTERM') {
      if (!hasExited) child.kill(signal)
      return await exited
    }
  }
  t.teardown(async () => await service.stop('SIGKILL'))
  // A deadline that reports a start gone wrong, not a budget: a loaded machine must never reach it.
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  while (!(await options.ready(output))) {
    if (hasExited) throw new Error(`${options.argv.join(' ')} exited with ${String(await exited)} before it was ready:\n${output}`)
    if (Date.now() > deadline) {
      await service.stop('SIGKILL')
      throw new Error(`${options.argv.join(' ')} was not ready in time:\n${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return service
}

/** Readiness as Kubernetes and the compose healthcheck see it. */
export function readyAt (baseUrl: string): () => Promise<boolean> {
  return async () => {
    try {
      const response = await request(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) })
      await response.body.dump()
      return response.statusCode === 200
    } catch {
      return false
    }
  }
}

/** The emulator CLI logs one line with its address once it listens. */
export function emulatorUrlIn (output: string): string | undefined {
  return /listening on (http:\/\/\S+)/.exec(output)?.[1]
}

/** Runs a healthcheck-style command; resolves with its exit code and output. */
export async function runCommand (argv: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null, output: string }> {
  const [command, args] = exactly(env, argv)
  return await runToEnd(command, args, cwd)
}

/** Spawns a command and resolves with its exit code (null when it could not start) and its output, once it ends. */
export async function runToEnd (command: string, args: string[], cwd: string): Promise<{ code: number | null, output: string }> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>(resolve => {
    child.once('exit', resolve)
    child.once('error', err => { output += err.message; resolve(null) })
  })
  return { code, output }
}

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: any }

async function call (url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const response = await request(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.body.text()
  return { status: response.statusCode, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
}

/**
 * What a laptop stack must serve: create-order (variant `test`, 1 × 1499 paise), its replay, the payment in the
 * emulator, verify-payment, and the emulator's webhook accepted by the service (same secret on both sides).
 */
export async function checkoutOnce (t: Test, serviceUrl: string, emulatorUrl: string, token: string): Promise<void> {
  const auth = { authorization: `Bearer ${token}`, 'idempotency-key': `deploy-${process.pid}-${Date.now()}` }
  const created = await call(`${serviceUrl}/api/checkout/create-order`, 'POST', auth, { variantId: 'test', quantity: 1, amount: 1499 })
  t.equal(created.status, 201, `create-order answers 201: ${JSON.stringify(created.body)}`)
  t.match(created.body, { orderId: String, razorpayOrderId: String, amount: 1499, currency: 'INR', status: 'created' })
  const replay = await call(`${serviceUrl}/api/checkout/create-order`, 'POST', auth, { variantId: 'test', quantity: 1, amount: 1499 })
  t.equal(replay.headers['idempotent-replayed'], 'true', 'the same key replays')
  t.equal(replay.body.orderId, created.body.orderId, 'the replay names the same order')

  const paid = await call(`${emulatorUrl}/_emulator/orders/${String(created.body.orderId)}/pay`, 'POST', {}, { outcome: 'captured' })
  t.equal(paid.status, 200, `the emulator takes the payment: ${JSON.stringify(paid.body)}`)
  const verified = await call(`${serviceUrl}/api/checkout/verify-payment`, 'POST',
    { ...auth, 'idempotency-key': `${auth['idempotency-key']}-verify` }, paid.body)
  t.equal(verified.status, 200, `verify-payment answers 200: ${JSON.stringify(verified.body)}`)
  t.equal(verified.body?.status, 'paid', 'the order is paid')

  // The emulator counts a webhook delivered only when the service answered 2xx, i.e. accepted its signature.
  const deadline = Date.now() + 30_000
  let delivered = 0
  while (delivered === 0 && Date.now() < deadline) {
    delivered = (await call(`${emulatorUrl}/_emulator/stats`, 'GET', {})).body.webhooksDelivered
    if (delivered === 0) await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.ok(delivered > 0, 'the service accepted the emulator\'s webhooks')
}
