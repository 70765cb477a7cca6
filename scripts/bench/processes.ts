// The processes of a bench run (Redis, the emulator, the service instances, the baselines, the peers): each on a free
// loopback port with its output in a log file, awaited until it answers, and always stopped, even on Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { freePort, startRedisServer, type RedisServer } from '../../test/support/redis-server.js'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/** A child process serving HTTP on loopback. */
export interface ChildService {
  readonly name: string
  readonly pid: number
  readonly url: string
  /** The service's private listener (/metrics, docs); undefined for other processes. */
  readonly metricsUrl: string | undefined
  readonly logFile: string
  /** CPU time (user + system) the process has used so far, in ms; undefined where /proc is missing. */
  cpuMs (): number | undefined
  /** How it ended (`signal SIGTERM`, `code 1`), or undefined while it runs. */
  exited (): string | undefined
  stop (): Promise<void>
}

/** What to run: a module of the service (built or through tsx) or a bench script (always through tsx). */
export type Entry = { service: string } | { script: string }

export interface NodeSpec {
  name: string
  entry: Entry
  env: Record<string, string>
  /** Path that answers 200 once the process is ready. */
  readyPath: string
  /** The variable that tells it the port to listen on (PORT). */
  portVariable?: string
  /** Adds --cpu-prof (into the group's profile directory, when it has one). */
  profile?: boolean
}

const live = new Set<ChildProcess>()
process.once('exit', () => { for (const child of live) child.kill('SIGKILL') })

let clockTicks: number | undefined
function ticksPerSecond (): number {
  if (clockTicks === undefined) {
    const probe = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
    clockTicks = Number(probe.stdout?.trim()) || 100
  }
  return clockTicks
}

function cpuMsOf (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 1000 / ticksPerSecond()
  } catch {
    return undefined
  }
}

function tail (file: string, bytes = 3000): string {
  try {
    const text = readFileSync(file, 'utf8')
    return text.slice(-bytes)
  } catch {
    return '(no log)'
  }
}

async function stopChild (child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => { clearTimeout(timer); resolve() })
    child.kill('SIGTERM')
  })
}

export class ProcessGroup {
  readonly dir: string
  readonly #runner: 'dist' | 'tsx'
  readonly #profileDir: string | undefined
  readonly #stoppers: Array<() => Promise<void>> = []
  readonly #log: (line: string) => void

  constructor (runner: 'dist' | 'tsx', profileDir: string | undefined, log: (line: string) => void) {
    this.dir = mkdtempSync(join(tmpdir(), 'payment-bench-'))
    this.#runner = runner
    this.#profileDir = profileDir
    this.#log = log
  }

  async redis (): Promise<RedisServer> {
    const server = await startRedisServer()
    this.#stoppers.push(async () => await server.stop())
    this.#log(`started redis-server on port ${server.port}`)
    return server
  }

  async node (spec: NodeSpec): Promise<ChildService> {
    const port = await freePort()
    const args: string[] = []
    if (this.#runner === 'tsx' || 'script' in spec.entry) args.push('--import', 'tsx')
    if (spec.profile === true && this.#profileDir !== undefined) {
      const dir = join(this.#profileDir, spec.name)
      mkdirSync(dir, { recursive: true })
      args.push('--cpu-prof', `--cpu-prof-dir=${dir}`)
    }
    if ('script' in spec.entry) args.push(spec.entry.script)
    else args.push(this.#runner === 'dist' ? `dist/${spec.entry.service}.js` : `${spec.entry.service}.ts`)

    const logFile = join(this.dir, `${spec.name}.log`)
    const fd = openSync(logFile, 'a')
    // A clean environment: nothing from the caller's shell (a REDIS_URL, NODE_OPTIONS) leaks into a measurement.
    // The service's private listener gets a free port too: several instances never share the fixed default.
    const metricsPort = isService(spec) ? await freePort() : undefined
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      ...(metricsPort === undefined ? {} : { METRICS_PORT: String(metricsPort) }),
      ...spec.env,
      [spec.portVariable ?? 'PORT']: String(port)
    }
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', fd, fd] })
    closeSync(fd)
    live.add(child)
    let stopping = false
    let ended: string | undefined
    child.once('exit', (code, signal) => {
      live.delete(child)
      ended = signal !== null ? `signal ${signal}` : `code ${String(code)}`
      if (!stopping) this.#log(`${spec.name} pid ${String(child.pid)} exited on its own (${ended}); see ${logFile}`)
    })
    const url = `http://127.0.0.1:${port}`
    const service: ChildService = {
      name: spec.name,
      pid: child.pid ?? -1,
      url,
      metricsUrl: metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}`,
      logFile,
      cpuMs: () => child.pid === undefined ? undefined : cpuMsOf(child.pid),
      exited: () => ended,
      stop: async () => { stopping = true; await stopChild(child) }
    }
    this.#stoppers.push(service.stop)
    this.#log(`started ${spec.name} pid ${service.pid} on ${url}`)
    await waitUntilReady(service, child, spec.readyPath)
    return service
  }

  /** Stops every process, the newest first, and removes the logs unless they are to be kept. */
  async stopAll (keepLogs: boolean): Promise<void> {
    while (this.#stoppers.length > 0) await this.#stoppers.pop()?.()
    if (keepLogs) this.#log(`logs kept in ${this.dir}`)
    else rmSync(this.dir, { recursive: true, force: true })
  }
}

function isService (spec: NodeSpec): boolean {
  return 'service' in spec.entry && spec.entry.service === 'src/server'
}

async function waitUntilReady (service: ChildService, child: ChildProcess, path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${service.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(service.logFile)}`)
    }
    try {
      const response = await request(`${service.url}${path}`, { headersTimeout: 2000, bodyTimeout: 2000 })
      await response.body.dump()
      if (response.statusCode === 200) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`${service.name} not ready after ${timeoutMs} ms:\n${tail(service.logFile)}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** `npm run build`, so the service measured is the one that ships. */
export function buildService (): void {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`)
}

/** Ctrl-C and SIGTERM stop every child before the bench exits. */
export function stopOnSignals (group: ProcessGroup, keepLogs: boolean): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      group.stopAll(keepLogs).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
    })
  }
}
