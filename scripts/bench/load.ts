// One measured run: autocannon (in this process, never in the service's) against one target for a fixed time,
// with the target's CPU time and the Redis commands it caused counted around the run.
import autocannon from 'autocannon'
import type { Redis } from 'ioredis'
import type { ChildService } from './processes.js'
import { commandStats, perRequest, subtract, total, type Counts } from './redis-stats.js'
import { LatencyHistogram } from './stats.js'

export const createOrderPath = '/api/checkout/create-order'

export interface Target {
  /** e.g. `service`, `service (no local cache)`, `baseline` */
  name: string
  process: ChildService
  headers: Record<string, string>
  body: string
  /** Each request gets a fresh Idempotency-Key starting with this; undefined: the headers' key every time. */
  freshKeys?: string
}

export interface RunResult {
  target: string
  seconds: number
  /** 2xx answers per second. */
  rps: number
  /** Latency of the 2xx answers, ms. */
  p50: number
  p90: number
  p99: number
  ok: number
  notOk: number
  errors: number
  statusCodes: Record<string, number>
  /** CPU time the target process spent per 2xx answer, µs (user + system). */
  cpuUsPerRequest: number | undefined
  /** Redis commands per 2xx answer from INFO commandstats, including the commands run inside scripts. */
  redisCommandsPerRequest: number
  /** EVALSHA + EVAL per 2xx answer: the service's round trips (all its Redis work is scripts). */
  redisScriptCallsPerRequest: number
  redisByCommand: Counts
  /** CPU time (user + system) of the target process during the run, ms; undefined where /proc is missing. */
  cpuMs: number | undefined
  /**
   * When the load ran, in µs of the monotonic clock (process.hrtime): the clock V8 stamps --cpu-prof samples with,
   * the same in every process of the machine, so a profile's samples can be cut to exactly this run.
   */
  startedUs: number
  endedUs: number
}

/** Now on the monotonic clock, in µs (what V8's CPU profiles use for startTime and their samples). */
export function monotonicUs (): number {
  return Number(process.hrtime.bigint() / 1000n)
}

export interface LoadSettings { duration: number, connections: number }

let runs = 0

export async function measure (target: Target, settings: LoadSettings, redis: Redis): Promise<RunResult> {
  const histogram = new LatencyHistogram()
  const prefix = target.freshKeys === undefined ? undefined : `${target.freshKeys}${(runs++).toString(36)}-`
  let next = 0
  const statsBefore = await commandStats(redis)
  const cpuBefore = target.process.cpuMs()
  const startedUs = monotonicUs()
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: `${target.process.url}${createOrderPath}`,
      method: 'POST',
      connections: settings.connections,
      duration: settings.duration,
      headers: target.headers,
      body: target.body,
      requests: prefix === undefined
        ? undefined
        : [{
            setupRequest: (request) => {
              request.headers = { ...request.headers, 'idempotency-key': `${prefix}${(next++).toString(36)}` }
              return request
            }
          }]
    }, (err: unknown, res: autocannon.Result) => err != null ? reject(err) : resolve(res))
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) histogram.record(responseTime)
    })
  })
  const endedUs = monotonicUs()
  const ended = target.process.exited()
  if (ended !== undefined) throw new Error(`${target.process.name} stopped during the run (${ended}): nothing to measure`)
  const cpuAfter = target.process.cpuMs()
  const redisCommands = subtract(await commandStats(redis), statsBefore)
  const ok = result['2xx']
  const statusCodes: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0
  return {
    target: target.name,
    seconds: result.duration,
    rps: ok / result.duration,
    p50: histogram.percentile(50),
    p90: histogram.percentile(90),
    p99: histogram.percentile(99),
    ok,
    notOk: result.non2xx,
    errors: result.errors,
    statusCodes,
    cpuUsPerRequest: cpuBefore === undefined || cpuAfter === undefined || ok === 0 ? undefined : (cpuAfter - cpuBefore) * 1000 / ok,
    redisCommandsPerRequest: ok > 0 ? total(redisCommands) / ok : Number.NaN,
    redisScriptCallsPerRequest: ok > 0 ? ((redisCommands.evalsha ?? 0) + (redisCommands.eval ?? 0)) / ok : Number.NaN,
    redisByCommand: perRequest(redisCommands, ok),
    cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    startedUs,
    endedUs
  }
}
