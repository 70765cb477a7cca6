// The service as a real process (src/server.ts under tsx), for tests that need what only a process has: being killed
// with a signal, losing everything in memory, shutting down gracefully. Started on a free loopback port, ready once
// /health/ready answers 200; whatever a test forgot to kill dies with the test process.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { freePort } from './redis-server.js'

export interface ServiceProcess {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string
  readonly pid: number
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code once the process is gone (null: by signal). */
  kill (signal?: NodeJS.Signals): Promise<number | null>
  /** The exit code; null when a signal ended the process. */
  readonly exited: Promise<number | null>
  /** Everything the process wrote to stdout and stderr so far (its logs): put it in failure messages. */
  output (): string
}

export interface ServiceProcessOptions {
  /** How long the start may take before it counts as failed; tsx compiles on start, so be generous. */
  readyTimeoutMs?: number
  /** The entry point, relative to the repository root. */
  entry?: string
}

const root = fileURLToPath(new URL('../../', import.meta.url))
/** The service's own variables: a developer's shell must not configure the process under test. */
const serviceVariables = /^(PORT|HOST|NODE_ENV|LOG_LEVEL|REDIS_|RAZORPAY_|API_KEYS|ADMIN_TOKEN|IDEMPOTENCY_|RESERVATION_|RECONCILE_|CATALOG_FILE|RATE_LIMIT_|METRICS_|DOCS_PUBLIC|DEMO_PAGE|TRUST_PROXY|AUTH_FAILURES_)/

const running = new Set<ChildProcess>()
process.once('exit', () => { for (const child of running) child.kill('SIGKILL') })

/**
 * Starts `node --import tsx src/server.ts` with `env` on top of NODE_ENV=test, HOST=127.0.0.1, LOG_LEVEL=warn,
 * METRICS_PORT=0 and a free PORT (unless `env` sets one). Rejects with the process' output when it exits or is not ready in time.
 */
export async function startServiceProcess (env: Record<string, string>, options: ServiceProcessOptions = {}): Promise<ServiceProcess> {
  // freePort() closes the port before the child binds it; another process may take it in between: try another.
  for (let tries = 1; ; tries++) {
    try {
      return await startOnce(env, options)
    } catch (err) {
      if (env.PORT !== undefined || tries >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err
    }
  }
}

async function startOnce (env: Record<string, string>, options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = env.PORT ?? String(await freePort())
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !serviceVariables.test(name)))
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry ?? 'src/server.ts'], {
    cwd: root,
    // METRICS_PORT 0: the private listener on a port of its own, never the fixed default two processes would share.
    env: { ...inherited, NODE_ENV: 'test', HOST: '127.0.0.1', LOG_LEVEL: 'warn', METRICS_PORT: '0', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>(resolve => {
    child.once('exit', code => {
      running.delete(child)
      resolve(code)
    })
    // A process that could not be spawned at all never exits: count it as exited.
    child.once('error', err => {
      output += `${err.message}\n`
      running.delete(child)
      resolve(null)
    })
  })
  let hasExited = false
  exited.then(() => { hasExited = true }, () => {})

  const url = `http://127.0.0.1:${port}`
  const service: ServiceProcess = {
    url,
    pid: child.pid ?? -1,
    exited,
    output: () => output,
    async kill (signal = 'SIGTERM') {
      if (!hasExited) child.kill(signal)
      return await exited
    }
  }

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000)
  while (!(await ready(url))) {
    if (hasExited) throw new Error(`the service exited with ${String(await exited)} before it was ready:\n${output}`)
    if (Date.now() > deadline) {
      await service.kill('SIGKILL')
      throw new Error(`the service was not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return service
}

async function ready (url: string): Promise<boolean> {
  try {
    const response = await request(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) })
    await response.body.dump()
    return response.statusCode === 200
  } catch {
    return false
  }
}
