// The throughput scenarios: replay (same key and body) and first request (a fresh key each time), each against
// its baseline in the same run, and bursts of identical concurrent requests that must create one order each.
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import {
  expectReplayOf, orderBody, ordersCreated, requestHeaders, resetStore, seedReplay
} from './fixture.js'
import { createOrderPath, type Target } from './load.js'
import { alternate, ratio, summarize, type ScenarioContext, type TargetSummary } from './rounds.js'
import { LatencyHistogram, figure, roundFigure, type Figure } from './stats.js'

export interface ReplayResult {
  description: string
  bodyBytes: number
  targets: { service: TargetSummary, serviceNoCache: TargetSummary, baseline: TargetSummary }
  /** service req/s ÷ baseline req/s, per round. */
  ratio: Figure
  ratioNoCache: Figure
  /** Must be 0: a replay never reaches Razorpay. */
  ordersCreatedDuringRuns: number
}

export async function replayScenario (ctx: ScenarioContext): Promise<ReplayResult> {
  const { fixture } = ctx
  await resetStore(fixture)
  const seed = await seedReplay(fixture, 'replay-seed')
  await expectReplayOf(seed, fixture.serviceNoCache)
  const headers = { ...requestHeaders, 'idempotency-key': seed.key }
  const targets: Target[] = [
    { name: 'service', process: fixture.service, headers, body: orderBody },
    { name: 'serviceNoCache', process: fixture.serviceNoCache, headers, body: orderBody },
    { name: 'baseline', process: fixture.replayBaseline, headers, body: orderBody }
  ]
  const before = await ordersCreated(fixture)
  const runs = await alternate(ctx, 'replay', targets)
  const created = await ordersCreated(fixture) - before
  return {
    description: 'the same Idempotency-Key and body again and again; baseline: a bare Fastify route doing one Redis GET of a body of the same size',
    bodyBytes: Buffer.byteLength(seed.body),
    targets: {
      service: summarize(runs.get('service') ?? []),
      serviceNoCache: summarize(runs.get('serviceNoCache') ?? []),
      baseline: summarize(runs.get('baseline') ?? [])
    },
    ratio: ratio(runs, 'service', 'baseline'),
    ratioNoCache: ratio(runs, 'serviceNoCache', 'baseline'),
    ordersCreatedDuringRuns: created
  }
}

export interface FirstRequestResult {
  description: string
  targets: { service: TargetSummary, baseline: TargetSummary }
  ratio: Figure
  /** Razorpay orders the emulator created during the scenario (warm-up included). */
  ordersCreated: number
}

export async function firstRequestScenario (ctx: ScenarioContext): Promise<FirstRequestResult> {
  const { fixture } = ctx
  await resetStore(fixture)
  const targets: Target[] = [
    { name: 'service', process: fixture.service, headers: requestHeaders, body: orderBody, freshKeys: 's' },
    { name: 'baseline', process: fixture.firstRequestBaseline, headers: requestHeaders, body: orderBody, freshKeys: 'b' }
  ]
  const before = await ordersCreated(fixture)
  const runs = await alternate(ctx, 'first request', targets)
  return {
    description: 'a fresh Idempotency-Key per request through the whole create-order flow; baseline: a bare Fastify route calling the emulator\'s create-order through the same SDK',
    targets: { service: summarize(runs.get('service') ?? []), baseline: summarize(runs.get('baseline') ?? []) },
    ratio: ratio(runs, 'service', 'baseline'),
    ordersCreated: await ordersCreated(fixture) - before
  }
}

interface BurstOutcome { ms: number, statuses: number[], orderIds: Set<string>, executed: number }

async function burst (pool: Pool, key: string, size: number): Promise<BurstOutcome> {
  const started = performance.now()
  const answers = await Promise.all(Array.from({ length: size }, async () => {
    const response = await pool.request({
      path: createOrderPath,
      method: 'POST',
      headers: { ...requestHeaders, 'idempotency-key': key, prefer: 'wait=5' },
      body: orderBody
    })
    const text = await response.body.text()
    return { status: response.statusCode, replayed: response.headers['idempotent-replayed'] === 'true', text }
  }))
  const orderIds = new Set<string>()
  for (const answer of answers) {
    if (answer.status === 201) orderIds.add((JSON.parse(answer.text) as { orderId: string }).orderId)
  }
  return {
    ms: performance.now() - started,
    statuses: answers.map(a => a.status),
    orderIds,
    executed: answers.filter(a => a.status === 201 && !a.replayed).length
  }
}

export interface DuplicatesResult {
  description: string
  burstSize: number
  burstConcurrency: number
  requestsPerSecond: Figure
  burstsPerSecond: Figure
  burstP50Ms: Figure
  burstP99Ms: Figure
  bursts: number
  statusCodes: Record<string, number>
  /** Bursts whose answers were not all 201 with one order id and exactly one executed (not replayed). */
  burstsViolating: number
  /** Orders the emulator created ÷ bursts: exactly 1 when every burst created exactly one order. */
  ordersPerBurst: number
  exactlyOneOrderPerBurst: boolean
}

export async function duplicatesScenario (ctx: ScenarioContext): Promise<DuplicatesResult> {
  const { fixture, options, log } = ctx
  await resetStore(fixture)
  const pool = new Pool(fixture.service.url, { connections: options.burstSize * options.burstConcurrency })
  const statusCodes: Record<string, number> = {}
  const perRound: Array<{ rps: number, bps: number, p50: number, p99: number }> = []
  let violating = 0
  let keys = 0
  const runFor = async (seconds: number, record: boolean): Promise<void> => {
    const histogram = new LatencyHistogram()
    let requests = 0
    let done = 0
    const started = performance.now()
    const deadline = started + seconds * 1000
    await Promise.all(Array.from({ length: options.burstConcurrency }, async () => {
      while (performance.now() < deadline) {
        const outcome = await burst(pool, `dup-${(keys++).toString(36)}`, options.burstSize)
        if (!record) continue
        histogram.record(outcome.ms)
        requests += outcome.statuses.length
        done++
        for (const status of outcome.statuses) statusCodes[status] = (statusCodes[status] ?? 0) + 1
        if (outcome.executed !== 1 || outcome.orderIds.size !== 1 || outcome.statuses.some(s => s !== 201)) violating++
      }
    }))
    if (!record) return
    const elapsed = (performance.now() - started) / 1000
    perRound.push({ rps: requests / elapsed, bps: done / elapsed, p50: histogram.percentile(50), p99: histogram.percentile(99) })
  }
  try {
    if (options.warmup > 0) await runFor(options.warmup, false)
    const before = await ordersCreated(fixture)
    const burstsBefore = keys
    for (let round = 0; round < options.rounds; round++) {
      await runFor(options.duration, true)
      const last = perRound[perRound.length - 1]
      log(`duplicates round ${round + 1}/${options.rounds}: ${Math.round(last.rps)} req/s, ${Math.round(last.bps)} bursts/s, burst p50 ${last.p50.toFixed(2)} ms`)
    }
    const created = await ordersCreated(fixture) - before
    const started = keys - burstsBefore
    return {
      description: `bursts of ${options.burstSize} identical concurrent requests (one fresh key per burst, Prefer: wait=5), ${options.burstConcurrency} burst(s) in flight`,
      burstSize: options.burstSize,
      burstConcurrency: options.burstConcurrency,
      requestsPerSecond: roundFigure(figure(perRound.map(r => r.rps))),
      burstsPerSecond: roundFigure(figure(perRound.map(r => r.bps))),
      burstP50Ms: roundFigure(figure(perRound.map(r => r.p50))),
      burstP99Ms: roundFigure(figure(perRound.map(r => r.p99))),
      bursts: started,
      statusCodes,
      burstsViolating: violating,
      ordersPerBurst: started > 0 ? created / started : Number.NaN,
      exactlyOneOrderPerBurst: created === started && violating === 0
    }
  } finally {
    await pool.close()
  }
}
