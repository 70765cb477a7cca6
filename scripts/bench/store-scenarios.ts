// The store scenarios: what one request costs in Redis (round trips and commands, per script), how big a stored
// record is, and whether replay and first-request latency stay flat from 10k to 1M stored records.
import { performance } from 'node:perf_hooks'
import { createOrder, recordKey, resetStore, seedPeer, seedReplay, requestHeaders, orderBody, type Answer } from './fixture.js'
import type { Target } from './load.js'
import {
  commandStats, fillRecords, jobLease, memoryUsage, monitorSample, perRequest, subtract, total, usedMemory, type Counts
} from './redis-stats.js'
import { alternate, summarize, type ScenarioContext, type TargetSummary } from './rounds.js'
import { round } from './stats.js'

/** Only the periodic jobs (the reservation sweeper, the reconciler) send these, on a timer: no request's cost. */
const background = new Set(['smembers', 'zrangebyscore', jobLease])

export interface RedisCost {
  requests: number
  /** Commands clients sent per request (MONITOR): the round trips, auto-pipelining aside. */
  roundTripsPerRequest: number
  /** Those of the idempotency layer (its acquire, checkpoint, complete scripts). */
  idempotencyRoundTripsPerRequest: number
  sentPerRequest: Counts
  /** Every command Redis ran per request (INFO commandstats), including those inside scripts. */
  commandsPerRequest: number
  commandsByName: Counts
}

/**
 * The create-order flow by design: acquire, the risk rules, reserve, then checkpoint, order, attach and the reconcile
 * index together, complete (one script or command each).
 */
const firstRequestDesign: Counts = {
  'evalsha:idempotency/acquire': 1,
  'evalsha:risk/admit-order': 1,
  'evalsha:catalog/reserve': 1,
  zadd: 1,
  'evalsha:idempotency/checkpoint': 1,
  'evalsha:orders/create': 1,
  'evalsha:catalog/attach-order': 1,
  'evalsha:idempotency/complete': 1
}

/** Round trips of layers around the flow, reported apart: the audit stream (and a Redis-backed rate limiter, if configured). */
function isAroundTheFlow (command: string): boolean {
  return command.startsWith('evalsha:other script on ratelimit:') || command === 'xadd'
}

function expectCreated (answer: Answer): void {
  if (answer.status !== 201) throw new Error(`create-order answered ${answer.status}: ${answer.body}`)
}

export async function redisCostScenario (ctx: ScenarioContext): Promise<Record<string, unknown>> {
  const { fixture, options, log } = ctx
  await resetStore(fixture)
  const seed = await seedReplay(fixture, 'cost-seed')
  await seedPeer(seed, fixture.replayPeer)
  const cases: Array<{ name: string, send: (i: number) => Promise<Answer> }> = [
    { name: 'replay', send: async () => await createOrder(fixture.service, seed.key) },
    { name: 'replayNoCache', send: async () => await createOrder(fixture.serviceNoCache, seed.key) },
    { name: 'firstRequest', send: async (i) => await createOrder(fixture.service, `cost-first-${i}`) },
    { name: 'firstRequestNoRisk', send: async (i) => await createOrder(fixture.serviceNoRisk, `cost-norisk-${i}`) },
    { name: 'baselineReplay', send: async () => await createOrder(fixture.replayBaseline, seed.key) },
    { name: 'baselineFirstRequest', send: async (i) => await createOrder(fixture.firstRequestBaseline, `cost-base-${i}`) },
    { name: 'peerReplay', send: async () => await createOrder(fixture.replayPeer, seed.key) },
    { name: 'peerFirstRequest', send: async (i) => await createOrder(fixture.firstRequestPeer, `cost-peer-${i}`) }
  ]
  const results: Record<string, RedisCost> = {}
  for (const { name, send } of cases) {
    expectCreated(await send(-1)) // scripts loaded, connections open: the sample sees the steady state
    const n = options.monitorSamples
    const before = await commandStats(fixture.redis)
    const sample = await monitorSample(fixture.redisUrl, fixture.redis, async () => {
      for (let i = 0; i < n; i++) expectCreated(await send(i))
    })
    const ran = subtract(await commandStats(fixture.redis), before)
    for (const command of background) { delete ran[command]; delete sample.sent[command] }
    const idempotency = Object.entries(sample.sent)
      .filter(([command]) => /^evalsha?:idempotency\//.test(command)).reduce((sum, [, count]) => sum + count, 0)
    results[name] = {
      requests: n,
      roundTripsPerRequest: round(total(sample.sent) / n),
      idempotencyRoundTripsPerRequest: round(idempotency / n),
      sentPerRequest: roundCounts(perRequest(sample.sent, n)),
      commandsPerRequest: round(total(ran) / n),
      commandsByName: roundCounts(perRequest(ran, n))
    }
    log(`redis cost ${name}: ${results[name].roundTripsPerRequest} round trips, ${results[name].commandsPerRequest} commands per request`)
  }
  const flow = Object.fromEntries(Object.entries(results.firstRequest.sentPerRequest).filter(([command]) => !isAroundTheFlow(command)))
  const matchesDesign = Object.keys(flow).length === Object.keys(firstRequestDesign).length &&
    Object.entries(firstRequestDesign).every(([command, count]) => flow[command] === count)
  return {
    description: `${options.monitorSamples} sequential requests per case under MONITOR (round trips, named by script) and INFO commandstats (all commands, including those inside scripts)`,
    ...results,
    firstRequestDesign,
    firstRequestFlowRoundTrips: round(total(flow)),
    firstRequestMatchesDesign: matchesDesign
  }
}

function roundCounts (counts: Counts): Counts {
  return Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, round(n)]))
}

export async function memoryScenario (ctx: ScenarioContext): Promise<Record<string, unknown>> {
  const { fixture, options, log } = ctx
  await resetStore(fixture)
  const seed = await seedReplay(fixture, 'memory-seed')
  const key = recordKey(seed.key)
  const bodyBytes = Buffer.byteLength(seed.body)
  const usage = await memoryUsage(fixture.redis, key)
  const limit = 2 * bodyBytes + 300

  // What a whole first request leaves in Redis: the record, the order hash, the reservation and its expiry entry.
  const requests = options.quick ? 50 : 1000
  const beforeRequests = await usedMemory(fixture.redis)
  for (let i = 0; i < requests; i++) expectCreated(await createOrder(fixture.service, `memory-first-${i}`))
  const perFirstRequest = (await usedMemory(fixture.redis) - beforeRequests) / requests

  const keys = options.quick ? 2000 : 100_000
  const before = await usedMemory(fixture.redis)
  await fillRecords(fixture.redis, 0, keys, seed.record)
  const per100k = (await usedMemory(fixture.redis) - before) / keys * 100_000
  log(`memory: record ${usage} B for a ${bodyBytes} B body (limit ${limit} B); ${Math.round(per100k / 1048576)} MiB per 100k records`)
  return {
    description: 'MEMORY USAGE of the record stored for the seed create-order answer; used_memory growth per 100k such records and per first request',
    bodyBytes,
    recordBytes: Buffer.byteLength(seed.record),
    memoryUsageBytes: usage,
    limitBytes: limit,
    withinLimit: usage <= limit,
    usedMemoryPer100kRecordsBytes: Math.round(per100k),
    filledRecords: keys,
    usedMemoryPerFirstRequestBytes: Math.round(perFirstRequest),
    firstRequestsMeasured: requests
  }
}

export interface ScaleStep {
  storedRecords: number
  keysInRedisBefore: number
  keysInRedisAfter: number
  usedMemoryBytes: number
  fillSeconds: number
  replayNoCache: TargetSummary
  firstRequest: TargetSummary
}

export async function scaleScenario (ctx: ScenarioContext): Promise<Record<string, unknown>> {
  const { fixture, log } = ctx
  const steps: ScaleStep[] = []
  for (const count of ctx.options.scaleKeys) {
    await resetStore(fixture)
    const seed = await seedReplay(fixture, `scale-seed-${count}`)
    const started = performance.now()
    await fillRecords(fixture.redis, 0, count, seed.record)
    const fillSeconds = (performance.now() - started) / 1000
    const keysBefore = await fixture.redis.dbsize()
    log(`scale: ${count} records stored in ${fillSeconds.toFixed(1)} s (${keysBefore} keys in Redis)`)
    // Replay through the instance without a local cache, so every replay reads Redis.
    const targets: Target[] = [
      { name: 'replayNoCache', process: fixture.serviceNoCache, headers: { ...requestHeaders, 'idempotency-key': seed.key }, body: orderBody },
      { name: 'firstRequest', process: fixture.service, headers: requestHeaders, body: orderBody, freshKeys: `k${count}-` }
    ]
    const runs = await alternate(ctx, `scale ${count}`, targets)
    steps.push({
      storedRecords: count,
      keysInRedisBefore: keysBefore,
      keysInRedisAfter: await fixture.redis.dbsize(),
      usedMemoryBytes: await usedMemory(fixture.redis),
      fillSeconds: round(fillSeconds),
      replayNoCache: summarize(runs.get('replayNoCache') ?? []),
      firstRequest: summarize(runs.get('firstRequest') ?? [])
    })
  }
  const first = steps[0]
  const last = steps[steps.length - 1]
  return {
    description: 'replay (no local cache) and first-request latency with each number of stored records in Redis',
    steps,
    // The largest step over the smallest: 1 means no growth.
    replayP50Growth: round(last.replayNoCache.p50Ms.median / first.replayNoCache.p50Ms.median),
    replayP99Growth: round(last.replayNoCache.p99Ms.median / first.replayNoCache.p99Ms.median),
    firstRequestP50Growth: round(last.firstRequest.p50Ms.median / first.firstRequest.p50Ms.median),
    firstRequestP99Growth: round(last.firstRequest.p99Ms.median / first.firstRequest.p99Ms.median)
  }
}
