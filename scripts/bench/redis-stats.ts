// What a request costs in Redis: INFO commandstats deltas (every command Redis ran, including those inside
// scripts), MONITOR samples (the round trips clients made, each script call named), memory, and bulk fills.
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Redis } from 'ioredis'
import { repoRoot } from './processes.js'
import { riskScripts } from '../../src/risk/risk-rules.js'

export type Counts = Record<string, number>

/** Commands the bench itself sends while measuring; they are not the service's. */
const benchCommands = new Set(['info', 'monitor', 'echo', 'memory', 'dbsize', 'ping', 'config|resetstat', 'flushall', 'select'])

export function connect (url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 3, retryStrategy: (attempt) => attempt > 20 ? null : 100 })
  redis.on('error', () => {}) // a failed command rejects on its own; the bench stops Redis at the end
  return redis
}

export async function commandStats (redis: Redis): Promise<Counts> {
  const info = await redis.info('commandstats')
  const counts: Counts = {}
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
    if (match !== null && !benchCommands.has(match[1])) counts[match[1]] = Number(match[2])
  }
  return counts
}

export function subtract (after: Counts, before: Counts): Counts {
  const delta: Counts = {}
  for (const [name, calls] of Object.entries(after)) {
    const difference = calls - (before[name] ?? 0)
    if (difference > 0) delta[name] = difference
  }
  return delta
}

export function total (counts: Counts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0)
}

export function perRequest (counts: Counts, requests: number): Counts {
  return Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, requests > 0 ? n / requests : Number.NaN]))
}

/** sha1 → script name (`idempotency/acquire`) for every Lua script of the service, as defineScript hashes them. */
export function scriptNames (): Map<string, string> {
  const names = new Map<string, string>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.lua')) {
        const sha = createHash('sha1').update(readFileSync(path, 'utf8')).digest('hex')
        names.set(sha, relative(join(repoRoot, 'src'), path).replace(/\.lua$/, ''))
      }
    }
  }
  walk(join(repoRoot, 'src'))
  // The risk scripts are sent with shared functions in front of them, so their hash is not their file's.
  for (const script of Object.values(riskScripts)) names.set(script.sha, script.name.replace(/^risk-/, 'risk/'))
  return names
}

/** The service's scripts by file name; a library's (the rate limiter's) by the prefix of the key it touches. */
function scriptName (names: Map<string, string>, command: string, args: string[]): string {
  const sha = command === 'evalsha' ? args[1] : createHash('sha1').update(args[1]).digest('hex')
  const known = names.get(sha)
  if (known !== undefined) return known
  const key = Number(args[2]) > 0 ? String(args[3]) : ''
  return `other script on ${key.slice(0, key.indexOf(':') + 1) || key.slice(0, 20)}*`
}

/** What the periodic jobs' lease commands are counted as (store-scenarios.ts leaves them out). */
export const jobLease = 'job lease'

export interface MonitorSample {
  /** Commands clients sent (round trips, though auto-pipelining may share a packet), by command or script name. */
  sent: Counts
  /** Commands Redis ran inside those scripts. */
  inScripts: Counts
}

/**
 * Runs `work` under MONITOR and names what clients sent: `evalsha:idempotency/acquire`. MONITOR slows Redis,
 * so only small sequential samples run under it, never a timed run.
 */
export async function monitorSample (url: string, redis: Redis, work: () => Promise<void>): Promise<MonitorSample> {
  const names = scriptNames()
  const sample: MonitorSample = { sent: {}, inScripts: {} }
  const client = connect(url)
  const monitor = await client.monitor()
  const marker = `bench-monitor-end-${Date.now()}`
  let ended: () => void = () => {}
  const end = new Promise<void>(resolve => { ended = resolve })
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const command = String(args[0]).toLowerCase()
    if (command === 'echo' && args[1] === marker) { ended(); return }
    if (benchCommands.has(command)) return
    const script = command === 'evalsha' || command === 'eval'
    const key = script ? (Number(args[2]) > 0 ? String(args[3]) : '') : String(args[1] ?? '')
    // The periodic jobs take and renew their leases on a timer (src/jobs/periodic-job.ts): no request's cost.
    const name = key.startsWith('job:') ? jobLease : script ? `${command}:${scriptName(names, command, args)}` : command
    const bucket = source.includes('lua') ? sample.inScripts : sample.sent
    bucket[name] = (bucket[name] ?? 0) + 1
  })
  try {
    await work()
    await redis.echo(marker)
    await Promise.race([end, new Promise(resolve => setTimeout(resolve, 5000))])
  } finally {
    monitor.disconnect()
    client.disconnect()
  }
  return sample
}

export async function usedMemory (redis: Redis): Promise<number> {
  const info = await redis.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN)
}

export async function memoryUsage (redis: Redis, key: string): Promise<number> {
  return Number(await redis.call('memory', 'usage', key, 'samples', '0'))
}

export async function redisVersion (redis: Redis): Promise<string> {
  const info = await redis.info('server')
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'
}

/**
 * Stores `count` copies of a real record under `idempotency:{<32 hex>}` keys numbered from `from`, by pipelined
 * SET … EX, as the service would have after that many first requests (never through the service: too slow).
 */
export async function fillRecords (redis: Redis, from: number, count: number, record: string, ttlSeconds = 3600): Promise<void> {
  const batch = 5000
  const inFlight: Array<Promise<unknown>> = []
  for (let start = from; start < from + count; start += batch) {
    const pipeline = redis.pipeline()
    for (let i = start; i < Math.min(start + batch, from + count); i++) {
      pipeline.set(`idempotency:{${i.toString(16).padStart(32, '0')}}`, record, 'EX', ttlSeconds)
    }
    inFlight.push(pipeline.exec())
    if (inFlight.length >= 4) await inFlight.shift()
  }
  await Promise.all(inFlight)
}
