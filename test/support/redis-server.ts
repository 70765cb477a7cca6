// Starts throw-away redis-server processes on free loopback ports for the test suite.
// Never touches a Redis it did not start (the one on 6379 belongs to someone else).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop (): Promise<void>
  /** Starts it again on the same port (after `stop`), empty. */
  start (): Promise<void>
}

/** Servers a test forgot to stop die with the test process; one exit listener serves them all. */
const cleanups = new Set<() => void>()
process.once('exit', () => { for (const cleanup of cleanups) cleanup() })

let checked = false
function assertRedisInstalled (): void {
  if (checked) return
  const probe = spawnSync('redis-server', ['--version'])
  if (probe.error != null || probe.status !== 0) {
    throw new Error('redis-server is not installed: the tests need it on PATH (Debian: apt-get install redis-server)')
  }
  checked = true
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** The deadline reports a server that will not start; it is generous so that a loaded machine never hits it. */
async function waitForPort (port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const ok = await new Promise<boolean>(resolve => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.end(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

function spawnRedis (port: number, dir: string, extra: string[]): ChildProcess {
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--logfile', '', '--loglevel', 'warning', ...extra
  ], { stdio: 'ignore' })
  child.unref()
  return child
}

async function stopChild (child: ChildProcess | undefined): Promise<void> {
  if (child == null || child.exitCode !== null || child.signalCode !== null) return
  child.ref() // keep the event loop alive until the server has really exited
  await new Promise<void>(resolve => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** Starts one redis-server; `extra` adds command-line options. */
export async function startRedisServer (extra: string[] = []): Promise<RedisServer> {
  assertRedisInstalled()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'))
  let child: ChildProcess | undefined
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start () {
      child = spawnRedis(port, dir, extra)
      await waitForPort(port)
    },
    async stop () {
      await stopChild(child)
      child = undefined
    }
  }
  await server.start()
  cleanups.add(() => { child?.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  return server
}

export interface RedisCluster {
  readonly nodes: string[]
  stop (): Promise<void>
}

/** Starts a three-master Redis Cluster on free loopback ports. */
export async function startRedisCluster (): Promise<RedisCluster> {
  assertRedisInstalled()
  const servers: RedisServer[] = []
  for (let i = 0; i < 3; i++) {
    // The bus port defaults to port + 10000, which does not exist for ports above 55535 (a fifth of Linux'
    // ephemeral range, so about half of all three-node starts failed): give each node a free one (Redis 7).
    const busPort = await freePort()
    servers.push(await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
      '--cluster-port', String(busPort), '--cluster-node-timeout', '2000']))
  }
  const nodes = servers.map(s => `127.0.0.1:${s.port}`)
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8' })
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`)
  const deadline = Date.now() + 60_000
  while (true) {
    const info = spawnSync('redis-cli', ['-p', String(servers[0].port), 'cluster', 'info'], { encoding: 'utf8' })
    if (info.stdout.includes('cluster_state:ok')) break
    if (Date.now() > deadline) throw new Error('Redis Cluster did not become ready')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return {
    nodes,
    async stop () { await Promise.all(servers.map(async s => await s.stop())) }
  }
}

export interface RedisSentinel {
  readonly port: number
  stop (): Promise<void>
}

/** Starts one Redis Sentinel monitoring the master on `masterPort` as `name` (quorum 1, quick failure detection). */
export async function startRedisSentinel (masterPort: number, name = 'mymaster'): Promise<RedisSentinel> {
  assertRedisInstalled()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'redis-sentinel-'))
  const config = join(dir, 'sentinel.conf')
  // Sentinel rewrites its configuration file as it learns the topology, so it gets a file of its own.
  writeFileSync(config, [
    `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'logfile ""', 'loglevel warning',
    `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 5000`
  ].join('\n') + '\n')
  const child = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' })
  child.unref()
  cleanups.add(() => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  await waitForPort(port)
  return { port, stop: async () => await stopChild(child) }
}
