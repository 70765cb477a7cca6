// The processes a chaos scenario attacks: one Redis with an append-only file (killed and restarted on it), the
// Razorpay emulator (in this process, so faults and webhooks are driven directly), a webhook relay that spreads
// Razorpay's deliveries over the live instances, and N service instances that can be SIGKILLed and restarted.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js'
import { freePort } from '../../test/support/redis-server.js'
import { ProcessGroup, type ChildService } from '../bench/processes.js'

export interface EnvironmentOptions {
  instances: number
  runner: 'dist' | 'tsx'
  /** Extra service variables (short lock and reservation TTLs for the scenario). */
  serviceEnv?: Record<string, string>
  log: (line: string) => void
}

export const chaosToken = 'chaos-token'
export const adminToken = 'chaos-admin-token'

/** A redis-server whose data survives SIGKILL: appendfsync always, the same directory on every start. */
export class DurableRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'chaos-redis-'))
  #child: ChildProcess | undefined
  constructor (readonly port: number) {}

  get url (): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start (): Promise<void> {
    this.#child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--logfile', '', '--loglevel', 'warning'], { stdio: 'ignore' })
    const deadline = Date.now() + 10_000
    while (!await pong(this.port)) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start`)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }

  async kill (signal: NodeJS.Signals): Promise<void> {
    const child = this.#child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>(resolve => { child.once('exit', () => resolve()); child.kill(signal) })
    this.#child = undefined
  }

  async destroy (): Promise<void> {
    await this.kill('SIGKILL')
    rmSync(this.dir, { recursive: true, force: true })
  }
}

async function pong (port: number): Promise<boolean> {
  try {
    const { Redis } = await import('ioredis')
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => {})
    await client.connect()
    const answer = await client.ping()
    client.disconnect()
    return answer === 'PONG'
  } catch {
    return false
  }
}

export class ChaosEnvironment {
  readonly group: ProcessGroup
  readonly instances: Array<ChildService | undefined> = []
  redis!: DurableRedis
  emulator!: RunningEmulator
  #relay!: Server
  readonly #options: EnvironmentOptions
  #serviceCount = 0

  constructor (options: EnvironmentOptions) {
    this.#options = options
    this.group = new ProcessGroup(options.runner, undefined, options.log)
  }

  async start (): Promise<void> {
    this.redis = new DurableRedis(await freePort())
    await this.redis.start()
    this.#relay = await startRelay(() => this.liveUrls())
    const relayPort = (this.#relay.address() as AddressInfo).port
    // Redeliveries a little apart, for long enough to outlast a killed instance's restart.
    this.emulator = await startEmulator({ webhookRetryDelaysMs: [200, 500, 1000, 2000, 4000, 8000], webhookUrl: `http://127.0.0.1:${relayPort}/api/webhooks/razorpay` })
    for (let i = 0; i < this.#options.instances; i++) this.instances.push(await this.#startService())
  }

  /** The base URLs of the instances alive now. */
  liveUrls (): string[] {
    return this.instances.filter((s): s is ChildService => s !== undefined && s.exited() === undefined).map(s => s.url)
  }

  async killInstance (index: number, signal: NodeJS.Signals): Promise<void> {
    const service = this.instances[index]
    if (service === undefined) return
    this.instances[index] = undefined
    if (signal === 'SIGKILL') process.kill(service.pid, 'SIGKILL')
    else await service.stop()
  }

  /** Like an orchestrator: an instance that cannot start (Redis down during its start) is started again. */
  async restartInstance (index: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.instances[index] = await this.#startService()
        return
      } catch (err) {
        if (attempt >= 20) throw err
        this.#options.log(`restart of instance ${index} failed (attempt ${attempt}); retrying`)
        await new Promise(resolve => setTimeout(resolve, 500))
      }
    }
  }

  async stop (keepLogs = false): Promise<void> {
    await this.group.stopAll(keepLogs)
    await this.emulator?.close()
    await new Promise(resolve => this.#relay?.close(resolve))
    await this.redis?.destroy()
  }

  async #startService (): Promise<ChildService> {
    const emulator = this.emulator
    return await this.group.node({
      name: `service-${++this.#serviceCount}`,
      entry: { service: 'src/server' },
      readyPath: '/health/ready',
      env: {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        REDIS_URL: this.redis.url,
        RAZORPAY_KEY_ID: emulator.keyId,
        RAZORPAY_KEY_SECRET: emulator.keySecret,
        RAZORPAY_WEBHOOK_SECRET: emulator.webhookSecret,
        RAZORPAY_API_URL: emulator.url,
        RAZORPAY_TIMEOUT_MS: '1500',
        API_KEYS: `shop:${chaosToken}`,
        ADMIN_TOKEN: adminToken,
        RATE_LIMIT_MAX: '1000000',
        // One client drives all the traffic: its limits are raised, as an operator would for such a client, and the
        // rules still run on every order.
        RISK_CLIENT_ORDERS_PER_MINUTE: '1000000000',
        RISK_CLIENT_OPEN_RESERVATIONS: '1000000000',
        IDEMPOTENCY_LOCK_TTL_SECONDS: '3',
        IDEMPOTENCY_MAX_WAIT_SECONDS: '5',
        RESERVATION_TTL_SECONDS: '20',
        RECONCILE_DELAY_SECONDS: '2',
        ...this.#options.serviceEnv
      }
    })
  }
}

/** Forwards each webhook to a live instance (a different one each time); 502 when none answers, so Razorpay redelivers. */
async function startRelay (targets: () => string[]): Promise<Server> {
  let next = 0
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const live = targets()
      const target = live[next++ % Math.max(1, live.length)]
      if (target === undefined) { outgoing.writeHead(502).end(); return }
      const headers: Record<string, string> = {}
      for (const name of ['content-type', 'x-razorpay-signature', 'x-razorpay-event-id']) {
        const value = incoming.headers[name]
        if (typeof value === 'string') headers[name] = value
      }
      request(`${target}${incoming.url ?? '/'}`, { method: 'POST', headers, body: Buffer.concat(chunks), headersTimeout: 5000, bodyTimeout: 5000 })
        .then(async (answer) => {
          const body = await answer.body.text()
          outgoing.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(body)
        })
        .catch(() => { outgoing.writeHead(502).end() })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return server
}
